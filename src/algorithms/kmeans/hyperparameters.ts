/**
 * k-means hyperparameters with SageMaker's names, defaults and ranges (SageMaker
 * developer guide, "K-Means hyperparameters" and "Tune a k-means model"). `auto` values
 * are expressed by leaving the parameter out.
 */
import type { HyperparameterSpec, Hyperparameters } from '../algorithm.js';

export const EVAL_METRIC_VALUES = ['["msd"]', '["ssd"]', '["msd","ssd"]', '["ssd","msd"]', '["msd", "ssd"]', '["ssd", "msd"]'] as const;

export const KMEANS_HYPERPARAMETERS: readonly HyperparameterSpec[] = [
  { name: 'k', type: 'integer', required: true, min: 1, max: 1_000_000, description: 'Number of clusters.' },
  { name: 'feature_dim', type: 'integer', min: 1, max: 1_000_000, description: 'Features per row; checked against the data when given, inferred otherwise.' },
  { name: 'init_method', type: 'categorical', values: ['random', 'kmeans++'], default: 'random', description: 'How the first centres are chosen.', tunable: { values: ['random', 'kmeans++'] } },
  { name: 'epochs', type: 'integer', default: 1, min: 1, max: 10_000, description: 'Passes over the training data (web-scale mode).', tunable: { min: 1, max: 10, scaling: 'Auto' } },
  { name: 'mini_batch_size', type: 'integer', default: 5000, min: 1, max: 10_000_000, description: 'Rows per mini-batch (web-scale mode).', tunable: { min: 3000, max: 15000, scaling: 'Auto' } },
  { name: 'extra_center_factor', type: 'integer', min: 1, max: 1000, description: 'Centres kept while streaming = k × this, reduced to k at the end; auto (left out) = 4.', tunable: { min: 4, max: 10, scaling: 'Auto' } },
  { name: 'half_life_time_size', type: 'integer', default: 0, min: 0, description: 'Rows after which the weight of earlier rows halves (0: no decay).' },
  { name: 'local_lloyd_init_method', type: 'categorical', values: ['kmeans++', 'random'], default: 'kmeans++', description: 'Initialisation of the final local Lloyd run.' },
  { name: 'local_lloyd_max_iter', type: 'integer', default: 300, min: 1, max: 100_000, description: 'Lloyd iterations (local reduction, and full Lloyd mode).' },
  { name: 'local_lloyd_num_trials', type: 'integer', min: 1, max: 1000, description: 'Local Lloyd restarts, the best kept; auto (left out) = 3.' },
  { name: 'local_lloyd_tol', type: 'continuous', default: 0.0001, min: 0, max: 1, description: 'Relative centre movement under which Lloyd stops.' },
  { name: 'eval_metrics', type: 'categorical', values: EVAL_METRIC_VALUES, default: '["msd"]', description: 'Test-channel metrics to report.' },
  { name: 'algorithm_mode', type: 'categorical', values: ['web_scale', 'lloyd'], default: 'web_scale', description: "web_scale: SageMaker's mini-batch k-means over k × extra_center_factor centres, then local Lloyd to k; lloyd: full-batch Lloyd iterations over all rows." },
];

export interface KMeansOptions {
  k: number;
  featureDim: number | null;
  initMethod: 'random' | 'kmeans++';
  epochs: number;
  miniBatchSize: number;
  extraCenterFactor: number;
  halfLifeTimeSize: number;
  localLloydInitMethod: 'random' | 'kmeans++';
  localLloydMaxIter: number;
  localLloydNumTrials: number;
  localLloydTol: number;
  evalMetrics: readonly ('msd' | 'ssd')[];
  mode: 'web_scale' | 'lloyd';
}

/** Turns validated hyperparameters into options, resolving the `auto` ones. */
export function kmeansOptions(hp: Hyperparameters): KMeansOptions {
  const k = Number(hp.k);
  const evalMetrics = (JSON.parse(String(hp.eval_metrics ?? '["msd"]')) as string[]).filter(
    (m): m is 'msd' | 'ssd' => m === 'msd' || m === 'ssd',
  );
  return {
    k,
    featureDim: hp.feature_dim === undefined ? null : Number(hp.feature_dim),
    initMethod: hp.init_method === 'kmeans++' ? 'kmeans++' : 'random',
    epochs: Number(hp.epochs ?? 1),
    miniBatchSize: Number(hp.mini_batch_size ?? 5000),
    extraCenterFactor: hp.extra_center_factor === undefined ? 4 : Number(hp.extra_center_factor),
    halfLifeTimeSize: Number(hp.half_life_time_size ?? 0),
    localLloydInitMethod: hp.local_lloyd_init_method === 'random' ? 'random' : 'kmeans++',
    localLloydMaxIter: Number(hp.local_lloyd_max_iter ?? 300),
    localLloydNumTrials: hp.local_lloyd_num_trials === undefined ? 3 : Number(hp.local_lloyd_num_trials),
    localLloydTol: Number(hp.local_lloyd_tol ?? 0.0001),
    evalMetrics,
    mode: hp.algorithm_mode === 'lloyd' ? 'lloyd' : 'web_scale',
  };
}
