/**
 * Evaluation metrics with XGBoost's definitions. Inputs are predictions on the output
 * scale: probabilities for logistic objectives, K class probabilities per row for
 * multiclass, values for regression.
 */
import type { EvalMetric } from './hyperparameters.js';

/** Whether a larger value is better. */
export function maximize(metric: EvalMetric): boolean {
  return metric === 'auc';
}

/** ROC AUC with ties counted half (Mann–Whitney U). */
export function auc(pred: Float32Array, labels: Float32Array): number {
  let np = 0;
  for (let i = 0; i < labels.length; i++) if (labels[i] > 0.5) np++;
  const nn = labels.length - np;
  if (np === 0 || nn === 0) return NaN;
  const pos = new Float32Array(np);
  const neg = new Float32Array(nn);
  let a = 0;
  let b = 0;
  for (let i = 0; i < labels.length; i++) {
    if (labels[i] > 0.5) pos[a++] = pred[i];
    else neg[b++] = pred[i];
  }
  pos.sort();
  neg.sort();
  // For each positive: negatives strictly below + half the negatives equal.
  let u = 0;
  let lo = 0;
  let hi = 0;
  for (let i = 0; i < np; i++) {
    const v = pos[i];
    while (lo < nn && neg[lo] < v) lo++;
    if (hi < lo) hi = lo;
    while (hi < nn && neg[hi] <= v) hi++;
    u += lo + (hi - lo) / 2;
  }
  return u / (np * nn);
}

const EPS = 1e-16;

export function evaluate(metric: EvalMetric, pred: Float32Array, labels: Float32Array, K: number): number {
  const n = labels.length;
  let s = 0;
  switch (metric) {
    case 'auc':
      return auc(pred, labels);
    case 'logloss':
      for (let i = 0; i < n; i++) {
        const p = Math.min(Math.max(pred[i], EPS), 1 - EPS);
        const y = labels[i];
        s -= y * Math.log(p) + (1 - y) * Math.log(1 - p);
      }
      return s / n;
    case 'error':
      for (let i = 0; i < n; i++) if ((pred[i] > 0.5 ? 1 : 0) !== (labels[i] > 0.5 ? 1 : 0)) s++;
      return s / n;
    case 'rmse':
      for (let i = 0; i < n; i++) s += (pred[i] - labels[i]) ** 2;
      return Math.sqrt(s / n);
    case 'mae':
      for (let i = 0; i < n; i++) s += Math.abs(pred[i] - labels[i]);
      return s / n;
    case 'mlogloss':
      for (let i = 0; i < n; i++) s -= Math.log(Math.min(Math.max(pred[i * K + labels[i]], EPS), 1 - EPS));
      return s / n;
    case 'merror':
      for (let i = 0; i < n; i++) {
        let best = 0;
        for (let k = 1; k < K; k++) if (pred[i * K + k] > pred[i * K + best]) best = k;
        if (best !== labels[i]) s++;
      }
      return s / n;
  }
}
