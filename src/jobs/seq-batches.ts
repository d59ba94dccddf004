/**
 * Numbered batch writes for a job's append-only tables (log lines, metric points).
 *
 * Seqs are given at write time, not when an item is buffered: when another writer of the
 * same job wrote meanwhile (another instance, or an attempt that lost its lease and has not
 * noticed yet), the insert fails on the taken seqs and the batch is retried with the next
 * free ones instead of being lost.
 */
export interface SeqBatches<K extends string> {
  /** Inserts `items` numbered from the table's next free seq; retries with fresh seqs when the insert fails. */
  insert<T>(table: K, items: T[], write: (rows: Array<T & { seq: number }>) => Promise<void>): Promise<void>;
}

export interface SeqBatchesOptions<K extends string> {
  tables: readonly K[];
  /** The next free seq of a table (for the job the batches belong to). */
  nextSeq: (table: K) => Promise<number>;
  /** How many times a failed insert is retried before its error is thrown. */
  retries: number;
}

export async function seqBatches<K extends string>(options: SeqBatchesOptions<K>): Promise<SeqBatches<K>> {
  const next = {} as Record<K, number>;
  for (const table of options.tables) next[table] = await options.nextSeq(table);
  return {
    async insert<T>(table: K, items: T[], write: (rows: Array<T & { seq: number }>) => Promise<void>) {
      for (let tries = 0; items.length > 0; tries++) {
        const base = next[table];
        try {
          await write(items.map((item, i) => ({ ...item, seq: base + i })));
          next[table] = base + items.length;
          return;
        } catch (err) {
          if (tries >= options.retries) throw err;
          next[table] = await options.nextSeq(table);
        }
      }
    },
  };
}

export interface SerialFlusher {
  /** Takes what is buffered now and writes it after the writes before it. */
  flush(): Promise<void>;
  /** Stops the timer and writes what is buffered. */
  close(): Promise<void>;
}

/**
 * Writes buffered output one batch after another, every `everyMs` and on demand.
 * `take` runs at flush time: it empties the buffers and returns the write of what they
 * held. A failed write is dropped (the job's output is best effort; the job goes on).
 */
export function serialFlusher(take: () => () => Promise<void>, everyMs: number): SerialFlusher {
  let writing: Promise<void> = Promise.resolve();
  const flush = () => {
    const write = take();
    writing = writing.then(write).catch(() => undefined);
    return writing;
  };
  const timer = setInterval(() => void flush(), everyMs);
  return {
    flush,
    close() {
      clearInterval(timer);
      return flush();
    },
  };
}
