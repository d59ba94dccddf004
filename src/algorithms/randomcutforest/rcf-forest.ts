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
import { scoringArrays, type ScoringArrays } from './rcf-score.js';

/** A forest flattened into arrays (shared memory, read by scoring threads), with its scoring layout (rcf-score.ts). */
export interface Forest extends ScoringArrays {
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
  return withScoring({
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
    sampleSize: Int32Array.from(sampleSize),
  });
}

/** A forest from its stored node arrays, with the scoring layout derived from them. */
export function withScoring(f: Omit<Forest, keyof ScoringArrays>): Forest {
  return { ...f, ...scoringArrays(f) };
}

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
