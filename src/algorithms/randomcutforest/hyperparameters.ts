/**
 * Random cut forest hyperparameters with SageMaker's names, defaults and ranges
 * (SageMaker developer guide, "RCF Hyperparameters"), plus `shingle_size`: rows are
 * consecutive points of a series and each is scored with the shingle of the last
 * `shingle_size` rows (1: rows scored on their own, SageMaker's behaviour).
 */
import type { HyperparameterSpec, Hyperparameters } from '../algorithm.js';

export const RCF_HYPERPARAMETERS: readonly HyperparameterSpec[] = [
  { name: 'feature_dim', type: 'integer', required: true, min: 1, max: 10_000, description: 'Features per row.' },
  { name: 'num_samples_per_tree', type: 'integer', default: 256, min: 1, max: 2048, description: 'Rows sampled (uniformly, seeded) into each tree.', tunable: { min: 32, max: 2048, scaling: 'Auto' } },
  { name: 'num_trees', type: 'integer', default: 100, min: 50, max: 1000, description: 'Trees in the forest; the score is their mean.', tunable: { min: 50, max: 1000, scaling: 'Auto' } },
  { name: 'eval_metrics', type: 'categorical', values: ['["accuracy", "precision_recall_fscore"]', '["accuracy","precision_recall_fscore"]', '["accuracy"]', '["precision_recall_fscore"]'], default: '["accuracy", "precision_recall_fscore"]', description: 'Metrics on a labelled test channel (label 1 = anomaly; a row is called anomalous above mean + 3σ of the training scores).' },
  { name: 'shingle_size', type: 'integer', default: 1, min: 1, max: 1024, description: 'Consecutive rows joined into one point (feature_dim × shingle_size values); rows before a full shingle repeat the first row.' },
];

export interface RcfOptions {
  featureDim: number;
  samplesPerTree: number;
  numTrees: number;
  shingleSize: number;
  accuracy: boolean;
  prf: boolean;
}

export function rcfOptions(hp: Hyperparameters): RcfOptions {
  const metrics = String(hp.eval_metrics ?? '["accuracy", "precision_recall_fscore"]');
  return {
    featureDim: Number(hp.feature_dim),
    samplesPerTree: Number(hp.num_samples_per_tree ?? 256),
    numTrees: Number(hp.num_trees ?? 100),
    shingleSize: Number(hp.shingle_size ?? 1),
    accuracy: metrics.includes('accuracy'),
    prf: metrics.includes('precision_recall_fscore'),
  };
}
