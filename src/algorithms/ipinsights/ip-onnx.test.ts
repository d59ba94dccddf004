import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { exportToOnnx, loadOnnxRuntime, openOnnxPredictor } from '../../onnx/index.js';
import type { Predictor } from '../algorithm.js';
import { trainQuietly } from '../test-train.js';
import { decodeModel } from '../onnx-builder/index.js';
import { createRandom } from '../parallel/random.js';
import { ipInsights } from './index.js';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'ipinsights-onnx-test-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

const D = 16;

/**
 * 60 numeric user ids of every shape the graph spells: small, negative, zero, and past
 * 2^32 (multiples of 512 there, so float32 holds them exactly and the id a row carries is
 * the text trained on).
 */
const userId = (u: number): number => (u < 20 ? u * 7 : u < 40 ? -(u * 13) : 2 ** 32 + 512 * u);

/** User u logs in from a few addresses of its own /24 network (one of 6 networks per group of users). */
const network = (u: number): [number, number, number] => [10, u % 6, (u % 6) * 7];

function logins(rows: number, seed: number): string[] {
  const rng = createRandom(seed);
  return Array.from({ length: rows }, () => {
    const u = rng.int(60);
    return `${userId(u)},${network(u).join('.')}.${1 + rng.int(20)}`;
  });
}

async function train(name: string, layers: number): Promise<string> {
  const dir = path.join(tmp, name);
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, 'train.csv');
  fs.writeFileSync(file, logins(3000, 1).join('\n') + '\n');
  return trainQuietly(ipInsights, { dir, file, contentType: 'text/csv', hyperparameters: { num_entity_vectors: 200, vector_dim: D, epochs: 15, batch_size: 100, learning_rate: 0.02, num_ip_encoder_layers: layers }, seed: 5 });
}

/** The verbose answer for rows `entity, a, b, c, d`, asked as CSV lines with the entity as its text. */
function verbose(p: Predictor, rows: number[][]): { dot_product: number; entity_embedding: number[]; ip_embedding: number[] }[] {
  const body = rows.map(([e, ...octets]) => `${String(Math.fround(e))},${octets.join('.')}`).join('\n');
  return (JSON.parse(p.invoke!({ contentType: 'text/csv', accept: 'application/json; verbose=true', body: Buffer.from(body) }).body) as { predictions: { dot_product: number; entity_embedding: number[]; ip_embedding: number[] }[] }).predictions;
}

function maxDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let d = 0;
  for (let i = 0; i < a.length; i++) {
    const e = Math.abs(a[i] - b[i]);
    if (!(e <= d)) d = e; // NaN propagates as a failure
  }
  return d;
}

