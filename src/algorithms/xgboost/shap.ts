/**
 * Exact path-dependent TreeSHAP (Lundberg, Erion & Lee 2018, "Consistent Individualized
 * Feature Attribution for Tree Ensembles", algorithm 2): per row, each feature's Shapley
 * contribution to the margin plus a bias column (the trees' expected value and the base
 * margin), as XGBoost's `predict(pred_contribs=True)`; the columns of a row sum to its
 * margin. Multiclass models give one set of columns per class.
 *
 * A leaf reached through d distinct features contributes to feature i
 *   v·(o_i − z_i)·Σ_{S ⊆ P∖{i}} |S|!(d−|S|−1)!/d! · Π_{j∈S} o_j · Π_{j∉S∪{i}} z_j
 * where z_j is the share of the training cover that follows the path's splits on j and
 * o_j ∈ {0,1} says whether the row follows them all. Since o is a d-bit pattern, the sum
 * for every (i, o) is computed once per leaf into a table (Fast TreeSHAP v2, Yang 2021);
 * a row then costs one pass over the tree's nodes to find every leaf's pattern and d
 * table reads per leaf. Trees with a leaf deeper than TABLE_MAX_FEATURES distinct
 * features (whose tables would be large) run algorithm 2 itself, as XGBoost's C++ does.
 */
import type { Tree } from './tree.js';

/** Leaves with more distinct path features than this use the recursive algorithm (a table holds d·2^d values). */
const TABLE_MAX_FEATURES = 7;

export interface ShapModelInfo {
  numFeatures: number;
  /** 1 for single-output models. */
  numClass: number;
  baseMargin: number;
}

/** Contributions of `rows` rows: row-major `rows × outputs × (numFeatures + 1)`, the bias last. */
export interface Contributions {
  values: Float64Array;
  outputs: number;
  /** Columns per output: the features, then the bias. */
  width: number;
}

interface TableTree {
  kind: 'table';
  cls: number;
  feature: Int32Array;
  threshold: Float32Array;
  defaultLeft: Uint8Array;
  left: Int32Array;
  right: Int32Array;
  /** Inner nodes: the bit of the node's feature in its path's pattern. */
  mask: Int32Array;
  /** Inner node ids, parents before children. */
  inner: Int32Array;
  /** Per leaf (in the leaf arrays' order): its node id. */
  leafNode: Int32Array;
  leafD: Int32Array;
  /** Start of a leaf's features in `pathFeature` and of its table in `table`. */
  featOff: Int32Array;
  tableOff: Int32Array;
  pathFeature: Int32Array;
  table: Float64Array;
  expected: number;
}

interface RecursiveTree {
  kind: 'recursive';
  cls: number;
  tree: Tree;
  maxDepth: number;
  expected: number;
}

type ShapTree = TableTree | RecursiveTree;

/** Cover share of child c of node n (0 when the node has no cover). */
function share(tree: Tree, n: number, c: number): number {
  const w = tree.cover[n];
  return w > 0 ? tree.cover[c] / w : 0;
}

/** The expected value of a tree under its cover: Σ leaves v·Π cover shares on the path. */
function expectedValue(tree: Tree): number {
  let sum = 0;
  const stack: number[] = [0, 1];
  while (stack.length) {
    const p = stack.pop()!;
    const n = stack.pop()!;
    if (tree.feature[n] < 0) sum += tree.value[n] * p;
    else stack.push(tree.left[n], p * share(tree, n, tree.left[n]), tree.right[n], p * share(tree, n, tree.right[n]));
  }
  return sum;
}

/** Shapley weights w[k] = k!(d−k−1)!/d! for k = 0..d−1. */
function shapleyWeights(d: number): Float64Array {
  const w = new Float64Array(d);
  for (let k = 0; k < d; k++) {
    let v = 1 / d;
    // k!(d−k−1)!/d! = 1/(d·C(d−1, k))
    for (let j = 1; j <= k; j++) v *= j / (d - j);
    w[k] = v;
  }
  return w;
}

