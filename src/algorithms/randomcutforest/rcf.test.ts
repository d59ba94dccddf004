import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { TrainContext } from '../algorithm.js';
import { resolveHyperparameters } from '../hyperparameters.js';
import { createRandom } from '../parallel/random.js';
import { rcfOptions } from './hyperparameters.js';
import { fitForest, randomCutForest, scoreParallel } from './index.js';
import type { Forest } from './rcf-forest.js';
import { FOREST_FILE, RCF_JSON_VERSION, readRcf, saveRcf, scoreRows } from './rcf-model.js';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'rcf-test-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

/** Normal rows around the origin and `anomalies` rows far out (label 1), shuffled. */
function data(rows: number, anomalies: number, d: number, seed: number): { X: Float32Array; y: number[] } {
  const rng = createRandom(seed);
  const X = new Float32Array(rows * d);
  const y: number[] = [];
  for (let i = 0; i < rows; i++) {
    const bad = i < anomalies;
    y.push(bad ? 1 : 0);
    for (let j = 0; j < d; j++) X[i * d + j] = bad ? (rng.next() < 0.5 ? -1 : 1) * (4 + 2 * rng.next()) : rng.normal();
  }
  return { X, y };
}

/** ROC AUC of scores against 0/1 labels (the Mann–Whitney statistic). */
function auc(scores: ArrayLike<number>, y: number[]): number {
  const idx = y.map((_, i) => i).sort((a, b) => scores[a] - scores[b]);
  let pos = 0;
  let rankSum = 0;
  idx.forEach((i, r) => {
    if (y[i] === 1) {
      pos++;
      rankSum += r + 1;
    }
  });
  const neg = y.length - pos;
  return (rankSum - (pos * (pos + 1)) / 2) / (pos * neg);
}

const hp = (extra: Record<string, string | number>) => resolveHyperparameters(randomCutForest, { feature_dim: 3, ...extra });

function context(values: Record<string, string | number>, channels: Record<string, string>, modelDir: string) {
  const metrics: Record<string, number> = {};
  const ctx: TrainContext = {
    hyperparameters: hp(values),
    channels: Object.fromEntries(Object.entries(channels).map(([k, f]) => [k, { files: [f], contentType: 'text/csv' }])),
    modelDir,
    checkpointDir: path.join(tmp, 'ckpt'),
    threads: 2,
    seed: 9,
    signal: new AbortController().signal,
    log: () => {},
    metric: (name, value) => {
      metrics[name] = value;
    },
  };
  return { ctx, metrics };
}

/** A model as releases before forest.bin wrote it: version 1.0.0, the forest's arrays as JSON numbers in model.json. */
function writeJsonModel(dir: string, forest: Forest, featureDim: number, shingleSize: number): void {
  fs.mkdirSync(dir, { recursive: true });
  const arrays = ['treeStart', 'dim', 'cut', 'left', 'right', 'depth', 'mass', 'lo', 'hi', 'sampleSize'] as const;
  const json = Object.fromEntries(arrays.map((k) => [k, Array.from(forest[k])]));
  const artifact = { format: 'orchard-randomcutforest', algorithm: 'randomcutforest', version: RCF_JSON_VERSION, hyperparameters: { feature_dim: featureDim }, seed: 1, featureDim, shingleSize, scoreMean: 1, scoreStd: 0.1, forest: { D: forest.D, trees: forest.trees, ...json }, metrics: {} };
  fs.writeFileSync(path.join(dir, 'model.json'), JSON.stringify(artifact));
}

/** The first scoring kernel (walk down keeping the path, climb with branches), kept as the reference for the fast one. */
function referenceScores(f: Forest, P: Float32Array, rows: number): Float64Array {
  const D = f.D;
  const out = new Float64Array(rows);
  const path = new Int32Array(4096);
  for (let t = 0; t < f.trees; t++) {
    const base = f.treeStart[t];
    const norm = Math.log2(1 + f.sampleSize[t]);
    for (let i = 0; i < rows; i++) {
      const o = i * D;
      let node = base;
      let len = 0;
      for (;;) {
        path[len++] = node;
        const j = f.dim[node];
        if (j < 0) break;
        node = base + (P[o + j] <= f.cut[node] ? f.left[node] : f.right[node]);
      }
      const leaf = path[len - 1];
      let same = true;
      for (let j = 0; j < D; j++) if (P[o + j] !== f.lo[leaf * D + j]) same = false;
      let s = same ? 1 / (f.depth[leaf] + Math.log2(f.mass[leaf] + 1)) : 1 / (f.depth[leaf] + 1);
      for (let p = len - 2; p >= 0; p--) {
        const n = path[p];
        let extra = 0;
        let range = 0;
        for (let j = 0; j < D; j++) {
          const x = P[o + j];
          const l = f.lo[n * D + j];
          const h = f.hi[n * D + j];
          range += h - l;
          if (x < l) extra += l - x;
          else if (x > h) extra += x - h;
        }
        if (extra === 0) break;
        const prob = extra / (range + extra);
        s = (1 - prob) * s + prob / (f.depth[n] + 1);
      }
      out[i] += s * norm;
    }
  }
  for (let i = 0; i < rows; i++) out[i] /= f.trees;
  return out;
}

