/**
 * The quick model: xgboost trained in this process on the sample (at most
 * `DATA_QUALITY_LIMITS.modelRows` rows, 80 % training and 20 % validation by a hash of
 * the row index), categoricals as ordinal codes, missing values as NaN (xgboost learns
 * where they go). Its feature importance is each feature's share of the total split gain;
 * its validation score tells how much the features explain at all.
 */
import type { Matrix } from '../algorithms/index.js';
import { trainBooster, toBoosterOptions } from '../algorithms/xgboost/index.js';
import { auc, holdoutMask, r2, type FeatureValues, type TargetValues } from './scoring.js';

export interface QuickModelResult {
  objective: string;
  trainRows: number;
  validationRows: number;
  validationMetric: 'auc' | 'accuracy' | 'r2';
  validationScore: number | null;
  /** Share of the total gain per feature, in the order given (0 for a feature never split on). */
  importance: number[];
}

export interface QuickModelOptions {
  threads: number;
  signal?: AbortSignal;
  /** @default 100 (with early stopping after 10 rounds without improvement) */
  rounds?: number;
  seed?: number;
}

const VALIDATION_SHARE = 0.2;

/** Trains the quick model on the given columns; null when there are too few rows to split. */
export async function trainQuickModel(features: FeatureValues[], target: TargetValues, options: QuickModelOptions): Promise<QuickModelResult | null> {
  const rows = target.y.length;
  const F = features.length;
  // A different salt from the single-feature scores' split.
  const valid = holdoutMask(rows, VALIDATION_SHARE, 0x5bd1e995);
  const validRows = valid.reduce((n, v) => n + v, 0);
  const trainRows = rows - validRows;
  if (F === 0 || trainRows < 10 || validRows < 2) return null;
  const train: Matrix = { features: new Float32Array(trainRows * F), labels: new Float32Array(trainRows), rows: trainRows, cols: F };
  const validation: Matrix = { features: new Float32Array(validRows * F), labels: new Float32Array(validRows), rows: validRows, cols: F };
  let t = 0;
  let v = 0;
  for (let i = 0; i < rows; i++) {
    const m = valid[i] ? validation : train;
    const r = valid[i] ? v++ : t++;
    for (let f = 0; f < F; f++) m.features[r * F + f] = valueAt(features[f], i);
    m.labels![r] = target.y[i];
  }
  const objective = target.problemType === 'binary' ? 'binary:logistic' : target.problemType === 'multiclass' ? 'multi:softprob' : 'reg:squarederror';
  const hp: Record<string, string | number | boolean> = {
    num_round: options.rounds ?? 100,
    objective,
    max_depth: 6,
    eta: 0.3,
    early_stopping_rounds: 10,
    eval_metric: target.problemType === 'binary' ? 'auc' : target.problemType === 'multiclass' ? 'mlogloss' : 'rmse',
  };
  if (target.problemType === 'multiclass') hp.num_class = target.classes;
  const opts = toBoosterOptions(hp, options.seed ?? 1, Math.max(1, options.threads));
  const result = await trainBooster(train, validation, opts, { signal: options.signal, evalTrain: false });
  const gain = result.model.importance().gain;
  const total = gain.reduce((a, b) => a + b, 0);
  const importance = gain.map((g) => (total > 0 ? g / total : 0));
  const pred = result.model.predictor().predict(validation.features, validRows).values as Float32Array;
  const labels = validation.labels!;
  let validationMetric: QuickModelResult['validationMetric'];
  let validationScore: number | null;
  if (target.problemType === 'binary') {
    validationMetric = 'auc';
    validationScore = auc(pred, labels);
  } else if (target.problemType === 'multiclass') {
    validationMetric = 'accuracy';
    const K = target.classes;
    let right = 0;
    for (let r = 0; r < validRows; r++) {
      let best = 0;
      for (let k = 1; k < K; k++) if (pred[r * K + k] > pred[r * K + best]) best = k;
      if (best === labels[r]) right++;
    }
    validationScore = right / validRows;
  } else {
    validationMetric = 'r2';
    validationScore = r2(labels, pred);
  }
  return { objective, trainRows, validationRows: validRows, validationMetric, validationScore, importance };
}

function valueAt(f: FeatureValues, i: number): number {
  if (f.kind === 'numeric') {
    const v = f.values[i];
    return Number.isFinite(v) ? v : NaN;
  }
  return f.codes[i] < 0 ? NaN : f.codes[i];
}
