/**
 * Object2Vec hyperparameters with SageMaker's names, defaults and ranges (SageMaker
 * developer guide, "Object2Vec Hyperparameters"). `enc1_*` left out take encoder 0's
 * values; `enc1_network` is `enc0` (the same kind as encoder 0) unless named.
 */
import type { HyperparameterSpec, Hyperparameters } from '../algorithm.js';
import { OPTIMIZERS, type OptimizerName } from '../neural/index.js';

export const NETWORKS = ['hcnn', 'bilstm', 'pooled_embedding'] as const;
export type EncoderNetwork = (typeof NETWORKS)[number];
export const COMPARATORS = ['hadamard', 'concat', 'abs_diff'] as const;
export type Comparator = (typeof COMPARATORS)[number];
export const MLP_ACTIVATIONS = ['tanh', 'relu', 'linear'] as const;
export type MlpActivation = (typeof MLP_ACTIVATIONS)[number];
export const OUTPUT_LAYERS = ['softmax', 'mean_squared_error'] as const;
export type OutputLayer = (typeof OUTPUT_LAYERS)[number];

const COMPARATOR_LIST = '^\\s*(hadamard|concat|abs_diff)(\\s*,\\s*(hadamard|concat|abs_diff)){0,2}\\s*$';

function encoderSpecs(i: 0 | 1): HyperparameterSpec[] {
  const other = i === 1 ? ' (encoder 0’s when left out)' : '';
  return [
    i === 0
      ? { name: 'enc0_network', type: 'categorical', values: NETWORKS, default: 'hcnn', description: 'Encoder 0: hcnn (convolutions), bilstm or pooled_embedding (mean of the token embeddings).', tunable: { values: NETWORKS } }
      : { name: 'enc1_network', type: 'categorical', values: ['enc0', ...NETWORKS], default: 'enc0', description: 'Encoder 1: enc0 (the same kind as encoder 0), hcnn, bilstm or pooled_embedding.', tunable: { values: ['enc0', ...NETWORKS] } },
    { name: `enc${i}_vocab_size`, type: 'integer', required: i === 0, min: 2, max: 3_000_000, description: `Encoder ${i}: tokens in its vocabulary; token ids are below it${other}.` },
    { name: `enc${i}_max_seq_len`, type: 'integer', required: i === 0, min: 1, max: 5000, description: `Encoder ${i}: tokens read of a sequence at most (longer ones are cut)${other}.` },
    { name: `enc${i}_token_embedding_dim`, type: 'integer', ...(i === 0 ? { default: 300 } : {}), min: 2, max: 1000, description: `Encoder ${i}: size of a token embedding${other}.`, tunable: { min: 8, max: 512, scaling: 'Logarithmic' } },
    { name: `enc${i}_layers`, type: 'categorical', values: ['auto', '1', '2', '3', '4'], ...(i === 0 ? { default: 'auto' } : {}), description: `Encoder ${i}: layers of hcnn (auto = 2) or bilstm (auto = 1); pooled_embedding has none${other}.` },
    { name: `enc${i}_freeze_pretrained_embedding`, type: 'boolean', ...(i === 0 ? { default: true } : {}), description: 'Accepted for compatibility: Orchard does not read pretrained embeddings, so token embeddings always train.' },
  ];
}

