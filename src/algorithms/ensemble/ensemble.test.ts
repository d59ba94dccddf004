import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestCandidates, type TestCandidates } from '../../automl/finalize/test-models.js';
import { openPredictor, type ServingPredictor } from '../../serving/predictor.js';
import { getAlgorithm, registerBuiltins } from '../index.js';
import { ENSEMBLE_FORMAT, ENSEMBLE_VERSION, writeEnsemble, type EnsembleArtifact } from './index.js';

/** An ensemble folder over the candidates, written by hand: xgboost (trees recipe) 0.3, linear-learner (linear recipe) 0.7. */
async function writeTestEnsemble(dir: string, t: TestCandidates, weights: number[]): Promise<void> {
  await fs.mkdir(path.join(dir, 'recipes'), { recursive: true });
  const artifact: EnsembleArtifact = {
    format: ENSEMBLE_FORMAT,
    algorithm: 'ensemble',
    version: ENSEMBLE_VERSION,
    hyperparameters: {},
    seed: 0,
    problemType: t.problem,
    outputs: 1,
    members: t.candidates.map((c, i) => ({ name: c.name, algorithm: c.algorithm, dir: `members/${i}`, weight: weights[i], recipe: `recipes/${i}.json`, variant: c.recipeVariant })),
  };
  for (const [i, c] of t.candidates.entries()) {
    await fs.cp(c.modelDir, path.join(dir, 'members', String(i)), { recursive: true });
    await fs.copyFile(c.recipeFile, path.join(dir, 'recipes', `${i}.json`));
  }
  await writeEnsemble(dir, artifact);
}

const csvOf = (rows: TestCandidates['validation'], order: string[]) =>
  rows.map(([x, color, noise]) => order.map((c) => (c === 'x' ? (x ?? '') : c === 'color' ? color : noise)).join(',')).join('\n');

async function predictRaw(p: ServingPredictor, csv: string): Promise<Float32Array> {
  const rows = p.pipeline!.decode('text/csv', Buffer.from(csv));
  return (await p.predict(rows.features, rows.rows)).values;
}

describe.each(['regression', 'binary'] as const)('an ensemble of two real models (%s)', (problem) => {
  let dir: string;
  let t: TestCandidates;
  let ensemble: ServingPredictor;
  let members: ServingPredictor[];
  const weights = [0.3, 0.7];

  beforeAll(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'orchard-ensemble-'));
    t = await buildTestCandidates(dir, problem);
    await writeTestEnsemble(path.join(dir, 'ensemble'), t, weights);
    ensemble = await openPredictor({ dir: path.join(dir, 'ensemble'), format: 'algorithm', algorithm: 'ensemble' });
    members = await Promise.all(t.candidates.map((c) => openPredictor({ dir: c.modelDir, format: 'algorithm', algorithm: c.algorithm, recipeFile: c.recipeFile })));
  }, 120_000);
  afterAll(() => fs.rm(dir, { recursive: true, force: true }));

  it('reads the union of the raw columns and predicts the weighted combination of its members', async () => {
    const names = ensemble.pipeline!.columns.names;
    expect([...names].sort()).toEqual(['color', 'noise', 'x']);
    const rows = t.validation.slice(0, 40);
    const got = await predictRaw(ensemble, csvOf(rows, [...names]));
    const a = await predictRaw(members[0], csvOf(rows, [...members[0].pipeline!.columns.names]));
    const b = await predictRaw(members[1], csvOf(rows, [...members[1].pipeline!.columns.names]));
    expect(got).toHaveLength(40);
    for (let r = 0; r < 40; r++) expect(got[r]).toBeCloseTo(weights[0] * a[r] + weights[1] * b[r], 5);
    // The members differ, so the blend is neither of them.
    expect(Array.from(got).some((v, r) => Math.abs(v - a[r]) > 1e-3)).toBe(true);
  });

  it('explains in raw columns: contributions sum to the weighted members\' margins', async () => {
    const names = [...ensemble.pipeline!.columns.names];
    const rows = t.validation.slice(0, 10);
    const decoded = ensemble.pipeline!.decode('text/csv', Buffer.from(csvOf(rows, names)));
    const e = ensemble.explain!(decoded.features, decoded.rows);
    const F = ensemble.numFeatures;
    const margin = (p: ServingPredictor, i: number) => {
      const d = p.pipeline!.decode('text/csv', Buffer.from(csvOf(rows, [...p.pipeline!.columns.names])));
      const x = p.explain!(d.features, d.rows);
      const w = p.numFeatures + 1;
      return Array.from({ length: 10 }, (_, r) => x.values.slice(r * w, r * w + w).reduce((s, v) => s + v, 0) * weights[i]);
    };
    const ma = margin(members[0], 0);
    const mb = margin(members[1], 1);
    for (let r = 0; r < 10; r++) {
      const sum = e.values.slice(r * (F + 1), (r + 1) * (F + 1)).reduce((s, v) => s + v, 0);
      expect(sum).toBeCloseTo(ma[r] + mb[r], 4);
    }
    expect(new Set(ensemble.pipeline!.featureColumns)).toEqual(new Set(['x', 'color', 'noise']));
  });

  it('is registered but not trainable, and the registry check loads it', async () => {
    registerBuiltins();
    await expect(getAlgorithm('ensemble').train({} as never)).rejects.toMatchObject({ code: 'ORCH_TRAINING_INVALID' });
    const loaded = await getAlgorithm('ensemble').load(path.join(dir, 'ensemble'));
    expect(loaded.numFeatures).toBe(ensemble.numFeatures);
  });
});

describe('ensemble model checks', () => {
  it('refuses weights that do not sum to 1 and member folders outside the model', async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'orchard-ensemble-bad-'));
    try {
      const base = { format: ENSEMBLE_FORMAT as typeof ENSEMBLE_FORMAT, algorithm: 'ensemble' as const, version: ENSEMBLE_VERSION, hyperparameters: {}, seed: 0, problemType: 'regression' as const, outputs: 1 };
      await writeEnsemble(dir, { ...base, members: [{ name: 'a', algorithm: 'xgboost', dir: 'm/0', weight: 0.5, recipe: null, variant: null }] });
      await expect(getAlgorithm('ensemble').load(dir)).rejects.toMatchObject({ code: 'ORCH_MODEL_INVALID', message: expect.stringContaining('sum to 0.5') });
      await writeEnsemble(dir, { ...base, members: [{ name: 'a', algorithm: 'xgboost', dir: '../elsewhere', weight: 1, recipe: null, variant: null }] });
      await expect(getAlgorithm('ensemble').load(dir)).rejects.toMatchObject({ code: 'ORCH_MODEL_INVALID', message: expect.stringContaining('inside the model folder') });
    } finally {
      await fs.rm(dir, { recursive: true, force: true });
    }
  });
});
