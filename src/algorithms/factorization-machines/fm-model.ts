/**
 * The factorization machines artifact (`model.json`: header, w₀, w, V) and its
 * predictor. Rows answer the score (and, for a binary classifier, the predicted label
 * as a second value); documents answer SageMaker's
 * `{"predictions": [{"score": …, "predicted_label": …}]}` (the regressor: score only).
 * A missing value (NaN) counts as 0, as an absent key of a sparse row.
 */
import type { Hyperparameters, Predictor } from '../algorithm.js';
import { answerType, decodeRequestRows, encodeRecords } from '../data/instances.js';
import { assertFeatureCount, invalidModel, readModelFile, writeModelFile } from '../model-file.js';
import { fmRaw, sigmoid, type FmParams } from './fm-core.js';

export const FM_FORMAT = 'orchard-factorization-machines';
export const FM_VERSION = '1.0.0';

export interface FmArtifact {
  format: typeof FM_FORMAT;
  algorithm: 'factorization-machines';
  version: string;
  hyperparameters: Hyperparameters;
  seed: number;
  predictorType: 'binary_classifier' | 'regressor';
  featureDim: number;
  numFactors: number;
  w0: number;
  w: number[];
  /** featureDim × numFactors, row-major. */
  V: number[];
  metrics: Record<string, number>;
}

export async function saveFm(modelDir: string, a: FmArtifact): Promise<void> {
  await writeModelFile(modelDir, a);
}

export async function readFm(modelDir: string): Promise<FmArtifact> {
  const a = await readModelFile<FmArtifact>(modelDir, { format: FM_FORMAT, algorithm: 'factorization-machines', version: FM_VERSION, label: 'factorization machines' });
  const ok = (v: unknown, n: number) => Array.isArray(v) && v.length === n && v.every(Number.isFinite);
  if (!Number.isInteger(a.featureDim) || a.featureDim < 1 || !Number.isInteger(a.numFactors) || a.numFactors < 1 || !Number.isFinite(a.w0) || !ok(a.w, a.featureDim) || !ok(a.V, a.featureDim * a.numFactors)) {
    throw invalidModel('factorization machines model arrays do not match featureDim and numFactors');
  }
  if (a.predictorType !== 'binary_classifier' && a.predictorType !== 'regressor') throw invalidModel(`factorization machines model has an unknown predictor type ${JSON.stringify(a.predictorType)}`);
  return a;
}

export function paramsOf(a: FmArtifact): FmParams {
  return { dim: a.featureDim, factors: a.numFactors, w0: a.w0, w: Float32Array.from(a.w), V: Float32Array.from(a.V) };
}

export function fmPredictor(a: FmArtifact): Predictor {
  const p = paramsOf(a);
  const d = a.featureDim;
  const classifier = a.predictorType === 'binary_classifier';
  const s = new Float64Array(p.factors);
  const score = (indices: ArrayLike<number>, values: ArrayLike<number>, start: number, end: number) => {
    const z = fmRaw(p, indices, values, start, end, s);
    return classifier ? sigmoid(z) : z;
  };
  return {
    numFeatures: d,
    predict(features: Float32Array, rows: number) {
      assertFeatureCount(features, rows, d);
      const k = classifier ? 2 : 1;
      const values = new Float32Array(rows * k);
      const idx = new Int32Array(d);
      const val = new Float32Array(d);
      for (let r = 0; r < rows; r++) {
        let n = 0;
        for (let j = 0; j < d; j++) {
          const v = features[r * d + j];
          if (v === v && v !== 0) {
            idx[n] = j;
            val[n++] = v;
          }
        }
        const y = score(idx, val, 0, n);
        values[r * k] = y;
        if (classifier) values[r * k + 1] = y > 0.5 ? 1 : 0;
      }
      return { values, outputsPerRow: k };
    },
    invoke({ contentType, accept, body }) {
      const { type } = answerType(accept, contentType);
      const req = decodeRequestRows(contentType, body, d);
      const records = Array.from({ length: req.rows }, (_, r) => {
        // Missing dense values (NaN) count as 0.
        let y: number;
        const a0 = req.indptr[r];
        const a1 = req.indptr[r + 1];
        let missing = false;
        for (let q = a0; q < a1; q++) if (req.values[q] !== req.values[q]) missing = true;
        if (missing) {
          const vals = Float32Array.from(req.values.subarray(a0, a1), (v) => (v === v ? v : 0));
          y = score(req.indices.subarray(a0, a1), vals, 0, a1 - a0);
        } else y = score(req.indices, req.values, a0, a1);
        return classifier ? { score: y, predicted_label: y > 0.5 ? 1 : 0 } : { score: y };
      });
      return encodeRecords(type, 'predictions', records, classifier ? ['score', 'predicted_label'] : ['score']);
    },
  };
}
