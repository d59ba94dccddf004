/**
 * Model-quality metrics, computed as scikit-learn does (the reference a data scientist
 * checks them against): accuracy, precision / recall / F1 (binary on the positive class;
 * macro and support-weighted over the union of true and predicted labels for multiclass,
 * 0 where a class was never predicted, sklearn's `zero_division=0`), ROC AUC from ranks
 * (Mann–Whitney U with ties counted half, = `roc_auc_score`), and MAE, MSE, RMSE, R²
 * (`r2_score`: 1 for a perfect fit of a constant target, else 0 when the target is constant).
 */
import { rankAuc } from '../../algorithms/rank-auc.js';

/** A confusion matrix as SageMaker writes it: actual label → predicted label → count. */
export type ConfusionMatrix = Record<string, Record<string, number>>;

export interface BinaryMetrics {
  confusion_matrix: ConfusionMatrix;
  accuracy: number;
  precision: number;
  recall: number;
  f1: number;
  /** Null without scores, or when one class is absent from the labels (AUC is undefined). */
  auc: number | null;
  true_positive_rate: number;
  true_negative_rate: number;
  false_positive_rate: number;
  false_negative_rate: number;
}

export interface MulticlassMetrics {
  confusion_matrix: ConfusionMatrix;
  accuracy: number;
  /** Macro averages (every class counts the same). */
  precision: number;
  recall: number;
  f1: number;
  /** Averages weighted by each class's support (SageMaker's `weighted_*`). */
  weighted_precision: number;
  weighted_recall: number;
  weighted_f1: number;
}

export interface RegressionMetrics {
  mae: number;
  mse: number;
  rmse: number;
  r2: number;
}

const ratio = (a: number, b: number): number => (b === 0 ? 0 : a / b);
const f1Of = (p: number, r: number): number => (p + r === 0 ? 0 : (2 * p * r) / (p + r));

/**
 * Binary metrics with `1` the positive class. `scores` (the predicted probability of the
 * positive class, one per row) give the AUC.
 */
export function binaryMetrics(actual: readonly (0 | 1)[], predicted: readonly (0 | 1)[], scores?: readonly number[]): BinaryMetrics {
  let tp = 0;
  let tn = 0;
  let fp = 0;
  let fn = 0;
  for (let i = 0; i < actual.length; i++) {
    if (actual[i] === 1) predicted[i] === 1 ? tp++ : fn++;
    else predicted[i] === 1 ? fp++ : tn++;
  }
  const precision = ratio(tp, tp + fp);
  const recall = ratio(tp, tp + fn);
  return {
    confusion_matrix: { '0': { '0': tn, '1': fp }, '1': { '0': fn, '1': tp } },
    accuracy: ratio(tp + tn, actual.length),
    precision,
    recall,
    f1: f1Of(precision, recall),
    auc: scores ? rocAuc(actual, scores) : null,
    true_positive_rate: recall,
    true_negative_rate: ratio(tn, tn + fp),
    false_positive_rate: ratio(fp, fp + tn),
    false_negative_rate: ratio(fn, fn + tp),
  };
}

/**
 * ROC AUC as the probability that a random positive outscores a random negative: the
 * Mann–Whitney U statistic from average ranks (ties share their rank), divided by
 * positives × negatives. Null when either class is absent.
 */
export function rocAuc(actual: readonly (0 | 1)[], scores: readonly number[]): number | null {
  const value = rankAuc(actual, scores);
  return Number.isNaN(value) ? null : value;
}

/** Multiclass metrics over the labels seen in either column, sorted (numbers numerically). */
export function multiclassMetrics(actual: readonly string[], predicted: readonly string[]): MulticlassMetrics {
  const labels = [...new Set([...actual, ...predicted])].sort(compareLabels);
  const matrix: ConfusionMatrix = {};
  for (const a of labels) {
    matrix[a] = {};
    for (const p of labels) matrix[a][p] = 0;
  }
  let correct = 0;
  for (let i = 0; i < actual.length; i++) {
    matrix[actual[i]][predicted[i]]++;
    if (actual[i] === predicted[i]) correct++;
  }
  let precision = 0;
  let recall = 0;
  let f1 = 0;
  let wPrecision = 0;
  let wRecall = 0;
  let wF1 = 0;
  for (const c of labels) {
    const tp = matrix[c][c];
    let support = 0;
    let predictedC = 0;
    for (const o of labels) {
      support += matrix[c][o];
      predictedC += matrix[o][c];
    }
    const p = ratio(tp, predictedC);
    const r = ratio(tp, support);
    const f = f1Of(p, r);
    precision += p;
    recall += r;
    f1 += f;
    wPrecision += p * support;
    wRecall += r * support;
    wF1 += f * support;
  }
  const k = labels.length;
  const n = actual.length;
  return {
    confusion_matrix: matrix,
    accuracy: ratio(correct, n),
    precision: ratio(precision, k),
    recall: ratio(recall, k),
    f1: ratio(f1, k),
    weighted_precision: ratio(wPrecision, n),
    weighted_recall: ratio(wRecall, n),
    weighted_f1: ratio(wF1, n),
  };
}

export function regressionMetrics(actual: readonly number[], predicted: readonly number[]): RegressionMetrics {
  const n = actual.length;
  let abs = 0;
  let sq = 0;
  let mean = 0;
  for (let i = 0; i < n; i++) {
    const e = actual[i] - predicted[i];
    abs += Math.abs(e);
    sq += e * e;
    mean += actual[i];
  }
  mean /= n;
  let total = 0;
  for (let i = 0; i < n; i++) total += (actual[i] - mean) ** 2;
  const mse = sq / n;
  return { mae: abs / n, mse, rmse: Math.sqrt(mse), r2: total === 0 ? (sq === 0 ? 1 : 0) : 1 - sq / total };
}

/** Numeric labels in numeric order, then the rest as strings. */
export function compareLabels(a: string, b: string): number {
  const x = Number(a);
  const y = Number(b);
  const xn = a.trim() !== '' && Number.isFinite(x);
  const yn = b.trim() !== '' && Number.isFinite(y);
  if (xn && yn) return x - y;
  if (xn !== yn) return xn ? -1 : 1;
  return a < b ? -1 : a > b ? 1 : 0;
}