function compileTable(tree: Tree, cls: number): TableTree | null {
  const N = tree.feature.length;
  const mask = new Int32Array(N);
  const leafNode: number[] = [];
  const leafD: number[] = [];
  const featOff: number[] = [];
  const tableOff: number[] = [];
  const pathFeature: number[] = [];
  const tables: Float64Array[] = [];
  let tableSize = 0;
  let tooDeep = false;
  // Depth-first over paths: the path's distinct features in first-seen order and their zero fractions.
  const walk = (n: number, feats: number[], z: number[]): void => {
    if (tooDeep) return;
    const f = tree.feature[n];
    if (f < 0) {
      const d = feats.length;
      if (d > TABLE_MAX_FEATURES) {
        tooDeep = true;
        return;
      }
      const v = tree.value[n];
      const size = 1 << d;
      const table = new Float64Array(d * size);
      const w = shapleyWeights(d);
      const poly = new Float64Array(d + 1);
      for (let i = 0; i < d; i++) {
        for (let o = 0; o < size; o++) {
          // Coefficients of Π_{j≠i} (z_j + o_j·x); c_k sums over the hot subsets S of size k.
          poly.fill(0);
          poly[0] = 1;
          let deg = 0;
          for (let j = 0; j < d; j++) {
            if (j === i) continue;
            const zj = z[j];
            if ((o >> j) & 1) {
              for (let k = deg + 1; k > 0; k--) poly[k] = poly[k] * zj + poly[k - 1];
              poly[0] *= zj;
              deg++;
            } else for (let k = 0; k <= deg; k++) poly[k] *= zj;
          }
          let s = 0;
          for (let k = 0; k <= deg; k++) s += w[k] * poly[k];
          // Pattern-major: the d values one row reads for a leaf sit side by side.
          table[o * d + i] = v * (((o >> i) & 1) - z[i]) * s;
        }
      }
      leafNode.push(n);
      leafD.push(d);
      featOff.push(pathFeature.length);
      pathFeature.push(...feats);
      tableOff.push(tableSize);
      tables.push(table);
      tableSize += table.length;
      return;
    }
    let e = feats.indexOf(f);
    const fresh = e < 0;
    if (fresh) e = feats.length;
    mask[n] = 1 << e;
    for (const c of [tree.left[n], tree.right[n]]) {
      const zc = share(tree, n, c);
      if (fresh) walk(c, [...feats, f], [...z, zc]);
      else {
        const z2 = z.slice();
        z2[e] *= zc;
        walk(c, feats, z2);
      }
    }
  };
  walk(0, [], []);
  if (tooDeep) return null;
  const table = new Float64Array(tableSize);
  tables.forEach((t, i) => table.set(t, tableOff[i]));
  return {
    kind: 'table',
    cls,
    feature: tree.feature,
    threshold: tree.threshold,
    defaultLeft: tree.defaultLeft,
    left: tree.left,
    right: tree.right,
    mask,
    inner: Int32Array.from({ length: N }, (_, n) => n).filter((n) => tree.feature[n] >= 0),
    leafNode: Int32Array.from(leafNode),
    leafD: Int32Array.from(leafD),
    featOff: Int32Array.from(featOff),
    tableOff: Int32Array.from(tableOff),
    pathFeature: Int32Array.from(pathFeature),
    table,
    expected: expectedValue(tree),
  };
}

/**
 * Adds the contributions of a table tree for every row into phi (row r's output at
 * r·stride + po). Tree by tree over all rows, so one tree's tables stay in cache.
 */
function explainTable(t: TableTree, x: Float32Array, rows: number, F: number, bits: Int32Array, phi: Float64Array, stride: number, po: number): void {
  const { feature, threshold, defaultLeft, left, right, mask, inner, leafNode, leafD, featOff, tableOff, pathFeature, table } = t;
  const I = inner.length;
  const L = leafNode.length;
  for (let r = 0; r < rows; r++) {
    const xo = r * F;
    const ro = r * stride + po;
    bits[0] = -1;
    // Children have larger ids than their parents: one forward pass over the inner nodes
    // sets every node's pattern, then each leaf adds its d table values.
    for (let k = 0; k < I; k++) {
      const n = inner[k];
      const b = bits[n];
      const v = x[xo + feature[n]];
      const goLeft = v !== v ? defaultLeft[n] === 1 : v < threshold[n];
      const cold = b & ~mask[n];
      bits[left[n]] = goLeft ? b : cold;
      bits[right[n]] = goLeft ? cold : b;
    }
    for (let l = 0; l < L; l++) {
      const d = leafD[l];
      const fo = featOff[l];
      const to = tableOff[l] + (bits[leafNode[l]] & ((1 << d) - 1)) * d;
      for (let i = 0; i < d; i++) phi[ro + pathFeature[fo + i]] += table[to + i];
    }
  }
}