export const O2V_HYPERPARAMETERS: readonly HyperparameterSpec[] = [
  ...encoderSpecs(0),
  ...encoderSpecs(1),
  { name: 'enc_dim', type: 'integer', default: 4096, min: 4, max: 10_000, description: 'Size of each encoder’s output (the embedding of a sequence).', tunable: { min: 16, max: 4096, scaling: 'Logarithmic' } },
  { name: 'tied_token_embedding_weight', type: 'boolean', default: false, description: 'Both encoders share one token embedding table (their vocabularies and embedding sizes must agree).' },
  { name: 'comparator_list', type: 'categorical', values: ['hadamard, concat, abs_diff'], pattern: COMPARATOR_LIST, patternDescription: 'a comma-separated list of hadamard, concat and abs_diff', default: 'hadamard, concat, abs_diff', description: 'How the two encodings are combined before the MLP: element-wise product, concatenation, absolute difference.' },
  { name: 'mlp_dim', type: 'integer', default: 512, min: 2, max: 10_000, description: 'Units of each MLP layer.', tunable: { min: 16, max: 1024, scaling: 'Logarithmic' } },
  { name: 'mlp_layers', type: 'integer', default: 2, min: 1, max: 10, description: 'MLP layers between the comparator and the output.', tunable: { min: 1, max: 4, scaling: 'Linear' } },
  { name: 'mlp_activation', type: 'categorical', values: MLP_ACTIVATIONS, default: 'linear', description: 'Activation of the MLP layers.', tunable: { values: MLP_ACTIVATIONS } },
  { name: 'output_layer', type: 'categorical', values: OUTPUT_LAYERS, default: 'softmax', description: 'softmax: labels are classes 0..num_classes-1 (cross-entropy); mean_squared_error: labels are real scores.' },
  { name: 'num_classes', type: 'integer', default: 2, min: 2, max: 30, description: 'Classes of a softmax output.' },
  { name: 'negative_sampling_rate', type: 'integer', default: 0, min: 0, max: 100, description: 'Negative pairs made per positive pair (in0 with another record’s in1, label 0), for data of positive pairs only; softmax output only.' },
  { name: 'dropout', type: 'continuous', default: 0, min: 0, max: 1, maxInclusive: false, description: 'Dropout on the MLP layers while training.', tunable: { min: 0, max: 0.5, scaling: 'Linear' } },
  { name: 'epochs', type: 'integer', default: 30, min: 1, max: 100, description: 'Passes over the training data at most (early stopping may end sooner).' },
  { name: 'learning_rate', type: 'continuous', default: 0.0004, min: 1e-6, max: 1, description: 'Learning rate of the optimiser.', tunable: { min: 1e-5, max: 0.1, scaling: 'Logarithmic' } },
  { name: 'mini_batch_size', type: 'integer', default: 32, min: 1, max: 10_000, description: 'Pairs per optimisation step.', tunable: { min: 8, max: 1024, scaling: 'Logarithmic' } },
  { name: 'optimizer', type: 'categorical', values: OPTIMIZERS, default: 'adam', description: 'The optimiser: sgd, adam, adagrad, adadelta or rmsprop.', tunable: { values: OPTIMIZERS } },
  { name: 'weight_decay', type: 'continuous', default: 0, min: 0, max: 10_000, description: 'L2 weight decay.', tunable: { min: 1e-6, max: 1, scaling: 'Logarithmic' } },
  { name: 'early_stopping_patience', type: 'integer', default: 3, min: 1, max: 5, description: 'Epochs without an improvement of at least early_stopping_tolerance before training stops (validation loss when a validation channel is given, else train).' },
  { name: 'early_stopping_tolerance', type: 'continuous', default: 0.01, min: 1e-6, max: 0.1, description: 'The smallest relative improvement of the loss that counts.' },
];

export interface EncoderOptions {
  network: EncoderNetwork;
  vocabSize: number;
  maxSeqLen: number;
  embeddingDim: number;
  layers: number;
}

export interface O2vOptions {
  enc: [EncoderOptions, EncoderOptions];
  encDim: number;
  tied: boolean;
  comparators: Comparator[];
  mlpDim: number;
  mlpLayers: number;
  mlpActivation: MlpActivation;
  output: OutputLayer;
  numClasses: number;
  negativeSamplingRate: number;
  dropout: number;
  epochs: number;
  learningRate: number;
  miniBatchSize: number;
  optimizer: OptimizerName;
  weightDecay: number;
  patience: number;
  tolerance: number;
}

/** `hadamard, concat` → ['hadamard', 'concat'], each once, in the given order. */
export function comparatorList(value: unknown): Comparator[] {
  const names = String(value ?? 'hadamard, concat, abs_diff')
    .split(',')
    .map((s) => s.trim())
    .filter((s): s is Comparator => (COMPARATORS as readonly string[]).includes(s));
  return [...new Set(names)];
}

