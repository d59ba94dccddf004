/**
 * The residual network (He, Zhang, Ren & Sun 2016, "Deep Residual Learning for Image
 * Recognition"): a 3×3 convolution stem, stages of basic blocks (conv–BN–ReLU–conv–BN plus
 * the shortcut, then ReLU; the first block of each later stage halves the size with
 * stride 2 and a 1×1 convolution + BN shortcut, §3.3 option B), global average pooling and
 * a dense softmax layer. NHWC throughout (TensorFlow.js's layout).
 *
 * Batch normalisation (Ioffe & Szegedy 2015) uses the batch's statistics while training;
 * the population statistics inference uses are measured after training over the
 * training images with the final weights ("precise BN", Wu & Johnson 2021), so they
 * match the weights exactly and need no running averages in the training loop.
 */
import type * as Tf from '@tensorflow/tfjs';
import type { ParamSpec, TfModule } from '../neural/index.js';

export interface IcShape {
  height: number;
  width: number;
  channels: number;
  numClasses: number;
  blocks: number[];
  widths: number[];
}

type Weights = Record<string, Tf.Tensor>;

/** Per-layer population mean and variance, by BN layer name. */
export type BnStats = Record<string, { mean: Float32Array; variance: Float32Array }>;

/** How BN layers normalise: by the batch's moments (training), or by measured population moments. */
export type BnMode = { kind: 'batch'; collect?: Record<string, { mean: Float64Array; variance: Float64Array; batches: number }> } | { kind: 'population'; stats: Record<string, { mean: Tf.Tensor; variance: Tf.Tensor }> };

export const BN_EPS = 1e-5;

function he(fanIn: number): { kind: 'normal'; sigma: number } {
  // He et al. 2015 ("Delving Deep into Rectifiers"): N(0, 2 / fan_in) for ReLU layers.
  return { kind: 'normal', sigma: Math.sqrt(2 / fanIn) };
}

export interface Block {
  prefix: string;
  inC: number;
  outC: number;
  stride: number;
}

export function blocksOf(s: IcShape): Block[] {
  const out: Block[] = [];
  let inC = s.widths[0];
  s.blocks.forEach((n, stage) => {
    for (let b = 0; b < n; b++) {
      const outC = s.widths[stage];
      out.push({ prefix: `s${stage}b${b}`, inC, outC, stride: stage > 0 && b === 0 ? 2 : 1 });
      inC = outC;
    }
  });
  return out;
}

/** Names of the BN layers with their widths. */
export function bnLayers(s: IcShape): { name: string; width: number }[] {
  const out = [{ name: 'stem_bn', width: s.widths[0] }];
  for (const b of blocksOf(s)) {
    out.push({ name: `${b.prefix}_bn1`, width: b.outC }, { name: `${b.prefix}_bn2`, width: b.outC });
    if (b.stride !== 1 || b.inC !== b.outC) out.push({ name: `${b.prefix}_scbn`, width: b.outC });
  }
  return out;
}

/** The network's parameters, in creation (and seeded-init) order. */
export function icParamSpecs(s: IcShape): ParamSpec[] {
  const specs: ParamSpec[] = [];
  const bn = (name: string, c: number) => specs.push({ name: `${name}_g`, shape: [c], init: { kind: 'constant', value: 1 } }, { name: `${name}_b`, shape: [c], init: { kind: 'zeros' } });
  specs.push({ name: 'stem_w', shape: [3, 3, s.channels, s.widths[0]], init: he(9 * s.channels) });
  bn('stem_bn', s.widths[0]);
  for (const b of blocksOf(s)) {
    specs.push({ name: `${b.prefix}_c1_w`, shape: [3, 3, b.inC, b.outC], init: he(9 * b.inC) });
    bn(`${b.prefix}_bn1`, b.outC);
    specs.push({ name: `${b.prefix}_c2_w`, shape: [3, 3, b.outC, b.outC], init: he(9 * b.outC) });
    bn(`${b.prefix}_bn2`, b.outC);
    if (b.stride !== 1 || b.inC !== b.outC) {
      specs.push({ name: `${b.prefix}_sc_w`, shape: [1, 1, b.inC, b.outC], init: he(b.inC) });
      bn(`${b.prefix}_scbn`, b.outC);
    }
  }
  const last = s.widths[s.widths.length - 1];
  specs.push({ name: 'fc_w', shape: [last, s.numClasses], init: { kind: 'glorot' } }, { name: 'fc_b', shape: [s.numClasses], init: { kind: 'zeros' } });
  return specs;
}

function batchNorm(tf: TfModule, w: Weights, name: string, x: Tf.Tensor4D, mode: BnMode): Tf.Tensor4D {
  let mean: Tf.Tensor;
  let variance: Tf.Tensor;
  if (mode.kind === 'population') ({ mean, variance } = mode.stats[name]);
  else {
    ({ mean, variance } = tf.moments(x, [0, 1, 2]));
    if (mode.collect) {
      const c = (mode.collect[name] ??= { mean: new Float64Array(mean.shape[0]), variance: new Float64Array(mean.shape[0]), batches: 0 });
      const m = mean.dataSync();
      const v = variance.dataSync();
      for (let i = 0; i < m.length; i++) {
        c.mean[i] += m[i];
        c.variance[i] += v[i];
      }
      c.batches++;
    }
  }
  return tf.batchNorm4d(x, mean as Tf.Tensor1D, variance as Tf.Tensor1D, w[`${name}_b`] as Tf.Tensor1D, w[`${name}_g`] as Tf.Tensor1D, BN_EPS);
}

/** Class scores before the softmax [B, classes] of normalised images [B, H, W, C]. */
export function icLogits(tf: TfModule, w: Weights, s: IcShape, x: Tf.Tensor4D, mode: BnMode): Tf.Tensor2D {
  let h = tf.relu(batchNorm(tf, w, 'stem_bn', tf.conv2d(x, w.stem_w as Tf.Tensor4D, 1, 'same'), mode)) as Tf.Tensor4D;
  for (const b of blocksOf(s)) {
    let y = tf.relu(batchNorm(tf, w, `${b.prefix}_bn1`, tf.conv2d(h, w[`${b.prefix}_c1_w`] as Tf.Tensor4D, b.stride, 'same'), mode)) as Tf.Tensor4D;
    y = batchNorm(tf, w, `${b.prefix}_bn2`, tf.conv2d(y, w[`${b.prefix}_c2_w`] as Tf.Tensor4D, 1, 'same'), mode);
    const shortcut = b.stride !== 1 || b.inC !== b.outC ? batchNorm(tf, w, `${b.prefix}_scbn`, tf.conv2d(h, w[`${b.prefix}_sc_w`] as Tf.Tensor4D, b.stride, 'same'), mode) : h;
    h = tf.relu(tf.add(y, shortcut)) as Tf.Tensor4D;
  }
  const pooled = tf.mean(h, [1, 2]) as Tf.Tensor2D;
  return tf.add(tf.matMul(pooled, w.fc_w as Tf.Tensor2D), w.fc_b) as Tf.Tensor2D;
}

/** Mean softmax cross-entropy of logits against integer labels. */
export function crossEntropy(tf: TfModule, logits: Tf.Tensor2D, labels: Int32Array, numClasses: number): Tf.Scalar {
  const onehot = tf.oneHot(tf.tensor1d(labels, 'int32'), numClasses);
  return tf.neg(tf.mean(tf.sum(tf.mul(onehot, tf.logSoftmax(logits)), 1))) as Tf.Scalar;
}
