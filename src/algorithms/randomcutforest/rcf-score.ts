/**
 * Scoring layout and kernel of the random cut forest. The score is the one described in
 * rcf-forest.ts (the RCF library's displacement visitor), computed with the same
 * floating-point operations in the same order, so it is bit for bit what the first
 * kernel gave; only the layout and the control flow changed, for speed:
 *
 * - each node's box is its D lows then its D highs in one Float32 row (one or two cache
 *   lines at D = 8), child numbers are absolute, and a leaf's children are the leaf
 *   itself, so a walk down needs no test for "is this a leaf";
 * - four rows walk a tree together, interleaved, so their loads and comparisons overlap
 *   instead of each waiting on the last;
 * - the climb back up follows parent links (no path kept), and a box's distance to the
 *   point is Σ max(lo − x, 0) + max(x − hi, 0) written as (u + |u|) / 2, which has no
 *   branch for the processor to mispredict and rounds exactly as the old
 *   `if (x < lo) extra += lo − x; else if (x > hi) extra += x − hi` did: u + |u| is 2u or
 *   0 exactly, and halving the sum of doubled terms is exact;
 * - for D ≤ 32 the kernel is generated with the point's coordinates in locals and the
 *   box loop unrolled.
 */

/** The forest arrays the scoring kernel reads (shared memory, one set per forest). */
export interface ScoringArrays {
  /** Per node: the cut dimension (0 at a leaf), then the absolute left and right child (the leaf itself at a leaf). */
  nav: Int32Array;
  /** Per node: its parent (−1 at a root). */
  parent: Int32Array;
  /** Per node: the D lows then the D highs of its box. */
  box: Float32Array;
  /** Per node: depth + 1. */
  dep1: Float64Array;
  /** Per leaf: the score of a point equal to the leaf's, 1 / (depth + log2(mass + 1)). */
  leafSame: Float64Array;
  /** Per node: the box's range sum Σ (hi − lo). */
  range: Float64Array;
}

interface TreeArrays {
  D: number;
  trees: number;
  treeStart: ArrayLike<number>;
  dim: ArrayLike<number>;
  left: ArrayLike<number>;
  right: ArrayLike<number>;
  depth: ArrayLike<number>;
  mass: ArrayLike<number>;
  lo: ArrayLike<number>;
  hi: ArrayLike<number>;
}

function shared<T extends Float32Array | Float64Array | Int32Array>(C: { new (b: SharedArrayBuffer): T; BYTES_PER_ELEMENT: number }, length: number): T {
  return new C(new SharedArrayBuffer(Math.max(1, length) * C.BYTES_PER_ELEMENT));
}

/** Derives the scoring arrays from a forest's node arrays (tree-relative children). */
export function scoringArrays(f: TreeArrays): ScoringArrays {
  const D = f.D;
  const nodes = f.treeStart[f.trees];
  const nav = shared(Int32Array, nodes * 3);
  const parent = shared(Int32Array, nodes).fill(-1);
  const box = shared(Float32Array, nodes * 2 * D);
  const dep1 = shared(Float64Array, nodes);
  const leafSame = shared(Float64Array, nodes);
  const range = shared(Float64Array, nodes);
  for (let t = 0; t < f.trees; t++) {
    const base = f.treeStart[t];
    for (let n = base; n < f.treeStart[t + 1]; n++) {
      if (f.dim[n] < 0) {
        nav[3 * n] = 0;
        nav[3 * n + 1] = n;
        nav[3 * n + 2] = n;
      } else {
        nav[3 * n] = f.dim[n];
        nav[3 * n + 1] = base + f.left[n];
        nav[3 * n + 2] = base + f.right[n];
        parent[base + f.left[n]] = n;
        parent[base + f.right[n]] = n;
      }
    }
  }
  for (let n = 0; n < nodes; n++) {
    let r = 0;
    for (let j = 0; j < D; j++) {
      const lo = f.lo[n * D + j];
      const hi = f.hi[n * D + j];
      box[n * 2 * D + j] = lo;
      box[n * 2 * D + D + j] = hi;
      r += hi - lo;
    }
    range[n] = r;
    dep1[n] = f.depth[n] + 1;
    leafSame[n] = 1 / (f.depth[n] + Math.log2(f.mass[n] + 1));
  }
  return { nav, parent, box, dep1, leafSame, range };
}

/** Up to this dimension the kernel is generated with the point in locals. */
const UNROLL_MAX = 32;

