/**
 * AutoML on a small table: candidates scored by 5-fold cross-validation (every fold an
 * ordinary training job, every row predicted once out of fold), the ensemble weighed on
 * the out-of-fold predictions; the best model and the ensemble run as batch transforms on
 * the raw table with and without its target.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as tar from 'tar';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AutomlJob } from '../../src/contracts/index.js';
import { Orchard } from '../../src/sdk/index.js';
import { openPredictor } from '../../src/serving/predictor.js';
import { backends, TEST_ATTEMPTS_DIR } from '../support/backends.js';
import { cli, startServer, type RunningServer } from '../support/server.js';

const ROWS = 700;

/** Churn-like rows: a text target, numbers (one with gaps), categories, an ID; the signal partly linear, partly an interaction. */
function churnCsv(withTarget: boolean): string {
  let s = 17;
  const rand = () => ((s = (s * 1103515245 + 12345) % 2147483648) / 2147483648);
  const plans = ['basic', 'plus', 'pro'];
  const lines = [withTarget ? 'id,tenure,charges,plan,churn' : 'id,tenure,charges,plan'];
  for (let i = 0; i < ROWS; i++) {
    const tenure = Math.floor(rand() * 72);
    const charges = 20 + rand() * 100;
    const plan = plans[Math.floor(rand() * 3)];
    const score = -tenure / 30 + charges / 50 + (plan === 'basic' && tenure < 12 ? 1.5 : 0) + (rand() - 0.5) * 1.5;
    const chargesText = rand() < 0.05 ? '' : charges.toFixed(2);
    lines.push([i + 1, tenure, chargesText, plan, ...(withTarget ? [score > 0.6 ? 'yes' : 'no'] : [])].join(','));
  }
  return lines.join('\n') + '\n';
}

