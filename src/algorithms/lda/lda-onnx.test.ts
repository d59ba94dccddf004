import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exportToOnnx, loadOnnxRuntime, openOnnxPredictor } from '../../onnx/index.js';
import { DataType, GraphBuilder, decodeModel, encodeModel } from '../onnx-builder/index.js';
import type { Predictor } from '../algorithm.js';
import { createRandom } from '../parallel/random.js';
import { trainQuietly } from '../test-train.js';
import { lda } from './index.js';
import { digamma } from './lda-math.js';
import { digammaNodes, ldaInferenceConstants } from './lda-onnx.js';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'lda-onnx-test-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

const V = 30;
const K = 3;

/** A document of `words` words over 30 words in 3 blocks of 10: block b with weight shares[b], 10 % noise. */
function doc(rng: ReturnType<typeof createRandom>, words: number, shares: number[]): number[] {
  const counts = new Array<number>(V).fill(0);
  for (let i = 0; i < words; i++) {
    let u = rng.next();
    let b = 0;
    while (b < K - 1 && u >= shares[b]) u -= shares[b++];
    if (rng.next() < 0.1) b = rng.int(K);
    counts[b * 10 + rng.int(10)]++;
  }
  return counts;
}

/** Documents each mostly of one topic (d mod 3). */
function corpus(n: number, seed: number): number[][] {
  const rng = createRandom(seed);
  return Array.from({ length: n }, (_, d) => doc(rng, 40, [0, 1, 2].map((b) => (b === d % K ? 1 : 0))));
}

function maxDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let d = 0;
  for (let i = 0; i < a.length; i++) d = Math.max(d, Math.abs(a[i] - b[i]));
  return d;
}

let modelDir = '';
let predictor: Predictor;

beforeAll(async () => {
  const dir = path.join(tmp, 'trained');
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, 'train.csv');
  fs.writeFileSync(file, corpus(300, 1).map((r) => r.join(',')).join('\n') + '\n');
  modelDir = await trainQuietly(lda, { dir, file, contentType: 'text/csv', hyperparameters: { num_topics: K, feature_dim: V, max_iterations: 30 }, seed: 3 });
  predictor = await lda.load(modelDir);
}, 60_000);

/**
 * Held-out documents of one topic, documents half of one topic and half of another, and
 * the edge cases: no words, fractional counts, one word, and long documents (counts in the
 * thousands), whose γ takes more iterations to settle.
 */
function requests(): { rows: number[][]; pure: number; mixed: number } {
  const rng = createRandom(9);
  const rows = corpus(30, 2);
  const pure = rows.length;
  for (let i = 0; i < 12; i++) rows.push(doc(rng, 60, i % 3 === 0 ? [0.5, 0.5, 0] : i % 3 === 1 ? [0, 0.5, 0.5] : [0.5, 0, 0.5]));
  const mixed = rows.length - pure;
  rows.push(new Array<number>(V).fill(0));
  rows.push(doc(rng, 20, [1, 0, 0]).map((c, j) => (c > 0 ? c * 0.37 + (j % 3) * 0.5 : 0)));
  rows.push(new Array<number>(V).fill(0).map((_, j) => (j === 17 ? 1 : 0)));
  for (const shares of [
    [1, 0, 0],
    [0.3, 0.3, 0.4],
  ]) {
    rows.push(doc(rng, 40, shares).map((c) => c * 2500));
  }
  return { rows, pure, mixed };
}

