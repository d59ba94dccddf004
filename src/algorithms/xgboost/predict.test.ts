import { describe, expect, it } from 'vitest';
import type { Matrix } from '../data/matrix.js';
import { rng } from './binning.js';
import { trainBooster } from './booster.js';
import { toBoosterOptions } from './hyperparameters.js';
import type { Objective } from './hyperparameters.js';
import { addTreeRaw, TreeModel } from './model.js';
import { transform } from './objective.js';
import { compileEnsemble, compileTree, predictInto, treeDepth } from './predict.js';
import type { Tree } from './tree.js';

/** The plain walk: row by row, tree by tree, over flattened node arrays (the reference). */
function referenceMargins(model: TreeModel, features: Float32Array, rows: number): Float32Array {
  const F = model.info.numFeatures;
  const K = model.outputs;
  const margins = new Float32Array(rows * K).fill(model.info.baseMargin);
  for (let r = 0; r < rows; r++) {
    for (let t = 0; t < model.trees.length; t++) {
      const { feature, threshold, defaultLeft, left, right, value } = model.trees[t];
      let n = 0;
      while (feature[n] >= 0) {
        const x = features[r * F + feature[n]];
        n = x !== x ? (defaultLeft[n] ? left[n] : right[n]) : x < threshold[n] ? left[n] : right[n];
      }
      margins[r * K + model.treeClass[t]] += value[n];
    }
  }
  return margins;
}

/** Same bits, element by element (NaN equal to NaN, −0 unequal to +0). */
function expectSameBits(a: Float32Array, b: Float32Array): void {
  expect(a.length).toBe(b.length);
  const ua = new Uint32Array(a.buffer, a.byteOffset, a.length);
  const ub = new Uint32Array(b.buffer, b.byteOffset, b.length);
  let bad = -1;
  for (let i = 0; i < ua.length; i++) {
    if (ua[i] !== ub[i]) {
      bad = i;
      break;
    }
  }
  expect(bad === -1 ? 'same' : `differs at ${bad}: ${a[bad]} vs ${b[bad]}`).toBe('same');
}

/** Values that thresholds and features share, so that x === threshold happens often. */
const GRID = [-2, -1, -0.5, -0, 0, 0.25, 0.5, 1, 3, Infinity, -Infinity, 1e-40, -1e-40];
const NEG_NAN = (() => {
  const u = new Uint32Array([0xffc00001]);
  return new Float32Array(u.buffer)[0];
})();

/** A random tree of depth ≤ maxDepth; node ids in preorder (children after parents). */
function randomTree(rand: () => number, F: number, maxDepth: number, leafProb: number, forceDepth = false): Tree {
  const nodes: { feature: number; threshold: number; defaultLeft: number; left: number; right: number; value: number }[] = [];
  const grow = (depth: number, onSpine: boolean): number => {
    const id = nodes.length;
    const leaf = depth >= maxDepth || (!(forceDepth && onSpine) && rand() < leafProb);
    nodes.push({ feature: -1, threshold: 0, defaultLeft: 0, left: -1, right: -1, value: Math.fround((rand() - 0.5) * 2) });
    if (leaf) return id;
    const n = nodes[id];
    n.feature = Math.floor(rand() * F);
    n.threshold = rand() < 0.5 ? GRID[Math.floor(rand() * GRID.length)] : (rand() - 0.5) * 6;
    n.defaultLeft = rand() < 0.5 ? 1 : 0;
    n.value = 0;
    const spineLeft = rand() < 0.5;
    n.left = grow(depth + 1, onSpine && spineLeft);
    n.right = grow(depth + 1, onSpine && !spineLeft);
    return id;
  };
  grow(0, true);
  const N = nodes.length;
  return {
    feature: Int32Array.from(nodes, (n) => n.feature),
    threshold: Float32Array.from(nodes, (n) => n.threshold),
    splitBin: new Int32Array(N),
    defaultLeft: Uint8Array.from(nodes, (n) => n.defaultLeft),
    left: Int32Array.from(nodes, (n) => n.left),
    right: Int32Array.from(nodes, (n) => n.right),
    value: Float32Array.from(nodes, (n) => n.value),
    gain: new Float32Array(N),
    cover: new Float32Array(N),
  };
}

