import { describe, expect, it } from 'vitest';
import { ResultCache, cacheKey } from './result-cache.js';

describe('cache keys', () => {
  const base = { sql: 'SELECT 1', sources: [{ ref: 'a', id: 'v1' }, { ref: 'b', id: 'w1' }], maxRows: 10 };
  it('change with the SQL, a version id or the row limit, not with the order of sources', () => {
    const key = cacheKey(base);
    expect(cacheKey({ ...base, sources: [...base.sources].reverse() })).toBe(key);
    expect(cacheKey({ ...base, sql: 'SELECT 2' })).not.toBe(key);
    expect(cacheKey({ ...base, sources: [{ ref: 'a', id: 'v2' }, { ref: 'b', id: 'w1' }] })).not.toBe(key);
    expect(cacheKey({ ...base, maxRows: 11 })).not.toBe(key);
  });
});

describe('ResultCache', () => {
  const size = (v: string) => v.length;

  it('computes once for concurrent readers and answers repeats from memory', async () => {
    const cache = new ResultCache<string>();
    let runs = 0;
    const compute = async () => {
      runs++;
      await new Promise((r) => setTimeout(r, 5));
      return 'rows';
    };
    const [a, b] = await Promise.all([cache.get('k', compute, size), cache.get('k', compute, size)]);
    expect([a.value, b.value]).toEqual(['rows', 'rows']);
    expect(runs).toBe(1);
    expect((await cache.get('k', compute, size)).cached).toBe(true);
    expect(runs).toBe(1);
  });

  it('does not keep failures', async () => {
    const cache = new ResultCache<string>();
    await expect(cache.get('k', async () => Promise.reject(new Error('boom')), size)).rejects.toThrow('boom');
    expect((await cache.get('k', async () => 'ok', size)).value).toBe('ok');
  });

  it('drops the least recently used past its entry count or byte budget, and skips results too large', async () => {
    const cache = new ResultCache<string>({ maxEntries: 2, maxBytes: 40 });
    await cache.get('a', async () => 'aaaa', size);
    await cache.get('b', async () => 'bbbb', size);
    await cache.get('a', async () => 'unused', size);
    await cache.get('c', async () => 'cccc', size);
    expect([cache.has('a'), cache.has('b'), cache.has('c')]).toEqual([true, false, true]);
    await cache.get('big', async () => 'x'.repeat(11), size);
    expect(cache.has('big')).toBe(false);
    await cache.get('d', async () => 'd'.repeat(10), size);
    await cache.get('e', async () => 'e'.repeat(10), size);
    expect(cache.totalBytes).toBeLessThanOrEqual(40);
    expect(cache.size).toBe(2);
  });
});
