/**
 * The image classification artifact (`model.json`: header, the network's layout, the
 * training pixels' normalisation, the weights and the BN population statistics) and its
 * predictor. An image (`image/png`, `image/jpeg`, `application/x-image`) answers
 * SageMaker's JSON list of class probabilities; `Accept: application/jsonlines;verbose`
 * (or `verbose=true` on any JSON type, `top_k=N` to choose how many) answers records with
 * the predicted label and the top classes. Rows of C·H·W raw pixels (0..255, channels
 * first as `image_shape`) in CSV or JSON are read too, and are what batch transform sends.
 */
import type * as Tf from '@tensorflow/tfjs';
import type { Hyperparameters, Predictor } from '../algorithm.js';
import { badInput, decodeRequestRows, denseRows } from '../data/instances.js';
import { assertFeatureCount, finiteArray, invalidModel, readModelFile, writeModelFile } from '../model-file.js';
import { decodeTensor, neuralEngine, weightTensors, type SavedTensor, type SavedWeights, type TfModule } from '../neural/index.js';
import type { ImageShape } from './hyperparameters.js';
import { normalise, type Normalisation } from './ic-batches.js';
import { bnLayers, icLogits, icParamSpecs, type IcShape } from './ic-network.js';
import { decodeImageInto, ImageDecodeError } from './image-decode.js';

export const IC_FORMAT = 'orchard-image-classification';
export const IC_VERSION = '1.0.0';

export interface IcArtifact {
  format: typeof IC_FORMAT;
  algorithm: 'image-classification';
  version: string;
  hyperparameters: Hyperparameters;
  seed: number;
  shape: ImageShape;
  numClasses: number;
  numLayers: number;
  blocks: number[];
  widths: number[];
  normalisation: Normalisation;
  /** The class folder of each label (folder-per-class training data). */
  classNames?: string[];
  topK: number;
  weights: SavedWeights;
  /** BN population statistics by layer. */
  bnStats: Record<string, { mean: SavedTensor; variance: SavedTensor }>;
  metrics: Record<string, number>;
  epochs: number;
}

export const IMAGE_TYPES = ['image/png', 'image/jpeg', 'application/x-image'] as const;

export function icShapeOf(a: Pick<IcArtifact, 'shape' | 'numClasses' | 'blocks' | 'widths'>): IcShape {
  return { ...a.shape, numClasses: a.numClasses, blocks: a.blocks, widths: a.widths };
}

export async function saveIc(modelDir: string, a: IcArtifact): Promise<void> {
  await writeModelFile(modelDir, a);
}

export async function readIc(modelDir: string): Promise<IcArtifact> {
  const a = await readModelFile<IcArtifact>(modelDir, { format: IC_FORMAT, algorithm: 'image-classification', version: IC_VERSION, label: 'image-classification' });
  const positive = (v: unknown) => Number.isInteger(v) && (v as number) >= 1;
  const s = a.shape;
  if (!s || (s.channels !== 1 && s.channels !== 3) || !positive(s.height) || !positive(s.width) || !positive(a.numClasses)) throw invalidModel('image-classification model has no valid shape or numClasses');
  if (!Array.isArray(a.blocks) || !a.blocks.every(positive) || !Array.isArray(a.widths) || a.widths.length !== a.blocks.length || !a.widths.every(positive)) throw invalidModel('image-classification model has no valid layout');
  if (!a.normalisation || !finiteArray(a.normalisation.mean, s.channels) || !finiteArray(a.normalisation.std, s.channels)) throw invalidModel('image-classification model has no valid normalisation');
  for (const l of bnLayers(icShapeOf(a))) {
    const st = a.bnStats?.[l.name];
    if (!st || decodeTensor(`${l.name}.mean`, st.mean).length !== l.width || decodeTensor(`${l.name}.variance`, st.variance).length !== l.width) throw invalidModel(`image-classification model lacks the statistics of ${l.name}`);
  }
  return a;
}

interface AnswerOptions {
  type: 'application/json' | 'application/jsonlines';
  verbose: boolean;
  topK: number;
}

