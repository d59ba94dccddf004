import { describe, expect, it } from 'vitest';
import type { Matrix } from '../data/matrix.js';
import { rng } from './binning.js';
import { trainBooster } from './booster.js';
import { toBoosterOptions } from './hyperparameters.js';
import { explainCost, treeExplainer } from './shap.js';
import type { Tree } from './tree.js';

/** A random tree over F features with covers that split between the children. */
function randomTree(rand: () => number, F: number, maxDepth: number): Tree {
  const nodes: { feature: number; threshold: number; defaultLeft: number; left: number; right: number; value: number; cover: number }[] = [];
  const grow = (depth: number, cover: number): number => {
    const id = nodes.length;
    nodes.push({ feature: -1, threshold: 0, defaultLeft: 0, left: -1, right: -1, value: Math.fround(rand() * 2 - 1), cover });
    if (depth >= maxDepth || (depth > 0 && rand() < 0.2)) return id;
    const n = nodes[id];
    n.feature = Math.floor(rand() * F);
    n.threshold = Math.fround(rand() * 2 - 1);
    n.defaultLeft = rand() < 0.5 ? 1 : 0;
    n.value = 0;
    const share = 0.1 + 0.8 * rand();
    n.left = grow(depth + 1, cover * share);
    n.right = grow(depth + 1, cover * (1 - share));
    return id;
  };
  grow(0, 100);
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
    cover: Float32Array.from(nodes, (n) => n.cover),
  };
}

function randomRows(rand: () => number, rows: number, F: number): Float32Array {
  return Float32Array.from({ length: rows * F }, () => (rand() < 0.1 ? NaN : Math.fround(rand() * 2 - 1)));
}

/**
 * The definition: Shapley values of v(S) = the tree's output when the features in S
 * follow the row and the others split by cover (the path-dependent expectation), over
 * every subset of the F features.
 */
function bruteForceShap(tree: Tree, x: Float32Array, F: number): number[] {
  const value = (S: number): number => {
    const go = (n: number): number => {
      const f = tree.feature[n];
      if (f < 0) return tree.value[n];
      const l = tree.left[n];
      const r = tree.right[n];
      if ((S >> f) & 1) {
        const v = x[f];
        return go(v !== v ? (tree.defaultLeft[n] ? l : r) : v < tree.threshold[n] ? l : r);
      }
      return (tree.cover[l] * go(l) + tree.cover[r] * go(r)) / tree.cover[n];
    };
    return go(0);
  };
  const fact = (n: number): number => (n <= 1 ? 1 : n * fact(n - 1));
  const phi = new Array<number>(F + 1).fill(0);
  for (let i = 0; i < F; i++) {
    for (let S = 0; S < 1 << F; S++) {
      if ((S >> i) & 1) continue;
      let size = 0;
      for (let j = 0; j < F; j++) size += (S >> j) & 1;
      phi[i] += ((fact(size) * fact(F - size - 1)) / fact(F)) * (value(S | (1 << i)) - value(S));
    }
  }
  phi[F] = value(0);
  return phi;
}

/** The plain walk's margin (base + leaves), per row and output. */
function margins(trees: Tree[], cls: number[], K: number, base: number, x: Float32Array, rows: number, F: number): Float64Array {
  const out = new Float64Array(rows * K).fill(base);
  for (let r = 0; r < rows; r++) {
    trees.forEach((t, i) => {
      let n = 0;
      while (t.feature[n] >= 0) {
        const v = x[r * F + t.feature[n]];
        n = v !== v ? (t.defaultLeft[n] ? t.left[n] : t.right[n]) : v < t.threshold[n] ? t.left[n] : t.right[n];
      }
      out[r * K + cls[i]] += t.value[n];
    });
  }
  return out;
}

