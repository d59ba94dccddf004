/**
 * Linear learner hyperparameters with SageMaker's names, defaults and ranges (SageMaker
 * developer guide, "Linear learner hyperparameters" and "Tune a linear learner model").
 * An `auto` value is expressed by leaving the parameter out.
 */
import { OrchardError } from '../../core/errors.js';
import type { HyperparameterSpec, Hyperparameters } from '../algorithm.js';

export const PREDICTOR_TYPES = ['binary_classifier', 'multiclass_classifier', 'regressor'] as const;
export type PredictorType = (typeof PREDICTOR_TYPES)[number];
export const LOSSES = ['auto', 'logistic', 'hinge_loss', 'squared_loss', 'absolute_loss', 'softmax_loss'] as const;
export type Loss = Exclude<(typeof LOSSES)[number], 'auto'>;

export const LINEAR_LEARNER_HYPERPARAMETERS: readonly HyperparameterSpec[] = [
  { name: 'predictor_type', type: 'categorical', required: true, values: PREDICTOR_TYPES, description: 'Kind of target.' },
  { name: 'num_classes', type: 'integer', min: 3, max: 1_000_000, description: 'Classes (multiclass_classifier only; labels 0 … num_classes−1).' },
  { name: 'feature_dim', type: 'integer', min: 1, max: 1_000_000, description: 'Features per row; checked against the data when given, inferred otherwise.' },
  { name: 'epochs', type: 'integer', default: 15, min: 1, max: 10_000, description: 'Maximum passes over the training data.' },
  { name: 'mini_batch_size', type: 'integer', default: 1000, min: 1, max: 10_000_000, description: 'Rows per mini-batch.', tunable: { min: 100, max: 5000, scaling: 'Auto' } },
  { name: 'learning_rate', type: 'continuous', min: 0, minInclusive: false, max: 10, description: 'Step size; auto (left out): a different rate per parallel model.', tunable: { min: 1e-4, max: 1, scaling: 'Auto' } },
  { name: 'optimizer', type: 'categorical', values: ['auto', 'sgd', 'adam'], default: 'auto', description: 'auto = adam.' },
  { name: 'beta_1', type: 'continuous', default: 0.9, min: 0, max: 1, maxInclusive: false, description: 'Adam: decay of the first moment.' },
  { name: 'beta_2', type: 'continuous', default: 0.999, min: 0, max: 1, maxInclusive: false, description: 'Adam: decay of the second moment.' },
  { name: 'l1', type: 'continuous', min: 0, max: 1_000_000, description: 'L1 penalty (proximal step); auto (left out) = 0.', tunable: { min: 1e-7, max: 1, scaling: 'Auto' } },
  { name: 'wd', type: 'continuous', min: 0, max: 1_000_000, description: 'L2 penalty (weight decay); auto (left out): a different value per parallel model, 0 included.', tunable: { min: 1e-7, max: 1, scaling: 'Auto' } },
  { name: 'normalize_data', type: 'boolean', default: true, description: 'Standardise features (mean 0, variance 1) before training; folded back into the saved weights.' },
  { name: 'normalize_label', type: 'boolean', description: 'Standardise the target; auto (left out) = true for regressor, never for classifiers.' },
  { name: 'num_models', type: 'integer', min: 1, max: 64, description: 'Models trained in parallel with different settings; the best on validation (or training) loss is kept. auto (left out) = 8.' },
  { name: 'early_stopping_patience', type: 'integer', default: 3, min: 1, max: 1000, description: 'Epochs without relative improvement above the tolerance before stopping.' },
  { name: 'early_stopping_tolerance', type: 'continuous', default: 0.001, min: 0, max: 1, description: 'Relative improvement of the best loss that counts as progress.' },
  { name: 'loss', type: 'categorical', values: LOSSES, default: 'auto', description: 'auto: logistic (binary), softmax_loss (multiclass), squared_loss (regressor).' },
  { name: 'positive_example_weight_mult', type: 'continuous', default: 1, min: 1e-5, max: 1e5, description: 'Weight of positive examples (binary_classifier).' },
  { name: 'seed', type: 'integer', min: 0, max: 2 ** 31 - 1, description: 'Random seed (row shuffling, batch order, initial weights); defaults to the job seed.' },
];

export interface ModelSetting {
  learningRate: number;
  wd: number;
  l1: number;
}

