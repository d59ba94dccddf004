/**
 * DeepAR hyperparameters with SageMaker's names, defaults and ranges (SageMaker developer
 * guide, "DeepAR Hyperparameters" and "Tune a DeepAR Model"). `auto` values stay `auto`;
 * list-valued parameters are parsed here.
 */
import { OrchardError } from '../../core/errors.js';
import type { HyperparameterSpec, Hyperparameters } from '../algorithm.js';
import { parseTimeFreq, type TimeFreq } from './features.js';
import { LIKELIHOODS, type LikelihoodName } from './likelihoods.js';

const INT_LIST = String.raw`^\[\s*(\d+\s*(,\s*\d+\s*)*)?\]$`;
const NUM_LIST = String.raw`^\[\s*\d*\.?\d+\s*(,\s*\d*\.?\d+\s*)*\]$`;

export const DEEPAR_HYPERPARAMETERS: readonly HyperparameterSpec[] = [
  { name: 'context_length', type: 'integer', required: true, min: 1, max: 10_000, description: 'Steps the model reads before it forecasts.', tunable: { min: 1, max: 200, scaling: 'Auto' } },
  { name: 'prediction_length', type: 'integer', required: true, min: 1, max: 10_000, description: 'Steps forecast (the horizon).' },
  {
    name: 'time_freq',
    type: 'categorical',
    required: true,
    values: ['M', 'W', 'D', 'H', 'min'],
    pattern: String.raw`^\d+(min|H|D)$`,
    patternDescription: 'a multiple such as 5min or 2H',
    description: 'Granularity of the series: M, W, D, H, min, or a multiple (5min).',
  },
  { name: 'epochs', type: 'integer', required: true, min: 1, max: 100_000, description: 'Passes over the training data.', tunable: { min: 1, max: 1000, scaling: 'Auto' } },
  {
    name: 'cardinality',
    type: 'categorical',
    values: ['auto', 'ignore'],
    default: 'auto',
    pattern: INT_LIST,
    patternDescription: 'a JSON list of integers such as [3, 10]',
    description: 'Categories per cat feature: auto (from the data), ignore (no embeddings), or a list.',
  },
  { name: 'dropout_rate', type: 'continuous', default: 0.1, min: 0, max: 1, maxInclusive: false, description: 'Dropout on the LSTM outputs while training.', tunable: { min: 0, max: 0.2, scaling: 'Auto' } },
  { name: 'early_stopping_patience', type: 'integer', min: 1, max: 100_000, description: 'Epochs without a lower loss after which training stops; the best epoch is kept.' },
  { name: 'embedding_dimension', type: 'integer', default: 10, min: 1, max: 1000, description: 'Size of each category embedding.', tunable: { min: 1, max: 50, scaling: 'Auto' } },
  { name: 'learning_rate', type: 'continuous', default: 0.001, min: 1e-6, max: 1, description: 'Adam learning rate.', tunable: { min: 1e-5, max: 1e-1, scaling: 'Logarithmic' } },
  { name: 'likelihood', type: 'categorical', values: LIKELIHOODS, default: 'student-T', description: 'Output distribution: student-T, gaussian, negative-binomial (count data).' },
  { name: 'mini_batch_size', type: 'integer', default: 128, min: 1, max: 4096, description: 'Windows per gradient step.', tunable: { min: 32, max: 1028, scaling: 'Auto' } },
  { name: 'num_cells', type: 'integer', default: 40, min: 1, max: 1000, description: 'Cells per LSTM layer.', tunable: { min: 30, max: 200, scaling: 'Auto' } },
  {
    name: 'num_dynamic_feat',
    type: 'categorical',
    values: ['auto', 'ignore'],
    default: 'auto',
    pattern: String.raw`^\d+$`,
    patternDescription: 'a count',
    description: 'Dynamic features per series: auto (from the data), ignore, or their number.',
  },
  { name: 'num_eval_samples', type: 'integer', default: 100, min: 1, max: 100_000, description: 'Sample paths drawn to compute test metrics.' },
  { name: 'num_layers', type: 'integer', default: 2, min: 1, max: 8, description: 'Stacked LSTM layers.', tunable: { min: 1, max: 8, scaling: 'Auto' } },
  {
    name: 'test_quantiles',
    type: 'categorical',
    values: [],
    default: '[0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9]',
    pattern: NUM_LIST,
    patternDescription: 'a JSON list of quantiles in (0, 1)',
    description: 'Quantiles whose weighted quantile loss the test channel reports.',
  },
];

export interface DeepArOptions {
  contextLength: number;
  predictionLength: number;
  freq: TimeFreq;
  epochs: number;
  /** null: from the data; 'ignore': none; else the list. */
  cardinality: number[] | 'auto' | 'ignore';
  dropoutRate: number;
  earlyStoppingPatience: number | null;
  embeddingDimension: number;
  learningRate: number;
  likelihood: LikelihoodName;
  miniBatchSize: number;
  numCells: number;
  numDynamicFeat: number | 'auto' | 'ignore';
  numEvalSamples: number;
  numLayers: number;
  testQuantiles: number[];
}

function invalid(name: string, message: string): OrchardError {
  return new OrchardError('ORCH_HYPERPARAMETER_INVALID', { message, details: { name } });
}

/** Resolved (typed) hyperparameters to DeepAR's options; list values parsed. */
export function deeparOptions(hp: Hyperparameters): DeepArOptions {
  const freq = parseTimeFreq(String(hp.time_freq));
  if (!freq) throw invalid('time_freq', `time_freq ${JSON.stringify(hp.time_freq)} is not M, W, D, H, min or a multiple`);
  const card = String(hp.cardinality);
  const dyn = String(hp.num_dynamic_feat);
  const quantiles = JSON.parse(String(hp.test_quantiles).replace(/(^|[[,\s])\./g, (_, p: string) => `${p}0.`)) as number[];
  if (quantiles.some((q) => !(q > 0 && q < 1))) throw invalid('test_quantiles', `test_quantiles must lie in (0, 1); got ${String(hp.test_quantiles)}`);
  return {
    contextLength: Number(hp.context_length),
    predictionLength: Number(hp.prediction_length),
    freq,
    epochs: Number(hp.epochs),
    cardinality: card === 'auto' || card === 'ignore' ? card : (JSON.parse(card) as number[]),
    dropoutRate: Number(hp.dropout_rate),
    earlyStoppingPatience: hp.early_stopping_patience === undefined ? null : Number(hp.early_stopping_patience),
    embeddingDimension: Number(hp.embedding_dimension),
    learningRate: Number(hp.learning_rate),
    likelihood: hp.likelihood as LikelihoodName,
    miniBatchSize: Number(hp.mini_batch_size),
    numCells: Number(hp.num_cells),
    numDynamicFeat: dyn === 'auto' || dyn === 'ignore' ? dyn : Number(dyn),
    numEvalSamples: Number(hp.num_eval_samples),
    numLayers: Number(hp.num_layers),
    testQuantiles: [...new Set(quantiles)].sort((a, b) => a - b),
  };
}