describe('TreeSHAP', () => {
  it('equals the Shapley values of the path-dependent expectation, by enumeration', () => {
    const rand = rng(3);
    const F = 5;
    for (let k = 0; k < 20; k++) {
      const tree = randomTree(rand, F, 4);
      const x = randomRows(rand, 1, F);
      const want = bruteForceShap(tree, x, F);
      for (const tables of [true, false]) {
        const got = treeExplainer([tree], [0], { numFeatures: F, numClass: 1, baseMargin: 0 }, { tables }).explain(x, 1).values;
        for (let i = 0; i <= F; i++) expect(got[i]).toBeCloseTo(want[i], 9);
      }
    }
  });

  it('tables and algorithm 2 agree, and every output of every row sums to its margin', () => {
    const rand = rng(11);
    const F = 9;
    const K = 3;
    const trees = Array.from({ length: 30 }, () => randomTree(rand, F, 6));
    const cls = trees.map((_, i) => i % K);
    const rows = 200;
    const x = randomRows(rand, rows, F);
    const info = { numFeatures: F, numClass: K, baseMargin: 0.25 };
    const fast = treeExplainer(trees, cls, info).explain(x, rows);
    const slow = treeExplainer(trees, cls, info, { tables: false }).explain(x, rows);
    expect(fast.outputs).toBe(K);
    expect(fast.values.length).toBe(rows * K * (F + 1));
    let worst = 0;
    for (let i = 0; i < fast.values.length; i++) worst = Math.max(worst, Math.abs(fast.values[i] - slow.values[i]));
    expect(worst).toBeLessThan(1e-9);
    const m = margins(trees, cls, K, 0.25, x, rows, F);
    for (let r = 0; r < rows; r++) {
      for (let k = 0; k < K; k++) {
        let s = 0;
        for (let j = 0; j <= F; j++) s += fast.values[(r * K + k) * (F + 1) + j];
        expect(s).toBeCloseTo(m[r * K + k], 9);
      }
    }
  });

  it('deep trees (more distinct features on a path than the tables take) use algorithm 2 and still sum to the margin', () => {
    const rand = rng(5);
    const F = 12;
    const trees = Array.from({ length: 4 }, () => randomTree(rand, F, 11));
    const x = randomRows(rand, 50, F);
    const e = treeExplainer(trees, [0, 0, 0, 0], { numFeatures: F, numClass: 1, baseMargin: -1 }).explain(x, 50);
    const m = margins(trees, [0, 0, 0, 0], 1, -1, x, 50, F);
    for (let r = 0; r < 50; r++) {
      let s = 0;
      for (let j = 0; j <= F; j++) s += e.values[r * (F + 1) + j];
      expect(s).toBeCloseTo(m[r], 9);
    }
  });

  it("a trained model's explain sums to its margin (log-odds) per row", async () => {
    const rand = rng(9);
    const F = 6;
    const rows = 1500;
    const features = new Float32Array(rows * F);
    const labels = new Float32Array(rows);
    for (let r = 0; r < rows; r++) {
      for (let f = 0; f < F; f++) features[r * F + f] = rand() < 0.05 ? NaN : Math.fround(rand() * 2 - 1);
      const a = features[r * F] || 0;
      labels[r] = a + 0.5 * (features[r * F + 1] || 0) + 0.3 * (rand() - 0.5) > 0 ? 1 : 0;
    }
    const train: Matrix = { features, labels, rows, cols: F };
    const { model } = await trainBooster(train, null, toBoosterOptions({ num_round: 20, objective: 'binary:logistic', max_depth: 5 }, 1, 1), { evalTrain: false });
    const predictor = model.predictor();
    const test = features.subarray(0, 100 * F);
    const e = predictor.explain!(test, 100);
    const p = predictor.predict(test, 100).values;
    for (let r = 0; r < 100; r++) {
      let s = 0;
      for (let j = 0; j <= F; j++) s += e.values[r * (F + 1) + j];
      expect(1 / (1 + Math.exp(-s))).toBeCloseTo(p[r], 5);
    }
    // The informative features carry more attribution than the noise ones.
    const mean = (j: number) => Array.from({ length: 100 }, (_, r) => Math.abs(e.values[r * (F + 1) + j])).reduce((a, b) => a + b) / 100;
    expect(mean(0)).toBeGreaterThan(mean(4));
  });
});

describe('explainCost', () => {
  it('counts each tree\'s leaves times its depth', () => {
    const rand = rng(11);
    const trees = [randomTree(rand, 6, 5), randomTree(rand, 6, 3), randomTree(rand, 6, 0)];
    const expected = trees.reduce((sum, t) => {
      const depth = new Int32Array(t.feature.length);
      let max = 0;
      let leaves = 0;
      for (let n = 0; n < t.feature.length; n++) {
        max = Math.max(max, depth[n]);
        if (t.feature[n] >= 0) depth[t.left[n]] = depth[t.right[n]] = depth[n] + 1;
        else leaves++;
      }
      return sum + leaves * Math.max(1, max);
    }, 0);
    expect(explainCost(trees)).toBe(expected);
    // A single leaf costs one step; a full depth-5 tree 32 leaves × 5.
    expect(explainCost([trees[2]])).toBe(1);
    expect(explainCost(trees)).toBeGreaterThan(explainCost(trees.slice(1)));
  });
});
