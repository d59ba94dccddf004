import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { TrainContext } from '../algorithm.js';
import { loadCsvMatrix } from '../data/matrix.js';
import { resolveHyperparameters } from '../hyperparameters.js';
import { kmeansOptions } from './hyperparameters.js';
import { kmeans } from './index.js';
import { toShared } from '../parallel/kernel-pool.js';
import { fitKMeans } from './kmeans-core.js';
import { kmeansPredictor } from './kmeans-model.js';
import { createRandom } from '../parallel/random.js';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'kmeans-test-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

/** `perBlob` rows around each of `centers` (std 0.5), shuffled, written as label-less CSV. */
function blobs(centers: number[][], perBlob: number, seed: number, name: string): { file: string; truth: number[] } {
  const rng = createRandom(seed);
  const rows: { x: number[]; c: number }[] = [];
  centers.forEach((c, ci) => {
    for (let i = 0; i < perBlob; i++) rows.push({ x: c.map((v) => v + 0.5 * rng.normal()), c: ci });
  });
  for (let i = rows.length - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    [rows[i], rows[j]] = [rows[j], rows[i]];
  }
  const file = path.join(tmp, name);
  fs.writeFileSync(file, rows.map((r) => r.x.map((v) => v.toFixed(5)).join(',')).join('\n') + '\n');
  return { file, truth: rows.map((r) => r.c) };
}

const CENTERS = [
  [0, 0, 0, 0],
  [10, 0, 0, 0],
  [0, 10, 0, 0],
  [0, 0, 10, 0],
  [0, 0, 0, 10],
];

function context(hp: Record<string, string>, channels: Record<string, string>, modelDir: string, threads = 1) {
  const metrics: Record<string, number> = {};
  const ctx: TrainContext = {
    hyperparameters: resolveHyperparameters(kmeans.hyperparameters, hp),
    channels: Object.fromEntries(Object.entries(channels).map(([k, f]) => [k, { files: [f], contentType: 'text/csv' }])),
    modelDir,
    checkpointDir: path.join(modelDir, '..', 'ckpt'),
    threads,
    seed: 7,
    signal: new AbortController().signal,
    log: () => {},
    metric: (name, value) => {
      metrics[name] = value;
    },
  };
  return { ctx, metrics };
}

/** Every found cluster holds rows of one true blob only. */
function purity(pred: Float32Array, truth: number[], k: number): number {
  const table = Array.from({ length: k }, () => new Map<number, number>());
  truth.forEach((t, i) => table[pred[2 * i]].set(t, (table[pred[2 * i]].get(t) ?? 0) + 1));
  let majority = 0;
  for (const m of table) majority += Math.max(0, ...m.values());
  return majority / truth.length;
}

