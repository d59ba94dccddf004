/**
 * Every built-in exported to ONNX predicts what the native predictor predicts (same
 * outputsPerRow, values within 1e-5 relative), run through onnxruntime, with missing
 * values in the rows.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { getAlgorithm, registerBuiltins, resolveHyperparameters, type TrainContext } from '../algorithms/index.js';
import { describeOnnxModel, exportToOnnx, openOnnxPredictor } from './index.js';

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'orchard-onnx-'));
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));
registerBuiltins();
let seq = 0;

/** A small deterministic generator (mulberry32). */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const F = 5;
type Target = 'binary' | 'regression' | 'count' | 'multi' | 'none';

/** CSV rows (target first unless `none`); `missing` is the share of blank x0 and x2 cells (kmeans and pca train on complete rows). */
function csv(target: Target, rows: number, seed: number, missing: number): string {
  const rand = rng(seed);
  const lines: string[] = [];
  for (let i = 0; i < rows; i++) {
    const x = Array.from({ length: F }, () => rand() * 2 - 1);
    const s = x[0] + x[1] * x[2] - 0.5 * x[3];
    const cells = x.map((v) => v.toFixed(4));
    let y = target === 'binary' ? (s > 0.1 ? 1 : 0) : target === 'regression' ? 3 * s + 0.2 * x[4] : target === 'count' ? Math.round(Math.exp(s)) : s < -0.4 ? 0 : s < 0.4 ? 1 : 2;
    if (rand() < missing) {
      // Missingness that carries signal, so trees learn a direction for it.
      cells[0] = '';
      if (target === 'binary') y = 1;
    }
    if (rand() < missing) cells[2] = '';
    lines.push(target === 'none' ? cells.join(',') : `${y},${cells.join(',')}`);
  }
  return lines.join('\n') + '\n';
}

async function train(algorithm: string, hp: Record<string, string>, target: Target, missing = target === 'none' ? 0 : 0.1): Promise<string> {
  const dir = path.join(root, `m${seq++}`);
  fs.mkdirSync(dir);
  const file = path.join(dir, 'train.csv');
  fs.writeFileSync(file, csv(target, 600, seq, missing));
  const algo = getAlgorithm(algorithm);
  const ctx: TrainContext = {
    hyperparameters: resolveHyperparameters(algo.hyperparameters, hp),
    channels: { train: { files: [file], contentType: 'text/csv' } },
    modelDir: path.join(dir, 'model'),
    checkpointDir: path.join(dir, 'ckpt'),
    threads: 1,
    seed: 7,
    signal: new AbortController().signal,
    log: () => {},
    metric: () => {},
  };
  await algo.train(ctx);
  return ctx.modelDir;
}

/** Rows to predict: random features with NaN in a fifth of the cells of x0, x2 and x4, a row all NaN, and a row of huge values. */
function testRows(rows: number): Float32Array {
  const rand = rng(99);
  const x = new Float32Array(rows * F);
  for (let i = 0; i < x.length; i++) x[i] = (i % F) % 2 === 0 && rand() < 0.2 ? NaN : rand() * 2.4 - 1.2;
  x.fill(NaN, 0, F);
  x.fill(1e6, F, 2 * F);
  return x;
}

async function expectParity(algorithm: string, modelDir: string, exact = false): Promise<{ values: Float32Array; outputsPerRow: number }> {
  const file = path.join(modelDir, '..', 'model.onnx');
  fs.writeFileSync(file, await exportToOnnx(modelDir, algorithm));
  const rows = 300;
  const x = testRows(rows);
  const native = (await getAlgorithm(algorithm).load(modelDir)).predict(x, rows);
  const onnx = await openOnnxPredictor(file);
  try {
    expect(onnx.numFeatures).toBe(F);
    const got = await onnx.predict(x, rows);
    expect(got.outputsPerRow).toBe(native.outputsPerRow);
    expect(got.values.length).toBe(native.values.length);
    let worst = 0;
    for (let i = 0; i < got.values.length; i++) {
      const err = Math.abs(got.values[i] - native.values[i]) / Math.max(1, Math.abs(native.values[i]));
      if (!(err <= worst)) worst = err; // NaN propagates as a failure
    }
    if (exact) expect(Array.from(got.values)).toEqual(Array.from(native.values));
    if (worst > 1e-5) console.log(algorithm, Array.from(got.values.slice(0, 8)), Array.from(native.values.slice(0, 8)));
    expect(worst).toBeLessThanOrEqual(1e-5);
    return got;
  } finally {
    await onnx.close();
  }
}