/** Rows of features mixing grid values (±0, ±Inf, ties), random values and NaNs of both signs. */
function randomFeatures(rand: () => number, rows: number, F: number, nanShare: number): Float32Array {
  const x = new Float32Array(rows * F);
  for (let i = 0; i < x.length; i++) {
    const u = rand();
    if (u < nanShare) x[i] = rand() < 0.5 ? NaN : NEG_NAN;
    else if (u < nanShare + 0.3) x[i] = GRID[Math.floor(rand() * GRID.length)];
    else x[i] = (rand() - 0.5) * 6;
  }
  return x;
}

function modelOf(trees: Tree[], K: number, F: number, objective: Objective, baseMargin: number): TreeModel {
  const m = new TreeModel({ objective, numClass: K > 1 ? K : 1, numFeatures: F, baseMargin });
  trees.forEach((t, i) => m.add(t, i % K));
  return m;
}

/** Checks compiled margins (several caps) and the predictor's output against the reference. */
function checkModel(model: TreeModel, features: Float32Array, rows: number): void {
  const F = model.info.numFeatures;
  const K = model.outputs;
  const ref = referenceMargins(model, features, rows);
  for (const cap of [undefined, 0, 3]) {
    const e = compileEnsemble(model.trees, model.treeClass, cap);
    const margins = new Float32Array(rows * K).fill(model.info.baseMargin);
    predictInto(e, features, rows, F, margins, K);
    expectSameBits(margins, ref);
  }
  const out = model.predictor().predict(features, rows);
  const want = transform(model.info.objective, ref, rows, K);
  expect(out.outputsPerRow).toBe(want.outputsPerRow);
  expectSameBits(out.values, want.values);
}