/** The climb from a leaf (the score of the row at P[o …] in the leaf's tree). */
function leafUpSource(D: number): string {
  const W = 2 * D;
  if (D > UNROLL_MAX) {
    return `
function leafUp(P, o, leaf, box, range, dep1, leafSame, parent) {
  const lb = leaf * ${W};
  let same = true;
  for (let j = 0; j < ${D}; j++) if (P[o + j] !== box[lb + j]) { same = false; break; }
  let s = same ? leafSame[leaf] : 1 / dep1[leaf];
  for (let n = parent[leaf]; n >= 0; n = parent[n]) {
    const b = n * ${W};
    let e2 = 0;
    for (let j = 0; j < ${D}; j++) {
      const x = P[o + j], u = box[b + j] - x, v = x - box[b + ${D} + j];
      e2 += (u + Math.abs(u)) + (v + Math.abs(v));
    }
    if (e2 === 0) break;
    const extra = e2 * 0.5;
    const prob = extra / (range[n] + extra);
    s = (1 - prob) * s + prob / dep1[n];
  }
  return s;
}`;
  }
  const js = Array.from({ length: D }, (_, j) => j);
  return `
function leafUp(P, o, leaf, box, range, dep1, leafSame, parent) {
  const ${js.map((j) => `x${j} = P[o + ${j}]`).join(', ')};
  const lb = leaf * ${W};
  let s = (${js.map((j) => `x${j} === box[lb + ${j}]`).join(' && ')}) ? leafSame[leaf] : 1 / dep1[leaf];
  for (let n = parent[leaf]; n >= 0; n = parent[n]) {
    const b = n * ${W};
    let e2 = 0, u = 0, v = 0;
    ${js.map((j) => `u = box[b + ${j}] - x${j}; v = x${j} - box[b + ${D + j}]; e2 += (u + Math.abs(u)) + (v + Math.abs(v));`).join('\n    ')}
    if (e2 === 0) break;
    const extra = e2 * 0.5;
    const prob = extra / (range[n] + extra);
    s = (1 - prob) * s + prob / dep1[n];
  }
  return s;
}`;
}

const sources = new Map<number, string>();

/**
 * The scoring kernel's source for points of dimension D: `score(forest, {P, start, end})`
 * answers the mean score over the trees of rows [start, end) of P (n × D).
 */
export function rcfKernelSource(D: number): string {
  let src = sources.get(D);
  if (src) return src;
  src = `
${leafUpSource(D)}
function score(f, a) {
  const nav = f.nav, parent = f.parent, box = f.box, dep1 = f.dep1, leafSame = f.leafSame, range = f.range, cut = f.cut;
  const P = a.P, T = f.trees, ts = f.treeStart, start = a.start, end = a.end;
  const out = new Float64Array(end - start);
  // Tree by tree, so one tree's nodes stay in cache while every row walks it.
  for (let t = 0; t < T; t++) {
    const root = ts[t], norm = Math.log2(1 + f.sampleSize[t]);
    let i = start;
    for (; i + 4 <= end; i += 4) {
      const o0 = i * ${D}, o1 = o0 + ${D}, o2 = o1 + ${D}, o3 = o2 + ${D};
      let n0 = root, n1 = root, n2 = root, n3 = root;
      for (;;) {
        // Child = right + (x ≤ cut) · (left − right), as an index: no branch to mispredict.
        const k0 = 3 * n0, k1 = 3 * n1, k2 = 3 * n2, k3 = 3 * n3;
        const m0 = nav[k0 + 2 - ((P[o0 + nav[k0]] <= cut[n0]) | 0)];
        const m1 = nav[k1 + 2 - ((P[o1 + nav[k1]] <= cut[n1]) | 0)];
        const m2 = nav[k2 + 2 - ((P[o2 + nav[k2]] <= cut[n2]) | 0)];
        const m3 = nav[k3 + 2 - ((P[o3 + nav[k3]] <= cut[n3]) | 0)];
        if (m0 === n0 && m1 === n1 && m2 === n2 && m3 === n3) break;
        n0 = m0; n1 = m1; n2 = m2; n3 = m3;
      }
      const r = i - start;
      out[r] += leafUp(P, o0, n0, box, range, dep1, leafSame, parent) * norm;
      out[r + 1] += leafUp(P, o1, n1, box, range, dep1, leafSame, parent) * norm;
      out[r + 2] += leafUp(P, o2, n2, box, range, dep1, leafSame, parent) * norm;
      out[r + 3] += leafUp(P, o3, n3, box, range, dep1, leafSame, parent) * norm;
    }
    for (; i < end; i++) {
      const o = i * ${D};
      let n = root;
      for (;;) {
        const k = 3 * n, m = nav[k + 2 - ((P[o + nav[k]] <= cut[n]) | 0)];
        if (m === n) break;
        n = m;
      }
      out[i - start] += leafUp(P, o, n, box, range, dep1, leafSame, parent) * norm;
    }
  }
  for (let i = 0; i < out.length; i++) out[i] /= T;
  return out;
}
return { score };
`;
  sources.set(D, src);
  return src;
}
