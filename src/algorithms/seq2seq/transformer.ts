/**
 * seq2seq's network: a Transformer encoder–decoder (Vaswani et al. 2017) in its pre-norm
 * form (layer norm before each block, as in most later implementations, which trains
 * without a warm-up schedule): sinusoidal positions added to scaled embeddings; encoder
 * layers of self-attention and a ReLU feed-forward block; decoder layers of causal
 * self-attention, attention over the encoder's output and a feed-forward block; a final
 * layer norm on each side and a softmax over the target vocabulary (its weights tied to the
 * target embedding when `weight_tying` is set). Built from engine ops, so TensorFlow.js
 * derives the gradients.
 */
import type * as Tf from '@tensorflow/tfjs';
import type { ParamSpec, TfModule } from '../neural/index.js';
import { PAD } from './seq2seq-data.js';

export interface TransformerShape {
  sourceVocab: number;
  targetVocab: number;
  width: number;
  heads: number;
  ffn: number;
  layersEncoder: number;
  layersDecoder: number;
  weightTying: boolean;
}

type Weights = Record<string, Tf.Tensor>;

function norm(name: string, d: number): ParamSpec[] {
  return [
    { name: `${name}_g`, shape: [d], init: { kind: 'constant', value: 1 } },
    { name: `${name}_b`, shape: [d], init: { kind: 'zeros' } },
  ];
}
function attention(name: string, d: number): ParamSpec[] {
  return ['q', 'k', 'v', 'o'].map((p): ParamSpec => ({ name: `${name}_${p}`, shape: [d, d], init: { kind: 'glorot' } }));
}
function feedForward(name: string, d: number, f: number): ParamSpec[] {
  return [
    { name: `${name}_w1`, shape: [d, f], init: { kind: 'glorot' } },
    { name: `${name}_b1`, shape: [f], init: { kind: 'zeros' } },
    { name: `${name}_w2`, shape: [f, d], init: { kind: 'glorot' } },
    { name: `${name}_b2`, shape: [d], init: { kind: 'zeros' } },
  ];
}

/** The parameters, in creation (and seeded-init) order. */
export function transformerParamSpecs(s: TransformerShape): ParamSpec[] {
  const d = s.width;
  const specs: ParamSpec[] = [
    { name: 'src_embed', shape: [s.sourceVocab, d], init: { kind: 'normal', sigma: d ** -0.5 } },
    { name: 'trg_embed', shape: [s.targetVocab, d], init: { kind: 'normal', sigma: d ** -0.5 } },
  ];
  for (let i = 0; i < s.layersEncoder; i++) specs.push(...norm(`enc${i}_ln1`, d), ...attention(`enc${i}_self`, d), ...norm(`enc${i}_ln2`, d), ...feedForward(`enc${i}_ff`, d, s.ffn));
  specs.push(...norm('enc_ln', d));
  for (let i = 0; i < s.layersDecoder; i++) {
    specs.push(...norm(`dec${i}_ln1`, d), ...attention(`dec${i}_self`, d), ...norm(`dec${i}_ln2`, d), ...attention(`dec${i}_cross`, d), ...norm(`dec${i}_ln3`, d), ...feedForward(`dec${i}_ff`, d, s.ffn));
  }
  specs.push(...norm('dec_ln', d));
  if (!s.weightTying) specs.push({ name: 'out_w', shape: [d, s.targetVocab], init: { kind: 'glorot' } });
  specs.push({ name: 'out_b', shape: [s.targetVocab], init: { kind: 'zeros' } });
  return specs;
}

const positionCache = new Map<string, Float32Array>();

/** Sinusoidal position codes [length, d]. */
function positions(length: number, d: number): Float32Array {
  const key = `${length}:${d}`;
  let p = positionCache.get(key);
  if (!p) {
    p = new Float32Array(length * d);
    for (let pos = 0; pos < length; pos++) {
      for (let i = 0; i < d; i += 2) {
        const angle = pos / 10000 ** (i / d);
        p[pos * d + i] = Math.sin(angle);
        if (i + 1 < d) p[pos * d + i + 1] = Math.cos(angle);
      }
    }
    if (positionCache.size > 64) positionCache.clear();
    positionCache.set(key, p);
  }
  return p;
}

