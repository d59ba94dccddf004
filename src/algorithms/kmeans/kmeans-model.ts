/**
 * The k-means artifact (`model.json`) and its predictor. The artifact says what it is
 * (format, algorithm, version), records the hyperparameters and seed it was trained
 * with, and holds the k × d centres.
 */
import type { Hyperparameters, Predictor } from '../algorithm.js';
import { assertFeatureCount, invalidModel, readModelFile, writeModelFile } from '../model-file.js';

export const KMEANS_FORMAT = 'orchard-kmeans';
export const KMEANS_VERSION = '1.0.0';

export interface KMeansArtifact {
  format: typeof KMEANS_FORMAT;
  algorithm: 'kmeans';
  version: string;
  hyperparameters: Hyperparameters;
  seed: number;
  k: number;
  featureDim: number;
  /** k × featureDim, row-major. */
  centers: number[];
  metrics: Record<string, number>;
}

export async function saveKMeans(modelDir: string, artifact: KMeansArtifact): Promise<void> {
  await writeModelFile(modelDir, artifact);
}

/** Reads and checks an artifact; any mismatch is `ORCH_MODEL_INVALID`. */
export async function readKMeans(modelDir: string): Promise<KMeansArtifact> {
  const a = await readModelFile<KMeansArtifact>(modelDir, { format: KMEANS_FORMAT, algorithm: 'kmeans', version: KMEANS_VERSION, label: 'k-means' });
  if (!Number.isInteger(a.k) || a.k < 1 || !Number.isInteger(a.featureDim) || a.featureDim < 1) throw invalidModel('k-means model has a bad k or featureDim');
  if (!Array.isArray(a.centers) || a.centers.length !== a.k * a.featureDim || !a.centers.every(Number.isFinite)) {
    throw invalidModel('k-means model centres do not match k × featureDim');
  }
  return a;
}

/** Outputs per row: closest cluster index and Euclidean distance to it (SageMaker's closest_cluster, distance_to_cluster). */
export function kmeansPredictor(a: Pick<KMeansArtifact, 'k' | 'featureDim' | 'centers'>): Predictor {
  const { k, featureDim: d } = a;
  const C = Float64Array.from(a.centers);
  const cn = new Float64Array(k);
  for (let c = 0; c < k; c++) for (let t = 0; t < d; t++) cn[c] += C[c * d + t] ** 2;
  return {
    numFeatures: d,
    predict(features: Float32Array, rows: number) {
      assertFeatureCount(features, rows, d);
      const values = new Float32Array(rows * 2);
      const x = new Float64Array(d);
      for (let i = 0; i < rows; i++) {
        let xn = 0;
        let complete = true;
        for (let t = 0; t < d; t++) {
          const v = features[i * d + t];
          x[t] = v;
          if (v === v) xn += v * v;
          else complete = false;
        }
        let best = Infinity;
        let bc = 0;
        for (let c = 0; c < k; c++) {
          const co = c * d;
          let s: number;
          if (complete) {
            // ‖x−c‖² − ‖x‖² = ‖c‖² − 2x·c: one dot product per centre.
            let dot = 0;
            for (let t = 0; t < d; t++) dot += x[t] * C[co + t];
            s = cn[c] - 2 * dot;
          } else {
            // A missing value does not count towards any distance.
            s = 0;
            for (let t = 0; t < d; t++) if (x[t] === x[t]) s += (x[t] - C[co + t]) ** 2;
          }
          if (s < best) {
            best = s;
            bc = c;
          }
        }
        values[2 * i] = bc;
        values[2 * i + 1] = Math.sqrt(Math.max(0, complete ? best + xn : best));
      }
      return { values, outputsPerRow: 2 };
    },
  };
}
