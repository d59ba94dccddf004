/**
 * IP Insights' network: entities hashed to `num_entity_vectors` embeddings; an IPv4
 * address encoded as the sum of hashed embeddings of its /8, /16, /24 and /32 prefixes
 * (so an unseen address inherits what its networks learned), then
 * `num_ip_encoder_layers` tanh layers. The score is the dot product of the two vectors;
 * training is logistic regression of observed pairs (1) against negatives (0) — random
 * addresses and addresses shuffled between the batch's pairs (SageMaker's two kinds) —
 * by Adam, lazily on the embedding rows a batch touches.
 */
import type { Random } from '../parallel/random.js';

/** Prefix lengths whose embeddings sum to an address's first vector. */
export const PREFIXES = [8, 16, 24, 32] as const;

/** The address as an unsigned 32-bit number, or null when `text` is not dotted-quad IPv4. */
export function parseIpv4(text: string): number | null {
  const m = /^\s*(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\s*$/.exec(text);
  if (!m) return null;
  let v = 0;
  for (let i = 1; i <= 4; i++) {
    const o = Number(m[i]);
    if (o > 255) return null;
    v = v * 256 + o;
  }
  return v;
}

/** murmur3's 32-bit finaliser. */
function fmix(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** The entity's embedding row: FNV-1a of its UTF-16 text, mixed, modulo the table. */
export function entityRow(entity: string, rows: number): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < entity.length; i++) {
    h ^= entity.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return fmix(h) % rows;
}

/** The rows of the address's prefix embeddings in a table of `buckets` rows. */
export function ipRows(ip: number, buckets: number, out: Int32Array): Int32Array {
  for (let l = 0; l < PREFIXES.length; l++) {
    const bits = PREFIXES[l];
    const prefix = bits === 32 ? ip >>> 0 : Math.floor(ip / 2 ** (32 - bits));
    out[l] = fmix(fmix(prefix ^ Math.imul(l + 1, 0x9e3779b9)) + l) % buckets;
  }
  return out;
}

export interface IpNetwork {
  D: number;
  numEntityVectors: number;
  /** Rows of the IP prefix table. */
  buckets: number;
  layers: number;
  /** numEntityVectors × D. */
  entity: Float32Array;
  /** buckets × D. */
  ip: Float32Array;
  /** Per layer: D × D weights (row = output) then D biases. */
  W: Float32Array[];
  b: Float32Array[];
}

/** Table rows for `distinct` distinct prefixes: a power of two at least twice that, within 2^24 floats. */
export function bucketsFor(distinct: number, D: number): number {
  let b = 1024;
  while (b < 2 * distinct && b * 2 * D <= 1 << 24) b *= 2;
  return b;
}

export function initNetwork(D: number, numEntityVectors: number, buckets: number, layers: number, rng: Random): IpNetwork {
  const normal = (n: number, sd: number) => Float32Array.from({ length: n }, () => rng.normal() * sd);
  const W = Array.from({ length: layers }, () => {
    // Near the identity, so a deep encoder starts by passing the embedding through.
    const w = normal(D * D, 0.1 / Math.sqrt(D));
    for (let i = 0; i < D; i++) w[i * D + i] += 1;
    return w;
  });
  return { D, numEntityVectors, buckets, layers, entity: normal(numEntityVectors * D, 0.1), ip: normal(buckets * D, 0.1), W, b: Array.from({ length: layers }, () => new Float32Array(D)) };
}

/** Forward pass of one address: h[0] the prefix sum, h[l + 1] = tanh(W_l h[l] + b_l); returns the last. */
export function encodeIp(net: IpNetwork, rows: Int32Array, h: Float64Array[]): Float64Array {
  const { D } = net;
  const h0 = h[0];
  h0.fill(0);
  for (const r of rows) for (let j = 0; j < D; j++) h0[j] += net.ip[r * D + j];
  for (let l = 0; l < net.layers; l++) {
    const W = net.W[l];
    const b = net.b[l];
    const x = h[l];
    const y = h[l + 1];
    for (let i = 0; i < D; i++) {
      let s = b[i];
      for (let j = 0; j < D; j++) s += W[i * D + j] * x[j];
      y[i] = Math.tanh(s);
    }
  }
  return h[net.layers];
}

export function dot(net: IpNetwork, entityRowIndex: number, v: Float64Array): number {
  const { D } = net;
  let s = 0;
  for (let j = 0; j < D; j++) s += net.entity[entityRowIndex * D + j] * v[j];
  return s;
}

/** Adam state of a parameter array: moments updated only where a step touches it. */
class Adam {
  readonly m: Float32Array;
  readonly v: Float32Array;
  constructor(
    readonly p: Float32Array,
    private readonly o: { lr: number; wd: number },
  ) {
    this.m = new Float32Array(p.length);
    this.v = new Float32Array(p.length);
  }
  /** Updates p[offset .. offset + g.length) with gradient g at step t (1-based). */
  step(offset: number, g: Float64Array, t: number): void {
    const b1 = 0.9;
    const b2 = 0.999;
    const c1 = 1 - b1 ** t;
    const c2 = 1 - b2 ** t;
    const { p, m, v } = this;
    for (let j = 0; j < g.length; j++) {
      const i = offset + j;
      const gj = g[j] + this.o.wd * p[i];
      m[i] = b1 * m[i] + (1 - b1) * gj;
      v[i] = b2 * v[i] + (1 - b2) * gj * gj;
      p[i] -= (this.o.lr * (m[i] / c1)) / (Math.sqrt(v[i] / c2) + 1e-8);
    }
  }
}

export interface TrainPairs {
  /** Entity row per pair. */
  entity: Int32Array;
  /** Address per pair (unsigned 32-bit). */
  ip: Float64Array;
}

export interface IpTrainOptions {
  batchSize: number;
  epochs: number;
  learningRate: number;
  weightDecay: number;
  randomNegatives: number;
  shuffledNegatives: number;
}

/** Sparse gradient rows of one batch. */
class RowGrads {
  readonly rows = new Map<number, Float64Array>();
  constructor(private readonly D: number) {}
  row(r: number): Float64Array {
    let g = this.rows.get(r);
    if (!g) this.rows.set(r, (g = new Float64Array(this.D)));
    return g;
  }
}

/** One sample's forward and backward pass; returns its log loss. Gradients are scaled by `scale`. */
function backprop(net: IpNetwork, e: number, ip: number, y: number, scale: number, h: Float64Array[], rows: Int32Array, ge: RowGrads, gi: RowGrads, gW: Float64Array[], gb: Float64Array[], dh: Float64Array, dz: Float64Array): number {
  const { D, layers } = net;
  ipRows(ip, net.buckets, rows);
  const v = encodeIp(net, rows, h);
  const s = dot(net, e, v);
  const p = 1 / (1 + Math.exp(-s));
  const loss = y === 1 ? -Math.log(Math.max(p, 1e-12)) : -Math.log(Math.max(1 - p, 1e-12));
  const g = (p - y) * scale;
  const gEnt = ge.row(e);
  for (let j = 0; j < D; j++) {
    gEnt[j] += g * v[j];
    dh[j] = g * net.entity[e * D + j];
  }
  for (let l = layers - 1; l >= 0; l--) {
    const out = h[l + 1];
    const x = h[l];
    const W = net.W[l];
    for (let i = 0; i < D; i++) dz[i] = dh[i] * (1 - out[i] * out[i]);
    const gWl = gW[l];
    const gbl = gb[l];
    for (let i = 0; i < D; i++) {
      const d = dz[i];
      if (d === 0) continue;
      gbl[i] += d;
      for (let j = 0; j < D; j++) gWl[i * D + j] += d * x[j];
    }
    dh.fill(0);
    for (let i = 0; i < D; i++) {
      const d = dz[i];
      if (d === 0) continue;
      for (let j = 0; j < D; j++) dh[j] += W[i * D + j] * d;
    }
  }
  for (const r of rows) {
    const gr = gi.row(r);
    for (let j = 0; j < D; j++) gr[j] += dh[j];
  }
  return loss;
}

/** Trains `net` in place; `onEpoch` gets the mean log loss over observed pairs and negatives. */
export function trainNetwork(net: IpNetwork, pairs: TrainPairs, o: IpTrainOptions, rng: Random, hooks: { signal?: AbortSignal; onEpoch?: (epoch: number, loss: number) => void }): void {
  const { D, layers } = net;
  const n = pairs.entity.length;
  const opt = { lr: o.learningRate, wd: o.weightDecay };
  const aEnt = new Adam(net.entity, opt);
  const aIp = new Adam(net.ip, opt);
  const aW = net.W.map((w) => new Adam(w, opt));
  const aB = net.b.map((b) => new Adam(b, opt));
  const h = Array.from({ length: layers + 1 }, () => new Float64Array(D));
  const rows = new Int32Array(PREFIXES.length);
  const dh = new Float64Array(D);
  const dz = new Float64Array(D);
  const order = Int32Array.from({ length: n }, (_, i) => i);
  let t = 0;
  for (let epoch = 1; epoch <= o.epochs; epoch++) {
    hooks.signal?.throwIfAborted();
    for (let i = n - 1; i > 0; i--) {
      const j = rng.int(i + 1);
      const x = order[i];
      order[i] = order[j];
      order[j] = x;
    }
    let lossSum = 0;
    let samples = 0;
    for (let start = 0; start < n; start += o.batchSize) {
      const batch = order.subarray(start, Math.min(n, start + o.batchSize));
      const B = batch.length;
      const scale = 1 / (B * (1 + o.randomNegatives + o.shuffledNegatives));
      const ge = new RowGrads(D);
      const gi = new RowGrads(D);
      const gW = net.W.map((w) => new Float64Array(w.length));
      const gb = net.b.map((b) => new Float64Array(b.length));
      for (let q = 0; q < B; q++) {
        const i = batch[q];
        const e = pairs.entity[i];
        lossSum += backprop(net, e, pairs.ip[i], 1, scale, h, rows, ge, gi, gW, gb, dh, dz);
        for (let r = 0; r < o.randomNegatives; r++) lossSum += backprop(net, e, Math.floor(rng.next() * 4294967296), 0, scale, h, rows, ge, gi, gW, gb, dh, dz);
        for (let r = 0; r < o.shuffledNegatives; r++) {
          const other = batch[rng.int(B)];
          if (pairs.entity[other] === e && B > 1) continue;
          lossSum += backprop(net, e, pairs.ip[other], 0, scale, h, rows, ge, gi, gW, gb, dh, dz);
        }
        samples += 1 + o.randomNegatives + o.shuffledNegatives;
      }
      t++;
      for (const [r, g] of ge.rows) aEnt.step(r * D, g, t);
      for (const [r, g] of gi.rows) aIp.step(r * D, g, t);
      for (let l = 0; l < layers; l++) {
        aW[l].step(0, gW[l], t);
        aB[l].step(0, gb[l], t);
      }
    }
    hooks.onEpoch?.(epoch, lossSum / Math.max(1, samples));
  }
}

/** The score of each pair, and optionally both embeddings. */
export function scorePairs(net: IpNetwork, entityRows: ArrayLike<number>, ips: ArrayLike<number>): Float64Array {
  const h = Array.from({ length: net.layers + 1 }, () => new Float64Array(net.D));
  const rows = new Int32Array(PREFIXES.length);
  const out = new Float64Array(entityRows.length);
  for (let i = 0; i < out.length; i++) out[i] = dot(net, entityRows[i], encodeIp(net, ipRows(ips[i], net.buckets, rows), h));
  return out;
}

/** The IP vector of an address (a copy). */
export function ipVector(net: IpNetwork, ip: number): number[] {
  const h = Array.from({ length: net.layers + 1 }, () => new Float64Array(net.D));
  return Array.from(encodeIp(net, ipRows(ip, net.buckets, new Int32Array(PREFIXES.length)), h));
}
