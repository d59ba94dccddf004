/**
 * Image classification hyperparameters with SageMaker's names, defaults and ranges
 * (SageMaker developer guide, "Image Classification Hyperparameters"). `image_shape` is
 * SageMaker's channels-first "3,32,32"; `num_layers` picks a residual network scaled for
 * small images (see {@link resnetLayout}).
 */
import type { HyperparameterSpec, Hyperparameters } from '../algorithm.js';

export const AUGMENTATIONS = ['none', 'crop', 'crop_color', 'crop_color_transform'] as const;
export type Augmentation = (typeof AUGMENTATIONS)[number];
export const IC_OPTIMIZERS = ['sgd', 'adam'] as const;
export type IcOptimizer = (typeof IC_OPTIMIZERS)[number];

/** Depths SageMaker accepts; each maps to a layout below. */
export const NUM_LAYERS = [8, 14, 18, 20, 32, 34, 44, 50, 56, 101, 110, 152] as const;

export const IC_HYPERPARAMETERS: readonly HyperparameterSpec[] = [
  { name: 'num_classes', type: 'integer', required: true, min: 2, max: 10_000, description: 'Classes; labels are 0 .. num_classes − 1.' },
  { name: 'num_training_samples', type: 'integer', required: true, min: 1, max: 100_000_000, description: 'Training images (SageMaker uses it for its learning-rate schedule; here a mismatch is logged).' },
  {
    name: 'image_shape',
    type: 'categorical',
    values: ['3,224,224'],
    pattern: '^\\s*[13]\\s*,\\s*[1-9][0-9]{0,3}\\s*,\\s*[1-9][0-9]{0,3}\\s*$',
    patternDescription: '"channels,height,width" with 1 or 3 channels (e.g. "3,32,32")',
    default: '3,224,224',
    description: 'Input shape, channels first: images are resized to height × width; 1 channel is grey, 3 are RGB.',
  },
  { name: 'num_layers', type: 'integer', default: 18, min: 8, max: 152, description: 'Depth of the residual network: 8, 14, 20, 32, 44, 56, 110 (three stages, 6n + 2) or 18, 34, 50, 101, 152 (four stages).' },
  { name: 'epochs', type: 'integer', default: 30, min: 1, max: 100_000, description: 'Passes over the training images at most (early stopping may end sooner).' },
  { name: 'learning_rate', type: 'continuous', default: 0.1, min: 1e-6, max: 1, description: 'Learning rate of the optimiser.', tunable: { min: 1e-6, max: 0.5, scaling: 'Logarithmic' } },
  { name: 'mini_batch_size', type: 'integer', default: 32, min: 1, max: 4096, description: 'Images per optimisation step.', tunable: { min: 8, max: 512, scaling: 'Logarithmic' } },
  { name: 'optimizer', type: 'categorical', values: IC_OPTIMIZERS, default: 'sgd', description: 'sgd (with momentum) or adam.', tunable: { values: IC_OPTIMIZERS } },
  { name: 'momentum', type: 'continuous', default: 0.9, min: 0, max: 0.999, description: 'Momentum of sgd.', tunable: { min: 0, max: 0.999, scaling: 'Linear' } },
  { name: 'weight_decay', type: 'continuous', default: 0.0001, min: 0, max: 1, description: 'L2 weight decay.', tunable: { min: 1e-6, max: 0.01, scaling: 'Logarithmic' } },
  { name: 'augmentation_type', type: 'categorical', values: AUGMENTATIONS, default: 'none', description: 'crop: random crop (4 pixels of padding) and horizontal flip; crop_color: also brightness, contrast and saturation jitter; crop_color_transform: also a small random rotation and scale.' },
  { name: 'top_k', type: 'integer', default: 5, min: 1, max: 10_000, description: 'Reports train:top_k_accuracy_<k> beside accuracy, and the verbose answer’s top classes.' },
  { name: 'early_stopping', type: 'boolean', default: false, description: 'Stops when validation accuracy stops improving (needs a validation channel).' },
  { name: 'early_stopping_min_epochs', type: 'integer', default: 10, min: 1, max: 100_000, description: 'Early stopping: epochs always run.' },
  { name: 'early_stopping_patience', type: 'integer', default: 5, min: 1, max: 1000, description: 'Early stopping: epochs without improvement before training stops.' },
  { name: 'early_stopping_tolerance', type: 'continuous', default: 0, min: 0, max: 1, description: 'Early stopping: the smallest relative improvement of the validation accuracy that counts.' },
  { name: 'attribute_names', type: 'categorical', values: ['auto'], pattern: '^[^,]{1,100}(,[^,]{1,100})?$', patternDescription: '"label" or "source-ref,label"', default: 'auto', description: 'Augmented manifests: the label attribute, or the image and label attributes (SageMaker’s AttributeNames); auto = the one numeric attribute.' },
];

