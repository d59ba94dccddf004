import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openPredictor } from '../../serving/predictor.js';
import { auc } from '../scoring/index.js';
import { finalizeCandidates } from './index.js';
import { buildTestCandidates, type TestCandidates } from './test-models.js';

describe('finalizeCandidates on real candidates (binary)', () => {
  let dir: string;
  let t: TestCandidates;

  beforeAll(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'orchard-finalize-'));
    t = await buildTestCandidates(dir, 'binary');
  }, 120_000);
  afterAll(() => fs.rm(dir, { recursive: true, force: true }));

  it('scores every candidate alike, writes a loadable ensemble and ranks the raw columns', async () => {
    const result = await finalizeCandidates({
      problemType: 'binary',
      objective: 'auc',
      classes: ['0', '1'],
      mode: 'ensembling',
      recipes: t.recipes,
      candidates: [...t.candidates, { ...t.candidates[0], name: 'broken', modelDir: path.join(dir, 'nowhere') }],
      outDir: path.join(dir, 'out'),
    });
    expect(Object.keys(result.scores).sort()).toEqual(['job-1', 'job-2']);
    expect(result.failures.broken).toMatch(/model/i);
    for (const s of Object.values(result.scores)) {
      expect(Object.keys(s.metrics).sort()).toEqual(['accuracy', 'auc', 'f1', 'logloss']);
      expect(s.objective).toBe(s.metrics.auc);
      expect(s.objective).toBeGreaterThan(0.85);
    }
    // The score is the AUC of the candidate's own predictions on the raw validation rows.
    const p = await openPredictor({ dir: t.candidates[0].modelDir, format: 'algorithm', algorithm: 'xgboost', recipeFile: t.candidates[0].recipeFile });
    const byName = (r: TestCandidates['validation'][number]): Record<string, string | number | null> => ({ x: r[0], color: r[1], noise: r[2] });
    const rows = p.pipeline!.features(t.validation.map((r) => p.pipeline!.columns.names.map((c) => byName(r)[c])));
    const probs = (await p.predict(rows, t.validation.length)).values;
    expect(result.scores['job-1'].objective).toBeCloseTo(auc(t.validation.map((r) => r[3]), probs), 9);

    for (const name of ['job-1', 'job-2']) {
      const imp = result.importance[name];
      expect(Object.keys(imp).sort()).toEqual(['color', 'noise', 'x']);
      expect(imp.x).toBeGreaterThan(imp.noise);
      expect(imp.color).toBeGreaterThan(imp.noise);
    }

    // Seeds are fixed: selection keeps both (the linear model ranks well but is poorly calibrated).
    expect(result.ensemble?.members.map((m) => m.candidate).sort()).toEqual(['job-1', 'job-2']);
    {
      const e = result.ensemble!;
      expect(e.members.reduce((s, m) => s + m.weight, 0)).toBeCloseTo(1, 9);
      expect(e.objective).toBeGreaterThanOrEqual(Math.max(...Object.values(result.scores).map((s) => s.objective)) - 1e-12);
      const served = await openPredictor({ dir: e.modelDir, format: 'algorithm', algorithm: 'ensemble' });
      expect([...served.pipeline!.columns.names].sort()).toEqual(['color', 'noise', 'x']);
      expect(Object.keys(e.importance!).sort()).toEqual(['color', 'noise', 'x']);
    }
  }, 120_000);

  it('scores out of fold when given folds: the mean of the folds, their spread, every row once; selection on those rows', async () => {
    // Two folds whose held-out rows are the validation rows split in halves, each predicted
    // by the candidate's own model: the folds' scores are the halves' AUCs.
    const { openDuckDB, sqlString } = await import('../../data/index.js');
    const db = await openDuckDB();
    const halves: Array<Record<string, string>> = [{}, {}];
    try {
      for (const [variant, file] of Object.entries(t.recipes)) {
        for (const [h, where] of ['rn <= 100', 'rn > 100'].entries()) {
          const out = path.join(dir, `${variant}-half${h}.parquet`);
          await db.connection.run(`COPY (SELECT * EXCLUDE (rn) FROM (SELECT *, row_number() OVER () AS rn FROM read_parquet(${sqlString(file)})) WHERE ${where}) TO ${sqlString(out)} (FORMAT parquet)`);
          halves[h][variant] = out;
        }
      }
    } finally {
      db.close();
    }
    const candidates = t.candidates.map((c) => ({ ...c, folds: [c, c].map(({ modelDir, recipeFile }) => ({ modelDir, recipeFile })) }));
    const base = { problemType: 'binary' as const, objective: 'auc' as const, classes: ['0', '1'], mode: 'ensembling' as const, recipes: t.recipes, outDir: path.join(dir, 'out-cv') };
    const result = await finalizeCandidates({ ...base, folds: halves, candidates });
    const n = t.validation.length;
    for (const [name, score] of Object.entries(result.scores)) {
      const f = score.folds!;
      expect(f.rows).toBe(n);
      expect(f.scores).toHaveLength(2);
      expect(score.objective).toBeCloseTo((f.scores[0] + f.scores[1]) / 2, 12);
      expect(f.std).toBeCloseTo(Math.abs(f.scores[0] - f.scores[1]) / 2, 12);
      expect(f.scores[0]).not.toBe(f.scores[1]);
      // The pooled metrics are over every row: the same model on all of them.
      const plain = await finalizeCandidates({ ...base, mode: 'hpo', candidates: t.candidates.filter((c) => c.name === name) });
      expect(score.metrics.auc).toBeCloseTo(plain.scores[name].metrics.auc, 12);
    }
    expect(result.ensemble?.folds?.rows).toBe(n);
    // A candidate without its fold models is not scored.
    const partial = await finalizeCandidates({ ...base, mode: 'hpo', folds: halves, candidates: [candidates[0], t.candidates[1]] });
    expect(Object.keys(partial.scores)).toEqual(['job-1']);
    expect(partial.failures['job-2']).toMatch(/fold models/);
  }, 120_000);

  it('mode hpo builds no ensemble; an objective of another problem type is refused', async () => {
    const base = { problemType: 'binary' as const, classes: ['0', '1'], recipes: t.recipes, candidates: t.candidates, outDir: path.join(dir, 'out2') };
    const result = await finalizeCandidates({ ...base, objective: 'logloss', mode: 'hpo' });
    expect(result.ensemble).toBeUndefined();
    expect(result.scores['job-1'].objective).toBe(result.scores['job-1'].metrics.logloss);
    await expect(finalizeCandidates({ ...base, objective: 'rmse', mode: 'hpo' })).rejects.toMatchObject({ code: 'ORCH_AUTOML_INVALID' });
  }, 120_000);

  it('past its deadline keeps only what must be done: the kept candidates scored, the best explained on fewer rows, no ensemble', async () => {
    const base = { problemType: 'binary' as const, objective: 'auc' as const, classes: ['0', '1'], mode: 'ensembling' as const, recipes: t.recipes, candidates: t.candidates, outDir: path.join(dir, 'out3'), seed: 5 };
    const late = await finalizeCandidates({ ...base, deadline: Date.now() - 1000, keep: 1 });
    expect(Object.keys(late.scores)).toEqual(['job-1']);
    expect(late.ensemble).toBeUndefined();
    // The best is explained whatever the time, on the floor of its sample.
    expect(Object.keys(late.importance)).toEqual(['job-1']);
    expect(late.degraded).toEqual([expect.stringMatching(/^1 candidate\(s\) not scored/), expect.stringMatching(/^importance of job-1 on 100 of \d+ rows$/)]);
    // With time to spare nothing is left out, and the answer is the one without a deadline.
    const ample = await finalizeCandidates({ ...base, deadline: Date.now() + 3_600_000, keep: 1 });
    const plain = await finalizeCandidates(base);
    expect(ample.degraded).toEqual([]);
    expect(Object.keys(ample.scores).sort()).toEqual(['job-1', 'job-2']);
    expect(ample.ensemble?.members).toEqual(plain.ensemble?.members);
    for (const name of ['job-1', 'job-2']) for (const [c, v] of Object.entries(plain.importance[name])) expect(ample.importance[name][c]).toBeCloseTo(v, 9);
  }, 120_000);
});

describe('finalizeCandidates on real candidates (regression)', () => {
  it('weighs an ensemble whose held-out error is no worse than its best member', async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'orchard-finalize-r-'));
    try {
      const t = await buildTestCandidates(dir, 'regression');
      const result = await finalizeCandidates({ problemType: 'regression', objective: 'mse', mode: 'ensembling', recipes: t.recipes, candidates: t.candidates, outDir: path.join(dir, 'out') });
      expect(Object.keys(result.scores['job-1'].metrics).sort()).toEqual(['mae', 'mse', 'r2', 'rmse']);
      const best = Math.min(...Object.values(result.scores).map((s) => s.objective));
      if (result.ensemble) expect(result.ensemble.objective).toBeLessThanOrEqual(best + 1e-12);
      expect(result.importance['job-2'].x).toBeGreaterThan(result.importance['job-2'].noise);
    } finally {
      await fs.rm(dir, { recursive: true, force: true });
    }
  }, 120_000);
});
