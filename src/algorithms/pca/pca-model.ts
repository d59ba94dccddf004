/**
 * The PCA artifact (`model.json`): what it is (format, algorithm, version), the
 * hyperparameters and seed, the mean, the components, singular values and explained
 * variance (ratio) — and the predictor that projects rows onto the components.
 */
import type { Hyperparameters, Predictor } from '../algorithm.js';
import { assertFeatureCount, finiteArray, invalidModel, readModelFile, writeModelFile } from '../model-file.js';

export const PCA_FORMAT = 'orchard-pca';
export const PCA_VERSION = '1.0.0';

export interface PcaArtifact {
  format: typeof PCA_FORMAT;
  algorithm: 'pca';
  version: string;
  hyperparameters: Hyperparameters;
  seed: number;
  featureDim: number;
  numComponents: number;
  subtractMean: boolean;
  mean: number[];
  /** numComponents × featureDim, row-major. */
  components: number[];
  singularValues: number[];
  explainedVariance: number[];
  explainedVarianceRatio: number[];
  rows: number;
}

export async function savePca(modelDir: string, artifact: PcaArtifact): Promise<void> {
  await writeModelFile(modelDir, artifact);
}

export async function readPca(modelDir: string): Promise<PcaArtifact> {
  const a = await readModelFile<PcaArtifact>(modelDir, { format: PCA_FORMAT, algorithm: 'pca', version: PCA_VERSION, label: 'PCA' });
  const { featureDim: d, numComponents: k } = a;
  if (!Number.isInteger(d) || d < 1 || !Number.isInteger(k) || k < 1 || k > d) throw invalidModel('PCA model has a bad featureDim or numComponents');
  if (!finiteArray(a.mean, d) || !finiteArray(a.components, k * d) || !finiteArray(a.singularValues, k) || !finiteArray(a.explainedVarianceRatio, k)) {
    throw invalidModel('PCA model arrays do not match featureDim and numComponents');
  }
  return a;
}

/** Projects rows onto the components: (x − mean)·Vᵀ; a missing value counts as the mean. */
export function pcaPredictor(a: Pick<PcaArtifact, 'featureDim' | 'numComponents' | 'mean' | 'components'>): Predictor {
  const d = a.featureDim;
  const k = a.numComponents;
  const mean = Float64Array.from(a.mean);
  const V = Float64Array.from(a.components);
  return {
    numFeatures: d,
    predict(features: Float32Array, rows: number) {
      assertFeatureCount(features, rows, d);
      const values = new Float32Array(rows * k);
      const x = new Float64Array(d);
      for (let i = 0; i < rows; i++) {
        for (let j = 0; j < d; j++) {
          const v = features[i * d + j];
          x[j] = v === v ? v - mean[j] : 0;
        }
        for (let c = 0; c < k; c++) {
          let s = 0;
          for (let j = 0; j < d; j++) s += x[j] * V[c * d + j];
          values[i * k + c] = s;
        }
      }
      return { values, outputsPerRow: k };
    },
  };
}
