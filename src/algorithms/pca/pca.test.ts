import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { TrainContext } from '../algorithm.js';
import { loadCsvMatrix } from '../data/matrix.js';
import { resolveHyperparameters } from '../hyperparameters.js';
import { pcaOptions } from './hyperparameters.js';
import { pca } from './index.js';
import { toShared } from '../parallel/kernel-pool.js';
import { orthonormalizeColumns, symmetricEigen } from './linalg.js';
import { fitPca } from './pca-core.js';
import { pcaPredictor, readPca } from './pca-model.js';
import { createRandom } from '../parallel/random.js';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'pca-test-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

/**
 * Rows = mean + z₁·3·b₁ + z₂·2·b₂ + 0.1·noise for an orthonormal pair (b₁, b₂) in d
 * dimensions: the top two components are b₁, b₂ with variances 9 and 4 (plus 0.01).
 */
function subspaceData(d: number, rows: number, seed: number, name: string) {
  const rng = createRandom(seed);
  const B = new Float64Array(d * 2);
  for (let i = 0; i < B.length; i++) B[i] = rng.normal();
  orthonormalizeColumns(B, d, 2);
  const mean = Array.from({ length: d }, (_, j) => 5 - j);
  const lines: string[] = [];
  for (let i = 0; i < rows; i++) {
    const z1 = 3 * rng.normal();
    const z2 = 2 * rng.normal();
    const x = mean.map((m, j) => m + z1 * B[j * 2] + z2 * B[j * 2 + 1] + 0.1 * rng.normal());
    lines.push(x.map((v) => v.toPrecision(9)).join(','));
  }
  const file = path.join(tmp, name);
  fs.writeFileSync(file, lines.join('\n') + '\n');
  const total = 9 + 4 + 0.01 * d;
  return { file, B, mean, expectedRatio: [9.01 / total, 4.01 / total] };
}

function context(hp: Record<string, string>, channels: Record<string, string>, modelDir: string): { ctx: TrainContext; metrics: Record<string, number> } {
  const metrics: Record<string, number> = {};
  return {
    metrics,
    ctx: {
      hyperparameters: resolveHyperparameters(pca.hyperparameters, hp),
      channels: Object.fromEntries(Object.entries(channels).map(([k, f]) => [k, { files: [f], contentType: 'text/csv' }])),
      modelDir,
      checkpointDir: path.join(modelDir, '..', 'ckpt'),
      threads: 2,
      seed: 11,
      signal: new AbortController().signal,
      log: () => {},
      metric: (name, value) => {
        metrics[name] = value;
      },
    },
  };
}

/** |cos| between each true direction and its best-matching component. */
function alignment(components: number[], k: number, B: Float64Array, d: number): number[] {
  return [0, 1].map((b) => {
    let best = 0;
    for (let c = 0; c < k; c++) {
      let dot = 0;
      for (let j = 0; j < d; j++) dot += components[c * d + j] * B[j * 2 + b];
      best = Math.max(best, Math.abs(dot));
    }
    return best;
  });
}

describe('symmetricEigen (cyclic Jacobi)', () => {
  it('recovers eigenvalues and eigenvectors of Q·diag·Qᵀ', () => {
    const n = 7;
    const rng = createRandom(5);
    const Q = new Float64Array(n * n);
    for (let i = 0; i < Q.length; i++) Q[i] = rng.normal();
    orthonormalizeColumns(Q, n, n);
    const lambda = [10, 7, 5, 3, 2, 1, 0.001];
    const A = new Float64Array(n * n);
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) for (let c = 0; c < n; c++) A[i * n + j] += Q[i * n + c] * lambda[c] * Q[j * n + c];
    const { values, vectors } = symmetricEigen(A, n);
    lambda.forEach((l, i) => expect(values[i]).toBeCloseTo(l, 10));
    for (let c = 0; c < n; c++) {
      let dot = 0;
      for (let i = 0; i < n; i++) dot += vectors[i * n + c] * Q[i * n + c];
      expect(Math.abs(dot)).toBeCloseTo(1, 9);
    }
  });
});

