/**
 * IP Insights hyperparameters with SageMaker's names, defaults and ranges (SageMaker
 * developer guide, "IP Insights Hyperparameters").
 */
import type { HyperparameterSpec, Hyperparameters } from '../algorithm.js';

export const IPINSIGHTS_HYPERPARAMETERS: readonly HyperparameterSpec[] = [
  { name: 'num_entity_vectors', type: 'integer', required: true, min: 1, max: 250_000_000, description: 'Entity embeddings; each entity is hashed to one of them (about twice the distinct entities keeps collisions rare).' },
  { name: 'vector_dim', type: 'integer', required: true, min: 4, max: 4096, description: 'Size of the entity and IP embeddings.', tunable: { min: 4, max: 1024, scaling: 'Logarithmic' } },
  { name: 'batch_size', type: 'integer', default: 10_000, min: 1, max: 500_000, description: 'Observed pairs per optimisation step (negatives are added to them).', tunable: { min: 100, max: 100_000, scaling: 'Logarithmic' } },
  { name: 'epochs', type: 'integer', default: 10, min: 1, max: 1000, description: 'Passes over the training pairs.', tunable: { min: 1, max: 100, scaling: 'Auto' } },
  { name: 'learning_rate', type: 'continuous', default: 0.001, min: 1e-6, max: 10, description: 'Adam learning rate.', tunable: { min: 1e-4, max: 0.1, scaling: 'Logarithmic' } },
  { name: 'num_ip_encoder_layers', type: 'integer', default: 1, min: 0, max: 100, description: 'Fully connected tanh layers over the hashed IP prefix embeddings.', tunable: { min: 0, max: 3, scaling: 'Auto' } },
  { name: 'random_negative_sampling_rate', type: 'integer', default: 1, min: 0, max: 500, description: 'Negatives per observed pair with a uniformly random IPv4 address.' },
  { name: 'shuffled_negative_sampling_rate', type: 'integer', default: 1, min: 0, max: 500, description: "Negatives per observed pair with another pair's address from the same batch." },
  { name: 'weight_decay', type: 'continuous', default: 0.00001, min: 0, max: 10, description: 'L2 weight decay.' },
];

export interface IpInsightsOptions {
  numEntityVectors: number;
  vectorDim: number;
  batchSize: number;
  epochs: number;
  learningRate: number;
  layers: number;
  randomNegatives: number;
  shuffledNegatives: number;
  weightDecay: number;
}

export function ipInsightsOptions(hp: Hyperparameters): IpInsightsOptions {
  const n = (name: string, d: number) => (hp[name] === undefined ? d : Number(hp[name]));
  return {
    numEntityVectors: Number(hp.num_entity_vectors),
    vectorDim: Number(hp.vector_dim),
    batchSize: n('batch_size', 10_000),
    epochs: n('epochs', 10),
    learningRate: n('learning_rate', 0.001),
    layers: n('num_ip_encoder_layers', 1),
    randomNegatives: n('random_negative_sampling_rate', 1),
    shuffledNegatives: n('shuffled_negative_sampling_rate', 1),
    weightDecay: n('weight_decay', 0.00001),
  };
}
