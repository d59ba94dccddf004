/**
 * Fast tree-ensemble inference on raw (float) features.
 *
 * Complete trees. A tree of depth d ≤ COMPLETE_DEPTH_CAP is laid out as the complete
 * binary tree of depth d (heap order: the children of n are 2n+1 and 2n+2). A leaf above
 * the last level is padded with inner nodes both of whose subtrees end in copies of that
 * leaf, so every path has d steps and the walk has no data-dependent branch:
 * n = 2n + 1 + goRight. Deeper trees keep the generic walk over their own node arrays.
 *
 * Blocks. Rows go in blocks, tree by tree, so a tree's nodes and the block's features stay
 * in L1; several rows are walked side by side, their steps independent of one another.
 *
 * Integer keys. Within a block the features a model uses are turned into int32 keys
 * ordered as the floats are (−0 as +0), twice: NaN as INT32_MIN in the first copy (below
 * every threshold: goes left) and as INT32_MAX in the second (goes right). A node reads the
 * copy of its defaultLeft, so the step is a single integer compare with NaN taken care of.
 *
 * Exactness. Each row still receives the trees' leaf values in tree order, added into the
 * float32 margins one at a time, and every test is `x < threshold` with NaN following
 * defaultLeft, so the margins are bit for bit those of the plain row-by-row walk.
 */
import type { Tree } from './tree.js';

/** Deepest tree laid out as a complete tree (2^d leaves). */
export const COMPLETE_DEPTH_CAP = 10;

/** Rows per block. */
const BLOCK_ROWS = 64;

const KEY_NAN_LEFT = -0x80000000;
const KEY_NAN_RIGHT = 0x7fffffff;

/**
 * A tree ready for prediction. `depth` ≥ 0: complete layout (feature/threshold/defaultLeft
 * of the 2^depth − 1 inner nodes, value of the 2^depth leaves; left/right empty).
 * `depth` −1: the tree's own node arrays (leaves have feature −1), walked generically.
 */
export interface CompiledTree {
  depth: number;
  feature: Int32Array;
  threshold: Float32Array;
  defaultLeft: Int32Array;
  left: Int32Array;
  right: Int32Array;
  value: Float32Array;
}

/** A complete tree over integer keys: node n reads key column keyCol[n] of the block. */
interface KeyTree {
  depth: number;
  keyCol: Int32Array;
  threshold: Int32Array;
  value: Float32Array;
}

/** Depth of a tree (a single leaf has depth 0); children have larger ids than parents. */
export function treeDepth(tree: Tree): number {
  const { feature, left, right } = tree;
  const depth = new Int32Array(feature.length);
  let max = 0;
  for (let n = 0; n < feature.length; n++) {
    if (depth[n] > max) max = depth[n];
    if (feature[n] >= 0) {
      depth[left[n]] = depth[n] + 1;
      depth[right[n]] = depth[n] + 1;
    }
  }
  return max;
}

/** Lays a tree out for prediction: complete when its depth ≤ cap, else as it is. */
export function compileTree(tree: Tree, cap = COMPLETE_DEPTH_CAP): CompiledTree {
  const d = treeDepth(tree);
  if (d > cap) {
    return {
      depth: -1,
      feature: tree.feature,
      threshold: tree.threshold,
      defaultLeft: Int32Array.from(tree.defaultLeft),
      left: tree.left,
      right: tree.right,
      value: tree.value,
    };
  }
  const inner = (1 << d) - 1;
  const feature = new Int32Array(inner);
  const threshold = new Float32Array(inner);
  const defaultLeft = new Int32Array(inner);
  const value = new Float32Array(inner + 1);
  // Triples (source node, position in the complete tree, level), depth first.
  const stack: number[] = [0, 0, 0];
  while (stack.length > 0) {
    const level = stack.pop()!;
    const pos = stack.pop()!;
    const src = stack.pop()!;
    if (level === d) {
      value[pos - inner] = tree.value[src];
      continue;
    }
    const leaf = tree.feature[src] < 0;
    // A padding node (under a leaf) tests feature 0 against 0: either way ends in the leaf.
    feature[pos] = leaf ? 0 : tree.feature[src];
    threshold[pos] = leaf ? 0 : tree.threshold[src];
    defaultLeft[pos] = leaf || tree.defaultLeft[src] ? 1 : 0;
    stack.push(leaf ? src : tree.left[src], 2 * pos + 1, level + 1);
    stack.push(leaf ? src : tree.right[src], 2 * pos + 2, level + 1);
  }
  return { depth: d, feature, threshold, defaultLeft, left: new Int32Array(0), right: new Int32Array(0), value };
}

