/**
 * Evaluation metrics named as SageMaker's linear learner reports them
 * (`objective_loss`, `binary_classification_accuracy`, `auc`, `rmse`, `mse`,
 * `absolute_loss`, `multiclass_accuracy`), computed from predictor outputs.
 */
import type { Loss } from './hyperparameters.js';

/**
 * Area under the ROC curve by the rank-sum (Mann–Whitney U) statistic, ties given
 * their average rank.
 */
export function auc(scores: ArrayLike<number>, labels: ArrayLike<number>): number {
  const n = scores.length;
  const idx = new Uint32Array(n);
  for (let i = 0; i < n; i++) idx[i] = i;
  idx.sort((a, b) => scores[a] - scores[b]);
  let pos = 0;
  let rankSum = 0;
  for (let i = 0; i < n; ) {
    let j = i;
    while (j + 1 < n && scores[idx[j + 1]] === scores[idx[i]]) j++;
    const avgRank = (i + j) / 2 + 1;
    for (let t = i; t <= j; t++) {
      if (labels[idx[t]] > 0.5) {
        pos++;
        rankSum += avgRank;
      }
    }
    i = j + 1;
  }
  const neg = n - pos;
  if (pos === 0 || neg === 0) return NaN;
  return (rankSum - (pos * (pos + 1)) / 2) / (pos * neg);
}

/**
 * Metrics of predictor outputs against labels, keyed without the channel prefix.
 * Binary outputs are probabilities (logistic) or scores (hinge); multiclass outputs are
 * class probabilities; regressor outputs are values.
 */
export function evaluateOutputs(
  kind: 'binary_classifier' | 'multiclass_classifier' | 'regressor',
  loss: Loss,
  values: Float32Array,
  outputsPerRow: number,
  labels: Float32Array,
  positiveWeight = 1,
): Record<string, number> {
  const n = labels.length;
  if (kind === 'binary_classifier') {
    let obj = 0;
    let correct = 0;
    const threshold = loss === 'logistic' ? 0.5 : 0;
    for (let i = 0; i < n; i++) {
      const y = labels[i];
      const v = values[i];
      const wt = y > 0.5 ? positiveWeight : 1;
      if (loss === 'logistic') {
        const p = Math.min(1 - 1e-15, Math.max(1e-15, v));
        obj -= wt * (y > 0.5 ? Math.log(p) : Math.log(1 - p));
      } else obj += wt * Math.max(0, 1 - (y > 0.5 ? 1 : -1) * v);
      if ((v > threshold ? 1 : 0) === y) correct++;
    }
    return { objective_loss: obj / n, binary_classification_accuracy: correct / n, auc: auc(values, labels) };
  }
  if (kind === 'multiclass_classifier') {
    let obj = 0;
    let correct = 0;
    for (let i = 0; i < n; i++) {
      const y = labels[i];
      let arg = 0;
      for (let c = 1; c < outputsPerRow; c++) if (values[i * outputsPerRow + c] > values[i * outputsPerRow + arg]) arg = c;
      if (arg === y) correct++;
      obj -= Math.log(Math.max(1e-15, values[i * outputsPerRow + y]));
    }
    return { objective_loss: obj / n, multiclass_accuracy: correct / n };
  }
  let se = 0;
  let ae = 0;
  for (let i = 0; i < n; i++) {
    const r = values[i] - labels[i];
    se += r * r;
    ae += Math.abs(r);
  }
  const mse = se / n;
  return { objective_loss: loss === 'absolute_loss' ? ae / n : mse, mse, rmse: Math.sqrt(mse), absolute_loss: ae / n };
}
