/**
 * seq2seq hyperparameters with SageMaker's names ("Sequence-to-Sequence Hyperparameters").
 * Orchard's network is a Transformer (see `transformer.ts`): the model width is
 * `num_embed_source` (and `num_embed_target`, which must match it), the layers are
 * `num_layers_encoder` / `num_layers_decoder`. SageMaker's RNN- and CNN-only parameters
 * are accepted so that a job written for SageMaker runs unchanged, and named in the log as
 * unused. Defaults are those of SageMaker where they fit a CPU-sized Transformer; where
 * they differ (width, epochs) the description says so.
 */
import type { HyperparameterSpec, Hyperparameters } from '../algorithm.js';

export const SEQ2SEQ_OPTIMIZERS = ['adam', 'sgd', 'rmsprop'] as const;
export type Seq2SeqOptimizer = (typeof SEQ2SEQ_OPTIMIZERS)[number];
export const OPTIMIZED_METRICS = ['perplexity', 'accuracy', 'bleu'] as const;
export type OptimizedMetric = (typeof OPTIMIZED_METRICS)[number];

/** SageMaker's names that only its RNN and CNN networks read. */
export const UNUSED_BY_TRANSFORMER = [
  'rnn_num_hidden',
  'rnn_cell_type',
  'rnn_attention_type',
  'rnn_attention_num_hidden',
  'rnn_decoder_state_init',
  'rnn_first_residual_layer',
  'rnn_residual_connections',
  'rnn_attention_in_upper_layers',
  'cnn_num_hidden',
  'cnn_kernel_width_encoder',
  'cnn_kernel_width_decoder',
  'cnn_activation_type',
  'cnn_hidden_dropout',
] as const;

const unused = UNUSED_BY_TRANSFORMER.map(
  (name): HyperparameterSpec =>
    name === 'rnn_cell_type' || name === 'rnn_attention_type' || name === 'rnn_decoder_state_init' || name === 'cnn_activation_type'
      ? { name, type: 'categorical', values: ['lstm', 'gru', 'dot', 'fixed', 'mlp', 'bilinear', 'last', 'avg', 'zero', 'glu', 'relu', 'softrelu', 'sigmoid', 'tanh'], description: 'SageMaker RNN/CNN option; Orchard’s Transformer accepts it and does not use it.' }
      : name === 'rnn_residual_connections' || name === 'rnn_attention_in_upper_layers'
        ? { name, type: 'boolean', description: 'SageMaker RNN option; Orchard’s Transformer accepts it and does not use it.' }
        : { name, type: 'continuous', min: 0, description: 'SageMaker RNN/CNN option; Orchard’s Transformer accepts it and does not use it.' },
);

