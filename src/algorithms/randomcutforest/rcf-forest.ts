/**
 * The robust random cut forest (Guha, Mishra, Roy & Schrijvers, ICML 2016). Each tree
 * holds a uniform sample of the points; a node cuts dimension j with probability
 * proportional to the sample's range in j, at a uniform value within that range, so a
 * point far from the rest is cut off near the root.
 *
 * Scoring follows the RCF library's anomaly-score visitor (the expected displacement
 * without changing the tree): a point walks down to the leaf it would join; going back
 * up, each node's box grown to include the point is cut so as to separate the point with
 * probability p = (growth of the box's range sum) / (grown range sum), and the score
 * mixes in 1 / (depth + 1) with that probability. Scaled by log2(1 + sample size), a
 * typical point scores about 1 and an isolated one several times that.
 */
import type { Random } from '../parallel/random.js';

/** A forest flattened into arrays (shared memory, read by scoring threads). */
export interface Forest {
  /** Point dimension (feature_dim × shingle_size). */
  D: number;
  trees: number;
  /** trees + 1 offsets of each tree's nodes; a tree's root is its first node. */
  treeStart: Int32Array;
  /** Per node: the cut dimension (−1 at a leaf), the cut value, children, depth, mass. */
  dim: Int32Array;
  cut: Float64Array;
  left: Int32Array;
  right: Int32Array;
  depth: Int32Array;
  mass: Int32Array;
  /** Per node: the bounding box of its points (nodes × D each). */
  lo: Float32Array;
  hi: Float32Array;
  /** Per node: the box's range sum Σ (hi − lo) (derived from the boxes, not stored). */
  range: Float64Array;
  /** Points per tree (its sample size), for the normalisation. */
  sampleSize: Int32Array;
}

const sharedOf = <T extends Float32Array | Float64Array | Int32Array>(C: { new (b: SharedArrayBuffer): T; BYTES_PER_ELEMENT: number }, values: ArrayLike<number>): T => {
  const a = new C(new SharedArrayBuffer(Math.max(1, values.length) * C.BYTES_PER_ELEMENT));
  (a as unknown as { set(v: ArrayLike<number>): void }).set(values);
  return a;
};

/** Builds `trees` trees, each over `samples` rows of P (n × D) drawn without replacement. */
export function buildForest(P: Float32Array, n: number, D: number, trees: number, samples: number, rng: Random): Forest {
  const dim: number[] = [];
  const cut: number[] = [];
  const left: number[] = [];
  const right: number[] = [];
  const depth: number[] = [];
  const mass: number[] = [];
  const lo: number[] = [];
  const hi: number[] = [];
  const treeStart = [0];
  const sampleSize: number[] = [];
  const s = Math.min(samples, n);
  const pool = Int32Array.from({ length: n }, (_, i) => i);
  const bmin = new Float64Array(D);
  const bmax = new Float64Array(D);
  const build = (rows: Int32Array, d: number): number => {
    const node = dim.length;
    bmin.fill(Infinity);
    bmax.fill(-Infinity);
    for (const r of rows) {
      for (let j = 0; j < D; j++) {
        const v = P[r * D + j];
        if (v < bmin[j]) bmin[j] = v;
        if (v > bmax[j]) bmax[j] = v;
      }
    }
    let range = 0;
    for (let j = 0; j < D; j++) range += bmax[j] - bmin[j];
    for (let j = 0; j < D; j++) {
      lo.push(bmin[j]);
      hi.push(bmax[j]);
    }
    depth.push(d);
    mass.push(rows.length);
    if (rows.length === 1 || range <= 0) {
      dim.push(-1);
      cut.push(0);
      left.push(-1);
      right.push(-1);
      return node;
    }
    // Dimension with probability ∝ its range, value uniform in it; redrawn until both sides hold a point.
    let cj = 0;
    let cv = 0;
    let nLeft = 0;
    for (;;) {
      let r = rng.next() * range;
      cj = 0;
      while (cj < D - 1 && r >= bmax[cj] - bmin[cj]) {
        r -= bmax[cj] - bmin[cj];
        cj++;
      }
      cv = bmin[cj] + rng.next() * (bmax[cj] - bmin[cj]);
      nLeft = 0;
      for (const row of rows) if (P[row * D + cj] <= cv) nLeft++;
      if (nLeft > 0 && nLeft < rows.length) break;
    }
    dim.push(cj);
    cut.push(cv);
    left.push(-1);
    right.push(-1);
    const l = new Int32Array(nLeft);
    const rr = new Int32Array(rows.length - nLeft);
    let a = 0;
    let b = 0;
    for (const row of rows) {
      if (P[row * D + cj] <= cv) l[a++] = row;
      else rr[b++] = row;
    }
    left[node] = build(l, d + 1);
    right[node] = build(rr, d + 1);
    return node;
  };
  for (let t = 0; t < trees; t++) {
    // Partial Fisher–Yates: the first s entries are a uniform sample without replacement.
    for (let i = 0; i < s; i++) {
      const j = i + rng.int(n - i);
      const tmp = pool[i];
      pool[i] = pool[j];
      pool[j] = tmp;
    }
    const start = dim.length;
    const root = build(pool.slice(0, s), 0);
    // Children were pushed after their parent: make node numbers relative to the tree.
    void root;
    treeStart.push(dim.length);
    sampleSize.push(s);
    for (let i = start; i < dim.length; i++) {
      if (left[i] >= 0) {
        left[i] -= start;
        right[i] -= start;
      }
    }
  }
  return {
    D,
    trees,
    treeStart: Int32Array.from(treeStart),
    dim: sharedOf(Int32Array, dim),
    cut: sharedOf(Float64Array, cut),
    left: sharedOf(Int32Array, left),
    right: sharedOf(Int32Array, right),
    depth: sharedOf(Int32Array, depth),
    mass: sharedOf(Int32Array, mass),
    lo: sharedOf(Float32Array, lo),
    hi: sharedOf(Float32Array, hi),
    range: boxRanges(Float32Array.from(lo), Float32Array.from(hi), D),
    sampleSize: Int32Array.from(sampleSize),
  };
}

