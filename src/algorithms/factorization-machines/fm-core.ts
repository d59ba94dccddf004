/**
 * Factorization machines (Rendle, ICDM 2010): ŷ(x) = w₀ + Σᵢ wᵢxᵢ + Σ_{i<j} ⟨vᵢ, vⱼ⟩ xᵢxⱼ,
 * with the pairwise term computed in O(k·nnz) as ½ Σ_f [(Σᵢ v_{if} xᵢ)² − Σᵢ v_{if}² xᵢ²].
 * Gradients: ∂ŷ/∂w₀ = 1, ∂ŷ/∂wᵢ = xᵢ, ∂ŷ/∂v_{if} = xᵢ (Σⱼ v_{jf} xⱼ − v_{if} xᵢ).
 *
 * Trained by mini-batch Adam (Kingma & Ba 2015) with each term's own learning rate and
 * L2 weight decay; only the features present in a batch are updated (lazy updates), so
 * a step costs the batch's non-zeros, not the feature dimension.
 */
import type { SparseRows } from '../data/sparse.js';
import { createRandom, shuffle, type Random } from '../parallel/random.js';
import type { FmOptions, TermInit } from './hyperparameters.js';

export interface FmParams {
  dim: number;
  factors: number;
  w0: number;
  /** dim linear weights. */
  w: Float32Array;
  /** dim × factors, row-major. */
  V: Float32Array;
}

function draw(init: TermInit, rng: Random): number {
  if (init.method === 'constant') return init.value;
  if (init.method === 'uniform') return (2 * rng.next() - 1) * init.scale;
  return rng.normal() * init.sigma;
}

export function initParams(o: FmOptions, dim: number, rng: Random): FmParams {
  const w = new Float32Array(dim);
  const V = new Float32Array(dim * o.numFactors);
  for (let i = 0; i < dim; i++) w[i] = draw(o.init.linear, rng);
  for (let i = 0; i < V.length; i++) V[i] = draw(o.init.factors, rng);
  return { dim, factors: o.numFactors, w0: draw(o.init.bias, rng), w, V };
}

/** ŷ for the non-zeros [a, b) of a row; fills `s` with Σᵢ v_{if} xᵢ. */
export function fmRaw(p: FmParams, indices: ArrayLike<number>, values: ArrayLike<number>, a: number, b: number, s: Float64Array): number {
  const F = p.factors;
  let y = p.w0;
  s.fill(0);
  let sq = 0;
  for (let q = a; q < b; q++) {
    const i = indices[q];
    const x = values[q];
    y += p.w[i] * x;
    const o = i * F;
    for (let f = 0; f < F; f++) {
      const vx = p.V[o + f] * x;
      s[f] += vx;
      sq += vx * vx;
    }
  }
  let pair = 0;
  for (let f = 0; f < F; f++) pair += s[f] * s[f];
  return y + 0.5 * (pair - sq);
}

export const sigmoid = (z: number): number => (z >= 0 ? 1 / (1 + Math.exp(-z)) : Math.exp(z) / (1 + Math.exp(z)));

/** Metrics of a model over labelled rows, with SageMaker's names under `prefix`. */
export function evaluateFm(p: FmParams, rows: SparseRows, classifier: boolean, prefix: string): Record<string, number> {
  const s = new Float64Array(p.factors);
  let se = 0;
  let ce = 0;
  let hits = 0;
  let tp = 0;
  let fp = 0;
  let fn = 0;
  for (let r = 0; r < rows.rows; r++) {
    const z = fmRaw(p, rows.indices, rows.values, rows.indptr[r], rows.indptr[r + 1], s);
    const y = rows.labels[r];
    if (classifier) {
      const prob = sigmoid(z);
      const eps = 1e-12;
      ce -= y * Math.log(Math.max(prob, eps)) + (1 - y) * Math.log(Math.max(1 - prob, eps));
      const label = prob > 0.5 ? 1 : 0;
      if (label === y) hits++;
      if (label === 1 && y === 1) tp++;
      else if (label === 1) fp++;
      else if (y === 1) fn++;
    } else se += (z - y) ** 2;
  }
  const n = rows.rows;
  if (!classifier) return { [`${prefix}:rmse`]: Math.sqrt(se / n) };
  const precision = tp + fp > 0 ? tp / (tp + fp) : 0;
  const recall = tp + fn > 0 ? tp / (tp + fn) : 0;
  return {
    [`${prefix}:binary_classification_accuracy`]: hits / n,
    [`${prefix}:binary_classification_cross_entropy`]: ce / n,
    [`${prefix}:binary_f_beta`]: precision + recall > 0 ? (2 * precision * recall) / (precision + recall) : 0,
  };
}