describe('exporting xgboost to ONNX', () => {
  const cases: Array<[string, Target, Record<string, string>]> = [
    ['binary:logistic', 'binary', {}],
    ['reg:squarederror', 'regression', {}],
    ['reg:logistic', 'binary', {}],
    ['count:poisson', 'count', {}],
    ['multi:softprob', 'multi', { num_class: '3' }],
    ['multi:softmax', 'multi', { num_class: '3' }],
  ];
  it.each(cases)('%s predicts what the native predictor does, missing values included', async (objective, target, extra) => {
    const dir = await train('xgboost', { objective, num_round: '12', max_depth: '4', ...extra }, target);
    const got = await expectParity('xgboost', dir, objective === 'multi:softmax');
    // The trees learned both directions for missing values, so routing NaN is exercised.
    const doc = JSON.parse(fs.readFileSync(path.join(dir, 'model.json'), 'utf8')) as { trees: { feature: number[]; defaultLeft: number[] }[] };
    const directions = new Set(doc.trees.flatMap((t) => t.feature.flatMap((f, j) => (f >= 0 ? [t.defaultLeft[j]] : []))));
    expect([...directions].sort()).toEqual([0, 1]);
    if (objective === 'multi:softprob') expect(got.outputsPerRow).toBe(3);
  });

  it('describes the exported model: opsets, the features input and the output served', async () => {
    const dir = await train('xgboost', { objective: 'multi:softprob', num_class: '3', num_round: '3' }, 'multi');
    const file = path.join(dir, 'x.onnx');
    fs.writeFileSync(file, await exportToOnnx(dir, 'xgboost'));
    const info = await describeOnnxModel(file);
    expect(info).toMatchObject({
      irVersion: 8,
      opsets: { 'ai.onnx': 17, 'ai.onnx.ml': 3 },
      inputs: [{ name: 'features', type: 'float32', shape: ['N', F] }],
      outputs: [
        { name: 'label', type: 'int64', shape: ['N'] },
        { name: 'probabilities', type: 'float32', shape: ['N', 3] },
      ],
      metadata: { algorithm: 'xgboost', objective: 'multi:softprob' },
      // The classifier's int64 label is passed over for the probabilities.
      serving: { input: 'features', numFeatures: F, output: 'probabilities' },
    });
    expect(info.producer).toMatch(/^orchard /);
  });
});

describe('exporting linear-learner, kmeans and pca to ONNX', () => {
  it.each([
    ['binary_classifier', 'binary', {}],
    ['binary_classifier', 'binary', { loss: 'hinge_loss' }],
    ['regressor', 'regression', {}],
    ['multiclass_classifier', 'multi', { num_classes: '3' }],
  ] as const)('linear-learner %s %j', async (predictorType, target, extra) => {
    const dir = await train('linear-learner', { predictor_type: predictorType, epochs: '3', ...extra }, target);
    const got = await expectParity('linear-learner', dir);
    expect(got.outputsPerRow).toBe(predictorType === 'multiclass_classifier' ? 3 : 1);
  });

  it('kmeans: closest cluster (exactly) and distance, with missing values counting towards no distance', async () => {
    const dir = await train('kmeans', { k: '4' }, 'none');
    const got = await expectParity('kmeans', dir);
    expect(got.outputsPerRow).toBe(2);
  });

  it('pca: the projection onto the components', async () => {
    const dir = await train('pca', { num_components: '3' }, 'none');
    const got = await expectParity('pca', dir);
    expect(got.outputsPerRow).toBe(3);
  });
});

describe('exporting what cannot be exported', () => {
  it('refuses an algorithm without an exporter, and a model.json that is not the algorithm', async () => {
    const dir = await train('pca', { num_components: '2' }, 'none');
    await expect(exportToOnnx(dir, 'deepar')).rejects.toMatchObject({ code: 'ORCH_MODEL_EXPORT_UNSUPPORTED' });
    await expect(exportToOnnx(dir, 'kmeans')).rejects.toMatchObject({ code: 'ORCH_MODEL_INVALID' });
    await expect(exportToOnnx(path.join(root, 'absent'), 'pca')).rejects.toMatchObject({ code: 'ORCH_MODEL_INVALID' });
  });
});
