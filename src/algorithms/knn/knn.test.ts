import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { TrainContext } from '../algorithm.js';
import { resolveHyperparameters } from '../hyperparameters.js';
import { createRandom } from '../parallel/random.js';
import { knnOptions } from './hyperparameters.js';
import { knn, buildKnnIndex } from './index.js';
import { createSearcher, makeProjection, prepareQueries, project, searchSync } from './knn-index.js';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'knn-test-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

const D = 8;

/** Rows around 6 centres (label = centre % 3), in shared memory. */
function data(rows: number, seed: number): { X: Float32Array; y: Float32Array } {
  const rng = createRandom(seed);
  const centres = Array.from({ length: 6 }, (_, c) => Array.from({ length: D }, (_, j) => (j === c ? 8 : 0)));
  const X = new Float32Array(new SharedArrayBuffer(rows * D * 4));
  const y = new Float32Array(rows);
  for (let i = 0; i < rows; i++) {
    const c = rng.int(6);
    y[i] = c % 3;
    for (let j = 0; j < D; j++) X[i * D + j] = centres[c][j] + rng.normal();
  }
  return { X, y };
}

/** Brute-force squared distances and the k nearest rows of each query. */
function brute(X: Float32Array, n: number, Q: Float32Array, m: number, k: number): { rows: number[][]; dist: number[][] } {
  const rows: number[][] = [];
  const dist: number[][] = [];
  for (let q = 0; q < m; q++) {
    const all = Array.from({ length: n }, (_, i) => {
      let s = 0;
      for (let j = 0; j < D; j++) s += (X[i * D + j] - Q[q * D + j]) ** 2;
      return { i, s };
    }).sort((a, b) => a.s - b.s);
    rows.push(all.slice(0, k).map((e) => e.i));
    dist.push(all.slice(0, k).map((e) => e.s));
  }
  return { rows, dist };
}

const hp = (extra: Record<string, string | number> = {}) => resolveHyperparameters(knn, { feature_dim: D, k: 5, predictor_type: 'classifier', sample_size: 100000, ...extra });

function csv(file: string, X: Float32Array, y: Float32Array, rows: number): string {
  const p = path.join(tmp, file);
  const lines: string[] = [];
  for (let i = 0; i < rows; i++) lines.push([y[i], ...Array.from(X.subarray(i * D, i * D + D), (v) => v.toFixed(4))].join(','));
  fs.writeFileSync(p, lines.join('\n') + '\n');
  return p;
}

function context(values: Record<string, string | number>, channels: Record<string, string>, modelDir: string) {
  const metrics: Record<string, number> = {};
  const ctx: TrainContext = {
    hyperparameters: hp(values),
    channels: Object.fromEntries(Object.entries(channels).map(([k, f]) => [k, { files: [f], contentType: 'text/csv' }])),
    modelDir,
    checkpointDir: path.join(tmp, 'ckpt'),
    threads: 2,
    seed: 3,
    signal: new AbortController().signal,
    log: () => {},
    metric: (name, value) => {
      metrics[name] = value;
    },
  };
  return { ctx, metrics };
}

