/**
 * How well one column predicts the target on its own: a one-feature model fitted on the
 * training rows of the sample and scored on the held-out rows. A numeric column is cut
 * into up to 64 quantile bins of the training rows, a categorical one grouped by value;
 * missing values are a group of their own; each group predicts the training rows' mean
 * target (or class shares), smoothed toward the overall one. The score is the ROC AUC
 * (binary; one-vs-rest weighted by class size for multiclass) or R² (regression). A
 * column that scores ≥ 0.99 leaks the target (Data Wrangler's "target leakage").
 */
import { rankAuc } from '../algorithms/rank-auc.js';

/** One column of the sample: numbers (NaN = missing) or category codes (−1 = missing). */
export type FeatureValues = { kind: 'numeric'; values: Float64Array } | { kind: 'categorical'; codes: Int32Array };

export interface TargetValues {
  problemType: 'binary' | 'multiclass' | 'regression';
  /** Class index (0..K−1) for classification, the value for regression. */
  y: Float64Array;
  /** Classes (1 for regression). */
  classes: number;
}

const MAX_BINS = 64;
/** Weight of the overall mean in a group's smoothed prediction (in rows). */
const PRIOR_ROWS = 1;

/** A row is held out when its hashed index falls below this share. */
export const HOLDOUT_SHARE = 0.3;

/** Which rows are held out (1): a hash of the row index, so any row order gives a random split. */
export function holdoutMask(rows: number, share = HOLDOUT_SHARE, salt = 0): Uint8Array {
  const mask = new Uint8Array(rows);
  for (let i = 0; i < rows; i++) mask[i] = hash32(i, salt) / 4294967296 < share ? 1 : 0;
  return mask;
}

