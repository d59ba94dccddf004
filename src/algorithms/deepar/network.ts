/**
 * DeepAR's network (Salinas et al. 2019): at every step the inputs are the scaled lags of
 * the target, calendar features, the series' age and log-scale, its dynamic features and
 * the embeddings of its categories; a stacked LSTM; a linear projection to the
 * likelihood's parameters. Training minimises the negative log-likelihood over the
 * context and prediction ranges of sampled windows; forecasting warms the LSTM up on the
 * context and then draws sample paths, each step's draw feeding the next step's lags.
 *
 * All parameters live in one flat Float64Array (embeddings, LSTM, projection), so the
 * optimiser and the model file handle one vector.
 */
import type { Random } from '../parallel/random.js';
import { type TimeFreq, numTimeFeatures, timeAt, writeTimeFeatures } from './features.js';
import { type Likelihood, type LikelihoodName, likelihoodOf } from './likelihoods.js';
import { initLstm, lstmBackward, lstmForward, lstmShape, type LstmShape, type LstmState, zeroState } from './lstm.js';

export interface NetConfig {
  freq: TimeFreq;
  lags: number[];
  numDynamic: number;
  /** Categories per `cat` feature (empty: no embeddings). */
  cardinality: number[];
  embeddingDim: number;
  numCells: number;
  numLayers: number;
  likelihood: LikelihoodName;
  contextLength: number;
  predictionLength: number;
}

/** One series as the network reads it. */
export interface SeriesInput {
  /** Observed values (NaN: missing). */
  target: Float64Array;
  startMs: number;
  cat: number[];
  /** One array per dynamic feature, covering at least the steps read. */
  dynamic: Float64Array[];
}

export interface Net {
  cfg: NetConfig;
  lik: Likelihood;
  /** Inputs per step. */
  inputSize: number;
  /** Offsets of the input blocks. */
  at: { lags: number; time: number; age: number; scale: number; dynamic: number; emb: number };
  /** Offset of each embedding table (cardinality × embeddingDim) in the parameters. */
  embOffsets: number[];
  lstm: LstmShape;
  /** Projection W (numCells × numParams) then b. */
  projOffset: number;
  size: number;
  maxLag: number;
}

export function buildNet(cfg: NetConfig): Net {
  const lik = likelihoodOf(cfg.likelihood);
  const nT = numTimeFeatures(cfg.freq);
  const at = { lags: 0, time: cfg.lags.length, age: 0, scale: 0, dynamic: 0, emb: 0 };
  at.age = at.time + nT;
  at.scale = at.age + 1;
  at.dynamic = at.scale + 1;
  at.emb = at.dynamic + cfg.numDynamic;
  const inputSize = at.emb + cfg.cardinality.length * cfg.embeddingDim;
  const embOffsets: number[] = [];
  let offset = 0;
  for (const c of cfg.cardinality) {
    embOffsets.push(offset);
    offset += c * cfg.embeddingDim;
  }
  const lstm = lstmShape(inputSize, cfg.numCells, cfg.numLayers, offset);
  offset += lstm.size;
  const projOffset = offset;
  offset += (cfg.numCells + 1) * lik.numParams;
  return { cfg, lik, inputSize, at, embOffsets, lstm, projOffset, size: offset, maxLag: Math.max(...cfg.lags) };
}

export function initParams(net: Net, rng: Random): Float64Array {
  const p = new Float64Array(net.size);
  for (let i = 0; i < (net.embOffsets.length ? net.lstm.layers[0].offset : 0); i++) p[i] = rng.normal() * 0.1;
  initLstm(net.lstm, p, () => rng.next());
  const H = net.cfg.numCells;
  const P = net.lik.numParams;
  const limit = Math.sqrt(6 / (H + P));
  for (let i = 0; i < H * P; i++) p[net.projOffset + i] = (rng.next() * 2 - 1) * limit;
  return p;
}