function layerNorm(tf: TfModule, w: Weights, name: string, x: Tf.Tensor): Tf.Tensor {
  const mean = tf.mean(x, -1, true);
  const centred = tf.sub(x, mean);
  const variance = tf.mean(tf.square(centred), -1, true);
  return tf.add(tf.mul(tf.mul(centred, tf.rsqrt(tf.add(variance, 1e-5))), w[`${name}_g`]), w[`${name}_b`]);
}

function dense(tf: TfModule, x: Tf.Tensor, weight: Tf.Tensor, bias?: Tf.Tensor): Tf.Tensor {
  const [b, l, d] = x.shape;
  const y = tf.matMul(tf.reshape(x, [b * l, d]) as Tf.Tensor2D, weight as Tf.Tensor2D);
  return tf.reshape(bias ? tf.add(y, bias) : y, [b, l, weight.shape[1]!]);
}

/** Multi-head attention of queries `xq` [B, Lq, d] over `xkv` [B, Lk, d]; `bias` broadcasts to [B, h, Lq, Lk]. */
function multiHead(tf: TfModule, w: Weights, name: string, heads: number, xq: Tf.Tensor, xkv: Tf.Tensor, bias: Tf.Tensor | null): Tf.Tensor {
  const [b, lq, d] = xq.shape;
  const lk = xkv.shape[1]!;
  const dk = d! / heads;
  const split = (x: Tf.Tensor, l: number) => tf.transpose(tf.reshape(x, [b!, l, heads, dk]), [0, 2, 1, 3]);
  const q = split(dense(tf, xq, w[`${name}_q`]), lq!);
  const k = split(dense(tf, xkv, w[`${name}_k`]), lk);
  const v = split(dense(tf, xkv, w[`${name}_v`]), lk);
  let scores = tf.mul(tf.matMul(q as Tf.Tensor4D, k as Tf.Tensor4D, false, true), 1 / Math.sqrt(dk));
  if (bias) scores = tf.add(scores, bias);
  const context = tf.matMul(tf.softmax(scores) as Tf.Tensor4D, v as Tf.Tensor4D);
  return dense(tf, tf.reshape(tf.transpose(context, [0, 2, 1, 3]), [b!, lq!, d!]), w[`${name}_o`]);
}

function feed(tf: TfModule, w: Weights, name: string, x: Tf.Tensor): Tf.Tensor {
  return dense(tf, tf.relu(dense(tf, x, w[`${name}_w1`], w[`${name}_b1`])), w[`${name}_w2`], w[`${name}_b2`]);
}

function embed(tf: TfModule, table: Tf.Tensor, ids: Int32Array, rows: number, length: number, d: number, dropout: number, seed: number | null): Tf.Tensor {
  let x: Tf.Tensor = tf.reshape(tf.gather(table, tf.tensor1d(ids, 'int32')), [rows, length, d]);
  x = tf.add(tf.mul(x, Math.sqrt(d)), tf.tensor3d(positions(length, d), [1, length, d]));
  return dropout > 0 && seed !== null ? tf.dropout(x, dropout, undefined, seed) : x;
}

/** Additive attention bias [B, 1, 1, Ls]: −1e9 at the source's padding. */
export function sourceBias(tf: TfModule, ids: Int32Array, rows: number, length: number): Tf.Tensor {
  const bias = new Float32Array(ids.length);
  for (let i = 0; i < ids.length; i++) if (ids[i] === PAD) bias[i] = -1e9;
  return tf.tensor4d(bias, [rows, 1, 1, length]);
}