describe('lda ONNX export', () => {
  it('builds ψ from elementwise ops to within 1e-10 of the native digamma', async () => {
    const xs = [1, 0.5, 6, 5.999999, 6.000001, 1e-4, 2.5e-3, 0.0333, 1 / 3, 2, 7.5, 12, 100, 1234.5, 1e5];
    for (let e = -4; e <= 5; e += 0.25) xs.push(10 ** e * 1.37);
    const g = new GraphBuilder();
    g.op('Identity', [digammaNodes(g, 'x')], undefined, 'psi');
    const bytes = encodeModel({
      name: 'digamma',
      producerVersion: 'test',
      inputs: [{ name: 'x', elemType: DataType.DOUBLE, shape: [1, xs.length] }],
      outputs: [{ name: 'psi', elemType: DataType.DOUBLE, shape: [1, xs.length] }],
      nodes: g.nodes,
      initializers: g.initializers,
    });
    const ort = await loadOnnxRuntime();
    const session = await ort.InferenceSession.create(bytes);
    try {
      const psi = (await session.run({ x: new ort.Tensor('float64', Float64Array.from(xs), [1, xs.length]) })).psi.data as Float64Array;
      // ψ(1) = −γ (Euler–Mascheroni), ψ(1/2) = −γ − 2 ln 2; the series is cut after its x^−10 term (the next is 1.5e-12 at 7, 3.4e-12 at 6.5).
      expect(Math.abs(psi[0] + 0.5772156649015329)).toBeLessThan(1e-11);
      expect(Math.abs(psi[1] - (-0.5772156649015329 - 2 * Math.LN2))).toBeLessThan(1e-11);
      xs.forEach((x, i) => expect(Math.abs(psi[i] - digamma(x)) / Math.max(1, Math.abs(digamma(x)))).toBeLessThan(1e-10));
    } finally {
      await session.release();
    }
  });

  it("answers the predictor's topic mixtures under onnxruntime, each row stopping where the predictor's does", async () => {
    const bytes = await exportToOnnx(modelDir, 'lda');
    const decoded = decodeModel(bytes);
    expect(decoded.inputs).toEqual([{ name: 'features', type: 'float32', shape: ['N', V] }]);
    expect(decoded.outputs).toEqual([{ name: 'topic_mixture', type: 'float32', shape: ['N', K] }]);
    const { maxIter, tol } = ldaInferenceConstants();
    expect(decoded.metadata).toMatchObject({ algorithm: 'lda', num_topics: String(K), feature_dim: String(V), doc_max_iterations: String(maxIter), doc_tolerance: String(tol) });

    const { rows, pure, mixed } = requests();
    const features = Float32Array.from(rows.flat());
    const native = predictor.predict(features, rows.length);
    expect(native.outputsPerRow).toBe(K);
    const ort = await loadOnnxRuntime();
    const session = await ort.InferenceSession.create(bytes);
    let got: Float32Array;
    try {
      const out = (await session.run({ features: new ort.Tensor('float32', features, [rows.length, V]) })).topic_mixture;
      expect(out.dims).toEqual([rows.length, K]);
      got = out.data as Float32Array;
    } finally {
      await session.release();
    }
    expect(maxDiff(got, native.values)).toBeLessThan(1e-6);

    // The answers are the planted ones: one topic per block, a pure document mostly its
    // block's topic, a half-and-half document split between its two blocks' topics.
    const row = (r: number) => Array.from(got.subarray(r * K, r * K + K));
    const winner = (r: number) => row(r).indexOf(Math.max(...row(r)));
    const topicOf = [0, 1, 2].map((b) => winner(b));
    expect(new Set(topicOf).size).toBe(K);
    for (let r = 0; r < rows.length; r++) expect(row(r).reduce((a, b) => a + b, 0)).toBeCloseTo(1, 5);
    for (let r = 0; r < pure; r++) expect(row(r)[topicOf[r % K]]).toBeGreaterThan(0.7);
    for (let i = 0; i < mixed; i++) {
      const m = row(pure + i);
      const [a, b] = i % 3 === 0 ? [0, 1] : i % 3 === 1 ? [1, 2] : [0, 2];
      expect(m[topicOf[a]]).toBeGreaterThan(0.2);
      expect(m[topicOf[b]]).toBeGreaterThan(0.2);
      expect(m[topicOf[3 - a - b]]).toBeLessThan(0.2);
    }
    // The empty document: the uniform mixture.
    for (const v of row(pure + mixed)) expect(v).toBeCloseTo(1 / K, 6);
  }, 60_000);

  it('is served as an ONNX model over features, answering what the predictor answers', async () => {
    const file = path.join(tmp, 'lda.onnx');
    fs.writeFileSync(file, await exportToOnnx(modelDir, 'lda'));
    const served = await openOnnxPredictor(file);
    try {
      expect(served.numFeatures).toBe(V);
      const rows = corpus(9, 5);
      const features = Float32Array.from(rows.flat());
      const got = await served.predict(features, rows.length);
      expect(got.outputsPerRow).toBe(K);
      expect(maxDiff(got.values, predictor.predict(features, rows.length).values)).toBeLessThan(1e-6);
    } finally {
      await served.close();
    }
  }, 60_000);

  it('refuses a bad model.json with ORCH_MODEL_INVALID', async () => {
    const good = JSON.parse(fs.readFileSync(path.join(modelDir, 'model.json'), 'utf8')) as Record<string, unknown>;
    const lambda = good.lambda as number[];
    const cases: [Record<string, unknown>, RegExp][] = [
      [{ numTopics: 0 }, /bad numTopics/],
      [{ featureDim: 'thirty' }, /bad featureDim/],
      [{ alpha: -1 }, /bad alpha or eta/],
      [{ eta: undefined }, /bad alpha or eta/],
      [{ lambda: lambda.slice(1) }, /topics do not match/],
      [{ lambda: lambda.map((v, i) => (i === 4 ? -v : v)) }, /topics do not match/],
      [{ lambda: 'x' }, /topics do not match/],
    ];
    for (const [change, message] of cases) {
      const dir = fs.mkdtempSync(path.join(tmp, 'bad-'));
      fs.writeFileSync(path.join(dir, 'model.json'), JSON.stringify({ ...good, ...change }));
      await expect(exportToOnnx(dir, 'lda')).rejects.toMatchObject({ code: 'ORCH_MODEL_INVALID', message: expect.stringMatching(message) });
    }
  });
});