/** DeepAR's scale: 1 + the mean absolute observed value over the context (paper §3.3). */
export function seriesScale(target: Float64Array, from: number, to: number): number {
  let s = 0;
  let n = 0;
  for (let i = Math.max(0, from); i < to; i++) {
    const v = target[i];
    if (!Number.isNaN(v)) {
      s += Math.abs(v);
      n++;
    }
  }
  return 1 + (n > 0 ? s / n : 0);
}

/**
 * Writes the inputs of step `i` of a series (index in its own time, may be negative
 * while padding) except the embeddings; `value(j)` answers the target at step j (NaN when
 * unknown or before the start).
 */
function writeStep(net: Net, s: SeriesInput, i: number, v: number, value: (j: number) => number, out: Float64Array, o: number): void {
  const { at, cfg } = net;
  for (let l = 0; l < cfg.lags.length; l++) {
    const z = value(i - cfg.lags[l]);
    out[o + at.lags + l] = Number.isNaN(z) ? 0 : z / v;
  }
  writeTimeFeatures(cfg.freq, timeAt(cfg.freq, s.startMs, i), out, o + at.time);
  out[o + at.age] = Math.log10(2 + Math.max(0, i)) - 2;
  out[o + at.scale] = Math.log(v);
  for (let d = 0; d < cfg.numDynamic; d++) {
    const x = s.dynamic[d]?.[i];
    out[o + at.dynamic + d] = x === undefined || Number.isNaN(x) || i < 0 ? 0 : x;
  }
}

function writeEmbeddings(net: Net, params: Float64Array, cat: number[], out: Float64Array, o: number): void {
  const E = net.cfg.embeddingDim;
  for (let c = 0; c < net.embOffsets.length; c++) {
    const row = net.embOffsets[c] + cat[c] * E;
    for (let e = 0; e < E; e++) out[o + net.at.emb + c * E + e] = params[row + e];
  }
}

/** raw (rows × P) = h (rows × H) · W + b. */
function project(net: Net, params: Float64Array, h: Float64Array, rows: number): Float64Array {
  const H = net.cfg.numCells;
  const P = net.lik.numParams;
  const W = net.projOffset;
  const b = W + H * P;
  const raw = new Float64Array(rows * P);
  for (let r = 0; r < rows; r++) {
    for (let p = 0; p < P; p++) {
      let s = params[b + p];
      for (let k = 0; k < H; k++) s += h[r * H + k] * params[W + k * P + p];
      raw[r * P + p] = s;
    }
  }
  return raw;
}

/** A training window: a series and the index one past its last step. */
export interface Window {
  series: SeriesInput;
  end: number;
}

/**
 * Mean negative log-likelihood of a batch of windows (context + prediction steps each)
 * and its gradient, added into `grad`.
 */
