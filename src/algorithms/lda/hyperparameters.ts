/**
 * LDA hyperparameters with SageMaker's names and ranges (SageMaker developer guide, "LDA
 * Hyperparameters"). SageMaker fits by a spectral (tensor) decomposition refined by
 * alternating least squares; Orchard fits by variational Bayes (Blei et al. 2003,
 * Hoffman et al. 2010), so `max_restarts`, `max_iterations` and `tol` keep their names
 * and roles (random starts, passes, the stopping rule) but count variational passes,
 * with defaults sized for that.
 */
import type { HyperparameterSpec, Hyperparameters } from '../algorithm.js';

export const LDA_HYPERPARAMETERS: readonly HyperparameterSpec[] = [
  { name: 'num_topics', type: 'integer', required: true, min: 1, max: 10_000, description: 'Topics to find.', tunable: { min: 1, max: 100, scaling: 'Auto' } },
  { name: 'feature_dim', type: 'integer', required: true, min: 1, max: 10_000_000, description: 'Vocabulary size: counts per document (CSV columns; sparse keys are below it).' },
  {
    name: 'mini_batch_size',
    type: 'integer',
    min: 1,
    max: 1_000_000_000,
    description: 'Documents per update. At or above the number of documents (SageMaker: the document count), or left out: batch variational Bayes; below it: online variational Bayes over mini-batches of this size.',
  },
  { name: 'alpha0', type: 'continuous', default: 1, min: 0, minInclusive: false, max: 1_000_000, description: 'Sum of the document–topic Dirichlet prior (each topic gets alpha0 / num_topics); small values give sparse topic mixtures.', tunable: { min: 0.1, max: 10, scaling: 'Logarithmic' } },
  { name: 'max_restarts', type: 'integer', default: 10, min: 1, max: 1000, description: 'Random starts tried (three online passes each over a sample of up to 1,000 documents, mini-batches of 100); training continues from the one with the best bound. 1: one random start, no trial.', tunable: { min: 1, max: 40, scaling: 'Auto' } },
  { name: 'max_iterations', type: 'integer', default: 100, min: 1, max: 100_000, description: 'Variational passes over the data at most.', tunable: { min: 1, max: 1000, scaling: 'Auto' } },
  { name: 'tol', type: 'continuous', default: 0.0001, min: 0, max: 1, description: 'Training stops when the training perplexity changes by less than this fraction between passes.', tunable: { min: 1e-6, max: 0.1, scaling: 'Logarithmic' } },
];

export interface LdaOptions {
  numTopics: number;
  featureDim: number;
  /** Documents per online update, or null for batch passes. */
  miniBatchSize: number | null;
  /** Per-topic Dirichlet prior of the document mixtures (alpha0 / num_topics). */
  alpha: number;
  /** Per-word Dirichlet prior of the topics (1 / num_topics, as scikit-learn's default). */
  eta: number;
  maxRestarts: number;
  maxIterations: number;
  tol: number;
}

export function ldaOptions(hp: Hyperparameters): LdaOptions {
  const k = Number(hp.num_topics);
  return {
    numTopics: k,
    featureDim: Number(hp.feature_dim),
    miniBatchSize: hp.mini_batch_size === undefined ? null : Number(hp.mini_batch_size),
    alpha: Number(hp.alpha0 ?? 1) / k,
    eta: 1 / k,
    maxRestarts: Number(hp.max_restarts ?? 10),
    maxIterations: Number(hp.max_iterations ?? 100),
    tol: Number(hp.tol ?? 0.0001),
  };
}
