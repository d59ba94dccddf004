import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { TrainContext } from '../algorithm.js';
import { loadCsvMatrix } from '../data/matrix.js';
import { resolveHyperparameters } from '../hyperparameters.js';
import { linearOptions } from './hyperparameters.js';
import { linearLearner } from './index.js';
import { fitLinear } from './linear-core.js';
import { auc } from './linear-metrics.js';
import { linearPredictor, readLinear } from './linear-model.js';
import { createRandom, type Random } from '../parallel/random.js';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'linear-test-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

/** Writes rows as SageMaker CSV (target first). */
function writeCsv(name: string, rows: { y: number | string; x: number[] }[]): string {
  const file = path.join(tmp, name);
  fs.writeFileSync(file, rows.map((r) => [r.y, ...r.x.map((v) => v.toPrecision(8))].join(',')).join('\n') + '\n');
  return file;
}

/** Features on very different scales and offsets, so normalisation matters. */
const SCALES = [1, 100, 0.01, 5, 1];
const OFFSETS = [0, 50, -3, 10, 0];
function features(rng: Random): { raw: number[]; std: number[] } {
  const std = SCALES.map(() => rng.normal());
  return { std, raw: std.map((v, j) => v * SCALES[j] + OFFSETS[j]) };
}

function binaryRows(n: number, seed: number) {
  const rng = createRandom(seed);
  const w = [2, -1.5, 1, 0.5, 0];
  return Array.from({ length: n }, () => {
    const { std, raw } = features(rng);
    const z = std.reduce((s, v, j) => s + v * w[j], 0.3);
    const u = rng.next();
    const noise = Math.log(u / (1 - u)); // logistic noise: the Bayes model is logistic
    return { y: z + noise > 0 ? 1 : 0, x: raw };
  });
}

function regressionRows(n: number, seed: number) {
  const rng = createRandom(seed);
  const w = [1.5, -2, 0.7, 0, 3];
  return Array.from({ length: n }, () => {
    const { std, raw } = features(rng);
    return { y: 40 + std.reduce((s, v, j) => s + v * w[j], 0) + 0.5 * rng.normal(), x: raw };
  });
}

function multiclassRows(n: number, seed: number) {
  const rng = createRandom(seed);
  const centers = [
    [0, 0],
    [4, 0],
    [0, 4],
  ];
  return Array.from({ length: n }, (_, i) => {
    const c = i % 3;
    return { y: c, x: centers[c].map((v) => v + rng.normal()) };
  });
}

function context(hp: Record<string, string>, channels: Record<string, string>, modelDir: string, threads = 2) {
  const metrics: Record<string, number> = {};
  const ctx: TrainContext = {
    hyperparameters: resolveHyperparameters(linearLearner.hyperparameters, hp),
    channels: Object.fromEntries(Object.entries(channels).map(([k, f]) => [k, { files: [f], contentType: 'text/csv' }])),
    modelDir,
    checkpointDir: path.join(modelDir, '..', 'ckpt'),
    threads,
    seed: 17,
    signal: new AbortController().signal,
    log: () => {},
    metric: (name, value) => {
      metrics[name] = value;
    },
  };
  return { ctx, metrics };
}