/** Σ (hi − lo) per node. */
export function boxRanges(lo: Float32Array, hi: Float32Array, D: number): Float64Array {
  const nodes = lo.length / D;
  const out = new Float64Array(new SharedArrayBuffer(Math.max(1, nodes) * 8), 0, nodes);
  for (let n = 0; n < nodes; n++) {
    let r = 0;
    for (let j = 0; j < D; j++) r += hi[n * D + j] - lo[n * D + j];
    out[n] = r;
  }
  return out;
}

/** Scoring kernel over rows [start, end) of a.P (state: a Forest). */
export const RCF_KERNELS = `
function score(f, a) {
  const P = a.P, D = f.D, T = f.trees, ts = f.treeStart;
  const dim = f.dim, cut = f.cut, left = f.left, right = f.right, depth = f.depth, mass = f.mass, lo = f.lo, hi = f.hi, range = f.range;
  const out = new Float64Array(a.end - a.start);
  const path = new Int32Array(4096);
  const norm = new Float64Array(T);
  for (let t = 0; t < T; t++) norm[t] = Math.log2(1 + f.sampleSize[t]);
  // Tree by tree, so one tree's nodes stay in cache while every row walks it.
  for (let t = 0; t < T; t++) {
    const base = ts[t];
    for (let i = a.start; i < a.end; i++) {
      const o = i * D;
      let node = base, len = 0;
      for (;;) {
        path[len++] = node;
        const j = dim[node];
        if (j < 0) break;
        node = base + (P[o + j] <= cut[node] ? left[node] : right[node]);
      }
      // At the leaf: the point is one of the leaf's points, or is cut off from them there.
      const leaf = path[len - 1];
      let same = true;
      for (let j = 0; j < D; j++) if (P[o + j] !== lo[leaf * D + j]) { same = false; break; }
      let s = same ? 1 / (depth[leaf] + Math.log2(mass[leaf] + 1)) : 1 / (depth[leaf] + 1);
      for (let p = len - 2; p >= 0; p--) {
        const n = path[p], b = n * D;
        let extra = 0;
        for (let j = 0; j < D; j++) {
          const x = P[o + j], l = lo[b + j], h = hi[b + j];
          if (x < l) extra += l - x;
          else if (x > h) extra += x - h;
        }
        // Boxes nest: once the point lies inside a node's box it lies inside every ancestor's.
        if (extra === 0) break;
        const prob = extra / (range[n] + extra);
        s = (1 - prob) * s + prob / (depth[n] + 1);
      }
      out[i - a.start] += s * norm[t];
    }
  }
  for (let i = 0; i < out.length; i++) out[i] /= T;
  return out;
}
return { score };
`;

/**
 * Joins each row with the `shingle - 1` rows before it (oldest first) into points of
 * `cols × shingle` values; rows before a full shingle repeat the first row.
 */
export function shingleRows(X: Float32Array, rows: number, cols: number, shingle: number): Float32Array {
  const D = cols * shingle;
  const out = new Float32Array(new SharedArrayBuffer(Math.max(1, rows * D) * 4), 0, rows * D);
  if (shingle === 1) {
    out.set(X.subarray(0, rows * cols));
    return out;
  }
  for (let i = 0; i < rows; i++) {
    for (let s = 0; s < shingle; s++) {
      const src = Math.max(0, i - shingle + 1 + s);
      out.set(X.subarray(src * cols, src * cols + cols), i * D + s * cols);
    }
  }
  return out;
}
