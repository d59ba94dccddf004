/**
 * The `xgboost` built-in: histogram gradient-boosted trees, compatible with SageMaker's
 * XGBoost algorithm (hyperparameter names, defaults, channels, metric names, log lines).
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { OrchardError } from '../../core/errors.js';
import type { Algorithm, MetricDefinition, Predictor, TrainContext } from '../algorithm.js';
import { loadCsvMatrix } from '../data/matrix.js';
import type { Matrix } from '../data/matrix.js';
import { checkOptions, trainBooster } from './booster.js';
import { EVAL_METRICS, toBoosterOptions, XGBOOST_HYPERPARAMETERS } from './hyperparameters.js';
import { maximize } from './metrics.js';
import { MODEL_FORMAT, MODEL_FORMAT_VERSION, TreeModel } from './model.js';
import { checkLabels } from './objective.js';

export const XGBOOST_VERSION = '1.0.0';
export const MODEL_FILE = 'model.json';

const METRICS: MetricDefinition[] = EVAL_METRICS.flatMap((m) =>
  (['train', 'validation'] as const).map((c) => ({ name: `${c}:${m}`, goal: maximize(m) ? ('maximize' as const) : ('minimize' as const) })),
);

async function loadChannel(ctx: TrainContext, channel: string): Promise<Matrix | null> {
  const input = ctx.channels[channel];
  if (!input) return null;
  const type = input.contentType.split(';')[0].trim().toLowerCase();
  if (type !== 'text/csv' && type !== 'csv') {
    throw new OrchardError('ORCH_TRAINING_DATA_INVALID', {
      message: `xgboost reads text/csv (target first, no header); channel ${channel} is ${input.contentType}`,
      details: { channel, contentType: input.contentType },
    });
  }
  return loadCsvMatrix(input.files, { label: true, threads: ctx.threads });
}

/**
 * Below this many training cells (rows × features) a job trains on one thread unless
 * `nthread` says otherwise: a round's kernels then take a few hundred microseconds, less
 * than handing each one to a second thread costs once the machine is busy (2,000 × 10
 * rows, 50 rounds, load 7–14 on 2 cores: 0.27 s on one thread, 4.0 s on two; 50,000 × 20:
 * 0.8 s against 5.2 s).
 */
export const PARALLEL_MIN_CELLS = 1 << 20;

async function train(ctx: TrainContext): Promise<void> {
  // ctx.hyperparameters were resolved once, when the job was created; only the rules
  // between parameters (num_class with multi:*, eval_metric per objective) are checked here.
  const hp = ctx.hyperparameters;
  const opts = toBoosterOptions(hp, ctx.seed, ctx.threads);
  checkOptions(opts);
  if (!ctx.channels.train) {
    throw new OrchardError('ORCH_TRAINING_CHANNEL_MISSING', { message: 'xgboost needs a "train" channel', details: { channel: 'train', given: Object.keys(ctx.channels) } });
  }
  if (opts.earlyStoppingRounds !== null && !ctx.channels.validation) {
    throw new OrchardError('ORCH_TRAINING_CHANNEL_MISSING', {
      message: 'early_stopping_rounds needs a "validation" channel',
      details: { channel: 'validation', given: Object.keys(ctx.channels) },
    });
  }
  const trainData = (await loadChannel(ctx, 'train'))!;
  const validation = await loadChannel(ctx, 'validation');
  checkLabels(opts.objective, trainData.labels!, opts.numClass, 'train');
  if (validation) {
    if (validation.cols !== trainData.cols) {
      throw new OrchardError('ORCH_TRAINING_DATA_INVALID', {
        message: `validation has ${validation.cols} feature columns, train has ${trainData.cols}`,
        details: { train: trainData.cols, validation: validation.cols },
      });
    }
    checkLabels(opts.objective, validation.labels!, opts.numClass, 'validation');
  }
  if (hp.nthread === undefined && trainData.rows * trainData.cols < PARALLEL_MIN_CELLS) opts.threads = 1;
  ctx.log(`xgboost: ${trainData.rows} rows x ${trainData.cols} features${validation ? `, validation ${validation.rows} rows` : ''}; ${opts.threads} threads`);
  const result = await trainBooster(trainData, validation, opts, {
    log: (l) => ctx.log(l),
    metric: (n, v, s) => ctx.metric(n, v, s),
    signal: ctx.signal,
    checkpointDir: ctx.checkpointDir,
    checkpointKey: JSON.stringify({ hp, seed: opts.seed, rows: trainData.rows, cols: trainData.cols }),
  });
  await fs.mkdir(ctx.modelDir, { recursive: true });
  const doc = result.model.toJSON({
    algorithmVersion: XGBOOST_VERSION,
    hyperparameters: hp,
    seed: opts.seed,
    bestIteration: result.bestIteration,
    extra: { finalMetrics: result.finalMetrics, trainedRounds: result.rounds },
  });
  await fs.writeFile(path.join(ctx.modelDir, MODEL_FILE), JSON.stringify(doc));
}

/** Reads and checks `model.json` of a model folder. */
export async function loadModel(modelDir: string): Promise<TreeModel> {
  const file = path.join(modelDir, MODEL_FILE);
  let doc: Record<string, unknown>;
  try {
    doc = JSON.parse(await fs.readFile(file, 'utf8')) as Record<string, unknown>;
  } catch (cause) {
    throw new OrchardError('ORCH_MODEL_INVALID', { message: `Cannot read the xgboost model ${MODEL_FILE}`, cause, details: { file: MODEL_FILE } });
  }
  if (doc.format !== MODEL_FORMAT || doc.algorithm !== 'xgboost') {
    throw new OrchardError('ORCH_MODEL_INVALID', {
      message: `${MODEL_FILE} is not an Orchard xgboost model (format ${String(doc.format)}, algorithm ${String(doc.algorithm)})`,
      details: { format: doc.format, algorithm: doc.algorithm },
    });
  }
  if (doc.formatVersion !== MODEL_FORMAT_VERSION || String(doc.version).split('.')[0] !== XGBOOST_VERSION.split('.')[0]) {
    throw new OrchardError('ORCH_MODEL_INVALID', {
      message: `xgboost model version ${String(doc.version)} (format ${String(doc.formatVersion)}) is not supported by ${XGBOOST_VERSION}`,
      details: { version: doc.version, formatVersion: doc.formatVersion },
    });
  }
  return TreeModel.fromJSON(doc);
}

async function load(modelDir: string): Promise<Predictor> {
  return (await loadModel(modelDir)).predictor();
}

export const xgboost: Algorithm = {
  name: 'xgboost',
  version: XGBOOST_VERSION,
  description: 'Gradient-boosted trees (histogram method), compatible with SageMaker XGBoost.',
  hyperparameters: XGBOOST_HYPERPARAMETERS,
  metrics: METRICS,
  inputContentTypes: ['text/csv'],
  requiredChannels: ['train'],
  optionalChannels: ['validation'],
  train,
  load,
  exportOnnx: {
    format: MODEL_FORMAT,
    majorVersion: '1',
    build: async (doc) => (await import('./onnx-export.js')).exportXgboost(doc),
  },
};

export { trainBooster } from './booster.js';
export type { BoosterHooks, BoosterResult } from './booster.js';
export { toBoosterOptions, XGBOOST_HYPERPARAMETERS } from './hyperparameters.js';
export type { BoosterOptions } from './hyperparameters.js';
