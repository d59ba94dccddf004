/**
 * Global importance per raw column. Contributions of a column's features are summed per
 * row first (one-hot `color_red` and `color_blue` are one column, `color`), then:
 * - mean |SHAP| (TreeSHAP for xgboost): the mean over rows of the column's absolute
 *   contribution to the margin, summed over the outputs of a multiclass model;
 * - permutation importance (Breiman 2001; scikit-learn's `permutation_importance`): how
 *   much the objective worsens when the column's values are shuffled across the rows
 *   (all its features with the same shuffle), the mean of a few shuffles.
 */
import type { ServingPredictor } from '../../serving/predictor.js';

/** One model with its held-out features (an ensemble has several, each with its weight). */
export interface Member {
  predictor: ServingPredictor;
  features: Float32Array;
  cols: number;
  /** Raw column per feature; empty when the model reads features as they are (then `f<j>`). */
  featureColumns: readonly string[];
  weight: number;
}

const REPEATS = 3;

/** mulberry32: a small seeded generator for the shuffles and the row sample. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function shuffle(n: number, rand: () => number): Int32Array {
  const p = Int32Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    const t = p[i];
    p[i] = p[j];
    p[j] = t;
  }
  return p;
}

function columnOf(m: Member, j: number): string {
  return m.featureColumns[j] ?? `f${j}`;
}

/** Up to `max` row indexes: all rows, or a seeded sample in row order. */
function sampleRows(rows: number, max: number, seed: number): Int32Array {
  if (rows <= max) return Int32Array.from({ length: rows }, (_, i) => i);
  return shuffle(rows, random(seed ^ 0x5bd1e995)).slice(0, max).sort();
}

function takeRows(features: Float32Array, cols: number, idx: Int32Array): Float32Array {
  const out = new Float32Array(idx.length * cols);
  idx.forEach((r, i) => out.set(features.subarray(r * cols, r * cols + cols), i * cols));
  return out;
}

/**
 * TreeSHAP work (tree-path steps, see the predictors' `explainCost`) one importance may
 * spend: about 5 s on one core (some 4e4 steps a millisecond). A small model explains
 * `maxRows` rows; a large one fewer (a 4-class xgboost of 900 depth-8 trees per class
 * costs 3.8e6 steps, 86 ms, a row), never under `MIN_SHAP_ROWS`: the mean over a hundred
 * rows still ranks the columns.
 */
export const SHAP_WORK = 2.5e8;
export const MIN_SHAP_ROWS = 100;

/** The rows TreeSHAP importance explains for a model of this per-row cost. */
export function shapRows(maxRows: number, cost: number | undefined): number {
  if (!cost || !(cost > 0)) return maxRows;
  return Math.max(Math.min(maxRows, MIN_SHAP_ROWS), Math.min(maxRows, Math.floor(SHAP_WORK / cost)));
}

/** An importance and the rows it was computed on, of the rows it would take with time to spare. */
export interface SampledImportance {
  importance: Record<string, number>;
  rows: number;
  of: number;
}

/** Rows permutation importance keeps at the least when its time is short. */
export const MIN_PERMUTATION_ROWS = 200;

/** The rows of `idx` in a seeded order, so any prefix is a fair sample of them. */
function inOrder(idx: Int32Array, seed: number): Int32Array {
  const p = shuffle(idx.length, random(seed ^ 0x2545f491));
  return Int32Array.from(p, (i) => idx[i]);
}

/** Mean absolute contribution per raw column (the model must explain). */
export function meanAbsShap(m: Member, rows: number, maxRows: number, seed: number): Record<string, number> {
  return shapImportance(m, rows, maxRows, seed).importance;
}

/**
 * Mean |SHAP| per raw column on the rows the model's cost allows; given `seconds`, on fewer
 * when explaining them all would take longer: a first `MIN_SHAP_ROWS` of them (in a seeded
 * order) are explained and timed, then as many more as the time left allows.
 */
