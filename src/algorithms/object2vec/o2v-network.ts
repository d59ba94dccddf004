/**
 * The Object2Vec network (SageMaker's "Object2Vec Algorithm"; Tay et al. 2018's
 * pair-comparison architecture): two encoders turn token sequences into `enc_dim`
 * vectors, a comparator combines them (element-wise product, concatenation, absolute
 * difference), and an MLP answers class scores (softmax) or a real score (squared error).
 *
 * Encoders, each over its own token embedding table (one shared table when tied):
 * - `pooled_embedding`: the mean of the sequence's token embeddings, projected to `enc_dim`;
 * - `hcnn`: a stack of width-3 convolutions (ReLU), each layer seeing a wider window of
 *   tokens than the one below it, max-pooled over the sequence;
 * - `bilstm`: LSTMs read the sequence forwards and backwards (⌈enc_dim/2⌉ and ⌊enc_dim/2⌋
 *   units); the encoding is their final states side by side. Stacked layers read the
 *   layer below's outputs at every position.
 * Padding past a sequence's length is masked out everywhere: it neither changes a mean,
 * wins a max, nor moves an LSTM's state.
 */
import type * as Tf from '@tensorflow/tfjs';
import type { ParamSpec, TfModule } from '../neural/index.js';
import { COMPARATORS, MLP_ACTIVATIONS, NETWORKS, OUTPUT_LAYERS, type Comparator, type EncoderOptions, type MlpActivation, type OutputLayer } from './hyperparameters.js';
import type { Sequences } from './o2v-data.js';

export interface O2vShape {
  enc: [EncoderOptions, EncoderOptions];
  encDim: number;
  tied: boolean;
  comparators: Comparator[];
  mlpDim: number;
  mlpLayers: number;
  mlpActivation: MlpActivation;
  output: OutputLayer;
  numClasses: number;
}

type Weights = Record<string, Tf.Tensor>;

/** The embedding table encoder `i` reads. */
const table = (s: O2vShape, i: 0 | 1) => (s.tied ? 'emb0' : `emb${i}`);

const lstmUnits = (encDim: number): [number, number] => [Math.ceil(encDim / 2), Math.floor(encDim / 2)];

function encoderSpecs(s: O2vShape, i: 0 | 1): ParamSpec[] {
  const e = s.enc[i];
  const p = `e${i}_`;
  const specs: ParamSpec[] = [];
  if (e.network === 'pooled_embedding') {
    specs.push({ name: `${p}proj_w`, shape: [e.embeddingDim, s.encDim], init: { kind: 'glorot' } }, { name: `${p}proj_b`, shape: [s.encDim], init: { kind: 'zeros' } });
  } else if (e.network === 'hcnn') {
    let width = e.embeddingDim;
    for (let l = 0; l < e.layers; l++) {
      specs.push({ name: `${p}conv${l}_w`, shape: [3, width, s.encDim], init: { kind: 'glorot' } }, { name: `${p}conv${l}_b`, shape: [s.encDim], init: { kind: 'zeros' } });
      width = s.encDim;
    }
  } else {
    const [hf, hb] = lstmUnits(s.encDim);
    let width = e.embeddingDim;
    for (let l = 0; l < e.layers; l++) {
      for (const [dir, h] of [['f', hf], ['b', hb]] as const) {
        // Gates i, f, g, o side by side.
        specs.push({ name: `${p}lstm${l}${dir}_w`, shape: [width + h, 4 * h], init: { kind: 'glorot' } }, { name: `${p}lstm${l}${dir}_b`, shape: [4 * h], init: { kind: 'zeros' } });
      }
      width = hf + hb;
    }
  }
  return specs;
}

/** Width of the comparator's output. */
/** Whether a model file's `shape` is a network this code can run (the predictor and the ONNX exporter check it). */
export function isO2vShape(value: unknown): value is O2vShape {
  const s = value as O2vShape | undefined;
  const positive = (v: unknown) => Number.isInteger(v) && (v as number) >= 1;
  const encOk = (e: EncoderOptions | undefined) =>
    !!e && (NETWORKS as readonly string[]).includes(e.network) && positive(e.vocabSize) && positive(e.maxSeqLen) && positive(e.embeddingDim) && Number.isInteger(e.layers) && e.layers >= 0;
  return (
    !!s &&
    Array.isArray(s.enc) &&
    s.enc.length === 2 &&
    s.enc.every(encOk) &&
    positive(s.encDim) &&
    positive(s.mlpDim) &&
    Number.isInteger(s.mlpLayers) &&
    s.mlpLayers >= 0 &&
    Array.isArray(s.comparators) &&
    s.comparators.length > 0 &&
    s.comparators.every((c) => (COMPARATORS as readonly string[]).includes(c)) &&
    (MLP_ACTIVATIONS as readonly string[]).includes(s.mlpActivation) &&
    (OUTPUT_LAYERS as readonly string[]).includes(s.output) &&
    positive(s.numClasses)
  );
}