// Algorithm 2 itself (XGBoost's TreeShap in src/tree/tree_model.cc), for the deep trees.

interface Path {
  feature: Int32Array;
  zero: Float64Array;
  one: Float64Array;
  pweight: Float64Array;
}

function extendPath(p: Path, at: number, depth: number, zero: number, one: number, feature: number): void {
  p.feature[at + depth] = feature;
  p.zero[at + depth] = zero;
  p.one[at + depth] = one;
  p.pweight[at + depth] = depth === 0 ? 1 : 0;
  for (let i = depth - 1; i >= 0; i--) {
    p.pweight[at + i + 1] += (one * p.pweight[at + i] * (i + 1)) / (depth + 1);
    p.pweight[at + i] = (zero * p.pweight[at + i] * (depth - i)) / (depth + 1);
  }
}

function unwindPath(p: Path, at: number, depth: number, index: number): void {
  const one = p.one[at + index];
  const zero = p.zero[at + index];
  let next = p.pweight[at + depth];
  for (let i = depth - 1; i >= 0; i--) {
    if (one !== 0) {
      const tmp = p.pweight[at + i];
      p.pweight[at + i] = (next * (depth + 1)) / ((i + 1) * one);
      next = tmp - (p.pweight[at + i] * zero * (depth - i)) / (depth + 1);
    } else p.pweight[at + i] = (p.pweight[at + i] * (depth + 1)) / (zero * (depth - i));
  }
  for (let i = index; i < depth; i++) {
    p.feature[at + i] = p.feature[at + i + 1];
    p.zero[at + i] = p.zero[at + i + 1];
    p.one[at + i] = p.one[at + i + 1];
  }
}

function unwoundPathSum(p: Path, at: number, depth: number, index: number): number {
  const one = p.one[at + index];
  const zero = p.zero[at + index];
  let next = p.pweight[at + depth];
  let total = 0;
  for (let i = depth - 1; i >= 0; i--) {
    if (one !== 0) {
      const tmp = (next * (depth + 1)) / ((i + 1) * one);
      total += tmp;
      next = p.pweight[at + i] - (tmp * zero * (depth - i)) / (depth + 1);
    } else if (zero !== 0) total += p.pweight[at + i] / zero / ((depth - i) / (depth + 1));
  }
  return total;
}

function treeShapRec(tree: Tree, x: Float32Array, xo: number, phi: Float64Array, po: number, node: number, depth: number, p: Path, parentAt: number, at: number, parentZero: number, parentOne: number, parentFeature: number): void {
  // This level's path starts after the parent's (depth + 1 elements are copied).
  for (let i = 0; i < depth; i++) {
    p.feature[at + i] = p.feature[parentAt + i];
    p.zero[at + i] = p.zero[parentAt + i];
    p.one[at + i] = p.one[parentAt + i];
    p.pweight[at + i] = p.pweight[parentAt + i];
  }
  extendPath(p, at, depth, parentZero, parentOne, parentFeature);
  const f = tree.feature[node];
  if (f < 0) {
    const v = tree.value[node];
    for (let i = 1; i <= depth; i++) {
      const w = unwoundPathSum(p, at, depth, i);
      phi[po + p.feature[at + i]] += w * (p.one[at + i] - p.zero[at + i]) * v;
    }
    return;
  }
  const value = x[xo + f];
  const goLeft = value !== value ? tree.defaultLeft[node] === 1 : value < tree.threshold[node];
  const hot = goLeft ? tree.left[node] : tree.right[node];
  const cold = goLeft ? tree.right[node] : tree.left[node];
  const hotZero = share(tree, node, hot);
  const coldZero = share(tree, node, cold);
  let inZero = 1;
  let inOne = 1;
  let d = depth;
  let k = 0;
  for (; k <= d; k++) if (p.feature[at + k] === f) break;
  if (k !== d + 1) {
    inZero = p.zero[at + k];
    inOne = p.one[at + k];
    unwindPath(p, at, d, k);
    d -= 1;
  }
  const next = at + depth + 1;
  treeShapRec(tree, x, xo, phi, po, hot, d + 1, p, at, next, hotZero * inZero, inOne, f);
  treeShapRec(tree, x, xo, phi, po, cold, d + 1, p, at, next, coldZero * inZero, 0, f);
}

