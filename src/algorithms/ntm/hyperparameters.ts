/**
 * NTM hyperparameters with SageMaker's names, defaults and ranges (SageMaker developer
 * guide, "NTM Hyperparameters"). `encoder_layers` is `auto` (two layers of 3 × and 2 ×
 * `num_topics` units) or a comma-separated list of layer sizes.
 */
import type { HyperparameterSpec, Hyperparameters } from '../algorithm.js';
import { OPTIMIZERS, type OptimizerName } from '../neural/index.js';

export const ACTIVATIONS = ['sigmoid', 'tanh', 'relu'] as const;
export type Activation = (typeof ACTIVATIONS)[number];

export const NTM_HYPERPARAMETERS: readonly HyperparameterSpec[] = [
  { name: 'feature_dim', type: 'integer', required: true, min: 1, max: 1_000_000, description: 'Vocabulary size: word ids are below it.' },
  { name: 'num_topics', type: 'integer', required: true, min: 2, max: 1000, description: 'Topics to learn.', tunable: { min: 2, max: 1000, scaling: 'Logarithmic' } },
  {
    name: 'encoder_layers',
    type: 'categorical',
    values: ['auto'],
    pattern: '^\\s*[1-9][0-9]{0,5}(\\s*,\\s*[1-9][0-9]{0,5}){0,9}\\s*$',
    patternDescription: 'a comma-separated list of layer sizes (at most 10)',
    default: 'auto',
    description: 'Sizes of the encoder layers; auto = two layers of 3 × num_topics and 2 × num_topics.',
  },
  { name: 'encoder_layers_activation', type: 'categorical', values: ACTIVATIONS, default: 'sigmoid', description: 'Activation of the encoder layers.', tunable: { values: ACTIVATIONS } },
  { name: 'mini_batch_size', type: 'integer', default: 256, min: 1, max: 10_000, description: 'Documents per optimisation step.', tunable: { min: 16, max: 2048, scaling: 'Logarithmic' } },
  { name: 'epochs', type: 'integer', default: 50, min: 1, max: 100_000, description: 'Passes over the training data at most (early stopping may end sooner).' },
  { name: 'learning_rate', type: 'continuous', default: 0.001, min: 1e-6, max: 1, description: 'Learning rate of the optimiser (adadelta has none and ignores it).', tunable: { min: 1e-4, max: 0.1, scaling: 'Logarithmic' } },
  { name: 'optimizer', type: 'categorical', values: OPTIMIZERS, default: 'adadelta', description: 'The optimiser: sgd, adam, adagrad, adadelta or rmsprop.', tunable: { values: OPTIMIZERS } },
  { name: 'tolerance', type: 'continuous', default: 0.001, min: 1e-6, max: 0.1, description: 'Early stopping: the smallest relative improvement of the loss (validation when given, else train) that counts.' },
  { name: 'num_patience_epochs', type: 'integer', default: 3, min: 1, max: 10, description: 'Early stopping: epochs without an improvement of at least `tolerance` before training stops.' },
  { name: 'rescale_gradient', type: 'continuous', default: 1, min: 1e-3, max: 1, description: 'Gradients are multiplied by this before the update.' },
  { name: 'clip_gradient', type: 'continuous', min: 1e-3, description: 'Gradient components are clipped to ±clip_gradient; none when left out.' },
  { name: 'weight_decay', type: 'continuous', default: 0, min: 0, max: 1, description: 'L2 weight decay.', tunable: { min: 1e-6, max: 1, scaling: 'Logarithmic' } },
];

export interface NtmOptions {
  featureDim: number;
  numTopics: number;
  encoderLayers: number[];
  activation: Activation;
  miniBatchSize: number;
  epochs: number;
  learningRate: number;
  optimizer: OptimizerName;
  tolerance: number;
  patience: number;
  rescaleGradient: number;
  clipGradient: number | undefined;
  weightDecay: number;
}

/** The encoder's layer sizes: `auto` = [3K, 2K]. */
export function encoderLayers(value: unknown, numTopics: number): number[] {
  if (value === undefined || value === 'auto') return [3 * numTopics, 2 * numTopics];
  return String(value)
    .split(',')
    .map((s) => Number(s.trim()));
}

export function ntmOptions(hp: Hyperparameters): NtmOptions {
  const n = (name: string, d: number) => (hp[name] === undefined ? d : Number(hp[name]));
  const numTopics = Number(hp.num_topics);
  return {
    featureDim: Number(hp.feature_dim),
    numTopics,
    encoderLayers: encoderLayers(hp.encoder_layers, numTopics),
    activation: (ACTIVATIONS as readonly string[]).includes(String(hp.encoder_layers_activation)) ? (hp.encoder_layers_activation as Activation) : 'sigmoid',
    miniBatchSize: n('mini_batch_size', 256),
    epochs: n('epochs', 50),
    learningRate: n('learning_rate', 0.001),
    optimizer: (OPTIMIZERS as readonly string[]).includes(String(hp.optimizer)) ? (hp.optimizer as OptimizerName) : 'adadelta',
    tolerance: n('tolerance', 0.001),
    patience: n('num_patience_epochs', 3),
    rescaleGradient: n('rescale_gradient', 1),
    clipGradient: hp.clip_gradient === undefined ? undefined : Number(hp.clip_gradient),
    weightDecay: n('weight_decay', 0),
  };
}