describe.each(backends)('AutoML cross-validation and batch transform of its models on $name', (backend) => {
  let server: RunningServer;
  let teardown: () => Promise<void>;
  let admin: { url: string; token: string };
  let dir: string;
  let sdk: Orchard;
  let job: AutomlJob;

  beforeAll(async () => {
    const b = await backend.setup();
    teardown = b.teardown;
    server = await startServer({ ...b.env, ORCHARD_ATTEMPTS_DIR: TEST_ATTEMPTS_DIR, ORCHARD_WORKERS: '2' });
    admin = { url: server.url, token: server.adminToken };
    sdk = new Orchard(admin);
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'orchard-automl-cv-'));
    fs.writeFileSync(path.join(dir, 'churn.csv'), churnCsv(true));
    fs.writeFileSync(path.join(dir, 'fresh.csv'), churnCsv(false));
    for (const name of ['churn', 'fresh']) {
      const made = await cli(['datasets', 'create', name, '--file', path.join(dir, `${name}.csv`), '--header', '--json'], admin);
      expect(made.code, made.stdout + made.stderr).toBe(0);
    }
  });
  afterAll(async () => {
    await server?.stop();
    await teardown?.();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it('scores every candidate on 5 folds, each an ordinary training job, and predicts every row out of fold', async () => {
    const res = await cli(['automl', 'create', 'cv1', '--dataset', 'churn', '--target', 'churn', '--max-candidates', '3', '--max-parallel', '2', '--max-runtime', '900', '--seed', '5', '--wait', '--json'], admin);
    expect(res.code, res.stdout + res.stderr).toBe(0);
    job = res.json as AutomlJob;
    expect(job).toMatchObject({ status: 'Completed', problemType: 'binary', validation: { method: 'cv', folds: 5 } });
    const trained = job.leaderboard.filter((c) => c.algorithm !== 'ensemble');
    expect(trained).toHaveLength(3);
    for (const c of trained) {
      expect(c.status, `${c.name}: ${c.failureReason}`).toBe('Completed');
      // The leaderboard's value is the mean of the five folds' AUCs, with their spread.
      const cv = c.crossValidation!;
      expect(cv).toMatchObject({ folds: 5, rows: ROWS });
      expect(cv.scores).toHaveLength(5);
      const mean = cv.scores.reduce((a, b) => a + b, 0) / 5;
      expect(c.objective.value).toBeCloseTo(mean, 10);
      expect(cv.std).toBeCloseTo(Math.sqrt(cv.scores.reduce((a, b) => a + (b - mean) ** 2, 0) / 5), 10);
      expect(cv.std).toBeGreaterThan(0);
      expect(c.objective.value).toBeGreaterThan(0.7);
      // The pooled out-of-fold metrics sit beside it.
      expect(c.metrics.auc).toBeGreaterThan(0.7);
      // The candidate's own training job (the deployable model) and one per fold, on the fold's data
      // (read through the SDK: the CLI's describe of the same job is checked once below).
      for (let f = 1; f <= 5; f++) {
        const t = await sdk.training.describe(`${c.trainingJob}-cv${f}`);
        expect(t).toMatchObject({ status: 'Completed', algorithm: c.algorithm, experiment: 'cv1', tags: { automlJob: 'cv1', candidate: c.name, fold: String(f) } });
        expect(t.hyperParameters).toEqual(c.hyperParameters);
        expect(JSON.stringify(t)).toContain(`cv1-${c.recipe}-cv${f}-validation`);
      }
      expect((await sdk.training.describe(c.trainingJob!)).status).toBe('Completed');
    }
    const viaCli = await cli(['jobs', 'describe', `${trained[0].trainingJob}-cv1`, '--json'], admin);
    expect(viaCli.code, viaCli.stderr).toBe(0);
    expect(viaCli.json).toMatchObject({ name: `${trained[0].trainingJob}-cv1`, status: 'Completed', algorithm: trained[0].algorithm, tags: { automlJob: 'cv1', candidate: trained[0].name, fold: '1' } });
    const ensemble = job.leaderboard.find((c) => c.algorithm === 'ensemble');
    expect(ensemble, 'an ensemble of the candidates').toBeDefined();
    expect(ensemble!.crossValidation).toMatchObject({ folds: 5, rows: ROWS });

    // The folds: each row of the table held out exactly once, never in its own fold's training rows.
    const count = async (sql: string) => Number(Object.values((await sdk.datasets.query(sql)).rows[0])[0]);
    const folds = [1, 2, 3, 4, 5];
    const union = folds.map((f) => `SELECT * FROM "cv1-fold${f}-validation"`).join(' UNION ALL ');
    expect(await count(`SELECT count(*) FROM (${union})`)).toBe(ROWS);
    expect(await count(`SELECT count(DISTINCT id) FROM (${union})`)).toBe(ROWS);
    for (const f of folds) {
      expect(await count(`SELECT count(*) FROM "cv1-fold${f}-validation" v JOIN "cv1-fold${f}-train" t ON v.id = t.id`)).toBe(0);
      expect(await count(`SELECT count(*) FROM "cv1-fold${f}-train"`)).toBe(ROWS - (await count(`SELECT count(*) FROM "cv1-fold${f}-validation"`)));
      // Stratified: every fold holds about a fifth of each class.
      const share = await count(`SELECT avg(CAST(churn AS DOUBLE)) FROM "cv1-fold${f}-validation"`);
      const overall = await count(`SELECT avg(CAST(churn AS DOUBLE)) FROM "cv1-input"`);
      expect(Math.abs(share - overall)).toBeLessThan(0.02);
    }
    // The candidates report says how the job validated, with each candidate's score per fold and its fold jobs.
    const md = await sdk.automl.report('cv1', 'candidates', 'md');
    expect(md).toContain('5-fold cross-validation');
    expect(md).toContain('## Folds');
    const report = (await sdk.automl.report('cv1', 'candidates', 'json')) as { folds: unknown[]; candidates: Array<{ name: string; crossValidation?: { scores: number[]; jobs: Array<{ trainingJob: string }> } }> };
    expect(report.folds).toHaveLength(5);
    const first = trained[0];
    const inReport = report.candidates.find((c) => c.name === first.name)!;
    expect(inReport.crossValidation!.scores).toEqual(first.crossValidation!.scores);
    expect(inReport.crossValidation!.jobs.map((j) => j.trainingJob)).toEqual([1, 2, 3, 4, 5].map((f) => `${first.trainingJob}-cv${f}`));
    // The CLI's leaderboard: mean ± std over the folds, the best marked.
    const board = await cli(['automl', 'leaderboard', 'cv1'], admin);
    expect(board.code, board.stderr).toBe(0);
    expect(board.stdout).toContain('(mean ± std, 5 folds)');
    expect(board.stdout).toContain(`${job.bestCandidate!.name} (best)`);
    expect(board.stdout.split('\n').filter((l) => l.includes('±')).length).toBeGreaterThanOrEqual(trained.length);
  }, 900_000);

  it('runs the best model and the ensemble as batch transforms on the raw table, with or without the target', async () => {
    // The ensemble registered from the folder the finalize keeps (it is the best model when it wins).
    const ens = await cli(['models', 'create', 'cv1-ens', '--artifact', 'automl/cv1/ensemble/model.tar.gz', '--algorithm', 'ensemble', '--json'], admin);
    expect(ens.code, ens.stdout + ens.stderr).toBe(0);
    for (const model of ['cv1-best', 'cv1-ens']) {
      for (const input of ['churn', 'fresh']) {
        const out = `${model}-${input}-scored`;
        const res = await cli(['transform', '--model', model, '--input', input, '--output', out, '--join-source', 'Input', '--wait', '--json'], admin);
        expect(res.code, `${model} on ${input}: ${res.stdout}${res.stderr}`).toBe(0);
        expect(res.json).toMatchObject({ status: 'Completed', rowsProcessed: ROWS });
        const described = await sdk.datasets.describe(out);
        expect(described.rowCount).toBe(ROWS);
        expect(described.columns.map((c) => c.name)).toContain('prediction');
      }
    }
    // The ensemble's batch predictions are the ones it gives on raw rows here, row for row, target or not.
    const model = await sdk.models.describe('cv1-ens');
    const modelDir = path.join(dir, 'ens');
    fs.mkdirSync(modelDir);
    const archive = path.join(dir, 'ens.tar.gz');
    const stream = await sdk.artifacts.get(model.artifactKey);
    await new Promise<void>((resolve, reject) => stream.pipe(fs.createWriteStream(archive)).on('finish', resolve).on('error', reject));
    await tar.x({ file: archive, cwd: modelDir });
    const predictor = await openPredictor({ dir: modelDir, format: 'algorithm', algorithm: 'ensemble' });
    expect(predictor.pipeline!.columns.names).toEqual(['tenure', 'charges', 'plan']);
    const rows = fs.readFileSync(path.join(dir, 'fresh.csv'), 'utf8').trim().split('\n').slice(1).map((l) => l.split(',').slice(1).join(','));
    const decoded = predictor.pipeline!.decode('text/csv', Buffer.from(rows.join('\n') + '\n'));
    const expected = (await predictor.predict(decoded.features, decoded.rows)).values;
    for (const input of ['churn', 'fresh']) {
      const page = await sdk.datasets.query(`SELECT id, prediction FROM "cv1-ens-${input}-scored" ORDER BY id`, { pageSize: ROWS });
      expect(page.rows).toHaveLength(ROWS);
      page.rows.forEach((r, i) => expect(Number(r.prediction)).toBeCloseTo(expected[i], 5));
    }
  }, 600_000);
});