describe('xgboost predictor', () => {
  it('lays out unbalanced trees as complete trees of their depth', () => {
    const rand = rng(1);
    for (let i = 0; i < 50; i++) {
      const t = randomTree(rand, 5, 7, 0.35);
      const c = compileTree(t);
      const d = treeDepth(t);
      expect(c.depth).toBe(d);
      expect(c.feature.length).toBe((1 << d) - 1);
      expect(c.value.length).toBe(1 << d);
    }
    const deep = randomTree(rand, 5, 12, 0.5, true);
    expect(treeDepth(deep)).toBe(12);
    expect(compileTree(deep).depth).toBe(-1);
    const stump = randomTree(rand, 5, 0, 1);
    expect(treeDepth(stump)).toBe(0);
    expect(compileTree(stump).value).toEqual(Float32Array.of(stump.value[0]));
  });

  it('equals the plain walk bit for bit on random trees, NaNs both ways, ±0, ±Inf and ties', () => {
    const rand = rng(2);
    const F = 7;
    const trees: Tree[] = [];
    for (let i = 0; i < 60; i++) trees.push(randomTree(rand, F, 1 + (i % 8), 0.3));
    trees.push(randomTree(rand, F, 0, 1), randomTree(rand, F, 12, 0.45, true), randomTree(rand, F, 14, 0.4, true));
    for (let i = 0; i < 20; i++) trees.push(randomTree(rand, F, 6, 0.2));
    expect(trees.some((t) => treeDepth(t) > 10)).toBe(true);
    for (const rows of [0, 1, 7, 203, 1000]) {
      const x = randomFeatures(rand, rows, F, 0.15);
      checkModel(modelOf(trees, 1, F, 'reg:squarederror', 0.5), x, rows);
      checkModel(modelOf(trees, 1, F, 'binary:logistic', -0.3), x, rows);
      checkModel(modelOf(trees.slice(0, 81), 3, F, 'multi:softprob', 0.5), x, rows);
    }
  });

  it('handles models of single leaves, one shallow tree over many features, and NaN thresholds', () => {
    const rand = rng(3);
    const leaves = [randomTree(rand, 3, 0, 1), randomTree(rand, 3, 0, 1), randomTree(rand, 3, 0, 1)];
    checkModel(modelOf(leaves, 3, 3, 'multi:softmax', 0.5), randomFeatures(rand, 100, 3, 0.2), 100);
    // Few steps per row against many features: stays on the float walk.
    const wide = [randomTree(rand, 300, 4, 0)];
    const e = compileEnsemble(wide, [0]);
    expect(e.used.length).toBe(0);
    checkModel(modelOf(wide, 1, 300, 'reg:squarederror', 0), randomFeatures(rand, 150, 300, 0.1), 150);
    // A NaN threshold (never grown, but readable): !(x < NaN), NaN inputs by defaultLeft.
    const odd = randomTree(rand, 4, 4, 0);
    odd.threshold[0] = NaN;
    const many = [odd, ...Array.from({ length: 10 }, () => randomTree(rand, 4, 5, 0.2))];
    checkModel(modelOf(many, 1, 4, 'reg:squarederror', 0), randomFeatures(rand, 300, 4, 0.2), 300);
  });

  it('addTreeRaw equals the plain walk tree by tree', () => {
    const rand = rng(4);
    const F = 6;
    const x = randomFeatures(rand, 333, F, 0.2);
    for (const depth of [0, 3, 6, 13]) {
      const t = randomTree(rand, F, depth, 0.3, true);
      const margins = new Float32Array(333 * 3).fill(0.25);
      addTreeRaw(t, x, 333, F, margins, 3, 1);
      const m = modelOf([t], 1, F, 'reg:squarederror', 0.25);
      const ref = referenceMargins(m, x, 333);
      const want = new Float32Array(333 * 3).fill(0.25);
      for (let r = 0; r < 333; r++) want[r * 3 + 1] = ref[r];
      expectSameBits(margins, want);
    }
  });

  it('equals the plain walk on models the booster trains (binary with missing values, multiclass, deep trees)', async () => {
    const rand = rng(5);
    const F = 8;
    const make = (rows: number, kind: 'binary' | 'multi' | 'regression'): Matrix => {
      const features = new Float32Array(rows * F);
      const labels = new Float32Array(rows);
      for (let r = 0; r < rows; r++) {
        for (let f = 0; f < F; f++) features[r * F + f] = rand() < 0.1 ? NaN : Math.fround(rand() * 2 - 1);
        const v = (i: number) => (Number.isNaN(features[r * F + i]) ? 0.7 : features[r * F + i]);
        const s = v(0) + v(1) * v(2) - 0.5 * v(3) + 0.2 * (rand() - 0.5);
        labels[r] = kind === 'binary' ? (s > 0 ? 1 : 0) : kind === 'multi' ? (s < -0.4 ? 0 : s < 0.4 ? 1 : 2) : 3 * s + Math.sin(5 * v(4));
      }
      return { features, labels, rows, cols: F };
    };
    const cases: [Record<string, number | string>, 'binary' | 'multi' | 'regression'][] = [
      [{ num_round: 30, objective: 'binary:logistic', max_depth: 6 }, 'binary'],
      [{ num_round: 10, objective: 'multi:softprob', num_class: 3, max_depth: 5 }, 'multi'],
      [{ num_round: 4, objective: 'reg:squarederror', max_depth: 14, min_child_weight: 0, lambda: 0 }, 'regression'],
    ];
    for (const [hp, kind] of cases) {
      const train = make(2000, kind);
      const test = make(700, kind);
      const opts = toBoosterOptions(hp, 7, 1);
      const { model } = await trainBooster(train, null, opts, { evalTrain: false });
      if (kind === 'regression') expect(model.trees.some((t) => treeDepth(t) > 10)).toBe(true);
      checkModel(model, test.features, test.rows);
      const K = model.outputs;
      const margins = new Float32Array(test.rows * K).fill(model.info.baseMargin);
      model.trees.forEach((t, i) => addTreeRaw(t, test.features, test.rows, F, margins, K, model.treeClass[i]));
      expectSameBits(margins, referenceMargins(model, test.features, test.rows));
    }
  });
});