describe('kmeans', () => {
  const train = blobs(CENTERS, 400, 1, 'train.csv');
  const test = blobs(CENTERS, 100, 2, 'test.csv');

  // Full Lloyd from random rows can settle in a local optimum (two seeds in one blob);
  // web-scale mode recovers from that through its extra centres and k-means++ reduction.
  const cases = [
    ['web_scale', 'random'],
    ['web_scale', 'kmeans++'],
    ['lloyd', 'kmeans++'],
  ] as const;
  for (const [mode, init] of cases) {
    it(`finds well-separated blobs (${mode}, ${init})`, async () => {
      const dir = path.join(tmp, `model-${mode}-${init}`);
      const { ctx, metrics } = context({ k: '5', algorithm_mode: mode, init_method: init, mini_batch_size: '500', eval_metrics: '["msd","ssd"]' }, { train: train.file, test: test.file }, dir);
      await kmeans.train(ctx);
      const predictor = await kmeans.load(dir);
      const m = await loadCsvMatrix([test.file], { label: false });
      const { values, outputsPerRow } = predictor.predict(m.features, m.rows);
      expect(outputsPerRow).toBe(2);
      expect(purity(values, test.truth, 5)).toBe(1);
      // Within-blob variance is 4 × 0.25 per row.
      expect(metrics['train:msd']).toBeGreaterThan(0.8);
      expect(metrics['train:msd']).toBeLessThan(1.2);
      expect(metrics['test:msd']).toBeLessThan(1.3);
      expect(metrics['test:ssd']).toBeCloseTo(metrics['test:msd'] * m.rows, 3);
      expect(metrics['train:ssd']).toBeCloseTo(metrics['train:msd'] * 2000, 3);
    });
  }

  it('uses worker threads on large data with the same result quality', async () => {
    const big = blobs(CENTERS, 6000, 3, 'big.csv');
    const m = await loadCsvMatrix([big.file], { label: false });
    const o = kmeansOptions(resolveHyperparameters(kmeans.hyperparameters, { k: '5', init_method: 'kmeans++', algorithm_mode: 'lloyd' }));
    const one = await fitKMeans(toShared(m.features), m.rows, m.cols, o, { threads: 1, seed: 3 });
    const two = await fitKMeans(toShared(m.features), m.rows, m.cols, o, { threads: 2, seed: 3 });
    expect(two.ssd / one.ssd).toBeCloseTo(1, 6);
    const pred = kmeansPredictor({ k: 5, featureDim: 4, centers: Array.from(two.centers) }).predict(m.features, m.rows).values;
    expect(purity(pred, big.truth, 5)).toBe(1);
  });

  it('predicts the same after save and load as with the fitted centres', async () => {
    const dir = path.join(tmp, 'roundtrip');
    const { ctx } = context({ k: '5', init_method: 'kmeans++' }, { train: train.file }, dir);
    await kmeans.train(ctx);
    const m = await loadCsvMatrix([train.file], { label: false });
    const o = kmeansOptions(ctx.hyperparameters);
    const fit = await fitKMeans(toShared(m.features), m.rows, m.cols, o, { threads: 1, seed: 7 });
    const direct = kmeansPredictor({ k: fit.k, featureDim: fit.d, centers: Array.from(fit.centers) }).predict(m.features, m.rows).values;
    const loaded = (await kmeans.load(dir)).predict(m.features, m.rows).values;
    expect(Array.from(loaded)).toEqual(Array.from(direct));
    const saved = JSON.parse(fs.readFileSync(path.join(dir, 'model.json'), 'utf8'));
    expect(saved).toMatchObject({ format: 'orchard-kmeans', algorithm: 'kmeans', version: kmeans.version, seed: 7 });
    expect(saved.hyperparameters.k).toBe(5);
  });

  it('predicts the closest cluster and the Euclidean distance, skipping missing values', () => {
    const p = kmeansPredictor({ k: 2, featureDim: 2, centers: [0, 0, 10, 10] });
    const { values, outputsPerRow } = p.predict(new Float32Array([9, Number.NaN, 1, 1, 10, 13]), 3);
    expect(outputsPerRow).toBe(2);
    expect(values[0]).toBe(1);
    expect(values[1]).toBeCloseTo(1, 6);
    expect(values[2]).toBe(0);
    expect(values[3]).toBeCloseTo(Math.SQRT2, 6);
    expect(values[4]).toBe(1);
    expect(values[5]).toBeCloseTo(3, 6);
  });

  it('refuses a model of another algorithm or version', async () => {
    const dir = path.join(tmp, 'bad-model');
    fs.mkdirSync(dir, { recursive: true });
    const good = { format: 'orchard-kmeans', algorithm: 'kmeans', version: kmeans.version, hyperparameters: {}, seed: 1, k: 1, featureDim: 1, centers: [0], metrics: {} };
    for (const bad of [{ ...good, algorithm: 'pca' }, { ...good, version: '0.0.1' }, { ...good, centers: [0, 1] }]) {
      fs.writeFileSync(path.join(dir, 'model.json'), JSON.stringify(bad));
      await expect(kmeans.load(dir)).rejects.toMatchObject({ code: 'ORCH_MODEL_INVALID' });
    }
  });

  it('refuses bad hyperparameters', () => {
    const hp = kmeans.hyperparameters;
    expect(() => resolveHyperparameters(hp, {})).toThrow(expect.objectContaining({ code: 'ORCH_HYPERPARAMETER_MISSING' }));
    expect(() => resolveHyperparameters(hp, { k: '0' })).toThrow(expect.objectContaining({ code: 'ORCH_HYPERPARAMETER_INVALID' }));
    expect(() => resolveHyperparameters(hp, { k: '3', init_method: 'farthest' })).toThrow(expect.objectContaining({ code: 'ORCH_HYPERPARAMETER_INVALID' }));
    expect(() => resolveHyperparameters(hp, { k: '3', mini_batch_size: '0' })).toThrow(expect.objectContaining({ code: 'ORCH_HYPERPARAMETER_INVALID' }));
    expect(() => resolveHyperparameters(hp, { k: '3', centers: '3' })).toThrow(expect.objectContaining({ code: 'ORCH_HYPERPARAMETER_UNKNOWN' }));
  });

  it('refuses a missing channel, a feature_dim mismatch, missing values and fewer rows than k', async () => {
    const dir = path.join(tmp, 'refuse');
    await expect(kmeans.train(context({ k: '2' }, {}, dir).ctx)).rejects.toMatchObject({ code: 'ORCH_TRAINING_CHANNEL_MISSING' });
    await expect(kmeans.train(context({ k: '2', feature_dim: '3' }, { train: train.file }, dir).ctx)).rejects.toMatchObject({ code: 'ORCH_TRAINING_DATA_INVALID' });
    const holes = path.join(tmp, 'holes.csv');
    fs.writeFileSync(holes, '1,2\n3,\n5,6\n');
    await expect(kmeans.train(context({ k: '2' }, { train: holes }, dir).ctx)).rejects.toMatchObject({ code: 'ORCH_TRAINING_DATA_INVALID' });
    await expect(kmeans.train(context({ k: '5' }, { train: holes }, dir).ctx)).rejects.toMatchObject({ code: 'ORCH_TRAINING_DATA_INVALID' });
  });
});
