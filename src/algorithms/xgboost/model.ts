/**
 * The tree ensemble: prediction (compiled by predict.ts), feature importance,
 * and the JSON artifact (`model.json`).
 */
import { OrchardError } from '../../core/errors.js';
import type { Hyperparameters, Predictor } from '../algorithm.js';
import type { Objective } from './hyperparameters.js';
import { transform } from './objective.js';
import { addTree, compileEnsemble, predictInto } from './predict.js';
import { explainCost, treeExplainer } from './shap.js';
import type { Tree } from './tree.js';

export const MODEL_FORMAT = 'orchard-xgboost-json';
export const MODEL_FORMAT_VERSION = 1;

/** Adds one tree's leaf values to margins (stride K, offset k) of raw row-major features. */
export function addTreeRaw(tree: Tree, features: Float32Array, rows: number, cols: number, margins: Float32Array, K: number, k: number): void {
  addTree(tree, features, rows, cols, margins, K, k);
}

/**
 * The same over the row-major bin matrix (row stride `stride`) of the training data;
 * equal to addTreeRaw by construction of the cuts.
 */
export function addTreeBinned(tree: Tree, bins: Uint8Array, rows: number, stride: number, margin: Float32Array): void {
  const { feature, splitBin, defaultLeft, left, right, value } = tree;
  for (let r = 0; r < rows; r++) {
    const base = r * stride;
    let n = 0;
    while (feature[n] >= 0) {
      const b = bins[base + feature[n]];
      n = b === 255 ? (defaultLeft[n] ? left[n] : right[n]) : b <= splitBin[n] ? left[n] : right[n];
    }
    margin[r] += value[n];
  }
}

export interface ModelInfo {
  objective: Objective;
  numClass: number;
  numFeatures: number;
  baseMargin: number;
}

export class TreeModel {
  readonly trees: Tree[] = [];
  /** Class (output) each tree adds to. */
  readonly treeClass: number[] = [];

  constructor(readonly info: ModelInfo) {}

  get outputs(): number {
    return this.info.numClass > 1 ? this.info.numClass : 1;
  }

  add(tree: Tree, k: number): void {
    this.trees.push(tree);
    this.treeClass.push(k);
  }

  /** Keeps the first `rounds` rounds of trees. */
  truncate(rounds: number): void {
    const keep = rounds * this.outputs;
    this.trees.length = Math.min(this.trees.length, keep);
    this.treeClass.length = Math.min(this.treeClass.length, keep);
  }

  /** Feature importance: total gain and split count ("weight") per feature. */
  importance(): { gain: number[]; weight: number[]; cover: number[] } {
    const F = this.info.numFeatures;
    const gain = new Array<number>(F).fill(0);
    const weight = new Array<number>(F).fill(0);
    const cover = new Array<number>(F).fill(0);
    for (const t of this.trees) {
      for (let n = 0; n < t.feature.length; n++) {
        const f = t.feature[n];
        if (f < 0) continue;
        gain[f] += t.gain[n];
        weight[f] += 1;
        cover[f] += t.cover[n];
      }
    }
    return { gain, weight, cover };
  }

  toJSON(meta: { algorithmVersion: string; hyperparameters: Hyperparameters; seed: number; bestIteration: number; extra?: Record<string, unknown> }): Record<string, unknown> {
    const fin = (a: Float32Array) => Array.from(a, (v) => (Number.isFinite(v) ? v : null));
    return {
      format: MODEL_FORMAT,
      formatVersion: MODEL_FORMAT_VERSION,
      algorithm: 'xgboost',
      version: meta.algorithmVersion,
      hyperparameters: meta.hyperparameters,
      seed: meta.seed,
      objective: this.info.objective,
      numClass: this.info.numClass,
      numFeatures: this.info.numFeatures,
      baseMargin: this.info.baseMargin,
      bestIteration: meta.bestIteration,
      rounds: this.trees.length / this.outputs,
      featureImportance: this.importance(),
      ...meta.extra,
      treeClass: this.treeClass,
      trees: this.trees.map((t) => ({
        feature: Array.from(t.feature),
        threshold: fin(t.threshold),
        splitBin: Array.from(t.splitBin),
        defaultLeft: Array.from(t.defaultLeft),
        left: Array.from(t.left),
        right: Array.from(t.right),
        value: Array.from(t.value),
        gain: Array.from(t.gain),
        cover: Array.from(t.cover),
      })),
    };
  }

