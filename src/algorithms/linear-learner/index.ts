/**
 * Built-in linear learner (SageMaker's "Linear Learner Algorithm"): binary and
 * multiclass classification and regression with several models trained in parallel and
 * the best kept. CSV with the target in the first column.
 */
import { OrchardError } from '../../core/errors.js';
import type { Algorithm, TrainContext } from '../algorithm.js';
import { loadCsvMatrix, type Matrix } from '../data/matrix.js';
import { LINEAR_LEARNER_HYPERPARAMETERS, linearOptions, type LinearOptions } from './hyperparameters.js';
import { checkLabels, fitLinear } from './linear-core.js';
import { evaluateOutputs } from './linear-metrics.js';
import { LINEAR_FORMAT, LINEAR_VERSION, linearPredictor, readLinear, saveLinear, type LinearArtifact } from './linear-model.js';

async function loadChannel(ctx: TrainContext, channel: string, o: LinearOptions, cols: number | null): Promise<Matrix | null> {
  const c = ctx.channels[channel];
  if (!c) return null;
  if (c.contentType.split(';')[0].trim() !== 'text/csv') {
    throw new OrchardError('ORCH_TRAINING_DATA_INVALID', { message: `linear-learner reads text/csv; channel "${channel}" is ${c.contentType}`, details: { channel } });
  }
  const m = await loadCsvMatrix(c.files, { label: true, threads: ctx.threads });
  const want = cols ?? o.featureDim;
  if (want !== null && m.cols !== want) {
    throw new OrchardError('ORCH_TRAINING_DATA_INVALID', {
      message: `channel "${channel}" rows have ${m.cols} features; expected ${want}${cols === null ? ' (feature_dim)' : ' (as the train channel)'}`,
      details: { channel, columns: m.cols, expected: want },
    });
  }
  checkLabels(m.labels!, o, channel);
  return m;
}

async function train(ctx: TrainContext): Promise<void> {
  const o = linearOptions(ctx.hyperparameters);
  const seed = o.seed ?? ctx.seed;
  // `#phase` lines split the attempt's time in its profile (docs/debugger.md).
  ctx.log('#phase data_loading');
  const trainData = await loadChannel(ctx, 'train', o, null);
  if (!trainData) throw new OrchardError('ORCH_TRAINING_CHANNEL_MISSING', { message: 'linear-learner needs a "train" channel', details: { channel: 'train' } });
  const validation = await loadChannel(ctx, 'validation', o, trainData.cols);
  const test = await loadChannel(ctx, 'test', o, trainData.cols);
  ctx.log(
    `linear-learner: ${trainData.rows} rows × ${trainData.cols} features, ${o.predictorType} (${o.loss}), ${o.settings.length} models, ${o.optimizer}, threads=${ctx.threads}`,
  );
  ctx.log('#phase training');
  const fit = await fitLinear(trainData, validation, o, {
    threads: ctx.threads,
    seed,
    log: ctx.log,
    signal: ctx.signal,
    // Per-epoch losses and tensors, as metric series: what Debugger rules read.
    onEpoch: (epoch, trainLoss, validationLoss) => {
      ctx.metric('train:loss', trainLoss, epoch);
      if (validationLoss !== null) ctx.metric('validation:loss', validationLoss, epoch);
    },
    onTensors: (epoch, tensors) => {
      for (const [name, value] of Object.entries(tensors)) ctx.metric(name, value, epoch);
    },
  });
  ctx.log('#phase evaluation');
  const s = fit.chosen.setting;
  ctx.log(`linear-learner: kept model ${fit.chosen.model} (learning_rate=${s.learningRate.toPrecision(3)}, wd=${s.wd}, l1=${s.l1}) from epoch ${fit.chosen.epoch}, selected on ${fit.chosen.selectedOn} loss`);
  const artifact: LinearArtifact = {
    format: LINEAR_FORMAT,
    algorithm: 'linear-learner',
    version: LINEAR_VERSION,
    hyperparameters: ctx.hyperparameters,
    seed,
    predictorType: o.predictorType,
    loss: o.loss,
    featureDim: fit.d,
    outputs: fit.out,
    weights: Array.from(fit.weights),
    bias: Array.from(fit.bias),
    mean: Array.from(fit.mean),
    selected: { ...fit.chosen, epochsRun: fit.epochs },
    metrics: {},
  };
  const predictor = linearPredictor(artifact);
  const score = (m: Matrix, prefix: string, names: readonly string[] | null) => {
    const { values, outputsPerRow } = predictor.predict(m.features, m.rows);
    const all = evaluateOutputs(o.predictorType, o.loss, values, outputsPerRow, m.labels!, o.positiveWeight);
    for (const [name, value] of Object.entries(all)) {
      if (names && !names.includes(name)) continue;
      if (!Number.isNaN(value)) artifact.metrics[`${prefix}:${name}`] = value;
    }
  };
  score(trainData, 'train', ['objective_loss']);
  if (validation) score(validation, 'validation', null);
  if (test) score(test, 'test', null);
  for (const [name, value] of Object.entries(artifact.metrics)) ctx.metric(name, value);
  ctx.log('#phase save_model');
  await saveLinear(ctx.modelDir, artifact);
}

export const linearLearner: Algorithm = {
  name: 'linear-learner',
  version: LINEAR_VERSION,
  description: 'Linear models (logistic, hinge, softmax, squared and absolute loss) trained by mini-batch SGD/Adam, several in parallel, the best kept.',
  hyperparameters: LINEAR_LEARNER_HYPERPARAMETERS,
  metrics: [
    { name: 'train:objective_loss', goal: 'minimize' },
    { name: 'validation:objective_loss', goal: 'minimize' },
    { name: 'validation:binary_classification_accuracy', goal: 'maximize' },
    { name: 'validation:auc', goal: 'maximize' },
    { name: 'validation:multiclass_accuracy', goal: 'maximize' },
    { name: 'validation:rmse', goal: 'minimize' },
    { name: 'validation:mse', goal: 'minimize' },
    { name: 'validation:absolute_loss', goal: 'minimize' },
    { name: 'test:objective_loss', goal: 'minimize' },
    { name: 'test:binary_classification_accuracy', goal: 'maximize' },
    { name: 'test:auc', goal: 'maximize' },
    { name: 'test:multiclass_accuracy', goal: 'maximize' },
    { name: 'test:rmse', goal: 'minimize' },
    { name: 'test:mse', goal: 'minimize' },
    { name: 'test:absolute_loss', goal: 'minimize' },
  ],
  inputContentTypes: ['text/csv'],
  requiredChannels: ['train'],
  optionalChannels: ['validation', 'test'],
  train,
  async load(modelDir: string) {
    return linearPredictor(await readLinear(modelDir));
  },
  exportOnnx: {
    format: LINEAR_FORMAT,
    majorVersion: '1',
    build: async (doc) => (await import('./onnx-export.js')).exportLinearLearner(doc),
  },
};