export function o2vOptions(hp: Hyperparameters): O2vOptions {
  const n = (name: string, d: number) => (hp[name] === undefined ? d : Number(hp[name]));
  const network0 = String(hp.enc0_network ?? 'hcnn') as EncoderNetwork;
  const enc = (i: 0 | 1, base?: EncoderOptions): EncoderOptions => {
    const network = i === 0 ? network0 : hp.enc1_network === undefined || hp.enc1_network === 'enc0' ? network0 : (String(hp.enc1_network) as EncoderNetwork);
    const layersValue = hp[`enc${i}_layers`] ?? (i === 1 && network === base?.network ? String(base.layers) : 'auto');
    const layers = network === 'pooled_embedding' ? 0 : layersValue === 'auto' ? (network === 'hcnn' ? 2 : 1) : Number(layersValue);
    return {
      network,
      vocabSize: n(`enc${i}_vocab_size`, base?.vocabSize ?? NaN),
      maxSeqLen: n(`enc${i}_max_seq_len`, base?.maxSeqLen ?? NaN),
      embeddingDim: n(`enc${i}_token_embedding_dim`, base?.embeddingDim ?? 300),
      layers,
    };
  };
  const enc0 = enc(0);
  return {
    enc: [enc0, enc(1, enc0)],
    encDim: n('enc_dim', 4096),
    tied: hp.tied_token_embedding_weight === true || hp.tied_token_embedding_weight === 'true',
    comparators: comparatorList(hp.comparator_list),
    mlpDim: n('mlp_dim', 512),
    mlpLayers: n('mlp_layers', 2),
    mlpActivation: (MLP_ACTIVATIONS as readonly string[]).includes(String(hp.mlp_activation)) ? (hp.mlp_activation as MlpActivation) : 'linear',
    output: hp.output_layer === 'mean_squared_error' ? 'mean_squared_error' : 'softmax',
    numClasses: n('num_classes', 2),
    negativeSamplingRate: n('negative_sampling_rate', 0),
    dropout: n('dropout', 0),
    epochs: n('epochs', 30),
    learningRate: n('learning_rate', 0.0004),
    miniBatchSize: n('mini_batch_size', 32),
    optimizer: (OPTIMIZERS as readonly string[]).includes(String(hp.optimizer)) ? (hp.optimizer as OptimizerName) : 'adam',
    weightDecay: n('weight_decay', 0),
    patience: n('early_stopping_patience', 3),
    tolerance: n('early_stopping_tolerance', 0.01),
  };
}

/** Rules across several hyperparameters, reported at create time with the others. */
export function checkO2vHyperparameters(values: Hyperparameters): { field: string; message: string; details?: Record<string, unknown> }[] {
  const problems: { field: string; message: string; details?: Record<string, unknown> }[] = [];
  const o = o2vOptions(values);
  if (o.tied && (o.enc[0].vocabSize !== o.enc[1].vocabSize || o.enc[0].embeddingDim !== o.enc[1].embeddingDim)) {
    problems.push({ field: 'tied_token_embedding_weight', message: 'tied_token_embedding_weight needs enc0_vocab_size = enc1_vocab_size and enc0_token_embedding_dim = enc1_token_embedding_dim' });
  }
  if (o.comparators.length === 0) problems.push({ field: 'comparator_list', message: 'comparator_list names none of hadamard, concat, abs_diff' });
  if (o.negativeSamplingRate > 0 && o.output !== 'softmax') problems.push({ field: 'negative_sampling_rate', message: 'negative_sampling_rate needs output_layer softmax (negatives are labelled 0)' });
  for (const i of [0, 1] as const) {
    const e = o.enc[i];
    const table = e.vocabSize * e.embeddingDim;
    if (table > 200_000_000) problems.push({ field: `enc${i}_vocab_size`, message: `enc${i}_vocab_size × enc${i}_token_embedding_dim is ${table}; at most 200000000 weights fit`, details: { weights: table } });
  }
  return problems;
}
