import { describe, expect, it } from 'vitest';
import { RandomSource } from './random-source.js';
import { resolveScaling, SearchSpace } from './search-space.js';
import type { ParameterRange } from './types.js';

const ranges: ParameterRange[] = [
  { name: 'eta', type: 'continuous', min: 0.001, max: 1, scaling: 'Logarithmic' },
  { name: 'momentum', type: 'continuous', min: 0.5, max: 0.999, scaling: 'ReverseLogarithmic' },
  { name: 'depth', type: 'integer', min: 2, max: 5, scaling: 'Linear' },
  { name: 'booster', type: 'categorical', values: ['gbtree', 'dart', 'gblinear'] },
];

describe('SearchSpace', () => {
  const space = new SearchSpace(ranges);

  it('maps each scaling onto the unit axis', () => {
    // Logarithmic: the midpoint is the geometric mean.
    expect(space.valueAt(0, 0.5)).toBeCloseTo(Math.sqrt(0.001), 12);
    // ReverseLogarithmic: 1 − x is log-uniform, so the midpoint of 1 − x is geometric.
    expect(1 - (space.valueAt(1, 0.5) as number)).toBeCloseTo(Math.sqrt(0.5 * 0.001), 12);
    expect(space.valueAt(1, 0)).toBeCloseTo(0.5, 12);
    expect(space.valueAt(1, 1)).toBeCloseTo(0.999, 12);
    expect(space.valueAt(3, 0.5)).toBe('dart');
  });

  it('gives every integer the same share of its axis', () => {
    const counts = new Map<number, number>();
    for (let i = 0; i < 4000; i++) {
      const v = space.valueAt(2, (i + 0.5) / 4000) as number;
      counts.set(v, (counts.get(v) ?? 0) + 1);
    }
    expect([...counts.entries()].sort()).toEqual([[2, 1000], [3, 1000], [4, 1000], [5, 1000]]);
  });

  it('round-trips points and snaps integers and categoricals to cell centres', () => {
    const p = { eta: 0.01, momentum: 0.9, depth: 4, booster: 'gblinear' };
    const u = space.toUnit(p)!;
    expect(space.decode(u).eta).toBeCloseTo(0.01, 12);
    expect(space.decode(u).momentum).toBeCloseTo(0.9, 12);
    expect(space.decode(u)).toMatchObject({ depth: 4, booster: 'gblinear' });
    expect(space.toUnit({ ...p, booster: 'unknown' })).toBeNull();
    expect(space.toUnit({ eta: 0.01 })).toBeNull();
    const snapped = space.snap(Float64Array.from([0.3, 0.3, 0.3, 0.3]));
    expect(snapped[2]).toBeCloseTo(0.375, 12);
    expect(snapped[3]).toBeCloseTo(0.5 / 3, 12);
  });

  it('encodes categoricals one-hot for the Gaussian process', () => {
    expect(space.encodedSize).toBe(6);
    const out = new Float64Array(6);
    space.encode(Float64Array.from([0.1, 0.2, 0.3, 0.9]), out);
    expect(Array.from(out.subarray(3))).toEqual([0, 0, 1]);
  });

  it('samples valid values only', () => {
    const rng = new RandomSource(1);
    for (let i = 0; i < 200; i++) {
      const p = space.decode(space.sampleUnit(rng));
      expect(p.eta).toBeGreaterThanOrEqual(0.001);
      expect(p.eta).toBeLessThanOrEqual(1);
      expect(Number.isInteger(p.depth)).toBe(true);
      expect(['gbtree', 'dart', 'gblinear']).toContain(p.booster);
    }
  });

  it('Auto picks a log scale for positive ranges spanning two decades or more', () => {
    expect(resolveScaling({ name: 'a', type: 'continuous', min: 1e-4, max: 1, scaling: 'Auto' })).toBe('Logarithmic');
    expect(resolveScaling({ name: 'a', type: 'continuous', min: 0, max: 1, scaling: 'Auto' })).toBe('Linear');
    expect(resolveScaling({ name: 'a', type: 'integer', min: 1, max: 10, scaling: 'Auto' })).toBe('Linear');
  });

  it('knows the size of finite spaces', () => {
    expect(space.cardinality()).toBe(Infinity);
    expect(new SearchSpace(ranges.slice(2)).cardinality()).toBe(12);
  });
});