function hash32(i: number, salt: number): number {
  let h = Math.imul(i ^ salt ^ 0x9e3779b9, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** Group index of each row: quantile bins of the training rows, or category codes; the missing group last. */
function groupsOf(feature: FeatureValues, holdout: Uint8Array): { group: Int32Array; groups: number } {
  const n = holdout.length;
  const group = new Int32Array(n);
  if (feature.kind === 'categorical') {
    let max = -1;
    for (let i = 0; i < n; i++) if (feature.codes[i] > max) max = feature.codes[i];
    const missing = max + 1;
    for (let i = 0; i < n; i++) group[i] = feature.codes[i] < 0 ? missing : feature.codes[i];
    return { group, groups: missing + 1 };
  }
  let m = 0;
  const all = new Float64Array(n);
  for (let i = 0; i < n; i++) if (!holdout[i] && Number.isFinite(feature.values[i])) all[m++] = feature.values[i];
  // A typed array sorts numerically, natively.
  const train = all.subarray(0, m).sort();
  const cuts: number[] = [];
  for (let b = 1; b < MAX_BINS && train.length > 0; b++) {
    const c = train[Math.min(train.length - 1, Math.floor((b * train.length) / MAX_BINS))];
    if (cuts.length === 0 || c > cuts[cuts.length - 1]) cuts.push(c);
  }
  const missing = cuts.length + 1;
  for (let i = 0; i < n; i++) {
    const v = feature.values[i];
    if (!Number.isFinite(v)) {
      group[i] = missing;
      continue;
    }
    // Bin k holds values in [cuts[k-1], cuts[k]).
    let lo = 0;
    let hi = cuts.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (v >= cuts[mid]) lo = mid + 1;
      else hi = mid;
    }
    group[i] = lo;
  }
  return { group, groups: missing + 1 };
}

/** The held-out score of `feature` alone, or null when the held-out rows cannot be scored (one class, no variance). */
export function singleFeatureScore(feature: FeatureValues, target: TargetValues, holdout: Uint8Array): number | null {
  const { group, groups } = groupsOf(feature, holdout);
  const n = holdout.length;
  const K = target.problemType === 'multiclass' ? target.classes : 1;
  const sums = new Float64Array(groups * K);
  const counts = new Float64Array(groups);
  const prior = new Float64Array(K);
  let trainRows = 0;
  for (let i = 0; i < n; i++) {
    if (holdout[i]) continue;
    const g = group[i];
    counts[g]++;
    trainRows++;
    if (K > 1) {
      sums[g * K + target.y[i]]++;
      prior[target.y[i]]++;
    } else {
      sums[g] += target.y[i];
      prior[0] += target.y[i];
    }
  }
  if (trainRows === 0) return null;
  for (let k = 0; k < K; k++) prior[k] /= trainRows;
  const predictOf = (g: number, k: number) => (sums[g * K + k] + PRIOR_ROWS * prior[k]) / (counts[g] + PRIOR_ROWS);

  const rows: number[] = [];
  for (let i = 0; i < n; i++) if (holdout[i]) rows.push(i);
  if (rows.length < 2) return null;
  if (target.problemType === 'regression') {
    const pred = rows.map((i) => predictOf(group[i], 0));
    return r2(Float64Array.from(rows, (i) => target.y[i]), Float64Array.from(pred));
  }
  // Every row of a group gets the same score: the AUC is computed over the groups'
  // held-out positives and negatives, O(groups · log groups) instead of a sort of the rows.
  const groupAuc = (k: number): { auc: number; positives: number } | null => {
    const pos = new Float64Array(groups);
    const neg = new Float64Array(groups);
    for (const i of rows) {
      const positive = K > 1 ? target.y[i] === k : target.y[i] > 0.5;
      if (positive) pos[group[i]]++;
      else neg[group[i]]++;
    }
    const scores = Array.from({ length: groups }, (_, g) => ({ score: predictOf(g, K > 1 ? k : 0), pos: pos[g], neg: neg[g] }));
    return aucOfCounts(scores);
  };
  if (K === 1) return groupAuc(0)?.auc ?? null;
  // One-vs-rest AUC per class, weighted by the class's held-out rows.
  let total = 0;
  let weight = 0;
  for (let k = 0; k < K; k++) {
    const a = groupAuc(k);
    if (!a) continue;
    total += a.auc * a.positives;
    weight += a.positives;
  }
  return weight > 0 ? total / weight : null;
}

/** AUC of scored buckets of positives and negatives (equal scores count half); null without both classes. */
export function aucOfCounts(buckets: Array<{ score: number; pos: number; neg: number }>): { auc: number; positives: number } | null {
  const sorted = buckets.filter((b) => b.pos + b.neg > 0).sort((a, b) => a.score - b.score);
  let positives = 0;
  let negatives = 0;
  for (const b of sorted) {
    positives += b.pos;
    negatives += b.neg;
  }
  if (positives === 0 || negatives === 0) return null;
  let below = 0;
  let u = 0;
  for (let i = 0; i < sorted.length; ) {
    let pos = 0;
    let neg = 0;
    let j = i;
    for (; j < sorted.length && sorted[j].score === sorted[i].score; j++) {
      pos += sorted[j].pos;
      neg += sorted[j].neg;
    }
    u += pos * below + 0.5 * pos * neg;
    below += neg;
    i = j;
  }
  return { auc: u / (positives * negatives), positives };
}

/** ROC AUC (ties count half; Mann–Whitney U); null without both classes. */
export function auc(scores: ArrayLike<number>, labels: ArrayLike<number>): number | null {
  const value = rankAuc(labels, scores);
  return Number.isNaN(value) ? null : value;
}

/** Coefficient of determination of `pred` against `y`; null when `y` does not vary. */
export function r2(y: ArrayLike<number>, pred: ArrayLike<number>): number | null {
  const n = y.length;
  if (n === 0) return null;
  let mean = 0;
  for (let i = 0; i < n; i++) mean += y[i];
  mean /= n;
  let sse = 0;
  let sst = 0;
  for (let i = 0; i < n; i++) {
    sse += (y[i] - pred[i]) ** 2;
    sst += (y[i] - mean) ** 2;
  }
  return sst > 0 ? 1 - sse / sst : null;
}