export interface LinearOptions {
  predictorType: PredictorType;
  numClasses: number;
  featureDim: number | null;
  epochs: number;
  miniBatchSize: number;
  optimizer: 'sgd' | 'adam';
  beta1: number;
  beta2: number;
  normalizeData: boolean;
  normalizeLabel: boolean;
  loss: Loss;
  positiveWeight: number;
  patience: number;
  tolerance: number;
  seed: number | null;
  /** One entry per parallel model. */
  settings: ModelSetting[];
}

const LOSSES_FOR: Record<PredictorType, readonly Loss[]> = {
  binary_classifier: ['logistic', 'hinge_loss'],
  multiclass_classifier: ['softmax_loss'],
  regressor: ['squared_loss', 'absolute_loss'],
};

function invalid(name: string, message: string): OrchardError {
  return new OrchardError('ORCH_HYPERPARAMETER_INVALID', { message, details: { name } });
}

/** Log-spaced values from lo to hi (n of them). */
function logGrid(lo: number, hi: number, n: number): number[] {
  if (n === 1) return [Math.sqrt(lo * hi)];
  return Array.from({ length: n }, (_, i) => lo * Math.pow(hi / lo, i / (n - 1)));
}

/**
 * Resolves validated hyperparameters, including the `auto` ones and the cross-parameter
 * rules (loss vs predictor_type, num_classes for multiclass) → ORCH_HYPERPARAMETER_*.
 */
export function linearOptions(hp: Hyperparameters): LinearOptions {
  const predictorType = String(hp.predictor_type) as PredictorType;
  if (!PREDICTOR_TYPES.includes(predictorType)) throw invalid('predictor_type', `predictor_type must be one of ${PREDICTOR_TYPES.join(', ')}`);
  const lossName = String(hp.loss ?? 'auto');
  const loss: Loss = lossName === 'auto' ? LOSSES_FOR[predictorType][0] : (lossName as Loss);
  if (!LOSSES_FOR[predictorType].includes(loss)) {
    throw invalid('loss', `loss ${loss} does not fit predictor_type ${predictorType}; use one of ${LOSSES_FOR[predictorType].join(', ')}`);
  }
  let numClasses = predictorType === 'regressor' ? 1 : 2;
  if (predictorType === 'multiclass_classifier') {
    if (hp.num_classes === undefined) {
      throw new OrchardError('ORCH_HYPERPARAMETER_MISSING', { message: 'num_classes is required when predictor_type is multiclass_classifier', details: { name: 'num_classes' } });
    }
    numClasses = Number(hp.num_classes);
  } else if (hp.num_classes !== undefined) {
    throw invalid('num_classes', 'num_classes applies only to predictor_type multiclass_classifier');
  }
  const optimizer = hp.optimizer === 'sgd' ? 'sgd' : 'adam';
  const n = hp.num_models === undefined ? 8 : Number(hp.num_models);
  // Auto learning rates span two decades around the usual good value of each optimizer.
  const rates = hp.learning_rate !== undefined ? Array<number>(n).fill(Number(hp.learning_rate)) : optimizer === 'adam' ? logGrid(0.001, 0.1, n) : logGrid(0.01, 1, n);
  const wdAuto = [0, 1e-5, 1e-4, 1e-3];
  const settings = rates.map((learningRate, i) => ({
    learningRate,
    wd: hp.wd !== undefined ? Number(hp.wd) : wdAuto[i % wdAuto.length],
    l1: hp.l1 !== undefined ? Number(hp.l1) : 0,
  }));
  return {
    predictorType,
    numClasses,
    featureDim: hp.feature_dim === undefined ? null : Number(hp.feature_dim),
    epochs: Number(hp.epochs ?? 15),
    miniBatchSize: Number(hp.mini_batch_size ?? 1000),
    optimizer,
    beta1: Number(hp.beta_1 ?? 0.9),
    beta2: Number(hp.beta_2 ?? 0.999),
    normalizeData: hp.normalize_data !== false,
    normalizeLabel: hp.normalize_label === undefined ? predictorType === 'regressor' : hp.normalize_label === true && predictorType === 'regressor',
    loss,
    positiveWeight: Number(hp.positive_example_weight_mult ?? 1),
    patience: Number(hp.early_stopping_patience ?? 3),
    tolerance: Number(hp.early_stopping_tolerance ?? 0.001),
    seed: hp.seed === undefined ? null : Number(hp.seed),
    settings,
  };
}
