import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { exportToOnnx, openOnnxPredictor } from '../../onnx/index.js';
import type { Hyperparameters, TrainContext } from '../algorithm.js';
import { resolveHyperparameters } from '../hyperparameters.js';
import { createRandom } from '../parallel/random.js';
import { knn } from './index.js';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'knn-onnx-test-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

const D = 6;

/**
 * Rows around 4 centres. Classifier labels are drawn at random from 3 classes, so a row's
 * 4 neighbours often split their votes 2-2 or 1-1-1-1 and the tie-break decides.
 */
function rows(n: number, seed: number, regressor: boolean): number[][] {
  const rng = createRandom(seed);
  return Array.from({ length: n }, () => {
    const c = rng.int(4);
    const x = Array.from({ length: D }, (_, j) => (j === c ? 3 : 0) + rng.normal());
    const y = regressor ? x[0] * 0.5 + x[1] + rng.normal() * 0.1 : rng.int(3);
    return [y, ...x];
  });
}

let run = 0;
async function trainKnn(hp: Hyperparameters, regressor: boolean): Promise<string> {
  const dir = path.join(tmp, String(run++));
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, 'train.csv');
  fs.writeFileSync(file, rows(120, 1, regressor).map((r) => r.join(',')).join('\n') + '\n');
  const modelDir = path.join(dir, 'model');
  const ctx: TrainContext = {
    hyperparameters: resolveHyperparameters(knn, { feature_dim: D, sample_size: 1000, k: 4, predictor_type: regressor ? 'regressor' : 'classifier', ...hp }),
    channels: { train: { files: [file], contentType: 'text/csv' } },
    modelDir,
    checkpointDir: path.join(dir, 'checkpoints'),
    threads: 1,
    seed: 3,
    signal: new AbortController().signal,
    log: () => undefined,
    metric: () => undefined,
  };
  await knn.train(ctx);
  return modelDir;
}

describe('knn ONNX export', () => {
  it.each([
    ['classifier', 'L2', {}],
    ['regressor', 'L2', {}],
    ['classifier', 'COSINE', { dimension_reduction_type: 'sign', dimension_reduction_target: 4 }],
    ['regressor', 'COSINE', { dimension_reduction_type: 'sign', dimension_reduction_target: 4 }],
    ['classifier', 'INNER_PRODUCT', {}],
    ['regressor', 'L2', { dimension_reduction_type: 'fjlt', dimension_reduction_target: 4 }],
    ['classifier', 'L2', { index_type: 'faiss.IVFFlat', faiss_index_ivf_nlists: 4, faiss_index_nprobe: 4 }],
  ] as const)('%s, %s %o: onnxruntime gives the predictor’s labels on held-out rows', async (type, metric, extra) => {
    const regressor = type === 'regressor';
    const modelDir = await trainKnn({ index_metric: metric, ...extra }, regressor);
    const onnxFile = path.join(modelDir, '..', 'model.onnx');
    fs.writeFileSync(onnxFile, await exportToOnnx(modelDir, 'knn'));
    const held = rows(40, 2, regressor).map((r) => r.slice(1));
    const features = Float32Array.from(held.flat());
    const expected = (await knn.load(modelDir)).predict(Float32Array.from(features), held.length);
    const onnx = await openOnnxPredictor(onnxFile);
    try {
      const got = await onnx.predict(features, held.length);
      expect(got.outputsPerRow).toBe(1);
      if (regressor) {
        let diff = 0;
        for (let i = 0; i < held.length; i++) diff = Math.max(diff, Math.abs(got.values[i] - expected.values[i]));
        expect(diff).toBeLessThan(1e-5);
      } else expect(Array.from(got.values)).toEqual(Array.from(expected.values));
    } finally {
      await onnx.close();
    }
  }, 60_000);

  it.each(['L2', 'COSINE'])('%s: the extra outputs are the verbose answer’s neighbour distances and labels', async (metric) => {
    const modelDir = await trainKnn({ index_metric: metric }, false);
    const held = rows(10, 5, false).map((r) => r.slice(1));
    const answer = (await knn.load(modelDir)).invoke!({ contentType: 'text/csv', accept: 'application/json; verbose=true', body: Buffer.from(held.map((r) => r.join(',')).join('\n') + '\n') });
    const expected = (JSON.parse(answer.body) as { predictions: { labels: number[]; distances: number[] }[] }).predictions;
    const ort = await import('onnxruntime-node');
    const session = await ort.InferenceSession.create(await exportToOnnx(modelDir, 'knn'));
    try {
      const out = await session.run({ features: new ort.Tensor('float32', Float32Array.from(held.flat()), [held.length, D]) });
      expect(out.distances.dims).toEqual([held.length, 4]);
      const distances = out.distances.data as Float32Array;
      const labels = out.labels.data as Float32Array;
      for (let q = 0; q < held.length; q++) {
        expect(Array.from(labels.subarray(q * 4, q * 4 + 4))).toEqual(expected[q].labels);
        expected[q].distances.forEach((dist, r) => expect(distances[q * 4 + r]).toBeCloseTo(dist, 4));
      }
    } finally {
      await session.release();
    }
  });

  it('faiss.IVFPQ models keep no rows and are refused', async () => {
    const modelDir = await trainKnn({ index_type: 'faiss.IVFPQ', faiss_index_pq_m: 2, faiss_index_ivf_nlists: 4 }, false);
    await expect(exportToOnnx(modelDir, 'knn')).rejects.toMatchObject({ code: 'ORCH_MODEL_EXPORT_UNSUPPORTED', message: expect.stringContaining('faiss.IVFPQ') });
  });
});
