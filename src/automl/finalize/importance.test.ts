import { describe, expect, it } from 'vitest';
import type { ServingPredictor } from '../../serving/predictor.js';
import { MIN_SHAP_ROWS, SHAP_WORK, meanAbsShap, shapRows } from './importance.js';

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
});
