/**
 * The NTM artifact (`model.json`: header, the network's shape, its weights) and its
 * predictor. Rows of word counts answer their topic weights (`num_topics` values a row,
 * summing to 1); documents answer SageMaker's `{"predictions": [{"topic_weights": […]}]}`,
 * one record a line for JSON Lines, the weights comma-separated for CSV.
 */
import type * as Tf from '@tensorflow/tfjs';
import type { Hyperparameters, Predictor } from '../algorithm.js';
import { answerType, decodeRequestRows, denseRows, badInput } from '../data/instances.js';
import { assertFeatureCount, invalidModel, readModelFile, writeModelFile } from '../model-file.js';
import { neuralEngine, weightTensors, type SavedWeights, type TfModule } from '../neural/index.js';
import { ACTIVATIONS, type Activation } from './hyperparameters.js';
import { ntmParamSpecs, topicWeights, type NtmShape } from './ntm-network.js';

export const NTM_FORMAT = 'orchard-ntm';
export const NTM_VERSION = '1.0.0';

export interface NtmArtifact {
  format: typeof NTM_FORMAT;
  algorithm: 'ntm';
  version: string;
  hyperparameters: Hyperparameters;
  seed: number;
  featureDim: number;
  numTopics: number;
  encoderLayers: number[];
  activation: Activation;
  /** Encoder layers, μ and log σ heads, and `beta` [num_topics × feature_dim]: softmax(beta_k) is topic k's word distribution. */
  weights: SavedWeights;
  metrics: Record<string, number>;
  /** Epochs run (early stopping may end before `epochs`). */
  epochs: number;
}

export async function saveNtm(modelDir: string, a: NtmArtifact): Promise<void> {
  await writeModelFile(modelDir, a);
}

export async function readNtm(modelDir: string): Promise<NtmArtifact> {
  const a = await readModelFile<NtmArtifact>(modelDir, { format: NTM_FORMAT, algorithm: 'ntm', version: NTM_VERSION, label: 'ntm' });
  const positive = (v: unknown) => Number.isInteger(v) && (v as number) >= 1;
  if (!positive(a.featureDim) || !positive(a.numTopics) || !Array.isArray(a.encoderLayers) || !a.encoderLayers.every(positive)) {
    throw invalidModel('ntm model has no valid featureDim, numTopics or encoderLayers');
  }
  if (!(ACTIVATIONS as readonly string[]).includes(a.activation)) throw invalidModel(`ntm model has an unknown activation ${JSON.stringify(a.activation)}`);
  return a;
}

const shapeOf = (a: NtmArtifact): NtmShape => ({ featureDim: a.featureDim, numTopics: a.numTopics, encoderLayers: a.encoderLayers, activation: a.activation });

/** The artifact's weights as engine tensors (checked against its shape). */
export function ntmWeights(tf: TfModule, a: NtmArtifact): Record<string, Tf.Tensor> {
  return weightTensors(tf, a.weights, ntmParamSpecs(shapeOf(a)));
}

/** Topic weights of `rows` dense count rows, row-major [rows × num_topics]. */
function infer(tf: TfModule, w: Record<string, Tf.Tensor>, s: NtmShape, counts: Float32Array, rows: number): Float32Array {
  return tf.tidy(() => topicWeights(tf, w, s, tf.tensor2d(counts, [rows, s.featureDim]))).dataSync() as Float32Array;
}

/** Refuses negative or missing counts (a missing value, NaN, is taken as 0). */
function cleanCounts(counts: Float32Array, d: number): Float32Array {
  for (let i = 0; i < counts.length; i++) {
    const v = counts[i];
    if (v !== v) counts[i] = 0;
    else if (v < 0 || !Number.isFinite(v)) throw badInput(`Row ${Math.floor(i / d) + 1}, word ${i % d}: a word count must be a non-negative number, not ${v}`, { row: Math.floor(i / d) + 1 });
  }
  return counts;
}

export async function ntmPredictor(a: NtmArtifact): Promise<Predictor> {
  const tf = await neuralEngine();
  const s = shapeOf(a);
  const w = ntmWeights(tf, a);
  const d = a.featureDim;
  return {
    numFeatures: d,
    predict(features: Float32Array, rows: number) {
      assertFeatureCount(features, rows, d);
      return { values: infer(tf, w, s, cleanCounts(Float32Array.from(features), d), rows), outputsPerRow: a.numTopics };
    },
    invoke({ contentType, accept, body }) {
      const { type } = answerType(accept, contentType);
      const req = decodeRequestRows(contentType, body, d);
      const out = infer(tf, w, s, cleanCounts(denseRows(req, d), d), req.rows);
      const k = a.numTopics;
      const records = Array.from({ length: req.rows }, (_, r) => ({ topic_weights: Array.from(out.subarray(r * k, (r + 1) * k)) }));
      if (type === 'text/csv') return { contentType: 'text/csv', body: records.map((r) => r.topic_weights.join(',')).join('\n') + '\n' };
      if (type === 'application/jsonlines') return { contentType: 'application/jsonlines', body: records.map((r) => JSON.stringify(r)).join('\n') + '\n' };
      return { contentType: 'application/json', body: JSON.stringify({ predictions: records }) };
    },
  };
}
