/**
 * Built-in k-NN (SageMaker's "k-Nearest Neighbors (k-NN) Algorithm"): CSV rows, label
 * first; a uniform sample of `sample_size` rows, optionally projected to fewer
 * dimensions, indexed exactly (faiss.Flat) or by inverted lists (faiss.IVFFlat,
 * faiss.IVFPQ). Predicts the neighbours' most common label or their mean.
 */
import { OrchardError } from '../../core/errors.js';
import type { Algorithm, TrainContext } from '../algorithm.js';
import { loadCsvMatrix, type Matrix } from '../data/matrix.js';
import { createRandom } from '../parallel/random.js';
import { KNN_HYPERPARAMETERS, autoPqM, checkKnnHyperparameters, knnOptions, type KnnOptions } from './hyperparameters.js';
import { buildIndex, createSearcher, makeProjection, normalizeRows, prepareQueries, project, type KnnIndex } from './knn-index.js';
import { KNN_FORMAT, KNN_VERSION, knnPredictor, readKnn, saveKnn, voteLabel } from './knn-model.js';

async function channelMatrix(ctx: TrainContext, channel: string, o: KnnOptions): Promise<Matrix | null> {
  const c = ctx.channels[channel];
  if (!c) return null;
  if (c.contentType.split(';')[0].trim() !== 'text/csv') {
    throw new OrchardError('ORCH_TRAINING_DATA_INVALID', { message: `knn reads text/csv (label first); channel "${channel}" is ${c.contentType}`, details: { channel, contentType: c.contentType } });
  }
  const m = await loadCsvMatrix(c.files, { label: true, threads: ctx.threads });
  if (m.cols !== o.featureDim) {
    throw new OrchardError('ORCH_TRAINING_DATA_INVALID', { message: `feature_dim is ${o.featureDim} but channel "${channel}" rows have ${m.cols} features after the label`, details: { field: 'feature_dim', feature_dim: o.featureDim, columns: m.cols, channel } });
  }
  const bad = m.features.findIndex((v) => !Number.isFinite(v));
  if (bad >= 0) {
    throw new OrchardError('ORCH_TRAINING_DATA_INVALID', { message: `Channel "${channel}", row ${Math.floor(bad / m.cols) + 1}: k-NN needs complete numeric rows (column ${(bad % m.cols) + 2} is missing or infinite)`, details: { channel, row: Math.floor(bad / m.cols) + 1 } });
  }
  return m;
}

/** `sample` rows of m chosen uniformly without replacement (all of them when there are fewer), in shared memory. */
function sampleRows(m: Matrix, sample: number, seed: number): { X: Float32Array; labels: Float32Array; n: number } {
  const d = m.cols;
  if (sample >= m.rows) return { X: m.features, labels: m.labels!, n: m.rows };
  const rng = createRandom(seed);
  const idx = Int32Array.from({ length: m.rows }, (_, i) => i);
  for (let i = 0; i < sample; i++) {
    const j = i + rng.int(m.rows - i);
    [idx[i], idx[j]] = [idx[j], idx[i]];
  }
  const chosen = idx.subarray(0, sample).sort();
  const X = new Float32Array(new SharedArrayBuffer(sample * d * 4));
  const labels = new Float32Array(sample);
  for (let i = 0; i < sample; i++) {
    X.set(m.features.subarray(chosen[i] * d, chosen[i] * d + d), i * d);
    labels[i] = m.labels![chosen[i]];
  }
  return { X, labels, n: sample };
}

/** Builds the index the options describe from labelled rows (also used by the bench). */
export async function buildKnnIndex(X: Float32Array, labels: Float32Array, n: number, o: KnnOptions, run: { threads: number; seed: number; log?: (line: string) => void }): Promise<KnnIndex> {
  const rng = createRandom(run.seed ^ 0x27d4eb2f);
  const projection = o.reduction ? makeProjection(o.reduction.type, o.featureDim, o.reduction.target, rng) : null;
  let V = projection ? project(projection, X, n) : X;
  const d = projection ? projection.to : o.featureDim;
  if (o.metric === 'COSINE') {
    if (V === X) {
      V = new Float32Array(new SharedArrayBuffer(n * d * 4));
      V.set(X.subarray(0, n * d));
    }
    normalizeRows(V, n, d);
  }
  const kind = o.indexType === 'faiss.Flat' ? 'flat' : o.indexType === 'faiss.IVFFlat' ? 'ivf' : 'ivfpq';
  return buildIndex(V, labels, n, d, projection, { metric: o.metric, kind, nlists: o.nlists, nprobe: o.nprobe, pqM: o.pqM ?? autoPqM(d) ?? 1, threads: run.threads, seed: run.seed, log: run.log });
}

