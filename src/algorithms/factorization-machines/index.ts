/**
 * Built-in factorization machines (SageMaker's "Factorization Machines Algorithm"): a
 * binary classifier or regressor over sparse rows — dense CSV (label first), JSON Lines
 * records with sparse `keys`/`values`, or libsvm text — learning pairwise feature
 * interactions through `num_factors` latent factors per feature.
 */
import { OrchardError } from '../../core/errors.js';
import type { Algorithm, TrainContext } from '../algorithm.js';
import { loadSparseRows, sparseInputKind, type SparseRows } from '../data/sparse.js';
import { FM_HYPERPARAMETERS, fmOptions, type FmOptions } from './hyperparameters.js';
import { evaluateFm, trainFm } from './fm-core.js';
import { FM_FORMAT, FM_VERSION, fmPredictor, readFm, saveFm } from './fm-model.js';

async function channelRows(ctx: TrainContext, channel: string, o: FmOptions): Promise<SparseRows | null> {
  const c = ctx.channels[channel];
  if (!c) return null;
  const kind = await sparseInputKind(c.contentType, c.files);
  if (!kind) {
    throw new OrchardError('ORCH_TRAINING_DATA_INVALID', {
      message: `factorization-machines reads text/csv (label first), application/jsonlines (label and sparse keys/values) or libsvm; channel "${channel}" is ${c.contentType}`,
      details: { channel, contentType: c.contentType },
    });
  }
  const rows = await loadSparseRows(c.files, kind, { featureDim: o.featureDim, channel });
  if (o.predictorType === 'binary_classifier') {
    const i = rows.labels.findIndex((y) => y !== 0 && y !== 1);
    if (i >= 0) {
      throw new OrchardError('ORCH_TRAINING_DATA_INVALID', {
        message: `Channel "${channel}", row ${i + 1}: predictor_type=binary_classifier needs labels 0 or 1; got ${rows.labels[i]}`,
        details: { field: 'label', channel, row: i + 1, label: rows.labels[i] },
      });
    }
  }
  return rows;
}

async function train(ctx: TrainContext): Promise<void> {
  const o = fmOptions(ctx.hyperparameters);
  const rows = await channelRows(ctx, 'train', o);
  if (!rows) throw new OrchardError('ORCH_TRAINING_CHANNEL_MISSING', { message: 'factorization-machines needs a "train" channel', details: { channel: 'train' } });
  ctx.log(`factorization-machines: ${rows.rows} rows, ${rows.indices.length} non-zeros, feature_dim=${o.featureDim}, num_factors=${o.numFactors}, ${o.predictorType}, ${o.epochs} epochs`);
  const classifier = o.predictorType === 'binary_classifier';
  const params = trainFm(rows, o, {
    seed: ctx.seed,
    signal: ctx.signal,
    onEpoch: (epoch, loss) => {
      const name = classifier ? 'train:binary_classification_cross_entropy' : 'train:rmse';
      ctx.log(`epoch ${epoch}: ${name}=${loss.toFixed(6)}`);
      ctx.metric(name, loss, epoch);
    },
  });
  const metrics: Record<string, number> = {};
  const test = await channelRows(ctx, 'test', o);
  if (test) Object.assign(metrics, evaluateFm(params, test, classifier, 'test'));
  for (const [name, value] of Object.entries(metrics)) ctx.metric(name, value);
  await saveFm(ctx.modelDir, {
    format: FM_FORMAT,
    algorithm: 'factorization-machines',
    version: FM_VERSION,
    hyperparameters: ctx.hyperparameters,
    seed: ctx.seed,
    predictorType: o.predictorType,
    featureDim: o.featureDim,
    numFactors: o.numFactors,
    w0: params.w0,
    w: Array.from(params.w),
    V: Array.from(params.V),
    metrics,
  });
}

export const factorizationMachines: Algorithm = {
  name: 'factorization-machines',
  version: FM_VERSION,
  description: 'Factorization machines (Rendle 2010): a binary classifier or regressor over sparse rows that learns pairwise interactions through latent factors.',
  hyperparameters: FM_HYPERPARAMETERS,
  metrics: [
    { name: 'train:rmse', goal: 'minimize' },
    { name: 'train:binary_classification_cross_entropy', goal: 'minimize' },
    { name: 'test:rmse', goal: 'minimize' },
    { name: 'test:binary_classification_accuracy', goal: 'maximize' },
    { name: 'test:binary_classification_cross_entropy', goal: 'minimize' },
    { name: 'test:binary_f_beta', goal: 'maximize' },
  ],
  inputContentTypes: ['text/csv', 'application/jsonlines'],
  requiredChannels: ['train'],
  optionalChannels: ['test'],
  // One thread: mini-batch Adam runs on the main thread.
  defaultCpus: 1,
  train,
  async load(modelDir: string) {
    return fmPredictor(await readFm(modelDir));
  },
  exportOnnx: {
    format: FM_FORMAT,
    majorVersion: '1',
    build: async (doc) => (await import('./onnx-export.js')).exportFactorizationMachines(doc),
  },
};
