/**
 * Random cut forest model (model.json + forest.bin) -> ONNX: the score of rcf-forest.ts,
 * with the same floating-point operations as the kernel in rcf-score.ts, for all N rows × T
 * trees at once.
 *
 * Input `features` [N, feature_dim] float, the rows of one request in order, as the native
 * predictor takes them: with `shingle_size` S > 1 the graph shingles them itself (row i
 * becomes rows i − S + 1 … i, oldest first, rows before the first repeated), so a request
 * is one stretch of the series, exactly as the predictor reads it. Output `score` [N, 1]
 * float: the anomaly score the predictor gives per row. The metadata carries the training
 * scores' `score_mean` and `score_std` (mean + 3σ is the anomaly threshold).
 *
 * - The walk down: every row starts at every tree's root (node numbers are absolute over
 *   the flattened forest) and takes child = x[dim] ≤ cut ? left : right (Gather of the
 *   node's dimension and cut, GatherElements of the row's value, Greater, and a Gather of
 *   children[2·node + (x > cut)]); a leaf's children are itself, so a row that reached its
 *   leaf stays there. The node each step starts from is kept (a Loop's scan output): step
 *   k holds the row's ancestor at depth k, or its leaf once k reaches the leaf's depth.
 *   The Loop runs at most the forest's depth (found from the links at export) and ends
 *   once no row moved.
 * - The climb back up, a second Loop over those steps from the deepest to the root, as the
 *   kernel's loop over parent links: the box distance Σ max(lo − x, 0) + max(x − hi, 0) is
 *   |x − clamp(x, lo, hi)| summed (the clamp picks lo, hi or x in float32, exactly; the
 *   subtraction is in float64 as the kernel's), prob = extra / (range + extra),
 *   s = (1 − prob)·s + prob / (depth + 1). A step still on the leaf counts with prob = 0,
 *   which leaves s as it is to the bit, as does the kernel's early stop (a point inside a
 *   box is inside every box above it); the box work (Gathers of the boxes, over D) is done
 *   only for the pairs still climbing, picked with NonZero and scattered back, as the
 *   kernel does it only until it stops.
 * - The start value (1 / (depth + log2(mass + 1)) when the row equals its leaf's point,
 *   else 1 / (depth + 1)) and the sum over trees of s · log2(1 + samples), divided by T.
 *
 * Loops rather than unrolled steps: unrolled, the graph ran no faster and held ~25 nodes a
 * level (~800 for a forest 33 deep, a session made in ~0.4 s); as two Loops it holds 77
 * nodes and a session is made in ~0.05 s, and a request whose rows all reach their leaves
 * early stops walking there.
 *
 * Everything after the cast of the input is float64, so each row's per-tree score is the
 * kernel's to the bit except for the order of two sums of non-negative terms (over the box's
 * dimensions and over the trees), which onnxruntime may add in another order: a relative
 * difference below (D + T)·2⁻⁵³ in float64, which after the cast to float32 leaves the score
 * equal or one float32 unit apart. The predictor refuses rows with missing values; the graph
 * does not check them and a NaN gives an undefined score.
 */
import { DataType, doubleTensor, GraphBuilder, INPUT, invalid, type ExportedGraph, type SubgraphSpec, type ValueSpec } from '../onnx-builder/index.js';
import type { Forest } from './rcf-forest.js';
import { readRcf } from './rcf-model.js';

/**
 * Each node's depth from the links (the stored depth is only what the score mixes in), so
 * the walk has enough steps whatever the file says; a node with two parents is refused.
 */
function maxDepth(f: Forest): number {
  const nodes = f.treeStart[f.trees];
  const level = new Int32Array(nodes).fill(-1);
  let deepest = 0;
  for (let t = 0; t < f.trees; t++) level[f.treeStart[t]] = 0;
  for (let n = 0; n < nodes; n++) {
    if (level[n] < 0) invalid('random cut forest model has a node no tree reaches');
    deepest = Math.max(deepest, level[n]);
    if (f.dim[n] < 0) continue;
    for (const c of [f.nav[3 * n + 1], f.nav[3 * n + 2]]) {
      if (level[c] >= 0) invalid('random cut forest model has a node with two parents');
      level[c] = level[n] + 1;
    }
  }
  return deepest;
}

