import { describe, expect, it } from 'vitest';
import type { ServingPredictor } from '../../serving/predictor.js';
import { MIN_PERMUTATION_ROWS, MIN_SHAP_ROWS, SHAP_WORK, meanAbsShap, permutationSample, shapImportance, shapRows, type Member } from './importance.js';

describe('TreeSHAP importance rows', () => {
  it('explains every sampled row of a small model, fewer of a large one, never under the floor', () => {
    expect(shapRows(5000, undefined)).toBe(5000);
    expect(shapRows(5000, 1000)).toBe(5000);
    expect(shapRows(5000, SHAP_WORK / 1234)).toBe(1234);
    expect(shapRows(5000, SHAP_WORK)).toBe(MIN_SHAP_ROWS);
    // A validation set smaller than the floor is explained whole.
    expect(shapRows(40, SHAP_WORK)).toBe(40);
  });

  it('asks the model to explain only the rows its cost allows, and sums a column\'s features', () => {
    const cols = 3;
    const rows = 2000;
    const features = Float32Array.from({ length: rows * cols }, (_, i) => i % 7);
    const asked: number[] = [];
    // Contribution of feature j is (j + 1) × sign; features 0 and 1 come from one raw column.
    const predictor: ServingPredictor = {
      numFeatures: cols,
      predict: async () => ({ values: new Float32Array(0), outputsPerRow: 1 }),
      explain(_x, n) {
        asked.push(n);
        const values = new Float64Array(n * (cols + 1));
        for (let r = 0; r < n; r++) for (let j = 0; j < cols; j++) values[r * (cols + 1) + j] = (j + 1) * (r % 2 ? 1 : -1);
        return { values, outputs: 1 };
      },
      explainCost: () => SHAP_WORK / 500,
    };
    const importance = meanAbsShap({ predictor, features, cols, featureColumns: ['color', 'color', 'size'], weight: 1 }, rows, 5000, 3);
    expect(asked).toEqual([500]);
    expect(importance).toEqual({ color: 3, size: 3 });
  });

  it('with a time allowance, explains every sampled row when it fits and the floor when it does not', () => {
    const cols = 2;
    const rows = 3000;
    const features = Float32Array.from({ length: rows * cols }, (_, i) => (i * 7919) % 13);
    const asked: number[] = [];
    const predictor: ServingPredictor = {
      numFeatures: cols,
      predict: async () => ({ values: new Float32Array(0), outputsPerRow: 1 }),
      explain(x, n) {
        asked.push(n);
        const values = new Float64Array(n * (cols + 1));
        for (let r = 0; r < n; r++) for (let j = 0; j < cols; j++) values[r * (cols + 1) + j] = x[r * cols + j] - 6;
        return { values, outputs: 1 };
      },
    };
    const m: Member = { predictor, features, cols, featureColumns: ['a', 'b'], weight: 1 };
    const whole = meanAbsShap(m, rows, 2000, 9);
    const ample = shapImportance(m, rows, 2000, 9, 3600);
    expect(ample.rows).toBe(2000);
    expect(ample.of).toBe(2000);
    for (const c of ['a', 'b']) expect(ample.importance[c]).toBeCloseTo(whole[c], 9);
    asked.length = 0;
    const none = shapImportance(m, rows, 2000, 9, 0);
    expect(none).toMatchObject({ rows: MIN_SHAP_ROWS, of: 2000 });
    expect(asked.reduce((a, b) => a + b, 0)).toBe(MIN_SHAP_ROWS);
    // A fair part of the sample: close to the whole sample's mean.
    expect(Math.abs(none.importance.a - whole.a)).toBeLessThan(0.5);
  });

  it('permutation importance on fewer rows when its shuffles would overrun the allowance, the same without one', () => {
    const cols = 3;
    const rows = 4000;
    const features = Float32Array.from({ length: rows * cols }, (_, i) => ((i * 2654435761) >>> 0) % 97 / 97);
    const labels = Float64Array.from({ length: rows }, (_, r) => features[r * cols] * 3 + features[r * cols + 1]);
    const predictor: ServingPredictor = { numFeatures: cols, predict: async () => ({ values: new Float32Array(0), outputsPerRow: 1 }) };
    const m: Member = { predictor, features, cols, featureColumns: ['x', 'y', 'z'], weight: 1 };
    const predict = (f: Float32Array[], n: number) => Float64Array.from({ length: n }, (_, r) => f[0][r * cols] * 3 + f[0][r * cols + 1]);
    const mse = (y: Float64Array, p: Float64Array) => y.reduce((a, v, i) => a + (v - p[i]) ** 2, 0) / y.length;
    const plain = permutationSample([m], labels, predict, mse, false, 3000, 4).importance;
    const ample = permutationSample([m], labels, predict, mse, false, 3000, 4, 3600);
    expect(ample).toEqual({ importance: plain, rows: 3000, of: 3000 });
    const none = permutationSample([m], labels, predict, mse, false, 3000, 4, 0);
    expect(none).toMatchObject({ rows: MIN_PERMUTATION_ROWS, of: 3000 });
    expect(none.importance.x).toBeGreaterThan(none.importance.y);
    expect(none.importance.y).toBeGreaterThan(0);
    expect(none.importance.z).toBe(0);
  });
});