  /** Parses a model object (trees only; format checks are the caller's). */
  static fromJSON(doc: Record<string, unknown>): TreeModel {
    const bad = (why: string): never => {
      throw new OrchardError('ORCH_MODEL_INVALID', { message: `xgboost model: ${why}` });
    };
    const info: ModelInfo = {
      objective: doc.objective as Objective,
      numClass: Number(doc.numClass),
      numFeatures: Number(doc.numFeatures),
      baseMargin: Number(doc.baseMargin),
    };
    if (!(info.numFeatures > 0) || !(info.numClass >= 1) || !Number.isFinite(info.baseMargin)) bad('missing numFeatures/numClass/baseMargin');
    const model = new TreeModel(info);
    const trees = doc.trees as Record<string, (number | null)[]>[] | undefined;
    const classes = doc.treeClass as number[] | undefined;
    if (!Array.isArray(trees) || !Array.isArray(classes) || trees.length !== classes.length) bad('trees and treeClass missing or of different lengths');
    trees!.forEach((t, i) => {
      const n = t.feature?.length ?? 0;
      for (const key of ['threshold', 'splitBin', 'defaultLeft', 'left', 'right', 'value', 'gain', 'cover']) {
        if (!Array.isArray(t[key]) || t[key].length !== n) bad(`tree ${i}: ${key} missing or of the wrong length`);
      }
      const tree: Tree = {
        feature: Int32Array.from(t.feature as number[]),
        threshold: Float32Array.from(t.threshold, (v) => (v === null ? Infinity : v)),
        splitBin: Int32Array.from(t.splitBin as number[]),
        defaultLeft: Uint8Array.from(t.defaultLeft as number[]),
        left: Int32Array.from(t.left as number[]),
        right: Int32Array.from(t.right as number[]),
        value: Float32Array.from(t.value as number[]),
        gain: Float32Array.from(t.gain as number[]),
        cover: Float32Array.from(t.cover as number[]),
      };
      for (let j = 0; j < n; j++) {
        const f = tree.feature[j];
        if (f >= info.numFeatures) bad(`tree ${i} node ${j}: feature ${f} out of range`);
        if (f >= 0 && !(tree.left[j] > j && tree.left[j] < n && tree.right[j] > j && tree.right[j] < n)) bad(`tree ${i} node ${j}: bad child index`);
      }
      model.add(tree, classes![i]);
    });
    return model;
  }

  /** A predictor over the trees compiled by predict.ts (complete layouts, blocks of rows). */
  predictor(): Predictor {
    const ensemble = compileEnsemble(this.trees, this.treeClass);
    const { numFeatures: F, baseMargin: base, objective } = this.info;
    const K = this.outputs;
    const check = (features: Float32Array, rows: number) => {
      if (features.length !== rows * F) {
        throw new OrchardError('ORCH_TRAINING_DATA_INVALID', {
          message: `expected ${rows} rows of ${F} features (${rows * F} values), got ${features.length} values`,
          details: { rows, numFeatures: F, values: features.length },
        });
      }
    };
    // TreeSHAP tables are built on the first explanation asked for, not when serving starts.
    let explainer: ReturnType<typeof treeExplainer> | null = null;
    let cost: number | undefined;
    const trees = this.trees;
    return {
      numFeatures: F,
      predict(features: Float32Array, rows: number) {
        check(features, rows);
        const margins = new Float32Array(rows * K).fill(base);
        predictInto(ensemble, features, rows, F, margins, K);
        return transform(objective, margins, rows, K);
      },
      explainCost: () => (cost ??= explainCost(trees)),
      explain: (features: Float32Array, rows: number) => {
        check(features, rows);
        explainer ??= treeExplainer(this.trees, this.treeClass, this.info);
        const { values, outputs } = explainer.explain(features, rows);
        return { values, outputs };
      },
    };
  }
}
