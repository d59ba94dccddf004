import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { exportToOnnx, openOnnxPredictor } from '../../onnx/index.js';
import type { TrainContext } from '../algorithm.js';
import { resolveHyperparameters } from '../hyperparameters.js';
import { createRandom } from '../parallel/random.js';
import { ntm } from './index.js';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'ntm-onnx-test-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

const V = 30;

/** Documents of counts drawn mostly from one of three word blocks. */
function counts(n: number, seed: number): number[][] {
  const rng = createRandom(seed);
  return Array.from({ length: n }, (_, i) => {
    const row = new Array<number>(V).fill(0);
    for (let t = 0; t < 20; t++) row[rng.next() < 0.9 ? (i % 3) * 10 + Math.floor(rng.next() * 10) : Math.floor(rng.next() * V)]++;
    return row;
  });
}

describe('ntm ONNX export', () => {
  it.each([
    ['sigmoid', '16,8'],
    ['relu', '12'],
    ['tanh', '8'],
  ])('%s encoder: onnxruntime gives the predictor’s topic weights (max abs diff < 1e-5)', async (activation, layers) => {
    const file = path.join(tmp, `${activation}.csv`);
    fs.writeFileSync(file, counts(60, 1).map((r) => r.join(',')).join('\n') + '\n');
    const modelDir = path.join(tmp, activation, 'model');
    const ctx: TrainContext = {
      hyperparameters: resolveHyperparameters(ntm, { feature_dim: V, num_topics: 3, encoder_layers: layers, encoder_layers_activation: activation, epochs: 3, optimizer: 'adam', learning_rate: 0.01, mini_batch_size: 16 }),
      channels: { train: { files: [file], contentType: 'text/csv' } },
      modelDir,
      checkpointDir: path.join(tmp, activation, 'checkpoints'),
      threads: 1,
      seed: 4,
      signal: new AbortController().signal,
      log: () => undefined,
      metric: () => undefined,
    };
    await ntm.train(ctx);
    const onnxFile = path.join(tmp, `${activation}.onnx`);
    fs.writeFileSync(onnxFile, await exportToOnnx(modelDir, 'ntm'));
    const rows = counts(8, 2);
    rows[3][5] = NaN; // a missing count is 0 to both
    const features = Float32Array.from(rows.flat());
    const expected = (await ntm.load(modelDir)).predict(Float32Array.from(features), rows.length);
    const onnx = await openOnnxPredictor(onnxFile);
    try {
      const got = await onnx.predict(features, rows.length);
      expect(got.outputsPerRow).toBe(3);
      let diff = 0;
      for (let i = 0; i < expected.values.length; i++) diff = Math.max(diff, Math.abs(got.values[i] - expected.values[i]));
      expect(diff).toBeLessThan(1e-5);
    } finally {
      await onnx.close();
    }
  }, 120_000);
});
