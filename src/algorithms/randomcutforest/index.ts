/**
 * Built-in random cut forest (SageMaker's "Random Cut Forest (RCF) Algorithm"): CSV rows
 * without a label in `train`; an optional `test` channel with the label first (1 =
 * anomaly) gives accuracy, precision, recall and F1. Scores anomalies per row.
 */
import { OrchardError } from '../../core/errors.js';
import type { Algorithm, TrainContext } from '../algorithm.js';
import { loadCsvMatrix, type Matrix } from '../data/matrix.js';
import { createKernelPool, splitRows } from '../parallel/kernel-pool.js';
import { createRandom } from '../parallel/random.js';
import { RCF_HYPERPARAMETERS, rcfOptions, type RcfOptions } from './hyperparameters.js';
import { buildForest, shingleRows, type Forest } from './rcf-forest.js';
import { rcfKernelSource } from './rcf-score.js';
import { RCF_FORMAT, RCF_VERSION, rcfPredictor, readRcf, saveRcf } from './rcf-model.js';

async function channelMatrix(ctx: TrainContext, channel: string, o: RcfOptions, label: boolean): Promise<Matrix | null> {
  const c = ctx.channels[channel];
  if (!c) return null;
  if (c.contentType.split(';')[0].trim() !== 'text/csv') {
    throw new OrchardError('ORCH_TRAINING_DATA_INVALID', { message: `randomcutforest reads text/csv; channel "${channel}" is ${c.contentType}`, details: { channel, contentType: c.contentType } });
  }
  const m = await loadCsvMatrix(c.files, { label, threads: ctx.threads });
  if (m.cols !== o.featureDim) {
    throw new OrchardError('ORCH_TRAINING_DATA_INVALID', {
      message: `feature_dim is ${o.featureDim} but channel "${channel}" rows have ${m.cols} ${label ? 'features after the label' : 'columns'}`,
      details: { field: 'feature_dim', feature_dim: o.featureDim, columns: m.cols, channel },
    });
  }
  const bad = m.features.findIndex((v) => !Number.isFinite(v));
  if (bad >= 0) throw new OrchardError('ORCH_TRAINING_DATA_INVALID', { message: `Channel "${channel}", row ${Math.floor(bad / m.cols) + 1}: random cut forest needs complete numeric rows`, details: { channel, row: Math.floor(bad / m.cols) + 1 } });
  if (label) {
    const i = m.labels!.findIndex((y) => y !== 0 && y !== 1);
    if (i >= 0) throw new OrchardError('ORCH_TRAINING_DATA_INVALID', { message: `Channel "${channel}", row ${i + 1}: the label must be 0 (normal) or 1 (anomaly); got ${m.labels![i]}`, details: { field: 'label', channel, row: i + 1 } });
  }
  return m;
}

/** Scores every point of P (n × D) on `threads` threads. */
export async function scoreParallel(forest: Forest, P: Float32Array, n: number, threads: number): Promise<Float64Array> {
  const pool = createKernelPool(rcfKernelSource(forest.D), n >= 2000 ? threads : 1, forest as unknown as Record<string, unknown>);
  try {
    const parts = await pool.run<Float64Array>('score', splitRows(n, pool.threads).map((r) => ({ P, ...r })));
    const out = new Float64Array(n);
    let o = 0;
    for (const p of parts) {
      out.set(p, o);
      o += p.length;
    }
    return out;
  } finally {
    await pool.close();
  }
}

/** Builds a forest over rows of X (featureDim columns), shingled as the options say. */
export function fitForest(X: Float32Array, rows: number, o: RcfOptions, seed: number): { forest: Forest; points: Float32Array; n: number } {
  const points = shingleRows(X, rows, o.featureDim, o.shingleSize);
  // Only complete shingles are training points.
  const skip = Math.min(rows - 1, o.shingleSize - 1);
  const D = o.featureDim * o.shingleSize;
  const P = points.subarray(skip * D);
  const forest = buildForest(P, rows - skip, D, o.numTrees, o.samplesPerTree, createRandom(seed));
  return { forest, points, n: rows };
}

