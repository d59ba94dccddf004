import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { describeOnnxModel, exportToOnnx, openOnnxPredictor } from '../../onnx/index.js';
import { trainQuietly } from '../test-train.js';
import { createRandom } from '../parallel/random.js';
import { randomCutForest } from './index.js';
import { FOREST_FILE, RCF_JSON_VERSION, readRcf } from './rcf-model.js';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'rcf-onnx-test-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

let run = 0;
async function train(rows: number[][], hp: Record<string, number>): Promise<string> {
  const dir = path.join(tmp, String(run++));
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, 'train.csv');
  fs.writeFileSync(file, rows.map((r) => r.join(',')).join('\n') + '\n');
  return trainQuietly(randomCutForest, { dir, file, contentType: 'text/csv', hyperparameters: { num_trees: 50, num_samples_per_tree: 64, ...hp }, seed: 5 });
}

/** Rows of a standard normal cloud in `d` dimensions. */
function cloud(n: number, d: number, seed: number): number[][] {
  const rng = createRandom(seed);
  return Array.from({ length: n }, () => Array.from({ length: d }, () => rng.normal()));
}

/**
 * Exports through the registry, serves the file with onnxruntime and scores `rows` both
 * ways. Everything after the input's cast is float64 and only two sums of non-negative
 * terms may be added in another order, so each score is the predictor's or one float32
 * unit from it (≤ |score|·2⁻²³).
 */
async function parity(modelDir: string, rows: number[][]): Promise<{ onnx: Float32Array; native: Float32Array; file: string }> {
  const file = path.join(modelDir, '..', 'model.onnx');
  fs.writeFileSync(file, await exportToOnnx(modelDir, 'randomcutforest'));
  const x = Float32Array.from(rows.flat());
  const native = (await randomCutForest.load(modelDir)).predict(Float32Array.from(x), rows.length);
  const served = await openOnnxPredictor(file);
  try {
    expect(served.numFeatures).toBe(rows[0].length);
    const got = await served.predict(x, rows.length);
    expect(got.outputsPerRow).toBe(1);
    expect(got.values.length).toBe(rows.length);
    for (let i = 0; i < rows.length; i++) {
      const diff = Math.abs(got.values[i] - native.values[i]);
      if (!(diff <= Math.abs(native.values[i]) * 2 ** -23)) expect.fail(`row ${i}: onnx ${got.values[i]}, native ${native.values[i]}`);
    }
    return { onnx: got.values, native: native.values, file };
  } finally {
    await served.close();
  }
}