export function comparedWidth(s: O2vShape): number {
  return s.comparators.reduce((w, c) => w + (c === 'concat' ? 2 : 1) * s.encDim, 0);
}

/** The network's parameters, in creation (and seeded-init) order. */
export function o2vParamSpecs(s: O2vShape): ParamSpec[] {
  const specs: ParamSpec[] = [{ name: 'emb0', shape: [s.enc[0].vocabSize, s.enc[0].embeddingDim], init: { kind: 'normal', sigma: 0.1 } }];
  if (!s.tied) specs.push({ name: 'emb1', shape: [s.enc[1].vocabSize, s.enc[1].embeddingDim], init: { kind: 'normal', sigma: 0.1 } });
  specs.push(...encoderSpecs(s, 0), ...encoderSpecs(s, 1));
  let width = comparedWidth(s);
  for (let k = 0; k < s.mlpLayers; k++) {
    specs.push({ name: `mlp${k}_w`, shape: [width, s.mlpDim], init: { kind: 'glorot' } }, { name: `mlp${k}_b`, shape: [s.mlpDim], init: { kind: 'zeros' } });
    width = s.mlpDim;
  }
  const outputs = s.output === 'softmax' ? s.numClasses : 1;
  specs.push({ name: 'out_w', shape: [width, outputs], init: { kind: 'glorot' } }, { name: 'out_b', shape: [outputs], init: { kind: 'zeros' } });
  return specs;
}

/** [B, L] 1/0 mask of the positions inside each sequence. */
function maskOf(tf: TfModule, seq: Sequences): Tf.Tensor2D {
  const rows = seq.lengths.length;
  const m = new Float32Array(rows * seq.width);
  for (let r = 0; r < rows; r++) m.fill(1, r * seq.width, r * seq.width + seq.lengths[r]);
  return tf.tensor2d(m, [rows, seq.width]);
}

function lstmLayer(tf: TfModule, w: Weights, name: string, steps: Tf.Tensor2D[], masks: Tf.Tensor2D[], h0: number, reverse: boolean): { outputs: Tf.Tensor2D[]; last: Tf.Tensor2D } {
  const rows = steps[0].shape[0];
  let h: Tf.Tensor2D = tf.zeros([rows, h0]);
  let c: Tf.Tensor2D = tf.zeros([rows, h0]);
  const outputs: Tf.Tensor2D[] = new Array(steps.length);
  const W = w[`${name}_w`] as Tf.Tensor2D;
  const b = w[`${name}_b`];
  for (let k = 0; k < steps.length; k++) {
    const t = reverse ? steps.length - 1 - k : k;
    const gates = tf.add(tf.matMul(tf.concat([steps[t], h], 1), W), b);
    const [gi, gf, gg, go] = tf.split(gates, 4, 1) as Tf.Tensor2D[];
    const cNew = tf.add(tf.mul(tf.sigmoid(gf), c), tf.mul(tf.sigmoid(gi), tf.tanh(gg)));
    const hNew = tf.mul(tf.sigmoid(go), tf.tanh(cNew));
    // Padding keeps the state: a backward pass starts at each sequence's own last token.
    const m = masks[t];
    const keep = tf.sub(1, m);
    c = tf.add(tf.mul(m, cNew), tf.mul(keep, c)) as Tf.Tensor2D;
    h = tf.add(tf.mul(m, hNew), tf.mul(keep, h)) as Tf.Tensor2D;
    outputs[t] = tf.mul(m, h) as Tf.Tensor2D;
  }
  return { outputs, last: h };
}

