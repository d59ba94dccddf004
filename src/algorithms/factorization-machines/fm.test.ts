import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { TrainContext } from '../algorithm.js';
import { loadSparseRows, sparseInputKind } from '../data/sparse.js';
import { resolveHyperparameters } from '../hyperparameters.js';
import { createRandom } from '../parallel/random.js';
import { exportToOnnx, openOnnxPredictor } from '../../onnx/index.js';
import { registerBuiltins } from '../builtins.js';
import { fmOptions } from './hyperparameters.js';
import { fmRaw, initParams } from './fm-core.js';
import { factorizationMachines as fm } from './index.js';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'fm-test-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

/**
 * One-hot "user" (0–19) and "item" (20–39) per row; the label is 1 when the user's and
 * the item's hidden tastes agree: a pure interaction no linear model can express.
 */
function interactions(rows: number, seed: number): { lines: { label: number; keys: number[] }[] } {
  const rng = createRandom(seed);
  const taste = (i: number) => (i * 7) % 3;
  const lines = Array.from({ length: rows }, () => {
    const u = rng.int(20);
    const it = rng.int(20);
    return { label: taste(u) === taste(it) ? 1 : 0, keys: [u, 20 + it] };
  });
  return { lines };
}

const hp = (extra: Record<string, string | number> = {}) =>
  resolveHyperparameters(fm, { feature_dim: 40, num_factors: 4, predictor_type: 'binary_classifier', epochs: 30, mini_batch_size: 50, factors_lr: 0.05, linear_lr: 0.05, bias_lr: 0.05, factors_init_sigma: 0.1, ...extra });

function context(values: Record<string, string | number>, channels: Record<string, { file: string; type: string }>, modelDir: string) {
  const metrics: Record<string, number> = {};
  const points: Record<string, number[]> = {};
  const ctx: TrainContext = {
    hyperparameters: hp(values),
    channels: Object.fromEntries(Object.entries(channels).map(([k, c]) => [k, { files: [c.file], contentType: c.type }])),
    modelDir,
    checkpointDir: path.join(tmp, 'ckpt'),
    threads: 1,
    seed: 5,
    signal: new AbortController().signal,
    log: () => {},
    metric: (name, value, step) => {
      metrics[name] = value;
      if (step !== undefined) (points[name] ??= []).push(value);
    },
  };
  return { ctx, metrics, points };
}

function write(name: string, text: string): string {
  const file = path.join(tmp, name);
  fs.writeFileSync(file, text);
  return file;
}