/** The encoder's output [B, Ls, d] for source ids [B × Ls]. */
export function encode(tf: TfModule, w: Weights, s: TransformerShape, ids: Int32Array, rows: number, length: number, dropout = 0, seed: number | null = null): Tf.Tensor {
  const bias = sourceBias(tf, ids, rows, length);
  let x = embed(tf, w.src_embed, ids, rows, length, s.width, dropout, seed);
  for (let i = 0; i < s.layersEncoder; i++) {
    x = tf.add(x, multiHead(tf, w, `enc${i}_self`, s.heads, layerNorm(tf, w, `enc${i}_ln1`, x), layerNorm(tf, w, `enc${i}_ln1`, x), bias));
    x = tf.add(x, feed(tf, w, `enc${i}_ff`, layerNorm(tf, w, `enc${i}_ln2`, x)));
  }
  return layerNorm(tf, w, 'enc_ln', x);
}

const causalCache = new Map<number, Float32Array>();
function causal(tf: TfModule, length: number): Tf.Tensor {
  let c = causalCache.get(length);
  if (!c) {
    c = new Float32Array(length * length);
    for (let i = 0; i < length; i++) for (let j = i + 1; j < length; j++) c[i * length + j] = -1e9;
    if (causalCache.size > 64) causalCache.clear();
    causalCache.set(length, c);
  }
  return tf.tensor4d(c, [1, 1, length, length]);
}

/** Logits [B × Lt, V] of the next token at every target position. */
export function decodeLogits(tf: TfModule, w: Weights, s: TransformerShape, memory: Tf.Tensor, memoryBias: Tf.Tensor, targetIn: Int32Array, rows: number, length: number, dropout = 0, seed: number | null = null): Tf.Tensor2D {
  let y = embed(tf, w.trg_embed, targetIn, rows, length, s.width, dropout, seed);
  const self = causal(tf, length);
  for (let i = 0; i < s.layersDecoder; i++) {
    const a = layerNorm(tf, w, `dec${i}_ln1`, y);
    y = tf.add(y, multiHead(tf, w, `dec${i}_self`, s.heads, a, a, self));
    y = tf.add(y, multiHead(tf, w, `dec${i}_cross`, s.heads, layerNorm(tf, w, `dec${i}_ln2`, y), memory, memoryBias));
    y = tf.add(y, feed(tf, w, `dec${i}_ff`, layerNorm(tf, w, `dec${i}_ln3`, y)));
  }
  const h = tf.reshape(layerNorm(tf, w, 'dec_ln', y), [rows * length, s.width]) as Tf.Tensor2D;
  const out = s.weightTying ? tf.matMul(h, w.trg_embed as Tf.Tensor2D, false, true) : tf.matMul(h, w.out_w as Tf.Tensor2D);
  return tf.add(out, w.out_b) as Tf.Tensor2D;
}

/**
 * Per-token losses of a batch: the smoothed cross-entropy (training's objective) summed,
 * the plain negative log-likelihood summed, correct argmax predictions and the number of
 * target tokens (padding excluded).
 */
export function tokenLosses(tf: TfModule, logits: Tf.Tensor2D, targetOut: Int32Array, smoothing: number, withAccuracy = false): { smoothed: Tf.Scalar; nll: Tf.Scalar; correct: Tf.Scalar | null; tokens: number } {
  const v = logits.shape[1];
  const y = tf.tensor1d(targetOut, 'int32');
  const mask = tf.cast(tf.notEqual(y, PAD), 'float32');
  const logp = tf.logSoftmax(logits);
  const nll = tf.neg(tf.sum(tf.mul(tf.oneHot(y, v), logp), 1));
  const uniform = tf.neg(tf.mean(logp, 1));
  const smoothed = tf.add(tf.mul(nll, 1 - smoothing), tf.mul(uniform, smoothing));
  let tokens = 0;
  for (const t of targetOut) if (t !== PAD) tokens++;
  const correct = !withAccuracy ? null : tf.sum(tf.mul(tf.cast(tf.equal(tf.argMax(logits, 1), y), 'float32'), mask)) as Tf.Scalar;
  return { smoothed: tf.sum(tf.mul(smoothed, mask)) as Tf.Scalar, nll: tf.sum(tf.mul(nll, mask)) as Tf.Scalar, correct, tokens };
}
