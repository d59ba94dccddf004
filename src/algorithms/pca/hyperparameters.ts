/**
 * PCA hyperparameters with SageMaker's names, defaults and ranges (SageMaker developer
 * guide, "PCA hyperparameters").
 */
import type { HyperparameterSpec, Hyperparameters } from '../algorithm.js';

export const PCA_HYPERPARAMETERS: readonly HyperparameterSpec[] = [
  { name: 'num_components', type: 'integer', required: true, min: 1, max: 100_000, description: 'Principal components to compute.' },
  { name: 'feature_dim', type: 'integer', min: 1, max: 1_000_000, description: 'Features per row; checked against the data when given, inferred otherwise.' },
  { name: 'mini_batch_size', type: 'integer', default: 10_000, min: 1, max: 10_000_000, description: 'Accepted as in SageMaker; rows are split among threads instead, so it does not change the result.' },
  { name: 'algorithm_mode', type: 'categorical', values: ['regular', 'randomized'], default: 'regular', description: 'regular: exact covariance eigen-decomposition; randomized: randomized subspace iteration (for many features).' },
  { name: 'subtract_mean', type: 'boolean', default: true, description: 'Centre the data on its mean (the mean is stored and subtracted at inference).' },
  { name: 'extra_components', type: 'integer', default: -1, min: -1, max: 100_000, description: 'Randomized mode: oversampling columns; -1 = max(10, num_components).' },
  { name: 'power_iterations', type: 'integer', default: 2, min: 0, max: 50, description: 'Randomized mode: subspace (power) iterations, each one pass over the data.' },
];

export interface PcaOptions {
  numComponents: number;
  featureDim: number | null;
  mode: 'regular' | 'randomized';
  subtractMean: boolean;
  extraComponents: number;
  powerIterations: number;
}

export function pcaOptions(hp: Hyperparameters): PcaOptions {
  const k = Number(hp.num_components);
  const extra = Number(hp.extra_components ?? -1);
  return {
    numComponents: k,
    featureDim: hp.feature_dim === undefined ? null : Number(hp.feature_dim),
    mode: hp.algorithm_mode === 'randomized' ? 'randomized' : 'regular',
    subtractMean: hp.subtract_mean !== false,
    extraComponents: extra < 0 ? Math.max(10, k) : extra,
    powerIterations: Number(hp.power_iterations ?? 2),
  };
}
