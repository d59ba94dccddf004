import { describe, expect, it } from 'vitest';
import { binCounts, cdfDistance, KllSketch } from './kll.js';

/** A seeded standard normal (Box–Muller over a small LCG). */
function normals(n: number, seed: number, shift = 0): Float64Array {
  let s = seed >>> 0;
  const u = () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) + 1) / 4294967297;
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) out[i] = Math.sqrt(-2 * Math.log(u())) * Math.cos(2 * Math.PI * u()) + shift;
  return out;
}

describe('KLL sketch', () => {
  it('keeps a fixed size and answers ranks within a fraction of a percent', () => {
    const s = new KllSketch();
    const n = 200_000;
    for (let i = 0; i < n; i++) s.update((i * 7919) % n);
    expect(s.count).toBe(n);
    const items = s.toJson().data.reduce((k, l) => k + l.length, 0);
    expect(items).toBeLessThan(2048 / (1 - 0.64) + 2048);
    const w = s.weighted();
    for (const q of [0.1, 0.5, 0.9]) {
      const x = q * n;
      let i = 0;
      while (i < w.values.length && w.values[i] <= x) i++;
      expect(Math.abs(w.cumulative[i - 1] / n - q)).toBeLessThan(0.01);
    }
  });

  it('round-trips through its JSON', () => {
    const s = new KllSketch(64);
    for (let i = 0; i < 10_000; i++) s.update(i);
    const back = KllSketch.fromJson(JSON.parse(JSON.stringify(s.toJson())));
    expect(back.count).toBe(10_000);
    expect(cdfDistance(s, back)).toBe(0);
  });

  it('measures the CDF distance of a 0.3 sigma shift (about 0.12) and none between two samples of one distribution', () => {
    const a = new KllSketch();
    const b = new KllSketch();
    const c = new KllSketch();
    for (const x of normals(100_000, 1)) a.update(x);
    for (const x of normals(100_000, 2)) b.update(x);
    for (const x of normals(100_000, 3, 0.3)) c.update(x);
    expect(cdfDistance(a, b)).toBeLessThan(0.02);
    expect(cdfDistance(a, c)).toBeGreaterThan(0.1);
    expect(cdfDistance(a, c)).toBeLessThan(0.14);
  });

  it('estimates bin counts that sum to the count', () => {
    const s = new KllSketch();
    for (let i = 0; i < 1000; i++) s.update(i % 10);
    const counts = binCounts(s, [0, 2.5, 5, 7.5, 9]);
    expect(counts.reduce((a, b) => a + b, 0)).toBe(1000);
    expect(counts[0]).toBe(300);
  });
});