/**
 * Adds a complete tree's leaf values for rows [r0, r1) of row-major `features` (`cols`
 * per row) to margins[r*K + k]. Go right when !(x < threshold), which holds for NaN,
 * less 1 when x is NaN and defaultLeft. Four rows side by side.
 */
function addComplete(t: CompiledTree, features: Float32Array, cols: number, r0: number, r1: number, margins: Float32Array, K: number, k: number): void {
  const { depth, feature: f, threshold: th, defaultLeft: dl, value } = t;
  const inner = (1 << depth) - 1;
  let r = r0;
  for (; r + 4 <= r1; r += 4) {
    const b0 = r * cols;
    const b1 = b0 + cols;
    const b2 = b1 + cols;
    const b3 = b2 + cols;
    let n0 = 0;
    let n1 = 0;
    let n2 = 0;
    let n3 = 0;
    for (let l = 0; l < depth; l++) {
      const x0 = features[b0 + f[n0]];
      const x1 = features[b1 + f[n1]];
      const x2 = features[b2 + f[n2]];
      const x3 = features[b3 + f[n3]];
      n0 = 2 * n0 + 1 + (+!(x0 < th[n0]) - (+(x0 !== x0) & dl[n0]));
      n1 = 2 * n1 + 1 + (+!(x1 < th[n1]) - (+(x1 !== x1) & dl[n1]));
      n2 = 2 * n2 + 1 + (+!(x2 < th[n2]) - (+(x2 !== x2) & dl[n2]));
      n3 = 2 * n3 + 1 + (+!(x3 < th[n3]) - (+(x3 !== x3) & dl[n3]));
    }
    const m = r * K + k;
    margins[m] += value[n0 - inner];
    margins[m + K] += value[n1 - inner];
    margins[m + 2 * K] += value[n2 - inner];
    margins[m + 3 * K] += value[n3 - inner];
  }
  for (; r < r1; r++) {
    const rb = r * cols;
    let n = 0;
    for (let l = 0; l < depth; l++) {
      const x = features[rb + f[n]];
      n = 2 * n + 1 + (+!(x < th[n]) - (+(x !== x) & dl[n]));
    }
    margins[r * K + k] += value[n - inner];
  }
}

/** The same for a tree kept in its own node arrays (deeper than the cap). */
function addGeneric(t: CompiledTree, features: Float32Array, cols: number, r0: number, r1: number, margins: Float32Array, K: number, k: number): void {
  const { feature, threshold, defaultLeft, left, right, value } = t;
  for (let r = r0; r < r1; r++) {
    const rb = r * cols;
    let n = 0;
    while (feature[n] >= 0) {
      const x = features[rb + feature[n]];
      n = x !== x ? (defaultLeft[n] ? left[n] : right[n]) : x < threshold[n] ? left[n] : right[n];
    }
    margins[r * K + k] += value[n];
  }
}

/** Adds one compiled tree's leaf values for rows [r0, r1) to margins[r*K + k]. */
export function addCompiledTree(t: CompiledTree, features: Float32Array, cols: number, r0: number, r1: number, margins: Float32Array, K: number, k: number): void {
  if (t.depth >= 0) addComplete(t, features, cols, r0, r1, margins, K, k);
  else addGeneric(t, features, cols, r0, r1, margins, K, k);
}

/** Adds one tree's leaf values for all rows to margins[r*K + k]. */
export function addTree(tree: Tree, features: Float32Array, rows: number, cols: number, margins: Float32Array, K: number, k: number): void {
  addCompiledTree(compileTree(tree), features, cols, 0, rows, margins, K, k);
}

const f32 = new Float32Array(1);
const i32 = new Int32Array(f32.buffer);

/** Int32 key of a non-NaN float32: ordered as the floats, −0 and +0 both 0. */
function floatKey(v: number): number {
  f32[0] = v;
  const b = i32[0];
  const mag = b & 0x7fffffff;
  const s = b >> 31;
  return (mag ^ s) - s;
}

/**
 * Keys of rows [r0, r1) into `keys` (row stride 2U): columns [0, U) the used features
 * with NaN as KEY_NAN_LEFT, columns [U, 2U) the same with NaN as KEY_NAN_RIGHT.
 */