export interface FmRun {
  seed: number;
  signal?: AbortSignal;
  /** Called after each epoch with the mean training loss (squared error or log loss). */
  onEpoch?(epoch: number, loss: number): void;
}

/** Fits a factorization machine to labelled sparse rows. */
export function trainFm(rows: SparseRows, o: FmOptions, run: FmRun): FmParams {
  const rng = createRandom(run.seed);
  const dim = rows.dim;
  const F = o.numFactors;
  const p = initParams(o, dim, rng);
  const classifier = o.predictorType === 'binary_classifier';
  // Adam moments, per parameter.
  const mw = new Float32Array(dim);
  const vw = new Float32Array(dim);
  const mV = new Float32Array(dim * F);
  const vV = new Float32Array(dim * F);
  // Batch gradients and the features a batch touched.
  const gw = new Float64Array(dim);
  const gV = new Float64Array(dim * F);
  // The step that last touched each feature: a feature's batch gradient is reset on its first touch in a step.
  const stamp = new Int32Array(dim).fill(-1);
  const touched = new Int32Array(Math.max(1, Math.min(dim, rows.indices.length)));
  const s = new Float64Array(F);
  const order = Int32Array.from({ length: rows.rows }, (_, i) => i);
  const B1 = 0.9;
  const B2 = 0.999;
  let t = 0;
  const clip = o.clip;
  const adam = (g: number, param: number, m: Float32Array | null, v: Float32Array | null, k: number, lr: number, wd: number, c1: number, c2: number, scalar?: { m: number; v: number }): number => {
    let grad = g * o.rescale + wd * param;
    if (clip !== null) grad = Math.max(-clip, Math.min(clip, grad));
    let mk: number;
    let vk: number;
    if (scalar) {
      mk = scalar.m = B1 * scalar.m + (1 - B1) * grad;
      vk = scalar.v = B2 * scalar.v + (1 - B2) * grad * grad;
    } else {
      mk = m![k] = B1 * m![k] + (1 - B1) * grad;
      vk = v![k] = B2 * v![k] + (1 - B2) * grad * grad;
    }
    return param - (lr * (mk / c1)) / (Math.sqrt(vk / c2) + o.eps);
  };
  const bias = { m: 0, v: 0 };
  for (let epoch = 1; epoch <= o.epochs; epoch++) {
    shuffle(order, rng);
    let lossSum = 0;
    for (let b0 = 0; b0 < rows.rows; b0 += o.miniBatchSize) {
      if (run.signal?.aborted) throw run.signal.reason ?? new Error('aborted');
      const b1 = Math.min(rows.rows, b0 + o.miniBatchSize);
      const batch = b1 - b0;
      let nTouched = 0;
      let g0 = 0;
      for (let q = b0; q < b1; q++) {
        const r = order[q];
        const a = rows.indptr[r];
        const e = rows.indptr[r + 1];
        const z = fmRaw(p, rows.indices, rows.values, a, e, s);
        const y = rows.labels[r];
        let g: number;
        if (classifier) {
          const prob = sigmoid(z);
          g = prob - y;
          lossSum -= y * Math.log(Math.max(prob, 1e-12)) + (1 - y) * Math.log(Math.max(1 - prob, 1e-12));
        } else {
          g = z - y;
          lossSum += g * g;
        }
        g /= batch;
        g0 += g;
        for (let k = a; k < e; k++) {
          const i = rows.indices[k];
          const x = rows.values[k];
          if (stamp[i] !== t) {
            stamp[i] = t;
            touched[nTouched++] = i;
            gw[i] = 0;
            for (let f = 0; f < F; f++) gV[i * F + f] = 0;
          }
          gw[i] += g * x;
          const o2 = i * F;
          for (let f = 0; f < F; f++) gV[o2 + f] += g * x * (s[f] - p.V[o2 + f] * x);
        }
      }
      t++;
      const c1 = 1 - Math.pow(B1, t);
      const c2 = 1 - Math.pow(B2, t);
      p.w0 = adam(g0, p.w0, null, null, 0, o.lr.bias, o.wd.bias, c1, c2, bias);
      for (let n = 0; n < nTouched; n++) {
        const i = touched[n];
        p.w[i] = adam(gw[i], p.w[i], mw, vw, i, o.lr.linear, o.wd.linear, c1, c2);
        const o2 = i * F;
        for (let f = 0; f < F; f++) p.V[o2 + f] = adam(gV[o2 + f], p.V[o2 + f], mV, vV, o2 + f, o.lr.factors, o.wd.factors, c1, c2);
      }
    }
    run.onEpoch?.(epoch, classifier ? lossSum / rows.rows : Math.sqrt(lossSum / rows.rows));
  }
  return p;
}
