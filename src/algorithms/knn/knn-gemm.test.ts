import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createRandom } from '../parallel/random.js';
import { buildKnnIndex, knn } from './index.js';
import { knnOptions } from './hyperparameters.js';
import { resolveHyperparameters } from '../hyperparameters.js';
import { openGemmSearch } from './knn-gemm.js';
import { finish, prepareQueries } from './knn-index.js';
import { GEMM_MIN_PRODUCTS, INDEX_FILE, knnPredictor, readKnn, saveKnn, KNN_FORMAT, KNN_VERSION } from './knn-model.js';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'knn-gemm-test-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

const D = 8;

function rows(n: number, seed: number): { X: Float32Array; y: Float32Array } {
  const rng = createRandom(seed);
  const X = new Float32Array(new SharedArrayBuffer(n * D * 4));
  const y = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const c = rng.int(5);
    y[i] = c;
    for (let j = 0; j < D; j++) X[i * D + j] = (j === c ? 6 : 0) + rng.normal();
  }
  return { X, y };
}

/** The k nearest rows by brute force in float64 (ties to the lower row), as the metric ranks them. */
function brute(X: Float32Array, n: number, Q: Float32Array, m: number, k: number, metric: string): number[][] {
  const unit = (v: number[]) => {
    const s = Math.hypot(...v);
    return s > 0 ? v.map((x) => x / s) : v;
  };
  const out: number[][] = [];
  for (let q = 0; q < m; q++) {
    let qv = Array.from(Q.subarray(q * D, q * D + D));
    if (metric === 'COSINE') qv = unit(qv);
    const keys = Array.from({ length: n }, (_, i) => {
      let xv = Array.from(X.subarray(i * D, i * D + D));
      if (metric === 'COSINE') xv = unit(xv);
      const key = metric === 'L2' ? xv.reduce((s, x, j) => s + (x - qv[j]) ** 2, 0) : -xv.reduce((s, x, j) => s + x * qv[j], 0);
      return { i, key };
    }).sort((a, b) => a.key - b.key || a.i - b.i);
    out.push(keys.slice(0, k).map((e) => e.i));
  }
  return out;
}

async function saved(name: string, X: Float32Array, y: Float32Array, n: number, k: number, metric: string) {
  const values = { feature_dim: D, k, predictor_type: 'classifier', sample_size: n, index_type: 'faiss.Flat', index_metric: metric };
  const o = knnOptions(resolveHyperparameters(knn, values));
  const index = await buildKnnIndex(X, y, n, o, { threads: 1, seed: 7 });
  const dir = path.join(tmp, name);
  fs.mkdirSync(dir, { recursive: true });
  await saveKnn(dir, { format: KNN_FORMAT, algorithm: 'knn', version: KNN_VERSION, hyperparameters: values, seed: 7, featureDim: D, k, predictorType: 'classifier', metrics: {} }, index);
  return { dir, ...(await readKnn(dir)) };
}

describe('k-NN search through onnxruntime (large batches)', () => {
  for (const metric of ['L2', 'INNER_PRODUCT', 'COSINE']) {
    it(`finds the exact neighbours over several chunks (${metric})`, async () => {
      const n = 1003;
      const { X, y } = rows(n, 3);
      const Q = rows(40, 4).X;
      const k = 7;
      const { dir, artifact, index } = await saved(`m-${metric}`, X, y, n, k, metric);
      const before = fs.readdirSync(dir).sort();
      // 300-row chunks: four chunks, the last one shorter.
      const g = await openGemmSearch(index, { file: path.join(dir, INDEX_FILE), xOffset: artifact.arrays.X!.offset, aOffset: artifact.arrays.A!.offset }, k, 1, 300);
      expect(g).not.toBeNull();
      const prepared = prepareQueries(index, Q, 40);
      const nb = finish(index, prepared, [await g!.search(prepared, 40)], 40, k);
      await g!.close();
      const truth = brute(X, n, Q, 40, k, metric);
      for (let q = 0; q < 40; q++) expect(Array.from(nb.rows.subarray(q * k, q * k + k))).toEqual(truth[q]);
      // Distances in order, L2's squared Euclidean.
      for (let q = 0; q < 40; q++) {
        const dq = Array.from(nb.distances.subarray(q * k, q * k + k));
        if (metric === 'L2') {
          const r = nb.rows[q * k];
          const exact = Array.from({ length: D }, (_, j) => (X[r * D + j] - Q[q * D + j]) ** 2).reduce((s, v) => s + v, 0);
          expect(dq[0]).toBeCloseTo(exact, 3);
          expect(dq).toEqual([...dq].sort((a, b) => a - b));
        } else expect(dq).toEqual([...dq].sort((a, b) => b - a));
      }
      // The model's folder is read, never written.
      expect(fs.readdirSync(dir).sort()).toEqual(before);
    });
  }

  it('keeps every chunk wide enough for its candidates when k is large', async () => {
    const n = 130;
    const { X, y } = rows(n, 5);
    const Q = rows(6, 6).X;
    const k = 60;
    const { dir, artifact, index } = await saved('large-k', X, y, n, k, 'L2');
    // Chunks of 50 rows could not hold 64 candidates: fewer, wider chunks are used.
    const g = await openGemmSearch(index, { file: path.join(dir, INDEX_FILE), xOffset: artifact.arrays.X!.offset, aOffset: artifact.arrays.A!.offset }, k, 1, 50);
    const prepared = prepareQueries(index, Q, 6);
    const nb = finish(index, prepared, [await g!.search(prepared, 6)], 6, k);
    await g!.close();
    const truth = brute(X, n, Q, 6, k, 'L2');
    for (let q = 0; q < 6; q++) expect(Array.from(nb.rows.subarray(q * k, q * k + k))).toEqual(truth[q]);
  });

  it('answers a batch transform-sized batch with the same labels as the calling thread', async () => {
    // 50,000 rows × 2,000 queries: enough products for the predictor to open the session.
    const n = 50_000;
    const m = Math.ceil(GEMM_MIN_PRODUCTS / n);
    const { X, y } = rows(n, 8);
    const Q = rows(m, 9).X;
    const { dir, artifact, index } = await saved('predictor', X, y, n, 5, 'L2');
    const model = knnPredictor(artifact, index, dir);
    const batch = await model.predictParallel!(Q, m, 1);
    const one = model.predict(Q, m);
    let same = 0;
    for (let i = 0; i < m; i++) if (batch.values[i] === one.values[i]) same++;
    // Near-ties may order differently between float32 sums and the float64 re-check; labels hardly ever move.
    expect(same / m).toBeGreaterThan(0.999);
    await model.close!();
  });
});