function fillKeys(bits: Int32Array, cols: number, used: Int32Array, r0: number, r1: number, keys: Int32Array): void {
  const U = used.length;
  let o = 0;
  for (let r = r0; r < r1; r++) {
    const rb = r * cols;
    for (let c = 0; c < U; c++) {
      const b = bits[rb + used[c]];
      const mag = b & 0x7fffffff;
      if (mag > 0x7f800000) {
        keys[o + c] = KEY_NAN_LEFT;
        keys[o + U + c] = KEY_NAN_RIGHT;
      } else {
        const s = b >> 31;
        const key = (mag ^ s) - s;
        keys[o + c] = key;
        keys[o + U + c] = key;
      }
    }
    o += 2 * U;
  }
}

/**
 * Adds a key tree's leaf values for the m rows of the key block (row stride `stride`),
 * block row i being row r0 + i. Eight rows side by side.
 */
function addKeyTree(t: KeyTree, keys: Int32Array, stride: number, m: number, r0: number, margins: Float32Array, K: number, k: number): void {
  const { depth, keyCol: c, threshold: th, value } = t;
  const inner = (1 << depth) - 1;
  let i = 0;
  for (; i + 8 <= m; i += 8) {
    const b0 = i * stride;
    const b1 = b0 + stride;
    const b2 = b1 + stride;
    const b3 = b2 + stride;
    const b4 = b3 + stride;
    const b5 = b4 + stride;
    const b6 = b5 + stride;
    const b7 = b6 + stride;
    let n0 = 0;
    let n1 = 0;
    let n2 = 0;
    let n3 = 0;
    let n4 = 0;
    let n5 = 0;
    let n6 = 0;
    let n7 = 0;
    for (let l = 0; l < depth; l++) {
      n0 = 2 * n0 + 2 - +(keys[b0 + c[n0]] < th[n0]);
      n1 = 2 * n1 + 2 - +(keys[b1 + c[n1]] < th[n1]);
      n2 = 2 * n2 + 2 - +(keys[b2 + c[n2]] < th[n2]);
      n3 = 2 * n3 + 2 - +(keys[b3 + c[n3]] < th[n3]);
      n4 = 2 * n4 + 2 - +(keys[b4 + c[n4]] < th[n4]);
      n5 = 2 * n5 + 2 - +(keys[b5 + c[n5]] < th[n5]);
      n6 = 2 * n6 + 2 - +(keys[b6 + c[n6]] < th[n6]);
      n7 = 2 * n7 + 2 - +(keys[b7 + c[n7]] < th[n7]);
    }
    const o = (r0 + i) * K + k;
    margins[o] += value[n0 - inner];
    margins[o + K] += value[n1 - inner];
    margins[o + 2 * K] += value[n2 - inner];
    margins[o + 3 * K] += value[n3 - inner];
    margins[o + 4 * K] += value[n4 - inner];
    margins[o + 5 * K] += value[n5 - inner];
    margins[o + 6 * K] += value[n6 - inner];
    margins[o + 7 * K] += value[n7 - inner];
  }
  for (; i < m; i++) {
    const b = i * stride;
    let n = 0;
    for (let l = 0; l < depth; l++) n = 2 * n + 2 - +(keys[b + c[n]] < th[n]);
    margins[(r0 + i) * K + k] += value[n - inner];
  }
}

/** A tree ensemble compiled for prediction; see `predictInto`. */
export interface CompiledEnsemble {
  trees: CompiledTree[];
  /** Per tree: its key tree, or null (walk `trees[i]` on the floats). */
  keyTrees: (KeyTree | null)[];
  /** Output each tree adds to. */
  cls: Int32Array;
  /** Features the key trees read, in key column order. */
  used: Int32Array;
  /** Key block reused across calls (prediction is synchronous): a call of one row allocates nothing. */
  scratch: Int32Array;
  /** All trees complete, concatenated (for a few rows, walked row by row over all trees), or null. */
  flat: FlatTrees | null;
}

/** Complete trees in one set of arrays: tree t's inner nodes from inner[t], its leaves from leaves[t]. */
interface FlatTrees {
  depth: Int32Array;
  inner: Int32Array;
  leaves: Int32Array;
  feature: Int32Array;
  threshold: Float32Array;
  defaultLeft: Int32Array;
  value: Float32Array;
}