describe('knn index', () => {
  const train = data(3001, 1);
  const test = data(203, 2);

  it('faiss.Flat finds exactly the brute-force neighbours and distances, on one thread and on two', async () => {
    const o = knnOptions(hp({ k: 10 }));
    const index = await buildKnnIndex(train.X, train.y, 3001, o, { threads: 2, seed: 1 });
    const Q = prepareQueries(index, test.X, 203);
    const truth = brute(train.X, 3001, test.X, 203, 10);
    const one = searchSync(index, Q, 203, 10);
    const searcher = createSearcher(index, 2);
    const two = await searcher.search(Q, 203, 10);
    await searcher.close();
    for (const nb of [one, two]) {
      for (let q = 0; q < 203; q++) {
        expect(Array.from(nb.rows.subarray(q * 10, q * 10 + 10))).toEqual(truth.rows[q]);
        truth.dist[q].forEach((s, r) => expect(nb.distances[q * 10 + r]).toBeCloseTo(s, 2));
      }
    }
  });

  it('faiss.IVFFlat and faiss.IVFPQ find most true neighbours; more probes find more', async () => {
    const truth = brute(train.X, 3001, test.X, 203, 10);
    const recall = (rows: Int32Array, labelsOrder: (r: number) => number) => {
      let hit = 0;
      for (let q = 0; q < 203; q++) {
        const found = new Set(Array.from(rows.subarray(q * 10, q * 10 + 10), labelsOrder));
        hit += truth.rows[q].filter((r) => found.has(r)).length;
      }
      return hit / 2030;
    };
    for (const index_type of ['faiss.IVFFlat', 'faiss.IVFPQ']) {
      const o = knnOptions(hp({ k: 10, index_type, faiss_index_ivf_nlists: 16, faiss_index_nprobe: 2 }));
      const index = await buildKnnIndex(train.X, train.y, 3001, o, { threads: 1, seed: 1 });
      expect(index.nlists).toBe(16);
      // The index reorders rows by list: map back through the stored vectors' identity.
      const original = new Map<string, number>();
      for (let i = 0; i < 3001; i++) original.set(Array.from(train.X.subarray(i * D, i * D + D)).join(','), i);
      const Q = prepareQueries(index, test.X, 203);
      const back =
        index.kind === 'ivf'
          ? (r: number) => original.get(Array.from(index.X.subarray(r * D, r * D + D)).join(',')) ?? -1
          : null;
      const few = searchSync(index, Q, 203, 10, 2);
      const all = searchSync(index, Q, 203, 10, 16);
      if (back) {
        expect(recall(all.rows, back)).toBe(1);
        expect(recall(few.rows, back)).toBeGreaterThan(0.8);
      } else {
        // PQ distances are approximate: compare the neighbours' labels with the exact ones'.
        let agree = 0;
        for (let q = 0; q < 203; q++) agree += index.labels[all.rows[q * 10]] === train.y[truth.rows[q][0]] ? 1 : 0;
        expect(agree / 203).toBeGreaterThan(0.95);
      }
    }
  });

  it('sign and fjlt projections keep squared distances within a modest distortion', () => {
    const rng = createRandom(5);
    const from = 64;
    const X = new Float32Array(2 * from);
    for (let i = 0; i < X.length; i++) X[i] = rng.normal();
    let exact = 0;
    for (let j = 0; j < from; j++) exact += (X[j] - X[from + j]) ** 2;
    for (const type of ['sign', 'fjlt'] as const) {
      let ratio = 0;
      for (let t = 0; t < 20; t++) {
        const p = makeProjection(type, from, 32, createRandom(100 + t));
        const Y = project(p, X, 2);
        let s = 0;
        for (let j = 0; j < 32; j++) s += (Y[j] - Y[32 + j]) ** 2;
        ratio += s / exact / 20;
      }
      expect(ratio).toBeGreaterThan(0.8);
      expect(ratio).toBeLessThan(1.2);
    }
  });
});

