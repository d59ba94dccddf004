/**
 * Factorization machines hyperparameters with SageMaker's names, defaults and ranges
 * (SageMaker developer guide, "Factorization Machines Hyperparameters"). Each of the
 * bias, linear and factor terms has its own learning rate, weight decay and
 * initialisation.
 */
import type { HyperparameterSpec, Hyperparameters } from '../algorithm.js';

const INIT = ['normal', 'uniform', 'constant'] as const;

function termParams(term: 'bias' | 'linear' | 'factors', lr: number, wd: number, sigma: number): HyperparameterSpec[] {
  const what = term === 'bias' ? 'the bias' : term === 'linear' ? 'the linear weights' : 'the factor matrix';
  return [
    { name: `${term}_lr`, type: 'continuous', default: lr, min: 0, description: `Learning rate of ${what} (Adam).`, tunable: { min: 1e-6, max: 512, scaling: 'Logarithmic' } },
    { name: `${term}_wd`, type: 'continuous', default: wd, min: 0, description: `L2 weight decay of ${what}.`, tunable: { min: 1e-8, max: 512, scaling: 'Logarithmic' } },
    { name: `${term}_init_method`, type: 'categorical', values: INIT, default: 'normal', description: `Initialisation of ${what}.` },
    { name: `${term}_init_sigma`, type: 'continuous', default: sigma, min: 0, description: `Standard deviation of the normal initialisation of ${what}.` },
    { name: `${term}_init_scale`, type: 'continuous', default: 0.01, min: 0, description: `Half-width of the uniform initialisation of ${what}.` },
    { name: `${term}_init_value`, type: 'continuous', default: 0, description: `Value of the constant initialisation of ${what}.` },
  ];
}

export const FM_HYPERPARAMETERS: readonly HyperparameterSpec[] = [
  { name: 'feature_dim', type: 'integer', required: true, min: 1, max: 10_000_000, description: 'Feature dimension (sparse indices are below it).' },
  { name: 'num_factors', type: 'integer', required: true, min: 1, max: 1000, description: 'Dimension of the factorisation (latent factors per feature).' },
  { name: 'predictor_type', type: 'categorical', required: true, values: ['binary_classifier', 'regressor'], description: 'binary_classifier: logistic loss, labels 0 or 1; regressor: squared loss.' },
  { name: 'epochs', type: 'integer', default: 1, min: 1, max: 100_000, description: 'Passes over the training data.', tunable: { min: 1, max: 1000, scaling: 'Auto' } },
  { name: 'mini_batch_size', type: 'integer', default: 1000, min: 1, max: 10_000_000, description: 'Rows per optimisation step.', tunable: { min: 1, max: 10_000, scaling: 'Auto' } },
  ...termParams('bias', 0.1, 0.01, 0.01),
  ...termParams('linear', 0.001, 0.001, 0.01),
  ...termParams('factors', 0.0001, 0.00001, 0.001),
  { name: 'clip_gradient', type: 'continuous', min: 0, minInclusive: false, description: 'Gradient components are clipped to [-clip_gradient, clip_gradient]; none when left out.' },
  { name: 'eps', type: 'continuous', default: 1e-8, min: 0, minInclusive: false, description: "Adam's epsilon." },
  { name: 'rescale_grad', type: 'continuous', default: 1, min: 0, minInclusive: false, description: 'Gradients are multiplied by this before the update.' },
];

export interface TermInit {
  method: 'normal' | 'uniform' | 'constant';
  sigma: number;
  scale: number;
  value: number;
}

export interface FmOptions {
  featureDim: number;
  numFactors: number;
  predictorType: 'binary_classifier' | 'regressor';
  epochs: number;
  miniBatchSize: number;
  lr: { bias: number; linear: number; factors: number };
  wd: { bias: number; linear: number; factors: number };
  init: { bias: TermInit; linear: TermInit; factors: TermInit };
  clip: number | null;
  eps: number;
  rescale: number;
}

export function fmOptions(hp: Hyperparameters): FmOptions {
  const n = (name: string, d: number) => (hp[name] === undefined ? d : Number(hp[name]));
  const init = (t: string): TermInit => ({
    method: hp[`${t}_init_method`] === 'uniform' ? 'uniform' : hp[`${t}_init_method`] === 'constant' ? 'constant' : 'normal',
    sigma: n(`${t}_init_sigma`, t === 'factors' ? 0.001 : 0.01),
    scale: n(`${t}_init_scale`, 0.01),
    value: n(`${t}_init_value`, 0),
  });
  return {
    featureDim: Number(hp.feature_dim),
    numFactors: Number(hp.num_factors),
    predictorType: hp.predictor_type === 'regressor' ? 'regressor' : 'binary_classifier',
    epochs: n('epochs', 1),
    miniBatchSize: n('mini_batch_size', 1000),
    lr: { bias: n('bias_lr', 0.1), linear: n('linear_lr', 0.001), factors: n('factors_lr', 0.0001) },
    wd: { bias: n('bias_wd', 0.01), linear: n('linear_wd', 0.001), factors: n('factors_wd', 0.00001) },
    init: { bias: init('bias'), linear: init('linear'), factors: init('factors') },
    clip: hp.clip_gradient === undefined ? null : Number(hp.clip_gradient),
    eps: n('eps', 1e-8),
    rescale: n('rescale_grad', 1),
  };
}