export function lossAndGrad(net: Net, params: Float64Array, windows: Window[], grad: Float64Array, rng: Random, dropout: number): number {
  const B = windows.length;
  const T = net.cfg.contextLength + net.cfg.predictionLength;
  const I = net.inputSize;
  const H = net.cfg.numCells;
  const P = net.lik.numParams;
  const x = new Float64Array(T * B * I);
  const y = new Float64Array(T * B);
  const scales = new Float64Array(B);
  for (let b = 0; b < B; b++) {
    const { series, end } = windows[b];
    const start = end - T;
    const target = series.target;
    const value = (j: number) => (j >= 0 && j < target.length ? target[j] : NaN);
    const v = seriesScale(target, start, start + net.cfg.contextLength);
    scales[b] = v;
    for (let t = 0; t < T; t++) {
      const o = (t * B + b) * I;
      writeStep(net, series, start + t, v, value, x, o);
      writeEmbeddings(net, params, series.cat, x, o);
      y[t * B + b] = value(start + t);
    }
  }
  const { out, tape } = lstmForward(net.lstm, params, x, T, B, zeroState(net.lstm, B), { tape: true, dropout, uniform: () => rng.next() });
  const raw = project(net, params, out, T * B);
  let count = 0;
  for (let i = 0; i < T * B; i++) if (!Number.isNaN(y[i])) count++;
  if (count === 0) return 0;
  const dRaw = new Float64Array(T * B * P);
  let loss = 0;
  const w = 1 / count;
  for (let t = 0; t < T; t++) {
    for (let b = 0; b < B; b++) {
      const i = t * B + b;
      if (Number.isNaN(y[i])) continue;
      loss += net.lik.nllGrad(raw, i * P, scales[b], y[i], dRaw, w);
    }
  }
  // Projection: dW += hᵀ dRaw, db += Σ dRaw, dh = dRaw Wᵀ.
  const W = net.projOffset;
  const bOff = W + H * P;
  const dOut = new Float64Array(T * B * H);
  for (let r = 0; r < T * B; r++) {
    for (let p = 0; p < P; p++) {
      const d = dRaw[r * P + p];
      if (d === 0) continue;
      grad[bOff + p] += d;
      for (let k = 0; k < H; k++) {
        grad[W + k * P + p] += out[r * H + k] * d;
        dOut[r * H + k] += params[W + k * P + p] * d;
      }
    }
  }
  const dx = lstmBackward(net.lstm, params, tape!, dOut, grad);
  const E = net.cfg.embeddingDim;
  for (let c = 0; c < net.embOffsets.length; c++) {
    for (let b = 0; b < B; b++) {
      const row = net.embOffsets[c] + windows[b].series.cat[c] * E;
      for (let t = 0; t < T; t++) {
        const o = (t * B + b) * I + net.at.emb + c * E;
        for (let e = 0; e < E; e++) grad[row + e] += dx[o + e];
      }
    }
  }
  return loss / count;
}

/**
 * Sample paths over the prediction range following the series' last observed value:
 * `numSamples` × predictionLength, row-major. The series' dynamic features must cover
 * target.length + predictionLength steps.
 */
export function samplePaths(net: Net, params: Float64Array, series: SeriesInput, numSamples: number, rng: Random): Float64Array {
  const { contextLength: C, predictionLength: h } = net.cfg;
  const n = series.target.length;
  const I = net.inputSize;
  const P = net.lik.numParams;
  const v = seriesScale(series.target, n - C, n);
  const observed = (j: number) => (j >= 0 && j < n ? series.target[j] : NaN);
  // Warm-up on the context with one row; its state is then copied to every sample.
  const warm = new Float64Array(C * I);
  for (let t = 0; t < C; t++) {
    writeStep(net, series, n - C + t, v, observed, warm, t * I);
    writeEmbeddings(net, params, series.cat, warm, t * I);
  }
  const one = zeroState(net.lstm, 1);
  lstmForward(net.lstm, params, warm, C, 1, one);
  const S = numSamples;
  const state: LstmState = {
    h: one.h.map((a) => tile(a, S)),
    c: one.c.map((a) => tile(a, S)),
  };
  const paths = new Float64Array(S * h);
  const x = new Float64Array(S * I);
  const lags = net.cfg.lags;
  for (let k = 0; k < h; k++) {
    // Every sample shares the step's calendar, age, scale, dynamic features and
    // embeddings: written once, copied, then each sample's own lags.
    writeStep(net, series, n + k, v, observed, x, 0);
    writeEmbeddings(net, params, series.cat, x, 0);
    for (let s = 0; s < S; s++) {
      if (s > 0) x.copyWithin(s * I, 0, I);
      for (let l = 0; l < lags.length; l++) {
        const j = n + k - lags[l];
        const z = j < n ? observed(j) : paths[s * h + (j - n)];
        x[s * I + net.at.lags + l] = Number.isNaN(z) ? 0 : z / v;
      }
    }
    const { out } = lstmForward(net.lstm, params, x, 1, S, state);
    const raw = project(net, params, out, S);
    for (let s = 0; s < S; s++) paths[s * h + k] = net.lik.sample(raw, s * P, v, rng);
  }
  return paths;
}

function tile(a: Float64Array, times: number): Float64Array {
  const out = new Float64Array(a.length * times);
  for (let i = 0; i < times; i++) out.set(a, i * a.length);
  return out;
}