export const SEQ2SEQ_HYPERPARAMETERS: readonly HyperparameterSpec[] = [
  { name: 'encoder_type', type: 'categorical', values: ['transformer', 'rnn', 'cnn'], default: 'transformer', description: 'The encoder network. Orchard trains a Transformer whatever is named (rnn and cnn are accepted for SageMaker jobs, and logged).' },
  { name: 'decoder_type', type: 'categorical', values: ['transformer', 'rnn', 'cnn'], default: 'transformer', description: 'The decoder network; as encoder_type.' },
  { name: 'num_layers_encoder', type: 'integer', default: 1, min: 1, max: 12, description: 'Transformer encoder layers.', tunable: { min: 1, max: 4, scaling: 'Linear' } },
  { name: 'num_layers_decoder', type: 'integer', default: 1, min: 1, max: 12, description: 'Transformer decoder layers.', tunable: { min: 1, max: 4, scaling: 'Linear' } },
  { name: 'num_embed_source', type: 'integer', default: 128, min: 8, max: 4096, description: 'Model width: the source embedding size (SageMaker’s default is 512; Orchard’s 128 suits a CPU).', tunable: { min: 32, max: 512, scaling: 'Logarithmic' } },
  { name: 'num_embed_target', type: 'integer', min: 8, max: 4096, description: 'The target embedding size; num_embed_source when left out, and must equal it (the Transformer has one width).' },
  { name: 'transformer_attention_heads', type: 'integer', default: 4, min: 1, max: 64, description: 'Attention heads; num_embed_source must be a multiple of it.' },
  { name: 'transformer_feed_forward_num_hidden', type: 'integer', min: 8, max: 16384, description: 'Units of each layer’s feed-forward block; 4 × num_embed_source when left out.' },
  { name: 'max_seq_len_source', type: 'integer', default: 100, min: 1, max: 1000, description: 'Source tokens kept (longer sources are cut).' },
  { name: 'max_seq_len_target', type: 'integer', default: 100, min: 1, max: 1000, description: 'Target tokens kept in training, and the longest answer decoded.' },
  { name: 'batch_size', type: 'integer', default: 64, min: 1, max: 10_000, description: 'Sentence pairs per optimisation step.', tunable: { min: 8, max: 512, scaling: 'Logarithmic' } },
  { name: 'optimizer_type', type: 'categorical', values: SEQ2SEQ_OPTIMIZERS, default: 'adam', description: 'adam, sgd or rmsprop.', tunable: { values: SEQ2SEQ_OPTIMIZERS } },
  { name: 'learning_rate', type: 'continuous', default: 0.0003, min: 1e-6, max: 1, description: 'Initial learning rate.', tunable: { min: 1e-5, max: 0.01, scaling: 'Logarithmic' } },
  { name: 'clip_gradient', type: 'continuous', default: 1, min: 0, description: 'Gradient components are clipped to ±clip_gradient; 0 or less turns clipping off.' },
  { name: 'weight_decay', type: 'continuous', default: 0, min: 0, max: 1, description: 'L2 weight decay.' },
  { name: 'label_smoothing', type: 'continuous', default: 0.1, min: 0, max: 1, maxInclusive: false, description: 'Share of each target token’s probability mass spread over the vocabulary in the training loss.' },
  { name: 'embed_dropout_source', type: 'continuous', default: 0, min: 0, max: 1, maxInclusive: false, description: 'Dropout on the source embeddings.' },
  { name: 'embed_dropout_target', type: 'continuous', default: 0, min: 0, max: 1, maxInclusive: false, description: 'Dropout on the target embeddings.' },
  { name: 'weight_tying', type: 'boolean', default: false, description: 'Ties the target embedding and the output layer’s weights.' },
  { name: 'max_num_epochs', type: 'integer', default: 20, min: 1, max: 100_000, description: 'Passes over the training data at most (SageMaker has no default; early stopping may end sooner).' },
  { name: 'min_num_epochs', type: 'integer', default: 0, min: 0, max: 100_000, description: 'Epochs run before early stopping may stop training.' },
  { name: 'checkpoint_threshold', type: 'integer', default: 3, min: 1, max: 1000, description: 'Early stopping: epochs (checkpoints) without an improvement of the optimized metric on the validation channel before training stops.' },
  { name: 'checkpoint_frequency_num_batches', type: 'integer', default: 1000, min: 1, description: 'Accepted for SageMaker jobs; Orchard checkpoints and validates after every epoch.' },
  { name: 'optimized_metric', type: 'categorical', values: OPTIMIZED_METRICS, default: 'perplexity', description: 'The validation metric early stopping follows: perplexity, accuracy or bleu.' },
  { name: 'bleu_sample_size', type: 'integer', default: 0, min: -1, description: 'Validation pairs decoded to compute validation:bleu each epoch; -1 = all of them, 0 = none unless optimized_metric is bleu (then all).' },
  { name: 'beam_size', type: 'integer', default: 5, min: 1, max: 64, description: 'Hypotheses kept by beam search at inference (and when BLEU is computed).' },
  { name: 'length_penalty_alpha', type: 'continuous', default: 1, min: 0, max: 5, description: 'Beam search ranks finished hypotheses by log-probability / ((5 + length) / 6)^alpha.' },
  ...unused,
];

