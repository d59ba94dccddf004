import { describe, expect, it } from 'vitest';
import { binaryMetrics, multiclassMetrics, regressionMetrics, rocAuc } from './metrics.js';

describe('binary metrics', () => {
  const actual: (0 | 1)[] = [1, 1, 1, 0, 0, 0, 1, 0];
  const predicted: (0 | 1)[] = [1, 0, 1, 0, 1, 0, 1, 0];
  const scores = [0.9, 0.4, 0.8, 0.1, 0.6, 0.3, 0.7, 0.2];

  it('counts the confusion matrix and its rates', () => {
    const m = binaryMetrics(actual, predicted, scores);
    expect(m.confusion_matrix).toEqual({ '0': { '0': 3, '1': 1 }, '1': { '0': 1, '1': 3 } });
    expect(m.accuracy).toBe(0.75);
    expect(m.precision).toBe(0.75);
    expect(m.recall).toBe(0.75);
    expect(m.f1).toBe(0.75);
    expect(m.false_positive_rate).toBe(0.25);
    expect(m.true_negative_rate).toBe(0.75);
    expect(m.false_negative_rate).toBe(0.25);
  });

  it('computes AUC as the share of positive-negative pairs ranked right (15 of 16 here)', () => {
    expect(binaryMetrics(actual, predicted, scores).auc).toBe(0.9375);
  });

  it('counts a tied pair as half (sklearn roc_auc_score)', () => {
    expect(rocAuc([0, 1], [0.5, 0.5])).toBe(0.5);
    // sklearn: roc_auc_score([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8]) == 0.75
    expect(rocAuc([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8])).toBe(0.75);
    expect(rocAuc([0, 0, 1, 1], [0.1, 0.5, 0.5, 0.8])).toBe(0.875);
  });

  it('has no AUC with one class or without scores, and 0 precision when nothing is predicted positive', () => {
    expect(rocAuc([1, 1], [0.2, 0.9])).toBeNull();
    const m = binaryMetrics([1, 0], [0, 0]);
    expect(m.auc).toBeNull();
    expect(m.precision).toBe(0);
    expect(m.f1).toBe(0);
    expect(m.accuracy).toBe(0.5);
  });
});

describe('multiclass metrics', () => {
  it("matches sklearn's documented example (macro and weighted averages)", () => {
    // sklearn docs: y_true = [0, 1, 2, 0, 1, 2], y_pred = [0, 2, 1, 0, 0, 1]
    const m = multiclassMetrics(['0', '1', '2', '0', '1', '2'], ['0', '2', '1', '0', '0', '1']);
    expect(m.accuracy).toBeCloseTo(1 / 3, 12);
    expect(m.precision).toBeCloseTo(2 / 9, 12); // 0.22…
    expect(m.recall).toBeCloseTo(1 / 3, 12);
    expect(m.f1).toBeCloseTo(0.8 / 3, 12); // 0.26…
    expect(m.weighted_f1).toBeCloseTo(0.8 / 3, 12);
    expect(m.confusion_matrix['0']).toEqual({ '0': 2, '1': 0, '2': 0 });
    expect(m.confusion_matrix['1']).toEqual({ '0': 1, '1': 0, '2': 1 });
    expect(m.confusion_matrix['2']).toEqual({ '0': 0, '1': 2, '2': 0 });
  });

  it('weights by support and includes labels only predicted', () => {
    const m = multiclassMetrics(['a', 'a', 'a', 'b'], ['a', 'a', 'c', 'b']);
    // a: P=1 R=2/3 F=0.8 (support 3); b: 1 1 1 (support 1); c: 0 0 0 (support 0)
    expect(m.precision).toBeCloseTo(2 / 3, 12);
    expect(m.recall).toBeCloseTo((2 / 3 + 1) / 3, 12);
    expect(m.f1).toBeCloseTo(1.8 / 3, 12);
    expect(m.weighted_recall).toBeCloseTo(0.75, 12);
    expect(m.weighted_f1).toBeCloseTo((0.8 * 3 + 1) / 4, 12);
    expect(Object.keys(m.confusion_matrix)).toEqual(['a', 'b', 'c']);
  });
});

describe('regression metrics', () => {
  it("matches sklearn's documented example", () => {
    // sklearn docs: y_true = [3, -0.5, 2, 7], y_pred = [2.5, 0.0, 2, 8]
    const m = regressionMetrics([3, -0.5, 2, 7], [2.5, 0, 2, 8]);
    expect(m.mae).toBe(0.5);
    expect(m.mse).toBe(0.375);
    expect(m.rmse).toBeCloseTo(Math.sqrt(0.375), 12);
    expect(m.r2).toBeCloseTo(0.9486081370449679, 12);
  });

  it('gives R² 1 for a perfect fit of a constant target and 0 otherwise', () => {
    expect(regressionMetrics([2, 2], [2, 2]).r2).toBe(1);
    expect(regressionMetrics([2, 2], [1, 3]).r2).toBe(0);
  });
});
