import { describe, expect, it } from 'vitest';
import { auc, ensembleSelection, isMaximized, metric, metrics } from './index.js';

// Expected values computed once with scikit-learn 1.2.1 (Debian python3-sklearn) on the
// same arrays: roc_auc_score, f1_score (binary / average='macro'), accuracy_score,
// log_loss, mean_squared_error, mean_absolute_error, r2_score; the multiclass AUC with
// multi_class='ovr', average='macro'.
const yb = [0, 1, 1, 0, 1, 0, 0, 1, 1, 0];
const pb = [0.1, 0.8, 0.4, 0.4, 0.9, 0.2, 0.6, 0.4, 0.7, 0.3];
const probsB = pb.flatMap((p) => [1 - p, p]);
const ym = [0, 1, 2, 2, 1, 0, 1, 2];
const pm = [
  [0.7, 0.2, 0.1], [0.1, 0.6, 0.3], [0.2, 0.2, 0.6], [0.3, 0.4, 0.3],
  [0.2, 0.5, 0.3], [0.5, 0.25, 0.25], [0.4, 0.3, 0.3], [0.1, 0.1, 0.8],
].flat();
const yr = [3.0, -0.5, 2.0, 7.0, 4.2];
const pr = [2.5, 0.0, 2.0, 8.0, 3.9];

describe('metrics match scikit-learn', () => {
  it('binary: auc with tied scores, f1 of class 1, accuracy, logloss', () => {
    expect(auc(yb, pb)).toBeCloseTo(0.88, 12);
    expect(metrics('binary', yb, probsB, 2)).toEqual({
      auc: expect.closeTo(0.88, 12),
      f1: expect.closeTo(0.6666666666666665, 12),
      accuracy: expect.closeTo(0.7, 12),
      logloss: expect.closeTo(0.4630055841209992, 12),
    });
  });

  it('multiclass: macro one-vs-rest auc, macro f1, accuracy, logloss', () => {
    expect(metrics('multiclass', ym, pm, 3)).toEqual({
      auc: expect.closeTo(0.9444444444444443, 12),
      f1: expect.closeTo(0.7555555555555555, 12),
      accuracy: expect.closeTo(0.75, 12),
      logloss: expect.closeTo(0.6744637140695857, 12),
    });
  });

  it('regression: mse, rmse, mae, r2', () => {
    expect(metrics('regression', yr, pr, 1)).toEqual({
      mse: expect.closeTo(0.318, 12),
      rmse: expect.closeTo(0.5639148871948674, 12),
      mae: expect.closeTo(0.4600000000000001, 12),
      r2: expect.closeTo(0.9480256276150627, 12),
    });
  });

  it('edge cases: one class only, constant labels, macro f1 over present classes', () => {
    expect(auc([1, 1, 1], [0.2, 0.3, 0.4])).toBeNaN();
    expect(metric('r2', 'regression', [2, 2, 2], [2, 2, 2], 1)).toBe(1);
    expect(metric('r2', 'regression', [2, 2, 2], [1, 2, 3], 1)).toBe(0);
    // Class 2 never appears in labels or predictions: the mean runs over classes 0 and 1.
    const probs = [0.9, 0.1, 0, 0.2, 0.8, 0, 0.6, 0.4, 0];
    expect(metric('f1', 'multiclass', [0, 1, 1], probs, 3)).toBeCloseTo((2 / 3 + 2 / 3) / 2, 12);
    expect(isMaximized('auc')).toBe(true);
    expect(isMaximized('logloss')).toBe(false);
    expect(isMaximized('r2')).toBe(true);
    expect(isMaximized('rmse')).toBe(false);
  });
});

describe('ensemble selection', () => {
  it('weights sum to 1 and the blend beats every member when the errors cancel', () => {
    const y = [1, 2, 3, 4, 5, 6];
    const a = y.map((v) => v + 1);
    const b = y.map((v) => v - 1);
    const c = y.map((v, i) => v + (i % 2 ? 3 : -3));
    const s = ensembleSelection({ predictions: [a, b, c], score: (p) => metric('mse', 'regression', y, p, 1), maximize: false, rounds: 10 });
    expect(s.weights.reduce((x, w) => x + w, 0)).toBeCloseTo(1, 12);
    expect(s.weights[0]).toBeCloseTo(0.5, 12);
    expect(s.weights[1]).toBeCloseTo(0.5, 12);
    expect(s.weights[2]).toBe(0);
    expect(s.score).toBeCloseTo(0, 12);
  });

  it('keeps a single best member when adding others never helps, and cuts back to the best round', () => {
    const y = [0, 1, 0, 1];
    const goodProbs = [0.9, 0.1, 0.1, 0.9, 0.8, 0.2, 0.2, 0.8];
    const bad = [0.2, 0.8, 0.9, 0.1, 0.3, 0.7, 0.6, 0.4];
    const s = ensembleSelection({ predictions: [bad, goodProbs], score: (p) => metric('logloss', 'binary', y, p, 2), maximize: false, rounds: 5 });
    expect(s.weights).toEqual([0, 1]);
    expect(s.trajectory).toHaveLength(5);
    expect(s.score).toBeCloseTo(metric('logloss', 'binary', y, goodProbs, 2), 12);
  });
});
