import { describe, expect, it } from 'vitest';
import { buildWarnings, columnKind, countOutliers, imbalanceOf, isConstant, isHighCardinality, isIdLike, resolveProblemType } from './detectors.js';
import type { DataQualityColumn } from './types.js';

const counts = (over: Partial<Parameters<typeof isIdLike>[0]>) => ({ type: 'BIGINT', rows: 100, missing: 0, distinct: 50, min: 0, max: 49, ...over });

describe('column rules', () => {
  it('reads DuckDB types as kinds', () => {
    expect(['BIGINT', 'DOUBLE', 'DECIMAL(18,3)', 'FLOAT'].map(columnKind)).toEqual(['numeric', 'numeric', 'numeric', 'numeric']);
    expect(['VARCHAR', 'BOOLEAN', 'DATE', 'TIMESTAMP WITH TIME ZONE', 'STRUCT(a BIGINT)'].map(columnKind)).toEqual(['categorical', 'boolean', 'temporal', 'temporal', 'other']);
  });

  it('finds ID-like columns: all-distinct integers or text, and row-number sequences, never floats', () => {
    expect(isIdLike(counts({ distinct: 100, min: 1, max: 100 }))).toBe(true);
    expect(isIdLike(counts({ distinct: 100, min: 10, max: 5000 }))).toBe(true);
    expect(isIdLike(counts({ type: 'VARCHAR', distinct: 100, min: 'a', max: 'z' }))).toBe(true);
    expect(isIdLike(counts({ type: 'DOUBLE', distinct: 100, min: 0.1, max: 9.9 }))).toBe(false);
    expect(isIdLike(counts({ distinct: 98 }))).toBe(false);
    // Many missing values: not a key.
    expect(isIdLike(counts({ type: 'VARCHAR', missing: 40, distinct: 60 }))).toBe(false);
  });

  it('finds constant and high-cardinality columns', () => {
    expect(isConstant(counts({ distinct: 1 }))).toBe(true);
    expect(isConstant(counts({ distinct: 0, missing: 100 }))).toBe(true);
    expect(isConstant(counts({ distinct: 2 }))).toBe(false);
    expect(isHighCardinality(counts({ type: 'VARCHAR', rows: 10_000, distinct: 101 }))).toBe(true);
    expect(isHighCardinality(counts({ type: 'VARCHAR', rows: 100, distinct: 60 }))).toBe(true);
    expect(isHighCardinality(counts({ type: 'VARCHAR', rows: 10_000, distinct: 100 }))).toBe(false);
    expect(isHighCardinality(counts({ type: 'BIGINT', rows: 10_000, distinct: 5000 }))).toBe(false);
  });

  it('counts robust outliers by the modified z-score, also when the MAD is zero', () => {
    const values = [...Array.from({ length: 200 }, (_, i) => i % 10), 500, -400, 1e6];
    expect(countOutliers(values)).toMatchObject({ count: 3, median: 5 });
    // Half the values equal: the MAD is 0 and the mean absolute deviation takes over.
    expect(countOutliers([...Array(60).fill(1), ...Array.from({ length: 40 }, (_, i) => 1 + (i % 3)), 90]).count).toBe(1);
    expect(countOutliers(Array(50).fill(7)).count).toBe(0);
  });
});

describe('targets', () => {
  it('resolves the problem type from the column, or says why it cannot', () => {
    expect(resolveProblemType('auto', { type: 'BIGINT', distinct: 2 })).toEqual({ type: 'binary' });
    expect(resolveProblemType('auto', { type: 'BIGINT', distinct: 7 })).toEqual({ type: 'multiclass' });
    expect(resolveProblemType('auto', { type: 'DOUBLE', distinct: 7 })).toEqual({ type: 'regression' });
    expect(resolveProblemType('auto', { type: 'BIGINT', distinct: 300 })).toEqual({ type: 'regression' });
    expect(resolveProblemType('auto', { type: 'VARCHAR', distinct: 12 })).toEqual({ type: 'multiclass' });
    expect(resolveProblemType('auto', { type: 'VARCHAR', distinct: 500 })).toMatchObject({ problem: expect.stringMatching(/too many classes/) });
    expect(resolveProblemType('binary', { type: 'BIGINT', distinct: 3 })).toMatchObject({ problem: expect.stringMatching(/binary target has 2/) });
    expect(resolveProblemType('regression', { type: 'VARCHAR', distinct: 30 })).toMatchObject({ problem: expect.stringMatching(/regression target is numeric/) });
    expect(resolveProblemType('auto', { type: 'BIGINT', distinct: 1 })).toMatchObject({ problem: expect.stringMatching(/single value/) });
  });

  it('measures imbalance as the smallest class share and the largest-to-smallest ratio', () => {
    expect(imbalanceOf([{ value: 0, count: 950 }, { value: 1, count: 50 }])).toEqual({ minorityClass: 1, minorityShare: 0.05, ratio: 19 });
    expect(imbalanceOf([{ value: 'a', count: 1 }])).toBeNull();
  });
});

describe('warnings', () => {
  const column = (over: Partial<DataQualityColumn>): DataQualityColumn => ({
    name: 'c', type: 'DOUBLE', kind: 'numeric', missing: 0, missingShare: 0, distinct: 10, distinctShare: 0.1, idLike: false, constant: false, highCardinality: false,
    outliers: null, min: 0, max: 1, mean: 0.5, histogram: null, topValues: [], predictivePower: null, ...over,
  });

  it('lists findings most severe first, and leaves the target out of the column checks', () => {
    const warnings = buildWarnings({
      rows: 1000,
      duplicateRows: 5,
      columns: [
        column({ name: 'a', missing: 600, missingShare: 0.6 }),
        column({ name: 'id', idLike: true, distinct: 1000 }),
        column({ name: 'y', missing: 3, missingShare: 0.003 }),
        column({ name: 'k', constant: true, distinct: 1 }),
      ],
      target: { column: 'y', problemType: 'binary', missing: 3, classes: null, imbalance: { minorityClass: 1, minorityShare: 0.004, ratio: 249 }, leakage: [{ column: 'a', score: 0.995, metric: 'auc' }] },
      importance: null,
      modelSkipped: null,
      notAnalysed: [],
    });
    expect(warnings.map((w) => [w.severity, w.kind, w.column ?? null])).toEqual([
      ['high', 'missing-values', 'a'],
      ['high', 'target-missing', 'y'],
      ['high', 'class-imbalance', 'y'],
      ['high', 'target-leakage', 'a'],
      ['medium', 'id-like-column', 'id'],
      ['medium', 'constant-column', 'k'],
      ['low', 'duplicate-rows', null],
    ]);
    expect(warnings[3].message).toMatch(/AUC 0\.9950/);
  });
});
