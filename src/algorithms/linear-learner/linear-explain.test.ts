import { describe, expect, it } from 'vitest';
import { linearPredictor } from './linear-model.js';

describe('linear-learner explanations', () => {
  it('w·(x − mean) per feature with the base b + w·mean: the columns sum to the log-odds, a missing value contributes 0', () => {
    const p = linearPredictor({ predictorType: 'binary_classifier', loss: 'logistic', featureDim: 3, outputs: 1, weights: [0.5, -2, 1], bias: [0.25], mean: [1, 0, 2] });
    const x = Float32Array.of(3, 1, NaN, 0, 0, 0);
    const e = p.explain!(x, 2);
    expect(e.outputs).toBe(1);
    expect(Array.from(e.values.slice(0, 4))).toEqual([0.5 * 2, -2 * 1, 0, 0.25 + 0.5 + 2]);
    const probs = p.predict(x, 2).values;
    for (let r = 0; r < 2; r++) {
      const margin = e.values.slice(r * 4, r * 4 + 4).reduce((s, v) => s + v, 0);
      expect(1 / (1 + Math.exp(-margin))).toBeCloseTo(probs[r], 6);
    }
  });

  it('multiclass: one set of columns per class, each summing to that class score', () => {
    const p = linearPredictor({ predictorType: 'multiclass_classifier', loss: 'softmax_loss' as never, featureDim: 2, outputs: 3, weights: [1, 0, 0, 1, -1, -1], bias: [0, 0.5, 1], mean: [0, 0] });
    const e = p.explain!(Float32Array.of(2, 3), 1);
    expect(e.outputs).toBe(3);
    const sums = [0, 1, 2].map((k) => e.values.slice(k * 3, k * 3 + 3).reduce((s, v) => s + v, 0));
    expect(sums).toEqual([2, 3.5, -4]);
  });
});
