/**
 * BlazingText hyperparameters with SageMaker's names, defaults and ranges (SageMaker
 * developer guide, "BlazingText Hyperparameters"): Word2Vec (`skipgram`, `cbow`,
 * `batch_skipgram`) and text classification (`supervised`) share one list; the mode
 * decides which apply.
 */
import type { HyperparameterSpec, Hyperparameters } from '../algorithm.js';

export const BT_MODES = ['skipgram', 'cbow', 'batch_skipgram', 'supervised'] as const;
export type BtMode = (typeof BT_MODES)[number];

export const BT_HYPERPARAMETERS: readonly HyperparameterSpec[] = [
  { name: 'mode', type: 'categorical', required: true, values: BT_MODES, description: 'skipgram, cbow or batch_skipgram (Word2Vec with negative sampling), or supervised (fastText-style text classification).' },
  { name: 'vector_dim', type: 'integer', default: 100, min: 4, max: 1000, description: 'Dimension of the word vectors (and of the classifier’s hidden layer).', tunable: { min: 32, max: 300, scaling: 'Auto' } },
  { name: 'epochs', type: 'integer', default: 5, min: 1, max: 1000, description: 'Passes over the training data.', tunable: { min: 5, max: 15, scaling: 'Auto' } },
  { name: 'learning_rate', type: 'continuous', default: 0.05, min: 0, minInclusive: false, max: 10, description: 'Step size at the start; it decays linearly to 0.', tunable: { min: 0.005, max: 0.1, scaling: 'Logarithmic' } },
  { name: 'min_count', type: 'integer', default: 5, min: 0, max: 1_000_000, description: 'Words seen fewer times are left out of the vocabulary.', tunable: { min: 0, max: 100, scaling: 'Auto' } },
  { name: 'window_size', type: 'integer', default: 5, min: 1, max: 100, description: 'Word2Vec: context words on each side (a random window up to this, per word).', tunable: { min: 1, max: 10, scaling: 'Auto' } },
  { name: 'negative_samples', type: 'integer', default: 5, min: 1, max: 100, description: 'Word2Vec: negative words sampled per positive one (from the unigram distribution to the 3/4).', tunable: { min: 5, max: 25, scaling: 'Auto' } },
  { name: 'sampling_threshold', type: 'continuous', default: 0.0001, min: 0, max: 1, description: 'Word2Vec: frequent words are dropped with probability 1 − (√(f/t) + 1)·t/f (f their share of the corpus).', tunable: { min: 0.0001, max: 0.001, scaling: 'Logarithmic' } },
  { name: 'subwords', type: 'boolean', default: false, description: 'skipgram and cbow: learn character n-gram vectors too (fastText), so words outside the vocabulary get vectors.' },
  { name: 'min_char', type: 'integer', default: 3, min: 1, max: 20, description: 'Shortest character n-gram with subwords.' },
  { name: 'max_char', type: 'integer', default: 6, min: 1, max: 20, description: 'Longest character n-gram with subwords.' },
  { name: 'batch_size', type: 'integer', default: 11, min: 1, max: 1000, description: 'batch_skipgram: centre words whose context windows share one set of negative samples.' },
  { name: 'evaluation', type: 'boolean', default: true, description: 'Accepted for compatibility (SageMaker evaluates on WS-353; Orchard reports the training loss).' },
  { name: 'word_ngrams', type: 'integer', default: 2, min: 1, max: 10, description: 'supervised: word n-grams up to this length are features (hashed into buckets).', tunable: { min: 1, max: 3, scaling: 'Auto' } },
  { name: 'buckets', type: 'integer', default: 2_000_000, min: 1, max: 100_000_000, description: 'Hash buckets for word n-grams (supervised) and character n-grams (subwords); only the buckets the data uses take memory.' },
  { name: 'early_stopping', type: 'boolean', default: false, description: 'supervised: stop when the validation accuracy has not improved for `patience` epochs (needs a validation channel); the best epoch’s model is kept.' },
  { name: 'patience', type: 'integer', default: 4, min: 1, max: 1000, description: 'supervised with early_stopping: epochs without improvement before stopping.' },
  { name: 'min_epochs', type: 'integer', default: 5, min: 1, max: 1000, description: 'supervised with early_stopping: epochs always run.' },
];

export interface BtOptions {
  mode: BtMode;
  dim: number;
  epochs: number;
  lr: number;
  minCount: number;
  window: number;
  negative: number;
  sampling: number;
  subwords: boolean;
  minChar: number;
  maxChar: number;
  batchSize: number;
  wordNgrams: number;
  buckets: number;
  earlyStopping: boolean;
  patience: number;
  minEpochs: number;
}

export function btOptions(hp: Hyperparameters): BtOptions {
  const n = (name: string, d: number) => (hp[name] === undefined ? d : Number(hp[name]));
  const b = (name: string, d: boolean) => (hp[name] === undefined ? d : hp[name] === true || hp[name] === 'true');
  return {
    mode: (BT_MODES as readonly string[]).includes(String(hp.mode)) ? (hp.mode as BtMode) : 'skipgram',
    dim: n('vector_dim', 100),
    epochs: n('epochs', 5),
    lr: n('learning_rate', 0.05),
    minCount: n('min_count', 5),
    window: n('window_size', 5),
    negative: n('negative_samples', 5),
    sampling: n('sampling_threshold', 0.0001),
    subwords: b('subwords', false),
    minChar: n('min_char', 3),
    maxChar: n('max_char', 6),
    batchSize: n('batch_size', 11),
    wordNgrams: n('word_ngrams', 2),
    buckets: n('buckets', 2_000_000),
    earlyStopping: b('early_stopping', false),
    patience: n('patience', 4),
    minEpochs: n('min_epochs', 5),
  };
}

/** Problems among several hyperparameters, checked when a job is created. */
export function checkBtHyperparameters(v: Hyperparameters): { field: string; message: string; details?: Record<string, unknown> }[] {
  const problems: { field: string; message: string; details?: Record<string, unknown> }[] = [];
  const mode = v.mode;
  if (typeof v.min_char === 'number' && typeof v.max_char === 'number' && v.min_char > v.max_char) {
    problems.push({ field: 'min_char', message: `min_char (${v.min_char}) must not exceed max_char (${v.max_char})`, details: { min_char: v.min_char, max_char: v.max_char } });
  }
  if (v.subwords === true && mode !== 'skipgram' && mode !== 'cbow') problems.push({ field: 'subwords', message: `subwords applies to mode skipgram or cbow, not ${String(mode)}` });
  if (v.early_stopping === true && mode !== 'supervised') problems.push({ field: 'early_stopping', message: `early_stopping applies to mode supervised, not ${String(mode)}` });
  return problems;
}
