import { createHash } from 'node:crypto';

/** What a cache key is made of: the exact SQL that runs and the dataset versions it reads. */
export interface CacheKeyParts {
  /** The SQL as run: the chart's SELECT with the filters (and histogram) wrapped around it. */
  sql: string;
  /** Each dataset the SQL reads and the version id it resolved to. */
  sources: readonly { ref: string; id: string }[];
  /** Rows kept at most (a different limit is a different answer). */
  maxRows: number;
}

/**
 * A result's key: sha256 over the SQL as run (the chart's SELECT with its filters' values
 * in it) and the version ids of the datasets it reads, sorted. A new version of a dataset
 * changes the id its name resolves to, so the next read misses and runs the query again.
 */
export function cacheKey(parts: CacheKeyParts): string {
  const sources = [...parts.sources].map((s) => [s.ref, s.id]).sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  return createHash('sha256').update(JSON.stringify([parts.sql, sources, parts.maxRows])).digest('hex');
}

export interface ResultCacheOptions {
  /** @default 500 */
  maxEntries?: number;
  /** Budget for the values kept, measured as their JSON size. @default 64 MiB */
  maxBytes?: number;
}

/**
 * A bounded in-memory cache of query results, least recently used out first, within an
 * entry count and a byte budget (a result larger than a quarter of the budget is not
 * kept). Concurrent reads of a missing key share one computation, so a dashboard opened
 * by many viewers at once runs each query once. Failures are not cached.
 */
export class ResultCache<T> {
  private readonly entries = new Map<string, { value: T; bytes: number }>();
  private readonly running = new Map<string, Promise<T>>();
  private bytes = 0;
  private readonly maxEntries: number;
  private readonly maxBytes: number;

  constructor(options: ResultCacheOptions = {}) {
    this.maxEntries = options.maxEntries ?? 500;
    this.maxBytes = options.maxBytes ?? 64 * 1024 * 1024;
  }

  /** The cached value, or `compute()`'s (kept when it fits); `cached` tells which. */
  async get(key: string, compute: () => Promise<T>, size: (value: T) => number): Promise<{ value: T; cached: boolean }> {
    const hit = this.entries.get(key);
    if (hit) {
      // Map order is insertion order: moving the entry to the end makes it the newest.
      this.entries.delete(key);
      this.entries.set(key, hit);
      return { value: hit.value, cached: true };
    }
    const pending = this.running.get(key);
    if (pending) return { value: await pending, cached: true };
    const work = compute();
    this.running.set(key, work);
    try {
      const value = await work;
      this.put(key, value, size(value));
      return { value, cached: false };
    } finally {
      this.running.delete(key);
    }
  }

  /** Whether a key is held (tests and the bench look). */
  has(key: string): boolean {
    return this.entries.has(key);
  }

  get size(): number {
    return this.entries.size;
  }

  get totalBytes(): number {
    return this.bytes;
  }

  clear(): void {
    this.entries.clear();
    this.bytes = 0;
  }

  private put(key: string, value: T, bytes: number): void {
    if (bytes > this.maxBytes / 4) return;
    const old = this.entries.get(key);
    if (old) {
      this.entries.delete(key);
      this.bytes -= old.bytes;
    }
    this.entries.set(key, { value, bytes });
    this.bytes += bytes;
    for (const [oldest, entry] of this.entries) {
      if (this.entries.size <= this.maxEntries && this.bytes <= this.maxBytes) break;
      this.entries.delete(oldest);
      this.bytes -= entry.bytes;
    }
  }
}