/** Encoder `i`'s [B, enc_dim] encodings of a batch of sequences. */
export function encode(tf: TfModule, w: Weights, s: O2vShape, i: 0 | 1, seq: Sequences): Tf.Tensor2D {
  const e = s.enc[i];
  const rows = seq.lengths.length;
  const L = seq.width;
  const p = `e${i}_`;
  const mask = maskOf(tf, seq);
  const x = tf.reshape(tf.gather(w[table(s, i)] as Tf.Tensor2D, tf.tensor1d(seq.ids, 'int32')), [rows, L, e.embeddingDim]) as Tf.Tensor3D;
  const mask3 = tf.expandDims(mask, 2);
  if (e.network === 'pooled_embedding') {
    const sum = tf.sum(tf.mul(x, mask3), 1);
    const mean = tf.div(sum, tf.maximum(tf.sum(mask, 1, true), 1));
    return tf.add(tf.matMul(mean as Tf.Tensor2D, w[`${p}proj_w`] as Tf.Tensor2D), w[`${p}proj_b`]) as Tf.Tensor2D;
  }
  if (e.network === 'hcnn') {
    let h: Tf.Tensor3D = x;
    for (let l = 0; l < e.layers; l++) {
      h = tf.mul(tf.relu(tf.add(tf.conv1d(h, w[`${p}conv${l}_w`] as Tf.Tensor3D, 1, 'same'), w[`${p}conv${l}_b`])), mask3) as Tf.Tensor3D;
    }
    // ReLU outputs are ≥ 0 and padding is 0, so padding never wins the max.
    return tf.max(h, 1) as Tf.Tensor2D;
  }
  const [hf, hb] = lstmUnits(s.encDim);
  const masks = tf.unstack(mask3, 1) as Tf.Tensor2D[];
  let steps = tf.unstack(x, 1) as Tf.Tensor2D[];
  let last: Tf.Tensor2D | null = null;
  for (let l = 0; l < e.layers; l++) {
    const f = lstmLayer(tf, w, `${p}lstm${l}f`, steps, masks, hf, false);
    const b = lstmLayer(tf, w, `${p}lstm${l}b`, steps, masks, hb, true);
    steps = f.outputs.map((o, t) => tf.concat([o, b.outputs[t]], 1));
    last = tf.concat([f.last, b.last], 1);
  }
  return last!;
}

function activate(tf: TfModule, x: Tf.Tensor, a: MlpActivation): Tf.Tensor {
  return a === 'relu' ? tf.relu(x) : a === 'tanh' ? tf.tanh(x) : x;
}

/**
 * The output layer's [B, outputs] values for two batches of encodings: class logits, or
 * the regression score. `dropout` > 0 (training only) drops MLP units with a seeded mask.
 */
export function scorePairs(tf: TfModule, w: Weights, s: O2vShape, e0: Tf.Tensor2D, e1: Tf.Tensor2D, dropout?: { rate: number; seed: number }): Tf.Tensor2D {
  const parts = s.comparators.flatMap((c) => (c === 'hadamard' ? [tf.mul(e0, e1)] : c === 'concat' ? [e0, e1] : [tf.abs(tf.sub(e0, e1))]));
  let h: Tf.Tensor2D = (parts.length === 1 ? parts[0] : tf.concat(parts, 1)) as Tf.Tensor2D;
  for (let k = 0; k < s.mlpLayers; k++) {
    h = activate(tf, tf.add(tf.matMul(h, w[`mlp${k}_w`] as Tf.Tensor2D), w[`mlp${k}_b`]), s.mlpActivation) as Tf.Tensor2D;
    if (dropout && dropout.rate > 0) h = tf.dropout(h, dropout.rate, undefined, dropout.seed + k) as Tf.Tensor2D;
  }
  return tf.add(tf.matMul(h, w.out_w as Tf.Tensor2D), w.out_b) as Tf.Tensor2D;
}

/** Mean loss of a batch: cross-entropy of the softmax, or squared error. */
export function pairLoss(tf: TfModule, s: O2vShape, out: Tf.Tensor2D, labels: Float32Array): Tf.Scalar {
  if (s.output === 'mean_squared_error') return tf.mean(tf.square(tf.sub(tf.reshape(out, [-1]), tf.tensor1d(labels)))) as Tf.Scalar;
  const logProbs = tf.sub(out, tf.logSumExp(out, 1, true));
  const oneHot = tf.oneHot(tf.tensor1d(Int32Array.from(labels), 'int32'), s.numClasses);
  return tf.neg(tf.mean(tf.sum(tf.mul(oneHot, logProbs), 1))) as Tf.Scalar;
}