describe('factorization machines', () => {
  it('computes the pairwise term in O(k·nnz) exactly as the sum over pairs', () => {
    const o = fmOptions(hp({ factors_init_sigma: 0.5, linear_init_sigma: 0.5 }));
    const p = initParams(o, 40, createRandom(1));
    const idx = [3, 17, 25, 31];
    const val = [0.5, -2, 1.5, 3];
    let direct = p.w0;
    idx.forEach((i, a) => (direct += p.w[i] * val[a]));
    for (let a = 0; a < idx.length; a++)
      for (let b = a + 1; b < idx.length; b++) {
        let dot = 0;
        for (let f = 0; f < 4; f++) dot += p.V[idx[a] * 4 + f] * p.V[idx[b] * 4 + f];
        direct += dot * val[a] * val[b];
      }
    expect(fmRaw(p, idx, val, 0, 4, new Float64Array(4))).toBeCloseTo(direct, 5);
  });

  it('reads CSV, JSON Lines with sparse keys/values and libsvm into the same rows', async () => {
    const csv = write('rows.csv', '1,0,2.5,0\n0,1,0,0\n');
    const jsonl = write('rows.jsonl', '{"label": 1, "features": {"keys": [1], "values": [2.5]}}\n{"label": [0], "keys": [0], "values": [1]}\n');
    const libsvm = write('rows.libsvm', '1 2:2.5\n0 1:1\n');
    const kinds = await Promise.all([sparseInputKind('text/csv', [csv]), sparseInputKind('application/jsonlines', [jsonl]), sparseInputKind('text/csv', [libsvm])]);
    expect(kinds).toEqual(['csv', 'jsonlines', 'libsvm']);
    const read = await Promise.all([csv, jsonl, libsvm].map((f, i) => loadSparseRows([f], kinds[i]!, { featureDim: 3, channel: 'train' })));
    for (const r of read) {
      expect(Array.from(r.labels)).toEqual([1, 0]);
      expect(Array.from(r.indptr)).toEqual([0, 1, 2]);
      expect(Array.from(r.indices)).toEqual([1, 0]);
      expect(Array.from(r.values)).toEqual([2.5, 1]);
    }
    await expect(loadSparseRows([jsonl], 'jsonlines', { featureDim: 1, channel: 'train' })).rejects.toThrow(/feature_dim is 1 but channel "train" has feature index 1/);
    const bad = write('bad.libsvm', '1 0:2\n');
    await expect(loadSparseRows([bad], 'libsvm', { channel: 'train' })).rejects.toThrow(/1-based index/);
  });

  it('learns an interaction-only target from JSON Lines, and serves SageMaker records and ONNX with the same scores', async () => {
    const train = interactions(3000, 1).lines;
    const test = interactions(500, 2).lines;
    const toJsonl = (ls: typeof train) => ls.map((l) => JSON.stringify({ label: l.label, features: { keys: l.keys, values: [1, 1] } })).join('\n');
    const modelDir = path.join(tmp, 'model-cls');
    const { ctx, metrics, points } = context({}, { train: { file: write('train.jsonl', toJsonl(train)), type: 'application/jsonlines' }, test: { file: write('test.jsonl', toJsonl(test)), type: 'application/jsonlines' } }, modelDir);
    await fm.train(ctx);
    expect(metrics['test:binary_classification_accuracy']).toBeGreaterThan(0.95);
    const losses = points['train:binary_classification_cross_entropy'];
    expect(losses).toHaveLength(30);
    expect(losses[29]).toBeLessThan(losses[0]);
    const model = await fm.load(modelDir);
    const dense = new Float32Array(2 * 40);
    dense[test[0].keys[0]] = 1;
    dense[test[0].keys[1]] = 1;
    dense[40 + test[1].keys[0]] = 1;
    dense[40 + test[1].keys[1]] = 1;
    const rows = model.predict(dense, 2);
    expect(rows.outputsPerRow).toBe(2);
    expect([rows.values[1], rows.values[3]]).toEqual([test[0].label, test[1].label]);
    const body = JSON.stringify({ instances: test.slice(0, 2).map((l) => ({ data: { features: { keys: l.keys, shape: [40], values: [1, 1] } } })) });
    const doc = JSON.parse(model.invoke!({ contentType: 'application/json', accept: 'application/json', body: Buffer.from(body) }).body) as { predictions: { score: number; predicted_label: number }[] };
    expect(doc.predictions.map((p) => p.predicted_label)).toEqual([test[0].label, test[1].label]);
    expect(Math.fround(doc.predictions[0].score)).toBe(rows.values[0]);
    expect(() => model.invoke!({ contentType: 'application/json', accept: undefined, body: Buffer.from('{"instances": [{"keys": [45], "values": [1]}]}') })).toThrow(/key 45 is not an index below 40/);
    registerBuiltins();
    const onnxFile = path.join(tmp, 'fm.onnx');
    fs.writeFileSync(onnxFile, await exportToOnnx(modelDir, 'factorization-machines'));
    const onnx = await openOnnxPredictor(onnxFile);
    try {
      dense[5] = NaN;
      const native = model.predict(dense, 2);
      const got = await onnx.predict(dense, 2);
      expect(got.outputsPerRow).toBe(2);
      Array.from(got.values).forEach((v, i) => expect(v).toBeCloseTo(native.values[i], 5));
    } finally {
      await onnx.close();
    }
  });

  it('regresses from libsvm and CSV, answering scores only', async () => {
    const rng = createRandom(3);
    const lines: string[] = [];
    const csvLines: string[] = [];
    for (let i = 0; i < 2000; i++) {
      const a = rng.next();
      const b = rng.next();
      const y = 1 + 2 * a + 3 * a * b;
      lines.push(`${y.toFixed(5)} 1:${a.toFixed(5)} 2:${b.toFixed(5)}`);
      csvLines.push(`${y.toFixed(5)},${a.toFixed(5)},${b.toFixed(5)}`);
    }
    const extra = { feature_dim: 2, num_factors: 2, predictor_type: 'regressor', epochs: 40, mini_batch_size: 20 };
    for (const [name, text, type] of [['reg.libsvm', lines.join('\n'), 'text/libsvm'], ['reg.csv', csvLines.join('\n'), 'text/csv']]) {
      const file = write(name, text);
      const modelDir = path.join(tmp, `model-${name}`);
      const { ctx, metrics } = context(extra, { train: { file, type }, test: { file, type } }, modelDir);
      await fm.train(ctx);
      expect(metrics['test:rmse']).toBeLessThan(0.15);
      const model = await fm.load(modelDir);
      const doc = JSON.parse(model.invoke!({ contentType: 'text/csv', accept: 'application/jsonlines', body: Buffer.from('0.5,0.5\n') }).body.trim());
      expect(Object.keys(doc)).toEqual(['score']);
      expect(doc.score).toBeCloseTo(1 + 1 + 0.75, 0);
    }
  });

  it('refuses binary labels other than 0 and 1 and a channel it cannot read, naming them', async () => {
    const file = write('labels.jsonl', '{"label": 2, "keys": [0], "values": [1]}\n');
    await expect(fm.train(context({}, { train: { file, type: 'application/jsonlines' } }, path.join(tmp, 'm1')).ctx)).rejects.toThrow(/needs labels 0 or 1; got 2/);
    await expect(fm.train(context({}, { train: { file, type: 'application/x-parquet' } }, path.join(tmp, 'm2')).ctx)).rejects.toThrow(/factorization-machines reads text\/csv/);
    expect(() => hp({ predictor_type: 'multiclass_classifier' })).toThrow(/predictor_type/);
  });
});