describe('knn algorithm', () => {
  const train = data(2000, 11);
  const test = data(300, 12);
  const trainCsv = csv('train.csv', train.X, train.y, 2000);
  const testCsv = csv('test.csv', test.X, test.y, 300);

  it('trains, reports test accuracy, and the loaded model answers rows and SageMaker documents', async () => {
    const modelDir = path.join(tmp, 'model-flat');
    const { ctx, metrics } = context({ k: 5, sample_size: 1500 }, { train: trainCsv, test: testCsv }, modelDir);
    await knn.train(ctx);
    expect(metrics['test:accuracy']).toBeGreaterThan(0.95);
    const model = await knn.load(modelDir);
    expect(model.numFeatures).toBe(D);
    const rows = Float32Array.from(test.X.subarray(0, 3 * D));
    const { values, outputsPerRow } = model.predict(rows, 3);
    expect(outputsPerRow).toBe(1);
    expect(Array.from(values)).toEqual(Array.from(test.y.subarray(0, 3)));
    const instances = [0, 1, 2].map((i) => Array.from(test.X.subarray(i * D, i * D + D)));
    const plain = model.invoke!({ contentType: 'application/json', accept: 'application/json', body: Buffer.from(JSON.stringify({ instances })) });
    expect(JSON.parse(plain.body)).toEqual({ predictions: Array.from(values, (v) => ({ predicted_label: v })) });
    const verbose = model.invoke!({ contentType: 'text/csv', accept: 'application/json; verbose=true', body: Buffer.from(instances.map((r) => r.join(',')).join('\n')) });
    const doc = JSON.parse(verbose.body) as { predictions: { predicted_label: number; labels: number[]; distances: number[] }[] };
    expect(doc.predictions).toHaveLength(3);
    for (const p of doc.predictions) {
      expect(p.labels).toHaveLength(5);
      expect(p.distances).toEqual([...p.distances].sort((a, b) => a - b));
    }
    const lines = model.invoke!({ contentType: 'application/jsonlines', accept: 'application/jsonlines', body: Buffer.from(instances.map((r) => JSON.stringify({ features: r })).join('\n')) });
    expect(lines.body.trim().split('\n').map((l) => JSON.parse(l).predicted_label)).toEqual(Array.from(values));
    expect(() => model.invoke!({ contentType: 'text/csv', accept: undefined, body: Buffer.from('1,2,3') })).toThrow(/expected 8 features/);
  });

  it('predicts the same labels on threads (batch transform) as on the calling thread, and refuses a cut index file', async () => {
    const modelDir = path.join(tmp, 'model-parallel');
    await knn.train(context({ k: 5, sample_size: 2000 }, { train: trainCsv }, modelDir).ctx);
    const model = await knn.load(modelDir);
    const rows = Float32Array.from(test.X.subarray(0, 300 * D));
    const one = model.predict(rows, 300);
    expect(Array.from(one.values).filter((v, i) => v === test.y[i]).length).toBeGreaterThan(285);
    const two = await model.predictParallel!(rows, 300, 2);
    expect(Array.from(two.values)).toEqual(Array.from(one.values));
    // A few rows stay on the calling thread; the answer is the same.
    expect(Array.from((await model.predictParallel!(rows.subarray(0, 2 * D), 2, 2)).values)).toEqual(Array.from(one.values.subarray(0, 2)));
    await model.close!();
    const bad = [...rows.subarray(0, D)];
    bad[3] = NaN;
    await expect(model.predictParallel!(Float32Array.from(bad), 1, 2)).rejects.toThrow(/complete numeric rows/);

    const cut = path.join(tmp, 'model-cut');
    fs.cpSync(modelDir, cut, { recursive: true });
    const bin = path.join(cut, 'index.bin');
    fs.truncateSync(bin, fs.statSync(bin).size - 8);
    await expect(knn.load(cut)).rejects.toMatchObject({ code: 'ORCH_MODEL_INVALID' });
    fs.rmSync(bin);
    await expect(knn.load(cut)).rejects.toMatchObject({ code: 'ORCH_MODEL_INVALID', message: /no readable index.bin/ });
  });

  it('regresses with the mean label through an fjlt-reduced IVF index', async () => {
    const modelDir = path.join(tmp, 'model-reg');
    const { ctx, metrics } = context({ k: 4, predictor_type: 'regressor', index_type: 'faiss.IVFFlat', dimension_reduction_type: 'fjlt', dimension_reduction_target: 6, faiss_index_nprobe: 8 }, { train: trainCsv, test: testCsv }, modelDir);
    await knn.train(ctx);
    expect(metrics['test:mse']).toBeLessThan(0.2);
    const model = await knn.load(modelDir);
    const { values } = model.predict(Float32Array.from(test.X.subarray(0, D)), 1);
    expect(values[0] * 4).toBeCloseTo(Math.round(values[0] * 4), 5);
  });

  it('checks k, sample_size, the reduction and PQ settings together when the job is created', () => {
    const attempt = (extra: Record<string, string | number>) => {
      try {
        hp(extra);
        return [];
      } catch (err) {
        return ((err as { details: { errors: { field: string }[] } }).details.errors ?? []).map((e) => e.field);
      }
    };
    expect(attempt({ k: 50, sample_size: 10 })).toEqual(['k']);
    expect(attempt({ dimension_reduction_type: 'sign' })).toEqual(['dimension_reduction_target']);
    expect(attempt({ dimension_reduction_type: 'sign', dimension_reduction_target: 20 })).toEqual(['dimension_reduction_target']);
    expect(attempt({ index_type: 'faiss.IVFPQ', faiss_index_pq_m: 3 })).toEqual(['faiss_index_pq_m']);
    expect(attempt({ index_type: 'faiss.IVFPQ', faiss_index_pq_m: 4 })).toEqual([]);
    expect(attempt({ index_type: 'faiss.HNSW' })).toEqual(['index_type']);
  });

  it('refuses k above the rows, non-integer classifier labels and a wrong width with the field named', async () => {
    const small = csv('small.csv', train.X, train.y, 3);
    await expect(knn.train(context({ k: 5 }, { train: small }, path.join(tmp, 'm1')).ctx)).rejects.toThrow(/k \(5\) is larger than the sample/);
    const frac = path.join(tmp, 'frac.csv');
    fs.writeFileSync(frac, Array.from({ length: 10 }, (_, i) => [i + 0.5, ...Array(D).fill(i)].join(',')).join('\n'));
    await expect(knn.train(context({ k: 2 }, { train: frac }, path.join(tmp, 'm2')).ctx)).rejects.toThrow(/non-negative integers/);
    await expect(knn.train(context({ k: 2, feature_dim: 5 }, { train: trainCsv }, path.join(tmp, 'm3')).ctx)).rejects.toThrow(/feature_dim is 5/);
  });
});
