/**
 * The linear learner artifact (`model.json`) and its predictor. Weights apply to raw
 * features (the training normalisation is folded in); a missing feature counts as its
 * training mean.
 */
import type { Hyperparameters, Predictor } from '../algorithm.js';
import { assertFeatureCount, finiteArray, invalidModel, readModelFile, writeModelFile } from '../model-file.js';
import { LOSSES, PREDICTOR_TYPES, type Loss, type PredictorType } from './hyperparameters.js';

export const LINEAR_FORMAT = 'orchard-linear-learner';
export const LINEAR_VERSION = '1.0.0';

export interface LinearArtifact {
  format: typeof LINEAR_FORMAT;
  algorithm: 'linear-learner';
  version: string;
  hyperparameters: Hyperparameters;
  seed: number;
  predictorType: PredictorType;
  loss: Loss;
  featureDim: number;
  /** 1 for binary and regressor, num_classes for multiclass. */
  outputs: number;
  /** outputs × featureDim, row-major. */
  weights: number[];
  bias: number[];
  /** Training means of the features (used for missing values). */
  mean: number[];
  selected: Record<string, unknown>;
  metrics: Record<string, number>;
}

export async function saveLinear(modelDir: string, artifact: LinearArtifact): Promise<void> {
  await writeModelFile(modelDir, artifact);
}

export async function readLinear(modelDir: string): Promise<LinearArtifact> {
  const a = await readModelFile<LinearArtifact>(modelDir, { format: LINEAR_FORMAT, algorithm: 'linear-learner', version: LINEAR_VERSION, label: 'linear-learner' });
  if (!PREDICTOR_TYPES.includes(a.predictorType) || !LOSSES.includes(a.loss)) throw invalidModel('linear-learner model has an unknown predictor type or loss');
  const { featureDim: d, outputs: k } = a;
  if (!Number.isInteger(d) || d < 1 || !Number.isInteger(k) || k < 1) throw invalidModel('linear-learner model has a bad featureDim or outputs');
  if (!finiteArray(a.weights, k * d) || !finiteArray(a.bias, k) || !finiteArray(a.mean, d)) throw invalidModel('linear-learner model arrays do not match featureDim and outputs');
  return a;
}

/**
 * binary_classifier: probability of class 1 (logistic loss) or the raw score (hinge);
 * multiclass_classifier: class probabilities (outputsPerRow = num_classes);
 * regressor: the predicted value.
 */
export function linearPredictor(a: Pick<LinearArtifact, 'predictorType' | 'loss' | 'featureDim' | 'outputs' | 'weights' | 'bias' | 'mean'>): Predictor {
  const d = a.featureDim;
  const k = a.outputs;
  const W = Float64Array.from(a.weights);
  const b = Float64Array.from(a.bias);
  const mean = Float64Array.from(a.mean);
  const sigmoid = a.predictorType === 'binary_classifier' && a.loss === 'logistic';
  const softmax = a.predictorType === 'multiclass_classifier';
  return {
    numFeatures: d,
    predict(features: Float32Array, rows: number) {
      assertFeatureCount(features, rows, d);
      const values = new Float32Array(rows * k);
      const z = new Float64Array(k);
      for (let i = 0; i < rows; i++) {
        const o = i * d;
        for (let c = 0; c < k; c++) {
          let s = b[c];
          const wo = c * d;
          for (let j = 0; j < d; j++) {
            const x = features[o + j];
            s += W[wo + j] * (x === x ? x : mean[j]);
          }
          z[c] = s;
        }
        if (softmax) {
          let zmax = -Infinity;
          for (let c = 0; c < k; c++) zmax = Math.max(zmax, z[c]);
          let sum = 0;
          for (let c = 0; c < k; c++) sum += (z[c] = Math.exp(z[c] - zmax));
          for (let c = 0; c < k; c++) values[i * k + c] = z[c] / sum;
        } else values[i] = sigmoid ? 1 / (1 + Math.exp(-z[0])) : z[0];
      }
      return { values, outputsPerRow: k };
    },
    /**
     * Exact contributions of a linear margin: w_j·(x_j − mean_j) per feature, the base
     * b + w·mean (SHAP's linear explainer with the training means as the expectation);
     * a missing feature counts as its mean and contributes 0.
     */
    explain(features: Float32Array, rows: number) {
      assertFeatureCount(features, rows, d);
      const width = d + 1;
      const values = new Float64Array(rows * k * width);
      const base = new Float64Array(k);
      for (let c = 0; c < k; c++) {
        let s = b[c];
        for (let j = 0; j < d; j++) s += W[c * d + j] * mean[j];
        base[c] = s;
      }
      for (let i = 0; i < rows; i++) {
        for (let c = 0; c < k; c++) {
          const o = (i * k + c) * width;
          const wo = c * d;
          for (let j = 0; j < d; j++) {
            const x = features[i * d + j];
            values[o + j] = x === x ? W[wo + j] * (x - mean[j]) : 0;
          }
          values[o + d] = base[c];
        }
      }
      return { values, outputs: k };
    },
  };
}