describe('random cut forest', () => {
  it('scores exactly as the reference kernel: unrolled (D ≤ 32) and looped (D > 32), rows not a multiple of four, training rows and outliers', async () => {
    for (const [d, shingle, rows] of [[3, 1, 1003], [4, 3, 601], [40, 1, 302]]) {
      const { X } = data(rows, 7, d, 11 + d);
      // Repeated rows: leaves holding several equal points, and points equal to a leaf's.
      X.copyWithin(d * 10, 0, d * 10);
      const o = rcfOptions(hp({ feature_dim: d, shingle_size: shingle, num_samples_per_tree: 128 }));
      const { forest, points } = fitForest(X, rows, o, 5);
      const want = referenceScores(forest, points, rows);
      expect(Array.from(scoreRows(forest, X, rows, d, shingle))).toEqual(Array.from(want));
      expect(Array.from(await scoreParallel(forest, points, rows, 2))).toEqual(Array.from(want));
    }
  });

  it('scores far-out rows above the rest (AUC near 1), the same on one thread and on two', async () => {
    const { X, y } = data(4000, 40, 3, 1);
    const o = rcfOptions(hp({}));
    const { forest, points } = fitForest(X, 4000, o, 1);
    const one = scoreRows(forest, X, 4000, 3, 1);
    const two = await scoreParallel(forest, points, 4000, 2);
    expect(Array.from(two)).toEqual(Array.from(one));
    expect(auc(one, y)).toBeGreaterThan(0.99);
    // Normal rows score about 1; anomalies several times that.
    const normal = one.slice(40).reduce((a, b) => a + b, 0) / 3960;
    const odd = one.slice(0, 40).reduce((a, b) => a + b, 0) / 40;
    expect(normal).toBeGreaterThan(0.5);
    expect(normal).toBeLessThan(2);
    expect(odd).toBeGreaterThan(2 * normal);
  });

  it('with shingles, finds a break in a periodic series that single rows miss', () => {
    // A sine wave whose phase jumps at t = 1500: every value is ordinary, the sequence is not.
    const n = 2000;
    const X = new Float32Array(n);
    for (let t = 0; t < n; t++) X[t] = Math.sin((2 * Math.PI * (t < 1500 ? t : t + 12)) / 50);
    const single = rcfOptions(hp({ feature_dim: 1 }));
    const shingled = rcfOptions(hp({ feature_dim: 1, shingle_size: 8 }));
    const a = fitForest(X, n, single, 2);
    const b = fitForest(X, n, shingled, 2);
    const s1 = scoreRows(a.forest, X, n, 1, 1);
    const s8 = scoreRows(b.forest, X, n, 1, 8);
    const peak = (s: Float64Array) => Math.max(...s.slice(1500, 1508)) / (s.slice(1000, 1400).reduce((x, v) => x + v, 0) / 400);
    expect(peak(s8)).toBeGreaterThan(1.5);
    expect(peak(s8)).toBeGreaterThan(peak(s1));
  });

  it('trains from CSV, reports test metrics, and answers SageMaker’s {"scores": [...]}', async () => {
    const train = data(3000, 0, 3, 3);
    const test = data(500, 10, 3, 4);
    const trainCsv = path.join(tmp, 'train.csv');
    const testCsv = path.join(tmp, 'test.csv');
    const row = (X: Float32Array, i: number) => Array.from(X.subarray(i * 3, i * 3 + 3), (v) => v.toFixed(5)).join(',');
    fs.writeFileSync(trainCsv, Array.from({ length: 3000 }, (_, i) => row(train.X, i)).join('\n'));
    fs.writeFileSync(testCsv, Array.from({ length: 500 }, (_, i) => `${test.y[i]},${row(test.X, i)}`).join('\n'));
    const modelDir = path.join(tmp, 'model');
    const { ctx, metrics } = context({ num_trees: 50, num_samples_per_tree: 128 }, { train: trainCsv, test: testCsv }, modelDir);
    await randomCutForest.train(ctx);
    expect(metrics['test:recall']).toBe(1);
    expect(metrics['test:accuracy']).toBeGreaterThan(0.95);
    const model = await randomCutForest.load(modelDir);
    // Row 0 is an anomaly, row 20 is not.
    const text = `${row(test.X, 0)}\n${row(test.X, 20)}\n`;
    const { values } = model.predict(Float32Array.from(text.trim().split(/[\n,]/), Number), 2);
    const doc = JSON.parse(model.invoke!({ contentType: 'text/csv', accept: 'application/json', body: Buffer.from(text) }).body);
    expect(doc.scores.map((s: { score: number }) => Math.fround(s.score))).toEqual(Array.from(values));
    expect(values[0]).toBeGreaterThan(values[1] * 2);
    const lines = model.invoke!({ contentType: 'application/json', accept: 'application/jsonlines', body: Buffer.from(JSON.stringify({ instances: [{ features: [0, 0, 0] }] })) }).body;
    expect(Object.keys(JSON.parse(lines.trim()))).toEqual(['score']);
  });

  it('refuses labels other than 0 and 1, a wrong width and a wrong format, naming what is wrong', async () => {
    const bad = path.join(tmp, 'bad-test.csv');
    fs.writeFileSync(bad, '2,0,0,0\n');
    const train = path.join(tmp, 'small.csv');
    fs.writeFileSync(train, Array.from({ length: 100 }, (_, i) => `${i},${i % 7},${i % 3}`).join('\n'));
    await expect(randomCutForest.train(context({}, { train, test: bad }, path.join(tmp, 'm1')).ctx)).rejects.toThrow(/label must be 0 \(normal\) or 1 \(anomaly\); got 2/);
    await expect(randomCutForest.train(context({ feature_dim: 4 }, { train }, path.join(tmp, 'm2')).ctx)).rejects.toThrow(/feature_dim is 4/);
    const c = context({}, { train }, path.join(tmp, 'm3'));
    c.ctx.channels.train.contentType = 'application/jsonlines';
    await expect(randomCutForest.train(c.ctx)).rejects.toThrow(/reads text\/csv/);
    expect(() => hp({ num_trees: 10 })).toThrow(/num_trees/);
  });

  it('stores the forest as binary arrays beside model.json, scoring bit for bit as before; a 1.0.0 model (the forest as JSON) still loads', async () => {
    const [d, shingle, rows] = [4, 2, 500];
    const { X } = data(rows, 5, d, 21);
    const o = rcfOptions(hp({ feature_dim: d, shingle_size: shingle, num_trees: 50, num_samples_per_tree: 64 }));
    const { forest } = fitForest(X, rows, o, 3);
    const want = Array.from(scoreRows(forest, X, rows, d, shingle));
    const header = { hyperparameters: hp({ feature_dim: d, shingle_size: shingle }), seed: 3, featureDim: d, shingleSize: shingle, scoreMean: 1, scoreStd: 0.1, metrics: {} };

    const binDir = path.join(tmp, 'bin-model');
    await saveRcf(binDir, header, forest);
    const doc = JSON.parse(fs.readFileSync(path.join(binDir, 'model.json'), 'utf8'));
    expect(doc.forest.file).toBe(FOREST_FILE);
    expect(doc.forest.lo).toBeUndefined();
    const nodes = forest.treeStart[forest.trees];
    // Per node: five int32s, the float64 cut and the float32 box (lows and highs); per tree: its start and sample size; each of the ten arrays padded to 8 bytes.
    expect(fs.statSync(path.join(binDir, FOREST_FILE)).size).toBeLessThanOrEqual(nodes * (5 * 4 + 8 + 2 * d * shingle * 4) + (2 * forest.trees + 1) * 4 + 10 * 4);
    const fromBin = await readRcf(binDir);
    expect(Array.from(scoreRows(fromBin.forest, X, rows, d, shingle))).toEqual(want);
    // Every stored and derived array, byte for byte.
    const bytesOf = (a: ArrayBufferView) => Buffer.from(a.buffer, a.byteOffset, a.byteLength);
    for (const k of ['treeStart', 'dim', 'cut', 'left', 'right', 'depth', 'mass', 'lo', 'hi', 'sampleSize', 'nav', 'parent', 'box', 'dep1', 'leafSame', 'range'] as const) {
      expect(bytesOf(fromBin.forest[k]).equals(bytesOf(forest[k])), k).toBe(true);
    }
    expect(fromBin.forest.box.buffer).toBeInstanceOf(SharedArrayBuffer);
    expect(fromBin.forest.lo.buffer).toBeInstanceOf(SharedArrayBuffer);

    const jsonDir = path.join(tmp, 'json-model');
    writeJsonModel(jsonDir, forest, d, shingle);
    const model = await randomCutForest.load(jsonDir);
    const P = X.subarray(0, rows * d);
    expect(Array.from(model.predict(P, rows).values)).toEqual(Array.from(Float32Array.from(want)));
    expect(Array.from(scoreRows((await readRcf(jsonDir)).forest, X, rows, d, shingle))).toEqual(want);

    // A forest file cut short, or a model.json of an unknown version, is a bad model, said so.
    const stored = fs.readFileSync(path.join(binDir, FOREST_FILE));
    fs.writeFileSync(path.join(binDir, FOREST_FILE), stored.subarray(0, stored.length - 16));
    await expect(randomCutForest.load(binDir)).rejects.toMatchObject({ code: 'ORCH_MODEL_INVALID', message: expect.stringMatching(/hi array does not fit forest\.bin/) });
    fs.rmSync(path.join(binDir, FOREST_FILE));
    await expect(randomCutForest.load(binDir)).rejects.toMatchObject({ code: 'ORCH_MODEL_INVALID', message: expect.stringMatching(/no readable forest\.bin/) });
    fs.writeFileSync(path.join(jsonDir, 'model.json'), JSON.stringify({ ...doc, version: '2.0.0' }));
    await expect(randomCutForest.load(jsonDir)).rejects.toMatchObject({ code: 'ORCH_MODEL_INVALID', message: expect.stringMatching(/version 2\.0\.0 is not 1\.1\.0/) });
  });
});