export function shapImportance(m: Member, rows: number, maxRows: number, seed: number, seconds?: number): SampledImportance {
  const sample = sampleRows(rows, shapRows(maxRows, m.predictor.explainCost?.()), seed);
  const names = [...new Set(Array.from({ length: m.cols }, (_, j) => columnOf(m, j)))];
  const at = new Map(names.map((c, i) => [c, i]));
  const slot = Int32Array.from({ length: m.cols }, (_, j) => at.get(columnOf(m, j))!);
  const total = new Float64Array(names.length);
  const row = new Float64Array(names.length);
  const width = m.cols + 1;
  const add = (idx: Int32Array) => {
    const n = idx.length;
    if (n === 0) return;
    const e = m.predictor.explain!(takeRows(m.features, m.cols, idx), n);
    for (let r = 0; r < n; r++) {
      for (let k = 0; k < e.outputs; k++) {
        row.fill(0);
        const o = (r * e.outputs + k) * width;
        for (let j = 0; j < m.cols; j++) row[slot[j]] += e.values[o + j];
        for (let c = 0; c < names.length; c++) total[c] += Math.abs(row[c]);
      }
    }
  };
  let n = sample.length;
  if (seconds === undefined || n <= MIN_SHAP_ROWS) add(sample);
  else {
    const order = inOrder(sample, seed);
    const started = performance.now();
    add(order.slice(0, MIN_SHAP_ROWS).sort());
    const perRow = (performance.now() - started) / 1000 / MIN_SHAP_ROWS;
    const more = Math.min(n - MIN_SHAP_ROWS, Math.max(0, Math.floor((seconds - perRow * MIN_SHAP_ROWS) / Math.max(perRow, 1e-9))));
    add(order.slice(MIN_SHAP_ROWS, MIN_SHAP_ROWS + more).sort());
    n = MIN_SHAP_ROWS + more;
  }
  return { importance: Object.fromEntries(names.map((c, i) => [c, n ? total[i] / n : 0])), rows: n, of: sample.length };
}

/**
 * Permutation importance of the raw columns of one model or a weighted ensemble:
 * `predict` gives the (combined) predictions of the members' feature matrices. Given
 * `seconds`, on fewer rows when the shuffles of every column would take longer: the
 * predictions of the sample are timed first, and a seeded part of it, at least
 * `MIN_PERMUTATION_ROWS`, is kept to fit.
 */
export function permutationSample(
  members: readonly Member[],
  labels: Float64Array,
  predict: (features: Float32Array[], rows: number) => Float64Array,
  score: (labels: Float64Array, predictions: Float64Array) => number,
  maximize: boolean,
  maxRows: number,
  seed: number,
  seconds?: number,
): SampledImportance {
  const sample = sampleRows(labels.length, maxRows, seed);
  const names = [...new Set(members.flatMap((m) => Array.from({ length: m.cols }, (_, j) => columnOf(m, j))))];
  let idx = sample;
  let X = members.map((m) => takeRows(m.features, m.cols, idx));
  const started = performance.now();
  let base = score(Float64Array.from(idx, (r) => labels[r]), predict(X, idx.length));
  if (seconds !== undefined && idx.length > MIN_PERMUTATION_ROWS) {
    // Each column costs REPEATS more predictions of the sample.
    const whole = ((performance.now() - started) / 1000) * names.length * REPEATS;
    if (whole > seconds) {
      const keep = Math.max(MIN_PERMUTATION_ROWS, Math.floor((idx.length * Math.max(0, seconds)) / whole));
      idx = inOrder(sample, seed).slice(0, keep).sort();
      X = members.map((m) => takeRows(m.features, m.cols, idx));
      base = score(Float64Array.from(idx, (r) => labels[r]), predict(X, idx.length));
    }
  }
  const n = idx.length;
  const y = Float64Array.from(idx, (r) => labels[r]);
  const rand = random(seed);
  const out: Record<string, number> = {};
  for (const c of names) {
    let drop = 0;
    for (let rep = 0; rep < REPEATS; rep++) {
      const p = shuffle(n, rand);
      const shuffled = members.map((m, i) => {
        const cols = Array.from({ length: m.cols }, (_, j) => j).filter((j) => columnOf(m, j) === c);
        if (cols.length === 0) return X[i];
        const copy = X[i].slice();
        for (let r = 0; r < n; r++) for (const j of cols) copy[r * m.cols + j] = X[i][p[r] * m.cols + j];
        return copy;
      });
      const s = score(y, predict(shuffled, n));
      drop += maximize ? base - s : s - base;
    }
    out[c] = drop / REPEATS;
  }
  return { importance: out, rows: n, of: sample.length };
}