function flatten(trees: CompiledTree[]): FlatTrees | null {
  if (trees.some((t) => t.depth < 0)) return null;
  const depth = Int32Array.from(trees, (t) => t.depth);
  const inner = new Int32Array(trees.length);
  const leaves = new Int32Array(trees.length);
  let ni = 0;
  let nl = 0;
  trees.forEach((t, i) => {
    inner[i] = ni;
    leaves[i] = nl;
    ni += t.feature.length;
    nl += t.value.length;
  });
  const flat = { depth, inner, leaves, feature: new Int32Array(ni), threshold: new Float32Array(ni), defaultLeft: new Int32Array(ni), value: new Float32Array(nl) };
  trees.forEach((t, i) => {
    flat.feature.set(t.feature, inner[i]);
    flat.threshold.set(t.threshold, inner[i]);
    flat.defaultLeft.set(t.defaultLeft, inner[i]);
    flat.value.set(t.value, leaves[i]);
  });
  return flat;
}

/** Rows below which predictInto walks row by row over the flat trees (no per-tree calls, no keys). */
const FEW_ROWS = 8;

/** A few rows, each through all trees in one loop (the call overhead of the block path dominates there). */
function predictFew(e: FlatTrees, cls: Int32Array, features: Float32Array, rows: number, cols: number, margins: Float32Array, K: number): void {
  const { depth, inner, leaves, feature: f, threshold: th, defaultLeft: dl, value } = e;
  const T = depth.length;
  for (let r = 0; r < rows; r++) {
    const rb = r * cols;
    for (let t = 0; t < T; t++) {
      const o = inner[t];
      const d = depth[t];
      let n = 0;
      for (let l = 0; l < d; l++) {
        const x = features[rb + f[o + n]];
        n = 2 * n + 1 + (+!(x < th[o + n]) - (+(x !== x) & dl[o + n]));
      }
      margins[r * K + cls[t]] += value[leaves[t] + n - ((1 << d) - 1)];
    }
  }
}

/** Compiles trees (tree i adds to output cls[i]) for `predictInto`. */
export function compileEnsemble(trees: Tree[], cls: ArrayLike<number>, cap = COMPLETE_DEPTH_CAP): CompiledEnsemble {
  const compiled = trees.map((t) => compileTree(t, cap));
  // Complete trees whose thresholds are all numbers go on integer keys.
  const keyable = compiled.map((t) => t.depth >= 0 && t.threshold.every((v) => v === v));
  const column = new Map<number, number>();
  let steps = 0;
  compiled.forEach((t, i) => {
    if (!keyable[i]) return;
    steps += t.depth;
    // Padding nodes (feature 0) may add feature 0; harmless.
    for (const f of t.feature) if (!column.has(f)) column.set(f, column.size);
  });
  const used = Int32Array.from(column.keys());
  // Keys cost two writes per used feature and row; the walks save about a step each.
  const useKeys = used.length > 0 && 2 * used.length <= steps;
  const U = used.length;
  const keyTrees = compiled.map((t, i): KeyTree | null => {
    if (!useKeys || !keyable[i]) return null;
    const keyCol = new Int32Array(t.feature.length);
    const threshold = new Int32Array(t.feature.length);
    for (let n = 0; n < keyCol.length; n++) {
      keyCol[n] = column.get(t.feature[n])! + (t.defaultLeft[n] ? 0 : U);
      threshold[n] = floatKey(t.threshold[n]);
    }
    return { depth: t.depth, keyCol, threshold, value: t.value };
  });
  return { trees: compiled, keyTrees, cls: Int32Array.from(cls), used: useKeys ? used : new Int32Array(0), scratch: new Int32Array(useKeys ? BLOCK_ROWS * 2 * U : 0), flat: flatten(compiled) };
}

/**
 * Adds the ensemble's leaf values for `rows` rows of row-major `features` (`cols` per row)
 * to margins (K per row, already holding the base margin), block by block, trees in order.
 */
export function predictInto(e: CompiledEnsemble, features: Float32Array, rows: number, cols: number, margins: Float32Array, K: number): void {
  const { trees, keyTrees, cls, used } = e;
  if (rows < FEW_ROWS && e.flat) {
    predictFew(e.flat, cls, features, rows, cols, margins, K);
    return;
  }
  const U = used.length;
  const bits = U > 0 ? new Int32Array(features.buffer, features.byteOffset, features.length) : null;
  const keys = U > 0 ? e.scratch : null;
  for (let r0 = 0; r0 < rows; r0 += BLOCK_ROWS) {
    const r1 = Math.min(rows, r0 + BLOCK_ROWS);
    if (bits && keys) fillKeys(bits, cols, used, r0, r1, keys);
    for (let i = 0; i < trees.length; i++) {
      const kt = keyTrees[i];
      if (kt && keys) addKeyTree(kt, keys, 2 * U, r1 - r0, r0, margins, K, cls[i]);
      else addCompiledTree(trees[i], features, cols, r0, r1, margins, K, cls[i]);
    }
  }
}