describe('pca', () => {
  const data = subspaceData(6, 4000, 1, 'train.csv');

  for (const mode of ['regular', 'randomized']) {
    it(`recovers a known subspace and its explained variance (${mode})`, async () => {
      const dir = path.join(tmp, `model-${mode}`);
      const { ctx, metrics } = context({ num_components: '2', algorithm_mode: mode }, { train: data.file }, dir);
      await pca.train(ctx);
      const a = await readPca(dir);
      expect(a).toMatchObject({ format: 'orchard-pca', algorithm: 'pca', version: pca.version, seed: 11, featureDim: 6, numComponents: 2 });
      for (const cos of alignment(a.components, 2, data.B, 6)) expect(cos).toBeGreaterThan(0.999);
      expect(a.explainedVarianceRatio[0]).toBeCloseTo(data.expectedRatio[0], 1);
      expect(a.explainedVarianceRatio[1]).toBeCloseTo(data.expectedRatio[1], 1);
      expect(a.explainedVariance[0]).toBeGreaterThan(8);
      expect(a.explainedVariance[0]).toBeLessThan(10);
      a.mean.forEach((m, j) => expect(m).toBeCloseTo(data.mean[j], 0));
      expect(metrics['train:explained_variance_ratio']).toBeCloseTo(a.explainedVarianceRatio[0] + a.explainedVarianceRatio[1], 10);
    });
  }

  it('randomized subspace iteration without forming the Gram matrix matches regular mode', async () => {
    const wide = subspaceData(70, 3000, 2, 'wide.csv');
    const m = await loadCsvMatrix([wide.file], { label: false });
    const X = toShared(m.features);
    const reg = await fitPca(X, m.rows, m.cols, pcaOptions({ num_components: 2 }), { threads: 1, seed: 1 });
    const rnd = await fitPca(X, m.rows, m.cols, pcaOptions({ num_components: 2, algorithm_mode: 'randomized', extra_components: 2, power_iterations: 1 }), { threads: 2, seed: 1 });
    for (let c = 0; c < 2; c++) {
      expect(rnd.explainedVariance[c] / reg.explainedVariance[c]).toBeCloseTo(1, 4);
      expect(rnd.explainedVarianceRatio[c]).toBeCloseTo(reg.explainedVarianceRatio[c], 5);
    }
    for (const cos of alignment(Array.from(rnd.components), 2, wide.B, 70)) expect(cos).toBeGreaterThan(0.999);
  });

  it('gives the same result on one thread and on two', async () => {
    const big = subspaceData(6, 30_000, 3, 'big.csv');
    const m = await loadCsvMatrix([big.file], { label: false });
    const X = toShared(m.features);
    const o = pcaOptions({ num_components: 2 });
    const one = await fitPca(X, m.rows, m.cols, o, { threads: 1, seed: 1 });
    const two = await fitPca(X, m.rows, m.cols, o, { threads: 2, seed: 1 });
    for (let c = 0; c < 2; c++) expect(two.explainedVariance[c] / one.explainedVariance[c]).toBeCloseTo(1, 10);
    for (let i = 0; i < one.components.length; i++) expect(two.components[i]).toBeCloseTo(one.components[i], 8);
  });

  it('projects the same after save and load as with the fitted model', async () => {
    const dir = path.join(tmp, 'roundtrip');
    const { ctx } = context({ num_components: '3' }, { train: data.file }, dir);
    await pca.train(ctx);
    const m = await loadCsvMatrix([data.file], { label: false });
    const fit = await fitPca(toShared(m.features), m.rows, m.cols, pcaOptions(ctx.hyperparameters), { threads: 2, seed: 11 });
    const direct = pcaPredictor({ featureDim: fit.d, numComponents: fit.k, mean: Array.from(fit.mean), components: Array.from(fit.components) }).predict(m.features, m.rows);
    const loaded = (await pca.load(dir)).predict(m.features, m.rows);
    expect(loaded.outputsPerRow).toBe(3);
    expect(Array.from(loaded.values)).toEqual(Array.from(direct.values));
    // The projections are uncorrelated with variances equal to the explained variances.
    let v0 = 0;
    for (let i = 0; i < m.rows; i++) v0 += loaded.values[i * 3] ** 2;
    expect(v0 / (m.rows - 1) / fit.explainedVariance[0]).toBeCloseTo(1, 4);
  });

  it('refuses bad hyperparameters, bad data and a foreign model', async () => {
    const hp = pca.hyperparameters;
    expect(() => resolveHyperparameters(hp, {})).toThrow(expect.objectContaining({ code: 'ORCH_HYPERPARAMETER_MISSING' }));
    expect(() => resolveHyperparameters(hp, { num_components: '0' })).toThrow(expect.objectContaining({ code: 'ORCH_HYPERPARAMETER_INVALID' }));
    expect(() => resolveHyperparameters(hp, { num_components: '2', algorithm_mode: 'exact' })).toThrow(expect.objectContaining({ code: 'ORCH_HYPERPARAMETER_INVALID' }));
    expect(() => resolveHyperparameters(hp, { num_components: '2', subtract_mean: 'maybe' })).toThrow(expect.objectContaining({ code: 'ORCH_HYPERPARAMETER_INVALID' }));
    const dir = path.join(tmp, 'refuse');
    await expect(pca.train(context({ num_components: '7' }, { train: data.file }, dir).ctx)).rejects.toMatchObject({ code: 'ORCH_TRAINING_DATA_INVALID' });
    await expect(pca.train(context({ num_components: '2', feature_dim: '5' }, { train: data.file }, dir).ctx)).rejects.toMatchObject({ code: 'ORCH_TRAINING_DATA_INVALID' });
    await expect(pca.train(context({ num_components: '2' }, {}, dir).ctx)).rejects.toMatchObject({ code: 'ORCH_TRAINING_CHANNEL_MISSING' });
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, 'model.json'), JSON.stringify({ format: 'orchard-kmeans', algorithm: 'kmeans', version: '1.0.0' }));
    await expect(pca.load(dir)).rejects.toMatchObject({ code: 'ORCH_MODEL_INVALID' });
  });
});
