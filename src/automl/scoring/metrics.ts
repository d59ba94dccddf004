/**
 * Metrics on predictions, with scikit-learn's definitions (`roc_auc_score`, `f1_score`,
 * `accuracy_score`, `log_loss`, `mean_squared_error`, `mean_absolute_error`, `r2_score`),
 * so a score Orchard shows is the score a user recomputes in a notebook.
 *
 * Classification predictions are class probabilities, `rows × K` row-major (K ≥ 2);
 * labels are class ids 0..K-1. Regression predictions and labels are values.
 */
import { rankAuc } from '../../algorithms/index.js';
import { AUTOML_MAXIMIZED_OBJECTIVES, type AUTOML_OBJECTIVES } from '../../contracts/automl.values.js';

export type MetricName = (typeof AUTOML_OBJECTIVES)[number];
export type ProblemType = 'binary' | 'multiclass' | 'regression';

/** The metrics reported for each problem type (the objective is one of them). */
export const PROBLEM_METRICS: Readonly<Record<ProblemType, readonly MetricName[]>> = {
  binary: ['auc', 'f1', 'accuracy', 'logloss'],
  multiclass: ['auc', 'f1', 'accuracy', 'logloss'],
  regression: ['mse', 'rmse', 'mae', 'r2'],
};

/** Whether larger values of `metric` are better (auc, f1, accuracy, r2). */
export function isMaximized(metric: MetricName): boolean {
  return AUTOML_MAXIMIZED_OBJECTIVES.includes(metric);
}

type Numbers = ArrayLike<number>;

/**
 * Area under the ROC curve of binary labels (1 = positive) against scores, from the
 * average ranks of the scores (ties share their mean rank): the Mann–Whitney U statistic
 * over n₊·n₋, which equals the trapezoidal area scikit-learn computes. NaN when one class
 * is absent (scikit-learn raises there).
 */
export function auc(labels: Numbers, scores: Numbers): number {
  return rankAuc(labels, scores);
}

/** Predicted class per row: the most probable (the first on a tie, as numpy's argmax). */
export function argmaxRows(probs: Numbers, rows: number, K: number): Int32Array {
  const out = new Int32Array(rows);
  for (let r = 0; r < rows; r++) {
    let best = 0;
    for (let k = 1; k < K; k++) if (probs[r * K + k] > probs[r * K + best]) best = k;
    out[r] = best;
  }
  return out;
}

export function accuracy(labels: Numbers, predicted: Numbers): number {
  let hit = 0;
  for (let i = 0; i < labels.length; i++) if (labels[i] === predicted[i]) hit++;
  return labels.length ? hit / labels.length : NaN;
}

/** F1 of one class; 0 when it has no true and no predicted rows (`zero_division=0`). */
function f1Of(labels: Numbers, predicted: Numbers, c: number): number {
  let tp = 0;
  let fp = 0;
  let fn = 0;
  for (let i = 0; i < labels.length; i++) {
    const t = labels[i] === c;
    const p = predicted[i] === c;
    if (t && p) tp++;
    else if (p) fp++;
    else if (t) fn++;
  }
  const d = 2 * tp + fp + fn;
  return d === 0 ? 0 : (2 * tp) / d;
}

/**
 * Binary (K = 2): the F1 of the positive class 1 (`average='binary'`). Multiclass: the
 * unweighted mean of the F1 of every class present in the labels or the predictions
 * (`average='macro'`).
 */
export function f1(labels: Numbers, predicted: Numbers, K: number): number {
  if (K === 2) return f1Of(labels, predicted, 1);
  const present = new Set<number>();
  for (let i = 0; i < labels.length; i++) present.add(labels[i]).add(predicted[i]);
  let sum = 0;
  for (const c of present) sum += f1Of(labels, predicted, c);
  return present.size ? sum / present.size : NaN;
}

/** Probabilities are clipped to [ε, 1 − ε] (ε = float64 epsilon, as scikit-learn ≥ 1.5), rows renormalised. */
export function logloss(labels: Numbers, probs: Numbers, K: number): number {
  const rows = labels.length;
  const eps = Number.EPSILON;
  let sum = 0;
  for (let r = 0; r < rows; r++) {
    let total = 0;
    for (let k = 0; k < K; k++) total += Math.min(1 - eps, Math.max(eps, probs[r * K + k]));
    const p = Math.min(1 - eps, Math.max(eps, probs[r * K + labels[r]])) / total;
    sum -= Math.log(p);
  }
  return rows ? sum / rows : NaN;
}

/** Macro one-vs-rest AUC (`multi_class='ovr', average='macro'`); the plain AUC of class 1 when K = 2. */
export function aucOfProbs(labels: Numbers, probs: Numbers, K: number): number {
  const rows = labels.length;
  const column = (k: number) => Float64Array.from({ length: rows }, (_, r) => probs[r * K + k]);
  if (K === 2) return auc(labels, column(1));
  let sum = 0;
  for (let k = 0; k < K; k++) sum += auc(Float64Array.from(labels, (y) => (y === k ? 1 : 0)), column(k));
  return sum / K;
}

export function mse(labels: Numbers, values: Numbers): number {
  let s = 0;
  for (let i = 0; i < labels.length; i++) s += (labels[i] - values[i]) ** 2;
  return labels.length ? s / labels.length : NaN;
}

export function mae(labels: Numbers, values: Numbers): number {
  let s = 0;
  for (let i = 0; i < labels.length; i++) s += Math.abs(labels[i] - values[i]);
  return labels.length ? s / labels.length : NaN;
}

/** 1 − SS_res/SS_tot; on constant labels 1 for a perfect fit, else 0 (`force_finite=True`). */
export function r2(labels: Numbers, values: Numbers): number {
  const n = labels.length;
  if (n === 0) return NaN;
  let mean = 0;
  for (let i = 0; i < n; i++) mean += labels[i];
  mean /= n;
  let res = 0;
  let tot = 0;
  for (let i = 0; i < n; i++) {
    res += (labels[i] - values[i]) ** 2;
    tot += (labels[i] - mean) ** 2;
  }
  if (tot === 0) return res === 0 ? 1 : 0;
  return 1 - res / tot;
}

/**
 * One metric. `predictions` are K probabilities per row for classification (K ≥ 2), one
 * value per row for regression.
 */
export function metric(name: MetricName, problemType: ProblemType, labels: Numbers, predictions: Numbers, K: number): number {
  if (problemType === 'regression') {
    switch (name) {
      case 'mse':
        return mse(labels, predictions);
      case 'rmse':
        return Math.sqrt(mse(labels, predictions));
      case 'mae':
        return mae(labels, predictions);
      case 'r2':
        return r2(labels, predictions);
      default:
        throw new RangeError(`${name} is not a regression metric`);
    }
  }
  switch (name) {
    case 'auc':
      return aucOfProbs(labels, predictions, K);
    case 'logloss':
      return logloss(labels, predictions, K);
    case 'accuracy':
      return accuracy(labels, argmaxRows(predictions, labels.length, K));
    case 'f1':
      return f1(labels, argmaxRows(predictions, labels.length, K), K);
    default:
      throw new RangeError(`${name} is not a classification metric`);
  }
}

/** Every metric of the problem type. */
export function metrics(problemType: ProblemType, labels: Numbers, predictions: Numbers, K: number): Record<string, number> {
  const out: Record<string, number> = {};
  for (const name of PROBLEM_METRICS[problemType]) out[name] = metric(name, problemType, labels, predictions, K);
  return out;
}
