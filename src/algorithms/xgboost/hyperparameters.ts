/**
 * XGBoost hyperparameters with SageMaker's names, defaults and tunable ranges
 * (SageMaker developer guide, "XGBoost hyperparameters" and "Tune an XGBoost model").
 */
import type { HyperparameterSpec, Hyperparameters } from '../algorithm.js';

export const OBJECTIVES = [
  'reg:squarederror',
  'reg:logistic',
  'binary:logistic',
  'multi:softprob',
  'multi:softmax',
  'count:poisson',
] as const;
export type Objective = (typeof OBJECTIVES)[number];

export const EVAL_METRICS = ['auc', 'logloss', 'error', 'rmse', 'mae', 'mlogloss', 'merror'] as const;
export type EvalMetric = (typeof EVAL_METRICS)[number];

export const XGBOOST_HYPERPARAMETERS: readonly HyperparameterSpec[] = [
  { name: 'num_round', type: 'integer', required: true, min: 1, max: 100_000, description: 'Boosting rounds.', tunable: { min: 1, max: 4000, scaling: 'Auto' } },
  { name: 'num_class', type: 'integer', min: 2, max: 10_000, description: 'Classes; required by multi:softprob and multi:softmax.' },
  { name: 'objective', type: 'categorical', values: OBJECTIVES, default: 'reg:squarederror', description: 'Learning objective.' },
  { name: 'eta', type: 'continuous', default: 0.3, min: 0, max: 1, description: 'Step size shrinkage.', tunable: { min: 0.1, max: 0.5, scaling: 'Auto' } },
  { name: 'max_depth', type: 'integer', default: 6, min: 1, max: 20, description: 'Maximum tree depth.', tunable: { min: 1, max: 10, scaling: 'Auto' } },
  { name: 'min_child_weight', type: 'continuous', default: 1, min: 0, description: 'Minimum hessian sum in a child.', tunable: { min: 0, max: 120, scaling: 'Auto' } },
  { name: 'subsample', type: 'continuous', default: 1, min: 0, max: 1, minInclusive: false, description: 'Row sampling ratio per tree.', tunable: { min: 0.5, max: 1, scaling: 'Auto' } },
  { name: 'colsample_bytree', type: 'continuous', default: 1, min: 0, max: 1, minInclusive: false, description: 'Column sampling ratio per tree.', tunable: { min: 0.5, max: 1, scaling: 'Auto' } },
  { name: 'lambda', type: 'continuous', default: 1, min: 0, description: 'L2 regularisation on leaf weights.', tunable: { min: 0, max: 1000, scaling: 'Auto' } },
  { name: 'alpha', type: 'continuous', default: 0, min: 0, description: 'L1 regularisation on leaf weights.', tunable: { min: 0, max: 1000, scaling: 'Auto' } },
  { name: 'gamma', type: 'continuous', default: 0, min: 0, description: 'Minimum loss reduction to split.', tunable: { min: 0, max: 5, scaling: 'Auto' } },
  { name: 'max_bin', type: 'integer', default: 256, min: 2, max: 256, description: 'Histogram bins per feature (missing values kept apart).' },
  { name: 'scale_pos_weight', type: 'continuous', default: 1, min: 0, minInclusive: false, description: 'Weight of positive examples (binary objectives).' },
  { name: 'early_stopping_rounds', type: 'integer', min: 1, description: 'Stop when the validation metric has not improved for this many rounds.' },
  { name: 'eval_metric', type: 'categorical', values: EVAL_METRICS, description: 'Evaluation metric; defaults per objective as XGBoost does.' },
  { name: 'base_score', type: 'continuous', description: 'Initial prediction; defaults to 0.5 (XGBoost 1.x).' },
  { name: 'seed', type: 'integer', min: 0, max: 2 ** 31 - 1, description: 'Random seed (sampling); overrides the job seed.' },
  { name: 'nthread', type: 'integer', min: 1, max: 256, description: 'Threads; defaults to the cores of the job (one below about a million training cells, rows × features).' },
  { name: 'checkpoint_frequency', type: 'integer', default: 10, min: 1, description: 'Rounds between checkpoints written to the checkpoint folder.' },
];

/** Resolved options the booster runs with. */
export interface BoosterOptions {
  numRound: number;
  numClass: number;
  objective: Objective;
  eta: number;
  maxDepth: number;
  minChildWeight: number;
  subsample: number;
  colsampleBytree: number;
  lambda: number;
  alpha: number;
  gamma: number;
  maxBin: number;
  scalePosWeight: number;
  earlyStoppingRounds: number | null;
  evalMetric: EvalMetric;
  /** Also reported on the validation channel; early stopping uses `evalMetric` only. */
  extraValidationMetrics: EvalMetric[];
  baseScore: number | null;
  seed: number;
  threads: number;
  checkpointFrequency: number;
}

/** XGBoost's default metric per objective. */
export function defaultEvalMetric(objective: Objective): EvalMetric {
  switch (objective) {
    case 'binary:logistic':
      return 'logloss';
    case 'multi:softprob':
    case 'multi:softmax':
      return 'mlogloss';
    default:
      // reg:squarederror, reg:logistic: rmse. count:poisson: XGBoost uses poisson-nloglik,
      // which is not among SageMaker's listed metrics; rmse is the closest offered here.
      return 'rmse';
  }
}

/** Turns validated hyperparameters into booster options. */
export function toBoosterOptions(hp: Hyperparameters, seed: number, threads: number): BoosterOptions {
  const objective = hp.objective as Objective;
  const num = (k: string, d: number): number => (hp[k] === undefined ? d : (hp[k] as number));
  return {
    numRound: hp.num_round as number,
    numClass: objective.startsWith('multi:') ? (hp.num_class as number) : 1,
    objective,
    eta: num('eta', 0.3),
    maxDepth: num('max_depth', 6),
    minChildWeight: num('min_child_weight', 1),
    subsample: num('subsample', 1),
    colsampleBytree: num('colsample_bytree', 1),
    lambda: num('lambda', 1),
    alpha: num('alpha', 0),
    gamma: num('gamma', 0),
    maxBin: num('max_bin', 256),
    scalePosWeight: num('scale_pos_weight', 1),
    earlyStoppingRounds: hp.early_stopping_rounds === undefined ? null : (hp.early_stopping_rounds as number),
    evalMetric: (hp.eval_metric as EvalMetric | undefined) ?? defaultEvalMetric(objective),
    // Without an eval_metric, a binary classifier also reports validation:auc, the figure
    // tuning jobs and users compare classifiers by; computed on the validation rows only.
    extraValidationMetrics: hp.eval_metric === undefined && objective === 'binary:logistic' ? ['auc'] : [],
    baseScore: hp.base_score === undefined ? null : (hp.base_score as number),
    seed: hp.seed === undefined ? seed : (hp.seed as number),
    threads: Math.max(1, hp.nthread === undefined ? threads : (hp.nthread as number)),
    checkpointFrequency: num('checkpoint_frequency', 10),
  };
}
