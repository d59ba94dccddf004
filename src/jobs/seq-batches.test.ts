import { describe, expect, it } from 'vitest';
import { seqBatches, serialFlusher } from './seq-batches.js';

describe('seqBatches', () => {
  it('numbers batches on from the next free seq and takes fresh seqs when another writer got there first', async () => {
    const taken = new Set<number>([1, 2]);
    const written: Array<{ line: string; seq: number }> = [];
    const nextSeq = async () => Math.max(0, ...taken) + 1;
    const batches = await seqBatches({ tables: ['logs'] as const, nextSeq, retries: 2 });
    const write = async (rows: Array<{ line: string; seq: number }>) => {
      if (rows.some((r) => taken.has(r.seq))) throw new Error('seq taken');
      for (const r of rows) taken.add(r.seq);
      written.push(...rows);
    };
    await batches.insert('logs', [{ line: 'a' }, { line: 'b' }], write);
    taken.add(5);
    await batches.insert('logs', [{ line: 'c' }], write);
    expect(written).toEqual([
      { line: 'a', seq: 3 },
      { line: 'b', seq: 4 },
      { line: 'c', seq: 6 },
    ]);
  });

  it('throws once the retries are spent', async () => {
    let calls = 0;
    const batches = await seqBatches({ tables: ['logs'] as const, nextSeq: async () => 1, retries: 2 });
    await expect(batches.insert('logs', [{ line: 'a' }], async () => { calls++; throw new Error('down'); })).rejects.toThrow('down');
    expect(calls).toBe(3);
  });
});

describe('serialFlusher', () => {
  it('writes batches in order and goes on after a failed write', async () => {
    const order: string[] = [];
    let buffered: string[] = [];
    const flusher = serialFlusher(() => {
      const batch = buffered;
      buffered = [];
      return async () => {
        if (batch.includes('bad')) throw new Error('write failed');
        order.push(...batch);
      };
    }, 60_000);
    buffered.push('a');
    void flusher.flush();
    buffered.push('bad');
    void flusher.flush();
    buffered.push('b');
    await flusher.close();
    expect(order).toEqual(['a', 'b']);
  });
});