async function train(ctx: TrainContext): Promise<void> {
  const o = rcfOptions(ctx.hyperparameters);
  // Seconds each phase took, for the job's log.
  const phases: string[] = [];
  let mark = performance.now();
  const lap = (phase: string) => {
    const now = performance.now();
    phases.push(`${phase} ${((now - mark) / 1000).toFixed(2)} s`);
    mark = now;
  };
  const m = await channelMatrix(ctx, 'train', o, false);
  if (!m) throw new OrchardError('ORCH_TRAINING_CHANNEL_MISSING', { message: 'randomcutforest needs a "train" channel', details: { channel: 'train' } });
  ctx.log(`randomcutforest: ${m.rows} rows × ${m.cols} features, shingle ${o.shingleSize}, ${o.numTrees} trees of ${Math.min(o.samplesPerTree, m.rows)} samples, threads=${ctx.threads}`);
  lap('read');
  const { forest, points } = fitForest(m.features, m.rows, o, ctx.seed);
  lap('build');
  // Training score statistics, from up to 20 000 evenly spaced rows.
  const step = Math.max(1, Math.floor(m.rows / 20_000));
  const D = forest.D;
  const picked = Math.ceil(m.rows / step);
  const S = new Float32Array(new SharedArrayBuffer(picked * D * 4));
  for (let i = 0, r = 0; r < m.rows; r += step, i++) S.set(points.subarray(r * D, r * D + D), i * D);
  const trainScores = await scoreParallel(forest, S, picked, ctx.threads);
  let mean = 0;
  for (const s of trainScores) mean += s / picked;
  let variance = 0;
  for (const s of trainScores) variance += (s - mean) ** 2 / picked;
  const std = Math.sqrt(variance);
  lap('training scores');
  const metrics: Record<string, number> = {};
  const test = await channelMatrix(ctx, 'test', o, true);
  if (test) {
    const scores = await scoreParallel(forest, shingleRows(test.features, test.rows, o.featureDim, o.shingleSize), test.rows, ctx.threads);
    const threshold = mean + 3 * std;
    let tp = 0;
    let fp = 0;
    let fn = 0;
    let tn = 0;
    scores.forEach((s, i) => {
      const predicted = s > threshold;
      const actual = test.labels![i] === 1;
      if (predicted && actual) tp++;
      else if (predicted) fp++;
      else if (actual) fn++;
      else tn++;
    });
    if (o.accuracy) metrics['test:accuracy'] = (tp + tn) / test.rows;
    if (o.prf) {
      const precision = tp + fp > 0 ? tp / (tp + fp) : 0;
      const recall = tp + fn > 0 ? tp / (tp + fn) : 0;
      metrics['test:precision'] = precision;
      metrics['test:recall'] = recall;
      metrics['test:f1'] = precision + recall > 0 ? (2 * precision * recall) / (precision + recall) : 0;
    }
  }
  if (test) lap('test');
  for (const [name, value] of Object.entries(metrics)) ctx.metric(name, value);
  await saveRcf(
    ctx.modelDir,
    { hyperparameters: ctx.hyperparameters, seed: ctx.seed, featureDim: o.featureDim, shingleSize: o.shingleSize, scoreMean: mean, scoreStd: std, metrics },
    forest,
  );
  lap('model written');
  ctx.log(`randomcutforest: ${phases.join(', ')}`);
}

export const randomCutForest: Algorithm = {
  name: 'randomcutforest',
  version: RCF_VERSION,
  description: 'Random cut forest anomaly detection (Guha et al. 2016): per-row anomaly scores, optional shingling of consecutive rows.',
  hyperparameters: RCF_HYPERPARAMETERS,
  metrics: [
    { name: 'test:accuracy', goal: 'maximize' },
    { name: 'test:precision', goal: 'maximize' },
    { name: 'test:recall', goal: 'maximize' },
    { name: 'test:f1', goal: 'maximize' },
  ],
  inputContentTypes: ['text/csv'],
  requiredChannels: ['train'],
  optionalChannels: ['test'],
  train,
  async load(modelDir: string) {
    const { artifact, forest } = await readRcf(modelDir);
    return rcfPredictor(artifact, forest);
  },
  exportOnnx: {
    format: RCF_FORMAT,
    majorVersion: RCF_VERSION.split('.')[0],
    build: async (_doc, modelDir) => (await import('./rcf-onnx.js')).exportRcf(modelDir),
  },
};
