/**
 * Built-in k-means (SageMaker's "K-Means Algorithm"): unsupervised, CSV rows without a
 * label column. Web-scale mini-batch k-means by default, full Lloyd on request.
 */
import { OrchardError } from '../../core/errors.js';
import type { Algorithm, TrainContext } from '../algorithm.js';
import { loadCsvMatrix } from '../data/matrix.js';
import { KMEANS_HYPERPARAMETERS, kmeansOptions } from './hyperparameters.js';
import { toShared } from '../parallel/kernel-pool.js';
import { fitKMeans, kmeansSsd } from './kmeans-core.js';
import { KMEANS_FORMAT, KMEANS_VERSION, kmeansPredictor, readKMeans, saveKMeans } from './kmeans-model.js';

function csvFiles(ctx: TrainContext, channel: string): string[] | null {
  const c = ctx.channels[channel];
  if (!c) return null;
  if (c.contentType.split(';')[0].trim() !== 'text/csv') {
    throw new OrchardError('ORCH_TRAINING_DATA_INVALID', {
      message: `kmeans reads text/csv; channel "${channel}" is ${c.contentType}`,
      details: { channel, contentType: c.contentType },
    });
  }
  return c.files;
}

async function train(ctx: TrainContext): Promise<void> {
  const o = kmeansOptions(ctx.hyperparameters);
  const files = csvFiles(ctx, 'train');
  if (!files) throw new OrchardError('ORCH_TRAINING_CHANNEL_MISSING', { message: 'kmeans needs a "train" channel', details: { channel: 'train' } });
  const m = await loadCsvMatrix(files, { label: false, threads: ctx.threads });
  if (o.featureDim !== null && o.featureDim !== m.cols) {
    throw new OrchardError('ORCH_TRAINING_DATA_INVALID', {
      message: `feature_dim is ${o.featureDim} but the training rows have ${m.cols} columns`,
      details: { feature_dim: o.featureDim, columns: m.cols },
    });
  }
  ctx.log(`kmeans: ${m.rows} rows × ${m.cols} features, k=${o.k}, mode=${o.mode}, init=${o.initMethod}, threads=${ctx.threads}`);
  const fit = await fitKMeans(toShared(m.features), m.rows, m.cols, o, { threads: ctx.threads, seed: ctx.seed, log: ctx.log, signal: ctx.signal });
  const metrics: Record<string, number> = { 'train:msd': fit.ssd / fit.rows, 'train:ssd': fit.ssd };
  const testFiles = csvFiles(ctx, 'test');
  if (testFiles) {
    const t = await loadCsvMatrix(testFiles, { label: false, threads: ctx.threads });
    if (t.cols !== m.cols) {
      throw new OrchardError('ORCH_TRAINING_DATA_INVALID', { message: `test rows have ${t.cols} columns, train rows ${m.cols}`, details: { channel: 'test' } });
    }
    const ssd = await kmeansSsd(toShared(t.features), t.rows, t.cols, fit.centers, fit.k, ctx.threads);
    if (o.evalMetrics.includes('msd')) metrics['test:msd'] = ssd / t.rows;
    if (o.evalMetrics.includes('ssd')) metrics['test:ssd'] = ssd;
  }
  for (const [name, value] of Object.entries(metrics)) ctx.metric(name, value);
  await saveKMeans(ctx.modelDir, {
    format: KMEANS_FORMAT,
    algorithm: 'kmeans',
    version: KMEANS_VERSION,
    hyperparameters: ctx.hyperparameters,
    seed: ctx.seed,
    k: fit.k,
    featureDim: fit.d,
    centers: Array.from(fit.centers),
    metrics,
  });
}

export const kmeans: Algorithm = {
  name: 'kmeans',
  version: KMEANS_VERSION,
  description: 'k-means clustering: web-scale mini-batch k-means with a local Lloyd reduction (as SageMaker), or full Lloyd.',
  hyperparameters: KMEANS_HYPERPARAMETERS,
  metrics: [
    { name: 'train:msd', goal: 'minimize' },
    { name: 'train:ssd', goal: 'minimize' },
    { name: 'test:msd', goal: 'minimize' },
    { name: 'test:ssd', goal: 'minimize' },
  ],
  inputContentTypes: ['text/csv'],
  requiredChannels: ['train'],
  optionalChannels: ['test'],
  train,
  async load(modelDir: string) {
    return kmeansPredictor(await readKMeans(modelDir));
  },
  exportOnnx: {
    format: KMEANS_FORMAT,
    majorVersion: '1',
    build: async (doc) => (await import('./onnx-export.js')).exportKmeans(doc),
  },
};