/** One row's contributions of a tree by algorithm 2, added into phi[po, po + F). */
export function treeShapRecursive(tree: Tree, maxDepth: number, x: Float32Array, xo: number, phi: Float64Array, po: number, path?: Path): void {
  const m = maxDepth + 2;
  const size = (m * (m + 1)) / 2;
  const p = path ?? { feature: new Int32Array(size), zero: new Float64Array(size), one: new Float64Array(size), pweight: new Float64Array(size) };
  treeShapRec(tree, x, xo, phi, po, 0, 0, p, 0, 0, 1, 1, -1);
}

/** The work of explaining one row with these trees: each tree's leaves times its depth, summed. */
export function explainCost(trees: readonly Tree[]): number {
  let cost = 0;
  for (const tree of trees) {
    let leaves = 0;
    for (let n = 0; n < tree.feature.length; n++) if (tree.feature[n] < 0) leaves++;
    cost += leaves * Math.max(1, depthOf(tree));
  }
  return cost;
}

function depthOf(tree: Tree): number {
  const depth = new Int32Array(tree.feature.length);
  let max = 0;
  for (let n = 0; n < tree.feature.length; n++) {
    if (depth[n] > max) max = depth[n];
    if (tree.feature[n] >= 0) depth[tree.left[n]] = depth[tree.right[n]] = depth[n] + 1;
  }
  return max;
}

/**
 * Compiles trees (tree i adds to output treeClass[i]) for TreeSHAP. Tables are built once
 * here; `explain` then allocates only its answer.
 */
export function treeExplainer(trees: readonly Tree[], treeClass: ArrayLike<number>, info: ShapModelInfo, options: { tables?: boolean } = {}): { explain(features: Float32Array, rows: number): Contributions } {
  const F = info.numFeatures;
  const K = info.numClass > 1 ? info.numClass : 1;
  const width = F + 1;
  const compiled: ShapTree[] = trees.map((tree, i) => {
    const table = options.tables === false ? null : compileTable(tree, treeClass[i]);
    return table ?? { kind: 'recursive', cls: treeClass[i], tree, maxDepth: depthOf(tree), expected: expectedValue(tree) };
  });
  const bias = new Float64Array(K).fill(info.baseMargin);
  for (const t of compiled) bias[t.cls] += t.expected;
  const maxNodes = Math.max(1, ...trees.map((t) => t.feature.length));
  const maxDepth = Math.max(0, ...compiled.map((t) => (t.kind === 'recursive' ? t.maxDepth : 0)));
  return {
    explain(features, rows) {
      const values = new Float64Array(rows * K * width);
      const bits = new Int32Array(maxNodes);
      const m = maxDepth + 2;
      const size = (m * (m + 1)) / 2;
      const path: Path = { feature: new Int32Array(size), zero: new Float64Array(size), one: new Float64Array(size), pweight: new Float64Array(size) };
      const stride = K * width;
      for (let r = 0; r < rows; r++) for (let k = 0; k < K; k++) values[r * stride + k * width + F] = bias[k];
      for (const t of compiled) {
        const po = t.cls * width;
        if (t.kind === 'table') explainTable(t, features, rows, F, bits, values, stride, po);
        else for (let r = 0; r < rows; r++) treeShapRecursive(t.tree, maxDepth, features, r * F, values, r * stride + po, path);
      }
      return { values, outputs: K, width };
    },
  };
}
