import { describe, expect, it } from 'vitest';
import { auc, aucOfCounts, holdoutMask, r2, singleFeatureScore } from './scoring.js';

function rng(seed: number) {
  let s = seed >>> 0;
  return () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 4294967296);
}

describe('scores', () => {
  it('computes AUC with ties counted half, and R²', () => {
    expect(auc([0.1, 0.4, 0.35, 0.8], [0, 0, 1, 1])).toBe(0.75);
    expect(auc([0.5, 0.5], [0, 1])).toBe(0.5);
    expect(auc([1, 2], [1, 1])).toBeNull();
    expect(r2([1, 2, 3], [1, 2, 3])).toBe(1);
    expect(r2([1, 2, 3], [2, 2, 2])).toBe(0);
  });

  it('computes the same AUC from scored buckets of counts as from the rows', () => {
    const rand = rng(9);
    const scores = Array.from({ length: 500 }, () => Math.floor(rand() * 8));
    const labels = scores.map((v) => (rand() < v / 10 ? 1 : 0));
    const buckets = Array.from({ length: 8 }, (_, s) => ({ score: s, pos: 0, neg: 0 }));
    scores.forEach((v, i) => (labels[i] ? buckets[v].pos++ : buckets[v].neg++));
    expect(aucOfCounts(buckets)!.auc).toBeCloseTo(auc(scores, labels)!, 12);
    expect(aucOfCounts([{ score: 1, pos: 3, neg: 0 }])).toBeNull();
  });

  it('holds out about the given share of rows, the same ones every time', () => {
    const mask = holdoutMask(10_000);
    const held = mask.reduce((a, b) => a + b, 0);
    expect(held).toBeGreaterThan(2800);
    expect(held).toBeLessThan(3200);
    expect(holdoutMask(10_000)).toEqual(mask);
  });

  it('scores a column that decides the target near 1 and noise near chance', () => {
    const rand = rng(3);
    const n = 4000;
    const x = Float64Array.from({ length: n }, () => rand());
    const noise = Float64Array.from({ length: n }, () => rand());
    const y = Float64Array.from(x, (v) => (v > 0.7 ? 1 : 0));
    const holdout = holdoutMask(n);
    const target = { problemType: 'binary' as const, y, classes: 2 };
    expect(singleFeatureScore({ kind: 'numeric', values: x }, target, holdout)).toBeGreaterThanOrEqual(0.99);
    const chance = singleFeatureScore({ kind: 'numeric', values: noise }, target, holdout)!;
    expect(Math.abs(chance - 0.5)).toBeLessThan(0.08);
    // Categories that are the classes under other names leak; unique codes (an ID) do not.
    const codes = Int32Array.from(y, (v) => (v ? 7 : 2));
    expect(singleFeatureScore({ kind: 'categorical', codes }, target, holdout)).toBe(1);
    const ids = Int32Array.from({ length: n }, (_, i) => i);
    expect(singleFeatureScore({ kind: 'categorical', codes: ids }, target, holdout)).toBe(0.5);
  });

  it('scores regression by held-out R², and multiclass by weighted one-vs-rest AUC', () => {
    const rand = rng(5);
    const n = 3000;
    const x = Float64Array.from({ length: n }, () => rand() * 10);
    const y = Float64Array.from(x, (v) => 3 * v + 1);
    const holdout = holdoutMask(n);
    expect(singleFeatureScore({ kind: 'numeric', values: x }, { problemType: 'regression', y, classes: 1 }, holdout)).toBeGreaterThan(0.99);
    const noisy = Float64Array.from(x, (v) => v + (rand() - 0.5) * 20);
    const partial = singleFeatureScore({ kind: 'numeric', values: x }, { problemType: 'regression', y: noisy, classes: 1 }, holdout)!;
    expect(partial).toBeGreaterThan(0.1);
    expect(partial).toBeLessThan(0.5);
    const classes = Float64Array.from(x, (v) => Math.min(2, Math.floor(v / 3.4)));
    expect(singleFeatureScore({ kind: 'numeric', values: x }, { problemType: 'multiclass', y: classes, classes: 3 }, holdout)).toBeGreaterThan(0.99);
  });
});