describe('randomcutforest ONNX export', () => {
  it('scores rows as the predictor does: far rows above the cloud, training rows on their leaves', async () => {
    const D = 3;
    // One point repeated 40 times: the trees hold it in leaves of mass > 1, whose own score differs.
    const repeated = [0.25, -0.5, 0.75];
    const training = [...cloud(460, D, 1), ...Array.from({ length: 40 }, () => repeated)];
    const modelDir = await train(training, { feature_dim: D });
    // Held-out cloud rows, rows of the training sample (each equals a leaf's point), and rows far out.
    const far = [
      [8, 8, 8],
      [-7, 0, 0],
      [0, 9, -1],
      [5, -6, 4],
    ];
    const rows = [...cloud(79, D, 2), repeated, ...training.slice(0, 40), ...far];
    const { onnx, file } = await parity(modelDir, rows);
    const normalMax = Math.max(...onnx.subarray(0, 120));
    for (const s of onnx.subarray(120)) expect(s).toBeGreaterThan(normalMax);
    const info = await describeOnnxModel(file);
    expect(info).toMatchObject({
      inputs: [{ name: 'features', type: 'float32', shape: ['N', D] }],
      outputs: [{ name: 'score', type: 'float32', shape: ['N', 1] }],
      metadata: { algorithm: 'randomcutforest', trees: '50', shingle_size: '1' },
      serving: { input: 'features', numFeatures: D, output: 'score' },
    });
    // The training scores' threshold travels with the graph, and the far rows pass it.
    const threshold = Number(info.metadata.score_mean) + 3 * Number(info.metadata.score_std);
    for (const s of onnx.subarray(120)) expect(s).toBeGreaterThan(threshold);
    expect(Number(info.metadata.max_depth)).toBeGreaterThan(3);
  }, 60_000);

  it('shingles the rows of a request itself, as the predictor does, and finds a spike in a series', async () => {
    // Two series, a sine and a cosine, sampled every 0.3; shingles of 4 rows (8 values).
    const series = (from: number, n: number) => Array.from({ length: n }, (_, i) => [Math.sin((from + i) * 0.3), Math.cos((from + i) * 0.3)]);
    const modelDir = await train(series(0, 600), { feature_dim: 2, shingle_size: 4 });
    const request = series(1000, 60);
    // A spike: the shingles holding row 30 (rows 30 … 33) are unusual, though each value alone is within range.
    request[30] = [-request[30][0], -request[30][1]];
    const { onnx } = await parity(modelDir, request);
    const spike = [30, 31, 32, 33];
    const quietMax = Math.max(...Array.from(onnx).filter((_, i) => i >= 3 && !spike.includes(i)));
    for (const i of spike) expect(onnx[i]).toBeGreaterThan(quietMax);
  }, 60_000);

  it('a forest of single leaves (every training row alike) has no walk, and one-row requests score as the predictor does', async () => {
    const flat = await train(Array.from({ length: 60 }, () => [1, 2]), { feature_dim: 2 });
    const { onnx } = await parity(flat, [[1, 2], [3, -4], [1, 2.5]]);
    expect(onnx[0]).toBeLessThan(onnx[1]);
    const file = path.join(flat, '..', 'model.onnx');
    expect((await describeOnnxModel(file)).metadata.max_depth).toBe('0');
    const shingled = await train(cloud(200, 2, 6), { feature_dim: 2, shingle_size: 3 });
    await parity(shingled, [[0.5, -0.5]]);
  }, 60_000);

  it('exports a 1.0.0 model (the forest as JSON in model.json) to the same graph', async () => {
    const modelDir = await train(cloud(300, 2, 3), { feature_dim: 2 });
    const rows = [...cloud(30, 2, 4), [6, -6]];
    const current = await parity(modelDir, rows);
    const { forest: f } = await readRcf(modelDir);
    const doc = JSON.parse(fs.readFileSync(path.join(modelDir, 'model.json'), 'utf8')) as Record<string, unknown>;
    const names = ['treeStart', 'sampleSize', 'dim', 'left', 'right', 'depth', 'mass', 'cut', 'lo', 'hi'] as const;
    const forest = Object.fromEntries(names.map((k) => [k, Array.from(f[k])]));
    fs.writeFileSync(path.join(modelDir, 'model.json'), JSON.stringify({ ...doc, version: RCF_JSON_VERSION, forest: { D: f.D, trees: f.trees, ...forest } }));
    fs.rmSync(path.join(modelDir, FOREST_FILE));
    const old = await parity(modelDir, rows);
    expect(Array.from(old.onnx)).toEqual(Array.from(current.onnx));
  }, 60_000);

  it('refuses bad model files with ORCH_MODEL_INVALID', async () => {
    const modelDir = await train(cloud(100, 2, 5), { feature_dim: 2 });
    const json = path.join(modelDir, 'model.json');
    const doc = JSON.parse(fs.readFileSync(json, 'utf8')) as { version: string; forest: { arrays: Record<string, { offset: number; length: number }> } };
    const bin = fs.readFileSync(path.join(modelDir, FOREST_FILE));
    const attempt = async (change: () => void) => {
      fs.writeFileSync(json, JSON.stringify(doc));
      fs.writeFileSync(path.join(modelDir, FOREST_FILE), bin);
      change();
      return exportToOnnx(modelDir, 'randomcutforest');
    };
    await expect(attempt(() => fs.writeFileSync(path.join(modelDir, FOREST_FILE), bin.subarray(0, bin.length / 2)))).rejects.toMatchObject({ code: 'ORCH_MODEL_INVALID' });
    await expect(attempt(() => fs.writeFileSync(json, JSON.stringify({ ...doc, version: '2.0.0' })))).rejects.toMatchObject({ code: 'ORCH_MODEL_INVALID' });
    await expect(attempt(() => fs.writeFileSync(json, JSON.stringify({ ...doc, format: 'orchard-knn' })))).rejects.toMatchObject({ code: 'ORCH_MODEL_INVALID' });
    // The first root's right child made its left one: a node with two parents, which the links check lets through.
    fs.writeFileSync(json, JSON.stringify(doc));
    const { forest: f } = await readRcf(modelDir);
    const right = doc.forest.arrays.right;
    const twoParents = async () => {
      const b = Buffer.from(bin);
      b.writeInt32LE(f.left[0], right.offset);
      fs.writeFileSync(path.join(modelDir, FOREST_FILE), b);
      return exportToOnnx(modelDir, 'randomcutforest');
    };
    await expect(twoParents()).rejects.toMatchObject({ code: 'ORCH_MODEL_INVALID' });
    fs.writeFileSync(path.join(modelDir, FOREST_FILE), bin);
    await expect(exportToOnnx(modelDir, 'randomcutforest')).resolves.toBeInstanceOf(Uint8Array);
  }, 60_000);
});