describe('linear-learner', () => {
  const binTrain = writeCsv('bin-train.csv', binaryRows(6000, 1));
  const binVal = writeCsv('bin-val.csv', binaryRows(2000, 2));

  it('binary_classifier: high AUC on a logistic problem, metrics named as SageMaker', async () => {
    const dir = path.join(tmp, 'bin');
    const { ctx, metrics } = context({ predictor_type: 'binary_classifier', epochs: '10' }, { train: binTrain, validation: binVal }, dir);
    await linearLearner.train(ctx);
    // Bayes AUC of this problem is about 0.86; a linear model reaches it.
    expect(metrics['validation:auc']).toBeGreaterThan(0.84);
    expect(metrics['validation:binary_classification_accuracy']).toBeGreaterThan(0.75);
    expect(metrics['validation:objective_loss']).toBeLessThan(0.5);
    expect(metrics['train:objective_loss']).toBeLessThan(0.5);
    const m = await loadCsvMatrix([binVal]);
    const { values, outputsPerRow } = (await linearLearner.load(dir)).predict(m.features, m.rows);
    expect(outputsPerRow).toBe(1);
    expect(values.every((p) => p > 0 && p < 1)).toBe(true);
    expect(auc(values, m.labels!)).toBeCloseTo(metrics['validation:auc'], 6);
  });

  it('regressor: RMSE near the noise level with raw-scale features and label', async () => {
    const dir = path.join(tmp, 'reg');
    const { ctx, metrics } = context({ predictor_type: 'regressor' }, { train: writeCsv('reg-train.csv', regressionRows(6000, 3)), validation: writeCsv('reg-val.csv', regressionRows(2000, 4)) }, dir);
    await linearLearner.train(ctx);
    expect(metrics['validation:rmse']).toBeGreaterThan(0.4);
    expect(metrics['validation:rmse']).toBeLessThan(0.6);
    expect(metrics['validation:mse']).toBeCloseTo(metrics['validation:rmse'] ** 2, 8);
    expect(metrics['validation:absolute_loss']).toBeLessThan(0.5);
    const a = await readLinear(dir);
    expect(a.bias[0]).toBeGreaterThan(0);
  });

  it('multiclass_classifier: accuracy on separated classes, probabilities per row', async () => {
    const dir = path.join(tmp, 'multi');
    const { ctx, metrics } = context(
      { predictor_type: 'multiclass_classifier', num_classes: '3' },
      { train: writeCsv('mc-train.csv', multiclassRows(3000, 5)), validation: writeCsv('mc-val.csv', multiclassRows(900, 6)) },
      dir,
    );
    await linearLearner.train(ctx);
    expect(metrics['validation:multiclass_accuracy']).toBeGreaterThan(0.9);
    const { values, outputsPerRow } = (await linearLearner.load(dir)).predict(new Float32Array([4, 0, 0, 4, Number.NaN, 0]), 3);
    expect(outputsPerRow).toBe(3);
    expect(values[1]).toBeGreaterThan(0.8);
    expect(values[5]).toBeGreaterThan(0.8);
    for (let i = 0; i < 3; i++) expect(values[3 * i] + values[3 * i + 1] + values[3 * i + 2]).toBeCloseTo(1, 5);
  });

  it('predicts the same after save and load as the fitted model', async () => {
    const dir = path.join(tmp, 'roundtrip');
    const { ctx } = context({ predictor_type: 'binary_classifier', num_models: '3', epochs: '3', seed: '5' }, { train: binTrain }, dir);
    await linearLearner.train(ctx);
    const tr = await loadCsvMatrix([binTrain]);
    const o = linearOptions(ctx.hyperparameters);
    const fit = await fitLinear(tr, null, o, { threads: 2, seed: 5 });
    const direct = linearPredictor({ predictorType: o.predictorType, loss: o.loss, featureDim: fit.d, outputs: fit.out, weights: Array.from(fit.weights), bias: Array.from(fit.bias), mean: Array.from(fit.mean) });
    const loaded = await linearLearner.load(dir);
    expect(Array.from(loaded.predict(tr.features, tr.rows).values)).toEqual(Array.from(direct.predict(tr.features, tr.rows).values));
    const a = await readLinear(dir);
    expect(a).toMatchObject({ format: 'orchard-linear-learner', algorithm: 'linear-learner', version: linearLearner.version, seed: 5, predictorType: 'binary_classifier' });
    expect(a.hyperparameters.num_models).toBe(3);
  });

  it('trains its models on two threads on larger data', async () => {
    const rows = binaryRows(60_000, 8);
    const m = { rows: rows.length, cols: 5, features: new Float32Array(rows.flatMap((r) => r.x)), labels: new Float32Array(rows.map((r) => Number(r.y))) };
    const o = linearOptions(resolveHyperparameters(linearLearner.hyperparameters, { predictor_type: 'binary_classifier', epochs: '4' }));
    const fit = await fitLinear(m, null, o, { threads: 2, seed: 1 });
    const p = linearPredictor({ predictorType: o.predictorType, loss: o.loss, featureDim: fit.d, outputs: fit.out, weights: Array.from(fit.weights), bias: Array.from(fit.bias), mean: Array.from(fit.mean) });
    expect(auc(p.predict(m.features, m.rows).values, m.labels)).toBeGreaterThan(0.84);
    expect(fit.chosen.selectedOn).toBe('train');
  });

  it('refuses bad hyperparameters', () => {
    const hp = linearLearner.hyperparameters;
    const code = (c: string) => expect.objectContaining({ code: c });
    expect(() => resolveHyperparameters(hp, {})).toThrow(code('ORCH_HYPERPARAMETER_MISSING'));
    expect(() => resolveHyperparameters(hp, { predictor_type: 'ranker' })).toThrow(code('ORCH_HYPERPARAMETER_INVALID'));
    expect(() => resolveHyperparameters(hp, { predictor_type: 'regressor', mini_batch_size: '0' })).toThrow(code('ORCH_HYPERPARAMETER_INVALID'));
    expect(() => resolveHyperparameters(hp, { predictor_type: 'regressor', optimizer: 'lbfgs' })).toThrow(code('ORCH_HYPERPARAMETER_INVALID'));
    expect(() => resolveHyperparameters(hp, { predictor_type: 'regressor', learning_rate: '0' })).toThrow(code('ORCH_HYPERPARAMETER_INVALID'));
    expect(() => resolveHyperparameters(hp, { predictor_type: 'regressor', num_classes: '2' })).toThrow(code('ORCH_HYPERPARAMETER_INVALID'));
    expect(() => resolveHyperparameters(hp, { predictor_type: 'regressor', learning_rates: '1' })).toThrow(code('ORCH_HYPERPARAMETER_UNKNOWN'));
    expect(() => linearOptions(resolveHyperparameters(hp, { predictor_type: 'regressor', loss: 'logistic' }))).toThrow(code('ORCH_HYPERPARAMETER_INVALID'));
    expect(() => linearOptions(resolveHyperparameters(hp, { predictor_type: 'multiclass_classifier' }))).toThrow(code('ORCH_HYPERPARAMETER_MISSING'));
    expect(() => linearOptions(resolveHyperparameters(hp, { predictor_type: 'binary_classifier', num_classes: '3' }))).toThrow(code('ORCH_HYPERPARAMETER_INVALID'));
  });

  it('refuses unusable data: non-numeric or out-of-range labels, num_classes too small, missing channel', async () => {
    const dir = path.join(tmp, 'refuse');
    const bad = (hp: Record<string, string>, rows: { y: number | string; x: number[] }[]) =>
      linearLearner.train(context(hp, { train: writeCsv(`bad-${Math.random()}.csv`, rows) }, dir).ctx);
    const code = { code: 'ORCH_TRAINING_DATA_INVALID' };
    await expect(bad({ predictor_type: 'binary_classifier' }, [{ y: 'yes', x: [1, 2] }, { y: 0, x: [3, 4] }])).rejects.toMatchObject(code);
    await expect(bad({ predictor_type: 'binary_classifier' }, [{ y: 2, x: [1, 2] }, { y: 0, x: [3, 4] }])).rejects.toMatchObject(code);
    await expect(bad({ predictor_type: 'multiclass_classifier', num_classes: '3' }, [{ y: 5, x: [1, 2] }, { y: 0, x: [3, 4] }])).rejects.toMatchObject(code);
    await expect(bad({ predictor_type: 'multiclass_classifier', num_classes: '3' }, [{ y: 1.5, x: [1, 2] }, { y: 0, x: [3, 4] }])).rejects.toMatchObject(code);
    await expect(bad({ predictor_type: 'regressor', feature_dim: '3' }, [{ y: 1, x: [1, 2] }])).rejects.toMatchObject(code);
    await expect(linearLearner.train(context({ predictor_type: 'regressor' }, {}, dir).ctx)).rejects.toMatchObject({ code: 'ORCH_TRAINING_CHANNEL_MISSING' });
  });

  it('refuses a model of another algorithm or version', async () => {
    const dir = path.join(tmp, 'bad-model');
    fs.mkdirSync(dir, { recursive: true });
    const good = JSON.parse(fs.readFileSync(path.join(tmp, 'roundtrip', 'model.json'), 'utf8'));
    for (const patch of [{ algorithm: 'kmeans' }, { version: '9.0.0' }, { weights: [1] }, { seed: undefined }]) {
      fs.writeFileSync(path.join(dir, 'model.json'), JSON.stringify({ ...good, ...patch }));
      await expect(linearLearner.load(dir)).rejects.toMatchObject({ code: 'ORCH_MODEL_INVALID' });
    }
  });
});
