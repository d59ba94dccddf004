/**
 * The LDA artifact (`model.json`: header, α, η and λ, the K × V topic parameters as
 * scikit-learn's `components_`) and its predictor: a document's topic mixture, γ
 * normalised, as SageMaker answers `{"predictions": [{"topic_mixture": [...]}]}`. Rows of
 * numbers (batch transform) answer the K mixture weights per row.
 */
import type { Hyperparameters, Predictor } from '../algorithm.js';
import { answerType, badInput, decodeRequestRows, encodeRecords } from '../data/instances.js';
import { assertFeatureCount, invalidModel, readModelFile, writeModelFile } from '../model-file.js';
import { expElogBetaT, inferMixtures, type Docs } from './lda-core.js';

export const LDA_FORMAT = 'orchard-lda';
export const LDA_VERSION = '1.0.0';

export interface LdaArtifact {
  format: typeof LDA_FORMAT;
  algorithm: 'lda';
  version: string;
  hyperparameters: Hyperparameters;
  seed: number;
  numTopics: number;
  featureDim: number;
  /** Document–topic prior per topic (alpha0 / num_topics). */
  alpha: number;
  /** Topic–word prior per word. */
  eta: number;
  /** numTopics × featureDim, row-major: topic k's Dirichlet parameters over the words. */
  lambda: number[];
  metrics: Record<string, number>;
}

export async function saveLda(modelDir: string, a: LdaArtifact): Promise<void> {
  await writeModelFile(modelDir, a);
}

export async function readLda(modelDir: string): Promise<LdaArtifact> {
  const a = await readModelFile<LdaArtifact>(modelDir, { format: LDA_FORMAT, algorithm: 'lda', version: LDA_VERSION, label: 'LDA' });
  const { numTopics: K, featureDim: V } = a;
  if (!Number.isInteger(K) || K < 1 || !Number.isInteger(V) || V < 1 || !(a.alpha > 0) || !(a.eta > 0)) throw invalidModel('LDA model lacks numTopics, featureDim or its priors');
  if (!Array.isArray(a.lambda) || a.lambda.length !== K * V || !a.lambda.every((v) => v > 0 && v < Infinity)) throw invalidModel('LDA model topics do not match numTopics × featureDim positive values');
  return a;
}

/**
 * Request rows as documents of their non-zero counts only, from sparse rows (`indptr`,
 * `indices`) or, with both null, dense rows of `dim` counts. A zero count adds exactly
 * nothing to a document's E-step (its share of γ is 0 · weight and of the bound 0 · log),
 * so the mixtures are those of the whole row, bit for bit, for `distinct words / dim` of
 * the work. A count below 0 or missing is refused with its row.
 */
function requestDocs(rows: number, indptr: Int32Array | null, indices: Int32Array | null, values: Float32Array, dim: number): Docs {
  const start = (r: number) => (indptr ? indptr[r] : r * dim);
  const word = (r: number, p: number) => (indices ? indices[p] : p - r * dim);
  let nnz = 0;
  for (let r = 0; r < rows; r++) {
    for (let p = start(r), end = start(r + 1); p < end; p++) {
      const v = values[p];
      if (v > 0 && v < Infinity) nnz++;
      else if (v !== 0) throw badInput(`Row ${r + 1}: word counts must be non-negative numbers; word ${word(r, p)} has ${Number.isNaN(v) ? 'none' : v}`, { row: r + 1 });
    }
  }
  const outIndptr = new Int32Array(rows + 1);
  const outIndices = new Int32Array(nnz);
  const counts = new Float64Array(nnz);
  let q = 0;
  for (let r = 0; r < rows; r++) {
    for (let p = start(r), end = start(r + 1); p < end; p++) {
      if (values[p] === 0) continue;
      outIndices[q] = word(r, p);
      counts[q++] = values[p];
    }
    outIndptr[r + 1] = q;
  }
  return { rows, dim, indptr: outIndptr, indices: outIndices, counts };
}

export function ldaPredictor(a: LdaArtifact): Predictor {
  const K = a.numTopics;
  const V = a.featureDim;
  const ebT = expElogBetaT(Float64Array.from(a.lambda), K, V);
  const mixtures = (docs: Docs) => inferMixtures(docs, ebT, K, a.alpha).mixtures;
  return {
    numFeatures: V,
    predict(features: Float32Array, rows: number) {
      assertFeatureCount(features, rows, V);
      return { values: Float32Array.from(mixtures(requestDocs(rows, null, null, features, V))), outputsPerRow: K };
    },
    invoke({ contentType, accept, body }) {
      const { type } = answerType(accept, contentType);
      const req = decodeRequestRows(contentType, body, V);
      const m = mixtures(requestDocs(req.rows, req.indptr, req.indices, req.values, V));
      const records = Array.from({ length: req.rows }, (_, r) => ({ topic_mixture: Array.from(m.subarray(r * K, r * K + K)) }));
      return encodeRecords(type, 'predictions', records, ['topic_mixture']);
    },
  };
}