describe('ipinsights ONNX export', () => {
  it.each([0, 2])('%i encoder layers: onnxruntime hashes the rows and gives the predictor’s scores and embeddings', async (layers) => {
    const modelDir = await train(`m${layers}`, layers);
    const bytes = await exportToOnnx(modelDir, 'ipinsights');
    const decoded = decodeModel(bytes);
    expect(decoded.opsetImport).toEqual([{ domain: 'ai.onnx', version: 17 }]);
    expect(decoded.inputs).toEqual([{ name: 'features', type: 'float32', shape: ['N', 5] }]);
    expect(decoded.outputs).toEqual([
      { name: 'dot_product', type: 'float32', shape: ['N', 1] },
      { name: 'entity_embedding', type: 'float32', shape: ['N', D] },
      { name: 'ip_embedding', type: 'float32', shape: ['N', D] },
    ]);
    expect(decoded.metadata).toMatchObject({ algorithm: 'ipinsights', vector_dim: String(D), num_ip_encoder_layers: String(layers) });

    // Each user from an unseen address of its own network, and from another group's network;
    // then ids the training never saw, of each length and sign, at the octets' extremes.
    const normal = Array.from({ length: 60 }, (_, u) => [userId(u), ...network(u), 100 + u]);
    const odd = Array.from({ length: 60 }, (_, u) => [userId(u), ...network(u + 3), 100 + u]);
    const unseen = [-0, 1, -1, 9, 10, -10, 99, 100, 12345, 2 ** 24, -(2 ** 31), 2 ** 32 - 1, 2 ** 52 + 2 ** 30, 2 ** 53, -(2 ** 53)].map((e, i) => [e, i % 2 ? 255 : 0, 255, i, i % 2 ? 0 : 255]);
    const rows = [...normal, ...odd, ...unseen];
    const n = rows.length;
    const features = Float32Array.from(rows.flat());

    const predictor = await ipInsights.load(modelDir);
    const native = predictor.predict(Float32Array.from(features), n).values;
    const answers = verbose(predictor, rows);
    const ort = await loadOnnxRuntime();
    const session = await ort.InferenceSession.create(bytes);
    try {
      const got = await session.run({ features: new ort.Tensor('float32', features, [n, 5]) });
      expect(got.dot_product.dims).toEqual([n, 1]);
      const scores = got.dot_product.data as Float32Array;
      expect(maxDiff(scores, native)).toBeLessThan(1e-5);
      expect(maxDiff(got.entity_embedding.data as Float32Array, answers.flatMap((a) => a.entity_embedding))).toBe(0);
      expect(maxDiff(got.ip_embedding.data as Float32Array, answers.flatMap((a) => a.ip_embedding))).toBeLessThan(1e-5);
      // What the model learned survives the export: a user's own network scores above another's.
      let wins = 0;
      for (let u = 0; u < 60; u++) if (scores[u] > scores[60 + u]) wins++;
      expect(wins).toBeGreaterThanOrEqual(55);
    } finally {
      await session.release();
    }
  }, 120_000);

  it('is served as ONNX over the features rows, answering NaN where the predictor hashes text the graph cannot spell or refuses the row', async () => {
    const modelDir = await train('served', 1);
    const file = path.join(tmp, 'served.onnx');
    fs.writeFileSync(file, await exportToOnnx(modelDir, 'ipinsights'));
    const predictor = await ipInsights.load(modelDir);
    const good = [
      [userId(3), 10, 3, 21, 7],
      [userId(45), 10, 3, 21, 7],
      [-5, 192, 168, 0, 1],
    ];
    const bad = [
      [1.5, 10, 0, 0, 1], // hashed by the predictor as "1.5"
      [2 ** 54, 10, 0, 0, 1], // printed by JavaScript as its 17 significant digits and zeros
      [NaN, 10, 0, 0, 1], // missing entity
      [7, 256, 0, 0, 1],
      [7, 10, 0.5, 0, 1],
      [7, -1, 0, 0, 1],
      [7, NaN, 0, 0, 1],
    ];
    const onnx = await openOnnxPredictor(file);
    try {
      expect(onnx.numFeatures).toBe(5);
      const got = await onnx.predict(Float32Array.from([...good, ...bad].flat()), good.length + bad.length);
      expect(got.outputsPerRow).toBe(1);
      const native = predictor.predict(Float32Array.from(good.flat()), good.length).values;
      expect(maxDiff(got.values.subarray(0, good.length), native)).toBeLessThan(1e-5);
      expect(Array.from(got.values.subarray(good.length), Number.isNaN)).toEqual(bad.map(() => true));
    } finally {
      await onnx.close();
    }
    // The predictor answers the first two bad rows, whose ids the graph does not spell.
    expect(Number.isFinite(predictor.predict(Float32Array.from(bad[0]), 1).values[0])).toBe(true);
    expect(() => predictor.predict(Float32Array.from(bad[3]), 1)).toThrow(/octets/);
  }, 120_000);

  it('refuses a model whose weights do not match its sizes', async () => {
    const modelDir = await train('broken', 0);
    const weights = path.join(modelDir, 'weights.bin');
    fs.truncateSync(weights, fs.statSync(weights).size - 4);
    await expect(exportToOnnx(modelDir, 'ipinsights')).rejects.toMatchObject({ code: 'ORCH_MODEL_INVALID', message: expect.stringMatching(/weights\.bin does not match/) });
    const doc = JSON.parse(fs.readFileSync(path.join(modelDir, 'model.json'), 'utf8')) as Record<string, unknown>;
    fs.writeFileSync(path.join(modelDir, 'model.json'), JSON.stringify({ ...doc, buckets: 0 }));
    await expect(exportToOnnx(modelDir, 'ipinsights')).rejects.toMatchObject({ code: 'ORCH_MODEL_INVALID', message: expect.stringMatching(/lacks its sizes/) });
  }, 120_000);
});