export interface Seq2SeqOptions {
  encoderType: string;
  decoderType: string;
  layersEncoder: number;
  layersDecoder: number;
  width: number;
  heads: number;
  ffn: number;
  maxSource: number;
  maxTarget: number;
  batchSize: number;
  optimizer: Seq2SeqOptimizer;
  learningRate: number;
  clipGradient: number | undefined;
  weightDecay: number;
  labelSmoothing: number;
  dropoutSource: number;
  dropoutTarget: number;
  weightTying: boolean;
  epochs: number;
  minEpochs: number;
  patience: number;
  optimizedMetric: OptimizedMetric;
  bleuSampleSize: number;
  beamSize: number;
  lengthPenalty: number;
  /** SageMaker parameters given that the Transformer does not read. */
  unused: string[];
}

export function seq2seqOptions(hp: Hyperparameters): Seq2SeqOptions {
  const n = (name: string, d: number) => (hp[name] === undefined ? d : Number(hp[name]));
  const width = n('num_embed_source', 128);
  const clip = n('clip_gradient', 1);
  return {
    encoderType: String(hp.encoder_type ?? 'transformer'),
    decoderType: String(hp.decoder_type ?? 'transformer'),
    layersEncoder: n('num_layers_encoder', 1),
    layersDecoder: n('num_layers_decoder', 1),
    width,
    heads: n('transformer_attention_heads', 4),
    ffn: n('transformer_feed_forward_num_hidden', 4 * width),
    maxSource: n('max_seq_len_source', 100),
    maxTarget: n('max_seq_len_target', 100),
    batchSize: n('batch_size', 64),
    optimizer: (SEQ2SEQ_OPTIMIZERS as readonly string[]).includes(String(hp.optimizer_type)) ? (hp.optimizer_type as Seq2SeqOptimizer) : 'adam',
    learningRate: n('learning_rate', 0.0003),
    clipGradient: clip > 0 ? clip : undefined,
    weightDecay: n('weight_decay', 0),
    labelSmoothing: n('label_smoothing', 0.1),
    dropoutSource: n('embed_dropout_source', 0),
    dropoutTarget: n('embed_dropout_target', 0),
    weightTying: hp.weight_tying === true || hp.weight_tying === 'true',
    epochs: n('max_num_epochs', 20),
    minEpochs: n('min_num_epochs', 0),
    patience: n('checkpoint_threshold', 3),
    optimizedMetric: (OPTIMIZED_METRICS as readonly string[]).includes(String(hp.optimized_metric)) ? (hp.optimized_metric as OptimizedMetric) : 'perplexity',
    bleuSampleSize: n('bleu_sample_size', 0),
    beamSize: n('beam_size', 5),
    lengthPenalty: n('length_penalty_alpha', 1),
    unused: UNUSED_BY_TRANSFORMER.filter((name) => hp[name] !== undefined),
  };
}

/** Problems among several parameters, reported at create time. */
export function checkSeq2SeqHyperparameters(values: Hyperparameters): { field: string; message: string; details?: Record<string, unknown> }[] {
  const o = seq2seqOptions(values);
  const problems: { field: string; message: string; details?: Record<string, unknown> }[] = [];
  if (values.num_embed_target !== undefined && Number(values.num_embed_target) !== o.width) {
    problems.push({ field: 'num_embed_target', message: `num_embed_target (${values.num_embed_target}) must equal num_embed_source (${o.width}): the Transformer has one width`, details: { num_embed_source: o.width } });
  }
  if (o.width % o.heads !== 0) problems.push({ field: 'transformer_attention_heads', message: `num_embed_source (${o.width}) is not a multiple of transformer_attention_heads (${o.heads})`, details: { num_embed_source: o.width } });
  if (o.minEpochs > o.epochs) problems.push({ field: 'min_num_epochs', message: `min_num_epochs (${o.minEpochs}) is above max_num_epochs (${o.epochs})`, details: { max_num_epochs: o.epochs } });
  return problems;
}
