/**
 * Built-in PCA (SageMaker's "Principal Component Analysis (PCA) Algorithm"): CSV rows
 * without a label column; the artifact holds the mean, components, singular values and
 * explained variance ratio; inference returns the projection.
 */
import { OrchardError } from '../../core/errors.js';
import type { Algorithm, TrainContext } from '../algorithm.js';
import { loadCsvMatrix } from '../data/matrix.js';
import { PCA_HYPERPARAMETERS, pcaOptions } from './hyperparameters.js';
import { toShared } from '../parallel/kernel-pool.js';
import { fitPca } from './pca-core.js';
import { PCA_FORMAT, PCA_VERSION, pcaPredictor, readPca, savePca } from './pca-model.js';

async function train(ctx: TrainContext): Promise<void> {
  const o = pcaOptions(ctx.hyperparameters);
  const channel = ctx.channels.train;
  if (!channel) throw new OrchardError('ORCH_TRAINING_CHANNEL_MISSING', { message: 'pca needs a "train" channel', details: { channel: 'train' } });
  if (channel.contentType.split(';')[0].trim() !== 'text/csv') {
    throw new OrchardError('ORCH_TRAINING_DATA_INVALID', { message: `pca reads text/csv; the train channel is ${channel.contentType}`, details: { channel: 'train' } });
  }
  const m = await loadCsvMatrix(channel.files, { label: false, threads: ctx.threads });
  if (o.featureDim !== null && o.featureDim !== m.cols) {
    throw new OrchardError('ORCH_TRAINING_DATA_INVALID', {
      message: `feature_dim is ${o.featureDim} but the training rows have ${m.cols} columns`,
      details: { feature_dim: o.featureDim, columns: m.cols },
    });
  }
  ctx.log(`pca: ${m.rows} rows × ${m.cols} features, ${o.numComponents} components, mode=${o.mode}, threads=${ctx.threads}`);
  const fit = await fitPca(toShared(m.features), m.rows, m.cols, o, { threads: ctx.threads, seed: ctx.seed, log: ctx.log });
  const ratio = fit.explainedVarianceRatio.reduce((a, b) => a + b, 0);
  ctx.log(`pca: explained variance ratio ${Array.from(fit.explainedVarianceRatio, (v) => v.toFixed(4)).join(', ')} (sum ${ratio.toFixed(4)})`);
  ctx.metric('train:explained_variance_ratio', ratio);
  await savePca(ctx.modelDir, {
    format: PCA_FORMAT,
    algorithm: 'pca',
    version: PCA_VERSION,
    hyperparameters: ctx.hyperparameters,
    seed: ctx.seed,
    featureDim: fit.d,
    numComponents: fit.k,
    subtractMean: o.subtractMean,
    mean: Array.from(fit.mean),
    components: Array.from(fit.components),
    singularValues: Array.from(fit.singularValues),
    explainedVariance: Array.from(fit.explainedVariance),
    explainedVarianceRatio: Array.from(fit.explainedVarianceRatio),
    rows: fit.rows,
  });
}

export const pca: Algorithm = {
  name: 'pca',
  version: PCA_VERSION,
  description: 'Principal component analysis: exact covariance eigen-decomposition or randomized subspace iteration.',
  hyperparameters: PCA_HYPERPARAMETERS,
  metrics: [{ name: 'train:explained_variance_ratio', goal: 'maximize' }],
  inputContentTypes: ['text/csv'],
  requiredChannels: ['train'],
  optionalChannels: [],
  train,
  async load(modelDir: string) {
    return pcaPredictor(await readPca(modelDir));
  },
  exportOnnx: {
    format: PCA_FORMAT,
    majorVersion: '1',
    build: async (doc) => (await import('./onnx-export.js')).exportPca(doc),
  },
};