export interface ImageShape {
  channels: 1 | 3;
  height: number;
  width: number;
}

/** Parses "c,h,w"; null when malformed. */
export function parseImageShape(value: unknown): ImageShape | null {
  const parts = String(value ?? '').split(',').map((s) => Number(s.trim()));
  if (parts.length !== 3 || !parts.every((n) => Number.isInteger(n) && n >= 1)) return null;
  const [c, h, w] = parts;
  if ((c !== 1 && c !== 3) || h > 4096 || w > 4096) return null;
  return { channels: c, height: h, width: w };
}

/**
 * Residual blocks per stage and the stages' widths for `num_layers`. 6n + 2 depths are He
 * et al.'s CIFAR networks (2016, §4.2: three stages of n basic blocks, 16/32/64
 * filters). 18 and 34 are the ImageNet stage counts ([2,2,2,2], [3,4,6,3]) with a
 * quarter of the widths (16..128) and a 3×3 stem without max pooling, which suits small
 * images; 50, 101 and 152 keep their stage counts with basic blocks (no bottlenecks).
 */
export function resnetLayout(numLayers: number): { blocks: number[]; widths: number[] } | null {
  const four: Record<number, number[]> = { 18: [2, 2, 2, 2], 34: [3, 4, 6, 3], 50: [3, 4, 6, 3], 101: [3, 4, 23, 3], 152: [3, 8, 36, 3] };
  if (four[numLayers]) return { blocks: four[numLayers], widths: [16, 32, 64, 128] };
  if ((numLayers - 2) % 6 === 0 && numLayers >= 8) {
    const n = (numLayers - 2) / 6;
    return { blocks: [n, n, n], widths: [16, 32, 64] };
  }
  return null;
}

export interface IcOptions {
  numClasses: number;
  numTrainingSamples: number;
  shape: ImageShape;
  numLayers: number;
  epochs: number;
  learningRate: number;
  miniBatchSize: number;
  optimizer: IcOptimizer;
  momentum: number;
  weightDecay: number;
  augmentation: Augmentation;
  topK: number;
  earlyStopping: { minEpochs: number; patience: number; tolerance: number } | null;
  /** Manifest attributes: the image's and the label's (undefined = find it). */
  imageAttribute: string;
  labelAttribute: string | undefined;
}

export function icOptions(hp: Hyperparameters): IcOptions {
  const n = (name: string, d: number) => (hp[name] === undefined ? d : Number(hp[name]));
  const names = hp.attribute_names === undefined || hp.attribute_names === 'auto' ? [] : String(hp.attribute_names).split(',').map((s) => s.trim());
  return {
    numClasses: Number(hp.num_classes),
    numTrainingSamples: Number(hp.num_training_samples),
    shape: parseImageShape(hp.image_shape ?? '3,224,224') ?? { channels: 3, height: 224, width: 224 },
    numLayers: n('num_layers', 18),
    epochs: n('epochs', 30),
    learningRate: n('learning_rate', 0.1),
    miniBatchSize: n('mini_batch_size', 32),
    optimizer: hp.optimizer === 'adam' ? 'adam' : 'sgd',
    momentum: n('momentum', 0.9),
    weightDecay: n('weight_decay', 0.0001),
    augmentation: (AUGMENTATIONS as readonly string[]).includes(String(hp.augmentation_type)) ? (hp.augmentation_type as Augmentation) : 'none',
    topK: n('top_k', 5),
    earlyStopping: hp.early_stopping === true ? { minEpochs: n('early_stopping_min_epochs', 10), patience: n('early_stopping_patience', 5), tolerance: n('early_stopping_tolerance', 0) } : null,
    imageAttribute: names.length === 2 ? names[0] : 'source-ref',
    labelAttribute: names.length === 2 ? names[1] : names[0],
  };
}