export async function exportRcf(modelDir: string): Promise<ExportedGraph> {
  const { artifact: a, forest: f } = await readRcf(modelDir);
  const F = a.featureDim;
  const S = a.shingleSize;
  const D = f.D;
  const T = f.trees;
  const nodes = f.treeStart[T];
  const K = maxDepth(f);
  const g = new GraphBuilder();

  // Node tables, indexed by absolute node number.
  const dimOf = g.int64('node_dim', [nodes], Array.from({ length: nodes }, (_, n) => f.nav[3 * n]));
  // Children [nodes, 2] flattened: node n's left at 2n, its right at 2n + 1.
  const kidsOf = g.int64('node_children', [2 * nodes], Array.from({ length: 2 * nodes }, (_, i) => f.nav[3 * (i >> 1) + 1 + (i & 1)]));
  const cutOf = g.double('node_cut', [nodes], f.cut);
  const loOf = g.float('box_lo', [nodes, D], f.lo);
  const hiOf = g.float('box_hi', [nodes, D], f.hi);
  const rangeOf = g.double('node_range', [nodes], f.range);
  const dep1Of = g.double('node_dep1', [nodes], f.dep1);
  const sameOf = g.double('leaf_same', [nodes], f.leafSame);
  const otherOf = g.double('leaf_other', [nodes], Array.from(f.dep1, (d) => 1 / d));
  const roots = g.int64('tree_root', [1, T], Array.from({ length: T }, (_, t) => f.treeStart[t]));
  const norm = g.double('tree_norm', [1, T], Array.from({ length: T }, (_, t) => Math.log2(1 + f.sampleSize[t])));
  const zero = g.double('zero', [], [0]);
  const one = g.double('one', [], [1]);
  const axes1 = g.int64('axes_1', [1], [1]);

  const n = g.op('Shape', [INPUT], { start: 0, end: 1 }, 'rows');
  let points32 = INPUT;
  if (S > 1) {
    // Row i's shingle: rows max(0, i − S + 1 + s) for s = 0 … S − 1, as shingleRows builds it.
    const offsets = g.int64('shingle_offsets', [1, S], Array.from({ length: S }, (_, s) => s - S + 1));
    const i = g.op('Range', [g.int64('row_zero', [], [0]), g.op('Squeeze', [n, g.int64('axes_0', [1], [0])]), g.int64('row_step', [], [1])]);
    const src = g.op('Max', [g.op('Add', [g.op('Unsqueeze', [i, axes1]), offsets]), g.int64('row_first', [], [0])], undefined, 'shingle_rows');
    const rows = g.op('Gather', [INPUT, src], { axis: 0 });
    // [N, S, F] -> [N, S·F]: 0 keeps N (also when N is 0).
    points32 = g.op('Reshape', [rows, g.int64('point_shape', [2], [0, D])], undefined, 'points');
  }
  const points = g.op('Cast', [points32], { to: DataType.DOUBLE }, 'points_f64');

  const start = g.op('Expand', [roots, g.op('Concat', [n, g.int64('trees', [1], [T])], { axis: 0 })], undefined, 'roots');
  const point32 = g.op('Unsqueeze', [points32, axes1]);
  const point64 = g.op('Unsqueeze', [points, axes1]);
  const nt = (name: string, type: number): ValueSpec => ({ name, elemType: type, shape: ['N', T] });
  const scalar = (name: string, type: number): ValueSpec => ({ name, elemType: type, shape: [] });

  // The walk down, at most K steps: each step keeps the node it starts from (the path, one
  // [N, T] slice per depth) and moves every row one level down; it ends early once no row
  // moved (all are on their leaves).
  let leaf = start;
  let path = '';
  if (K > 0) {
    const w = new GraphBuilder('walk_');
    const value = w.op('GatherElements', [points, w.op('Gather', [dimOf, 'node_in'])], { axis: 1 });
    // x > cut picks the right child, as the kernel's x ≤ cut picks the left (a NaN, which the predictor refuses, goes left here).
    const goRight = w.op('Cast', [w.op('Greater', [value, w.op('Gather', [cutOf, 'node_in'])])], { to: DataType.INT64 });
    w.op('Gather', [kidsOf, w.op('Add', [w.op('Add', ['node_in', 'node_in']), goRight])], undefined, 'node_out');
    // Children are numbered after their parent, so a row moved when its node grew.
    w.op('Greater', [w.op('ReduceMax', [w.op('Sub', ['node_out', 'node_in'])], { keepdims: 0 }), w.int64('walk_none', [], [0])], undefined, 'walk_more');
    w.op('Identity', ['node_in'], undefined, 'path_out');
    const walk: SubgraphSpec = {
      name: 'walk',
      inputs: [scalar('step', DataType.INT64), scalar('walk_cond', DataType.BOOL), nt('node_in', DataType.INT64)],
      outputs: [scalar('walk_more', DataType.BOOL), nt('node_out', DataType.INT64), nt('path_out', DataType.INT64)],
      nodes: w.nodes,
      initializers: w.initializers,
    };
    g.initializers.push({ name: 'walk_start', dims: [], data_type: DataType.BOOL, raw_data: new Uint8Array([1]) });
    [leaf, path] = g.opMany('Loop', [g.int64('max_depth', [], [K]), 'walk_start', start], ['leaf', 'path'], { body: { graph: walk } });
  }

  // The start value: is the row its leaf's point?
  const equal = g.op('Cast', [g.op('Equal', [g.op('Gather', [loOf, leaf]), point32])], { to: DataType.FLOAT });
  const same = g.op('Cast', [g.op('ReduceMin', [equal], { axes: { ints: [2] }, keepdims: 0 })], { to: DataType.BOOL });
  let s = g.op('Where', [same, g.op('Gather', [sameOf, leaf]), g.op('Gather', [otherOf, leaf])], undefined, 'score_leaf');

  // The climb, deepest first (path[L − 1 − j] at step j), as the kernel follows parent links.
  // Only the (row, tree) pairs still climbing do the box work: not on their leaf yet (the
  // path is deeper than it) and not stopped (the kernel stops at the first box holding the
  // point; every box above holds it too, so prob would be 0). They are picked with NonZero,
  // their probs computed over D and scattered back; the others' prob is 0, which leaves s
  // as it is to the bit.
  if (K > 0) {
    const steps = g.op('Squeeze', [g.op('Shape', [path], { start: 0, end: 1 }), g.int64('axes_0_steps', [1], [0])], undefined, 'steps');
    const flatShape = g.int64('pairs_shape', [1], [-1]);
    const pairsShape = g.op('Shape', [start], undefined, 'pairs_dims');
    const zeros = g.op('ConstantOfShape', [g.op('Shape', [g.op('Reshape', [start, flatShape])])], { value: doubleTensor('', [1], [0]) }, 'prob_zeros');
    const c = new GraphBuilder('climb_');
    const node = c.op('Gather', [path, c.op('Sub', [c.op('Sub', [steps, 'climb_step']), c.int64('climb_one', [], [1])])], { axis: 0 });
    const active = c.op('And', [c.op('Not', [c.op('Equal', [node, leaf])]), c.op('Not', ['stopped_in'])]);
    const pick = c.op('Squeeze', [c.op('NonZero', [c.op('Reshape', [active, flatShape])]), c.int64('climb_axes_0', [1], [0])]);
    const at = c.op('Gather', [c.op('Reshape', [node, flatShape]), pick]);
    const row = c.op('Div', [pick, c.int64('climb_trees', [], [T])]);
    const x32 = c.op('Gather', [points32, row]);
    const clamped = c.op('Min', [c.op('Max', [x32, c.op('Gather', [loOf, at])]), c.op('Gather', [hiOf, at])]);
    const outside = c.op('Abs', [c.op('Sub', [c.op('Gather', [points, row]), c.op('Cast', [clamped], { to: DataType.DOUBLE })])]);
    const extra = c.op('ReduceSum', [outside, axes1], { keepdims: 0 });
    const p = c.op('Div', [extra, c.op('Add', [c.op('Gather', [rangeOf, at]), extra])]);
    const prob = c.op('Reshape', [c.op('ScatterElements', [zeros, pick, p], { axis: 0 }), pairsShape]);
    // A node's range is positive, so prob is 0 exactly when its box holds the point.
    c.op('Or', ['stopped_in', c.op('And', [active, c.op('Equal', [prob, zero])])], undefined, 'stopped_out');
    c.op('Add', [c.op('Mul', [c.op('Sub', [one, prob]), 'score_in']), c.op('Div', [prob, c.op('Gather', [dep1Of, node])])], undefined, 'score_out');
    c.op('Identity', ['climb_cond'], undefined, 'climb_more');
    const climb: SubgraphSpec = {
      name: 'climb',
      inputs: [scalar('climb_step', DataType.INT64), scalar('climb_cond', DataType.BOOL), nt('score_in', DataType.DOUBLE), nt('stopped_in', DataType.BOOL)],
      outputs: [scalar('climb_more', DataType.BOOL), nt('score_out', DataType.DOUBLE), nt('stopped_out', DataType.BOOL)],
      nodes: c.nodes,
      initializers: c.initializers,
    };
    const none = g.op('Cast', [g.op('Mul', [start, g.int64('pairs_zero', [], [0])])], { to: DataType.BOOL }, 'none_stopped');
    [s] = g.opMany('Loop', [steps, '', s, none], ['score_root', 'stopped'], { body: { graph: climb } });
  }

  const total = g.op('ReduceSum', [g.op('Mul', [s, norm]), axes1], { keepdims: 1 });
  const mean = g.op('Div', [total, g.double('tree_count', [], [T])]);
  g.op('Cast', [mean], { to: DataType.FLOAT }, 'score');
  return {
    nodes: g.nodes,
    initializers: g.initializers,
    outputs: [{ name: 'score', elemType: DataType.FLOAT, shape: ['N', 1] }],
    numFeatures: F,
    metadata: {
      trees: String(T),
      shingle_size: String(S),
      max_depth: String(K),
      score_mean: String(a.scoreMean),
      score_std: String(a.scoreStd),
    },
  };
}