/** The Accept header's answer: JSON (default) or JSON Lines; `verbose` and `top_k=N` parameters. */
function answerOptions(accept: string | undefined, defaultTopK: number, numClasses: number): AnswerOptions {
  const a = accept ?? '';
  const verbose = /;\s*verbose(\s*=\s*(true|1))?\s*(;|$)/i.test(a);
  const k = /;\s*top_k\s*=\s*(\d+)/i.exec(a);
  const topK = Math.min(numClasses, Math.max(1, k ? Number(k[1]) : defaultTopK));
  for (const part of a.split(',')) {
    const base = part.split(';')[0].trim().toLowerCase();
    if (base === 'application/json') return { type: 'application/json', verbose, topK };
    if (base === 'application/jsonlines' || base === 'application/x-jsonlines') return { type: 'application/jsonlines', verbose, topK };
    if (base === '*/*' || base === '') break;
    throw badInput(`Accept ${JSON.stringify(accept)} is not supported; use application/json or application/jsonlines (with ;verbose and ;top_k=N)`);
  }
  return { type: 'application/json', verbose, topK };
}

export async function icPredictor(a: IcArtifact): Promise<Predictor> {
  const tf = await neuralEngine();
  const s = icShapeOf(a);
  const w = weightTensors(tf, a.weights, icParamSpecs(s));
  const stats: Record<string, { mean: Tf.Tensor; variance: Tf.Tensor }> = {};
  for (const l of bnLayers(s)) {
    const st = a.bnStats[l.name];
    stats[l.name] = { mean: tf.tensor1d(decodeTensor(`${l.name}.mean`, st.mean)), variance: tf.tensor1d(decodeTensor(`${l.name}.variance`, st.variance)) };
  }
  const { height: H, width: W, channels: C } = a.shape;
  const size = H * W * C;
  const K = a.numClasses;

  /** Probabilities [rows × K] of HWC pixels 0..255. */
  const probabilities = (hwc: Float32Array, rows: number): Float32Array => {
    const x = normalise(hwc, C, a.normalisation);
    return tf.tidy(() => tf.softmax(icLogits(tf, w, s, tf.tensor4d(x, [rows, H, W, C]), { kind: 'population', stats }))).dataSync() as Float32Array;
  };
  /** Channels-first rows (as image_shape) to HWC. */
  const fromChw = (chw: Float32Array, rows: number): Float32Array => {
    const out = new Float32Array(rows * size);
    for (let r = 0; r < rows; r++) for (let c = 0; c < C; c++) for (let p = 0; p < H * W; p++) out[r * size + p * C + c] = chw[r * size + c * H * W + p];
    return out;
  };
  const record = (p: Float32Array, o: AnswerOptions): unknown => {
    const probs = Array.from(p);
    if (!o.verbose) return probs;
    const order = probs.map((v, i) => [v, i] as const).sort((x, y) => y[0] - x[0]);
    const name = (i: number) => (a.classNames ? { class: a.classNames[i] } : {});
    return {
      prediction: probs,
      predicted_label: order[0][1],
      ...(a.classNames ? { predicted_class: a.classNames[order[0][1]] } : {}),
      top_k: order.slice(0, o.topK).map(([v, i]) => ({ label: i, ...name(i), probability: v })),
    };
  };

  return {
    numFeatures: size,
    predict(features: Float32Array, rows: number) {
      assertFeatureCount(features, rows, size);
      for (let i = 0; i < features.length; i++) if (!Number.isFinite(features[i])) throw badInput(`Row ${Math.floor(i / size) + 1}: a pixel is missing or not finite`, { row: Math.floor(i / size) + 1 });
      return { values: probabilities(fromChw(features, rows), rows), outputsPerRow: K };
    },
    invokeImage({ accept, body }) {
      const o = answerOptions(accept, a.topK, K);
      const hwc = new Float32Array(size);
      try {
        decodeImageInto(body, a.shape, hwc);
      } catch (err) {
        if (err instanceof ImageDecodeError) throw badInput(`The request body is not an image this model reads: ${err.message}`);
        throw err;
      }
      const rec = record(probabilities(hwc, 1), o);
      return { contentType: o.type, body: o.type === 'application/jsonlines' ? JSON.stringify(rec) + '\n' : JSON.stringify(rec) };
    },
    invoke({ contentType, accept, body }) {
      const o = answerOptions(accept, a.topK, K);
      const req = decodeRequestRows(contentType, body, size);
      const p = probabilities(fromChw(denseRows(req, size), req.rows), req.rows);
      const records = Array.from({ length: req.rows }, (_, r) => record(p.subarray(r * K, (r + 1) * K), o));
      if (o.type === 'application/jsonlines') return { contentType: o.type, body: records.map((r) => JSON.stringify(r) + '\n').join('') };
      return { contentType: o.type, body: JSON.stringify(records) };
    },
  };
}