async function train(ctx: TrainContext): Promise<void> {
  const o = knnOptions(ctx.hyperparameters);
  const m = await channelMatrix(ctx, 'train', o);
  if (!m) throw new OrchardError('ORCH_TRAINING_CHANNEL_MISSING', { message: 'knn needs a "train" channel', details: { channel: 'train' } });
  const s = sampleRows(m, o.sampleSize, ctx.seed);
  if (o.k > s.n) {
    throw new OrchardError('ORCH_TRAINING_DATA_INVALID', { message: `k (${o.k}) is larger than the sample: the train channel has ${s.n} rows`, details: { field: 'k', k: o.k, rows: s.n } });
  }
  if (o.predictorType === 'classifier') {
    const bad = s.labels.findIndex((y) => !Number.isInteger(y) || y < 0);
    if (bad >= 0) throw new OrchardError('ORCH_TRAINING_DATA_INVALID', { message: `predictor_type=classifier needs labels that are non-negative integers; sampled row ${bad + 1} has ${s.labels[bad]}`, details: { field: 'label', label: s.labels[bad] } });
  }
  ctx.log(`knn: ${m.rows} rows × ${m.cols} features, sample ${s.n}, k=${o.k}, ${o.indexType}, ${o.metric}${o.reduction ? `, ${o.reduction.type} to ${o.reduction.target}` : ''}, threads=${ctx.threads}`);
  const index = await buildKnnIndex(s.X, s.labels, s.n, o, { threads: ctx.threads, seed: ctx.seed, log: ctx.log });
  const metrics: Record<string, number> = {};
  const test = await channelMatrix(ctx, 'test', o);
  if (test) {
    const searcher = createSearcher(index, ctx.threads);
    try {
      const nb = await searcher.search(prepareQueries(index, test.features, test.rows), test.rows, o.k);
      let hits = 0;
      let se = 0;
      for (let q = 0; q < test.rows; q++) {
        const y = voteLabel(index.labels, nb, q, o.predictorType === 'regressor');
        if (y === test.labels![q]) hits++;
        se += (y - test.labels![q]) ** 2;
      }
      if (o.predictorType === 'classifier') metrics['test:accuracy'] = hits / test.rows;
      else metrics['test:mse'] = se / test.rows;
    } finally {
      await searcher.close();
    }
  }
  for (const [name, value] of Object.entries(metrics)) ctx.metric(name, value);
  await saveKnn(ctx.modelDir, { format: KNN_FORMAT, algorithm: 'knn', version: KNN_VERSION, hyperparameters: ctx.hyperparameters, seed: ctx.seed, featureDim: o.featureDim, k: o.k, predictorType: o.predictorType, metrics }, index);
}

export const knn: Algorithm = {
  name: 'knn',
  version: KNN_VERSION,
  description: 'k-nearest neighbours classifier or regressor: exact (faiss.Flat) or inverted-list (faiss.IVFFlat, faiss.IVFPQ) indexes, optional sign or FJLT random projection.',
  hyperparameters: KNN_HYPERPARAMETERS,
  checkHyperparameters: checkKnnHyperparameters,
  metrics: [
    { name: 'test:accuracy', goal: 'maximize' },
    { name: 'test:mse', goal: 'minimize' },
  ],
  inputContentTypes: ['text/csv'],
  requiredChannels: ['train'],
  optionalChannels: ['test'],
  train,
  async load(modelDir: string) {
    const { artifact, index } = await readKnn(modelDir);
    return knnPredictor(artifact, index, modelDir);
  },
  exportOnnx: {
    format: KNN_FORMAT,
    majorVersion: KNN_VERSION.split('.')[0],
    build: async (_doc, modelDir) => (await import('./knn-onnx.js')).exportKnn(modelDir),
  },
};
