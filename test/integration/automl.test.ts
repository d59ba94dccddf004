import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CreateAutomlJobRequest } from '../../src/contracts/index.js';
import { Orchard } from '../../src/sdk/index.js';
import { backends, fleetBackend, TEST_ATTEMPTS_DIR } from '../support/backends.js';
import { cli, startServer, startWorkerProcess, type RunningServer } from '../support/server.js';

/**
 * A churn table with a text target ("yes"/"no"), numbers (one with missing values),
 * categories, an ID and a constant column: the AutoML job must read each for what it is.
 */
function writeChurnCsv(file: string, rows: number, seed: number): { file: string; raw: string[][] } {
  let s = seed;
  const rand = () => (s = (s * 1103515245 + 12345) % 2147483648) / 2147483648;
  const plans = ['basic', 'plus', 'pro'];
  const regions = ['north', 'south', 'east', 'west'];
  const lines = ['customer_id,tenure,charges,plan,region,source,churn'];
  const raw: string[][] = [];
  for (let i = 0; i < rows; i++) {
    const tenure = Math.floor(rand() * 72);
    const charges = 20 + rand() * 100;
    const plan = plans[Math.floor(rand() * 3)];
    const region = regions[Math.floor(rand() * 4)];
    const score = -tenure / 24 + charges / 40 + (plan === 'basic' ? 0.8 : plan === 'pro' ? -0.8 : 0) + (rand() - 0.5) * 1.5;
    const chargesText = rand() < 0.05 ? '' : charges.toFixed(2);
    lines.push([1000 + i, tenure, chargesText, plan, region, 'web', score > 0.5 ? 'yes' : 'no'].join(','));
    raw.push([String(tenure), chargesText, plan, region]);
  }
  fs.writeFileSync(file, lines.join('\n') + '\n');
  return { file, raw };
}

/** Numbers of a CSV table, for wide tables (budget) and degenerate targets. */
function writeNumericCsv(file: string, rows: number, cols: number, label: (i: number) => string | number): string {
  const head = ['y', ...Array.from({ length: cols }, (_, j) => `x${j}`)].join(',');
  const lines = [head];
  for (let i = 0; i < rows; i++) lines.push([label(i), ...Array.from({ length: cols }, (_, j) => ((i * 7919 + j * 104729) % 1000) / 10)].join(','));
  fs.writeFileSync(file, lines.join('\n') + '\n');
  return file;
}

/**
 * The whole job end to end runs on SQLite + file. On PostgreSQL + S3 the same path (a job
 * to Completed with its candidates' training and fold jobs, its reports, `<job>-best`
 * registered and run from S3) is automl-cv.test.ts's, and the fleet case below runs a job on
 * PostgreSQL + S3 + Redis; the refusals run on both backends.
 */
describe('AutoML end to end through the CLI, API and SDK on SQLite + file', () => {
  let server: RunningServer;
  let admin: { url: string; token: string };
  let raw: string[][];

  beforeAll(async () => {
    server = await startServer({ ORCHARD_ATTEMPTS_DIR: TEST_ATTEMPTS_DIR, ORCHARD_WORKERS: '2' });
    admin = { url: server.url, token: server.adminToken };
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'orchard-automl-'));
    const churn = writeChurnCsv(path.join(dir, 'churn.csv'), 2500, 5);
    raw = churn.raw;
    const made = await cli(['datasets', 'create', 'churn', '--file', churn.file, '--header', '--json'], admin);
    expect(made.code, made.stdout + made.stderr).toBe(0);
  });
  afterAll(async () => {
    await server?.stop();
  });

  it('analyses the table, trains candidates as training jobs, registers the best and serves it on raw rows', async () => {
    // Held out rather than cross-validated (this table is small enough for cv): one training job a
    // candidate; cross-validation end to end is automl-cv.test.ts's, and the fleet case's below.
    const res = await cli(['automl', 'create', 'churn1', '--dataset', 'churn', '--target', 'churn', '--max-candidates', '3', '--max-parallel', '2', '--max-runtime', '900', '--seed', '3', '--validation', 'holdout', '--wait', '--json'], admin);
    expect(res.code, res.stdout + res.stderr).toBe(0);
    const job = res.json;
    expect(job.validation).toEqual({ method: 'holdout', validationShare: 0.2 });
    expect(job).toMatchObject({ name: 'churn1', status: 'Completed', secondaryStatus: 'Completed', problemType: 'binary', problemTypeRequested: 'auto', objective: { metric: 'auc' }, dataset: 'churn@1', target: 'churn' });
    // Progress lines: the phase and the candidates as they go.
    expect(res.stderr).toContain('ModelTuning');
    // Columns read for what they are, the ID and the constant dropped with their reasons.
    const col = (n: string) => job.columns.find((c: { name: string }) => c.name === n);
    expect(col('customer_id')).toMatchObject({ type: 'dropped', dropReason: 'id-like' });
    expect(col('source')).toMatchObject({ type: 'dropped', dropReason: 'constant' });
    expect(col('tenure').type).toBe('numeric');
    expect(col('plan').type).toBe('categorical');
    expect(col('charges').missing).toBeGreaterThan(0);
    expect(job.classes).toHaveLength(2);
    expect(job.candidateCounts).toEqual({ completed: 3, failed: 0, inProgress: 0, stopped: 0 });

    // The leaderboard: every candidate an ordinary training job, scored, ranked best first.
    const trained = job.leaderboard.filter((c: { algorithm: string }) => c.algorithm !== 'ensemble');
    expect(trained.map((c: { name: string }) => c.name).sort()).toEqual(['churn1-1', 'churn1-2', 'churn1-3']);
    expect(new Set(trained.map((c: { algorithm: string }) => c.algorithm))).toEqual(new Set(['xgboost', 'linear-learner']));
    const values = job.leaderboard.map((c: { objective: { value: number } }) => c.objective.value);
    for (const v of values) expect(v).toBeGreaterThan(0.75);
    const sorted = [...values].sort((a, b) => b - a);
    expect(values).toEqual(sorted);
    expect(job.leaderboard[0].rank).toBe(1);
    expect(job.bestCandidate).toMatchObject({ name: job.leaderboard[0].name, objective: { metric: 'auc', value: values[0] }, model: 'churn1-best' });
    // Ensembling mode: an ensemble, when kept, weighs candidates of the leaderboard; importance is per raw column.
    const ensemble = job.leaderboard.find((c: { algorithm: string }) => c.algorithm === 'ensemble');
    if (ensemble) {
      expect(ensemble.name).toBe('churn1-ensemble');
      const weights = ensemble.members.map((m: { weight: number }) => m.weight);
      expect(weights.reduce((a: number, b: number) => a + b, 0)).toBeCloseTo(1, 6);
      for (const m of ensemble.members) expect(trained.map((c: { name: string }) => c.name)).toContain(m.candidate);
    }
    for (const c of trained) {
      expect(Object.keys(c.importance ?? {}).length).toBeGreaterThan(0);
      for (const column of Object.keys(c.importance)) expect(['tenure', 'charges', 'plan', 'region']).toContain(column);
      expect(c.recipeFit).toMatch(/^churn1-(trees|linear)@1$/);
      const t = await cli(['jobs', 'describe', c.trainingJob, '--json'], admin);
      expect(t.json).toMatchObject({ status: 'Completed', algorithm: c.algorithm, experiment: 'churn1', tags: { automlJob: 'churn1' } });
    }

    // API and SDK answer the same job; the leaderboard and both reports.
    const sdk = new Orchard(admin);
    const described = await sdk.automl.describe('churn1');
    expect(described.bestCandidate).toEqual(job.bestCandidate);
    expect((await sdk.automl.leaderboard('churn1')).map((c) => c.name)).toEqual(job.leaderboard.map((c: { name: string }) => c.name));
    const listed = await sdk.automl.list({ status: 'Completed' });
    expect(listed.items.map((j) => j.name)).toContain('churn1');
    const exploration = (await sdk.automl.report('churn1', 'exploration')) as Record<string, unknown>;
    expect(JSON.stringify(exploration)).toContain('customer_id');
    const md = await sdk.automl.report('churn1', 'candidates', 'md');
    expect(md).toContain(job.bestCandidate.name);
    const text = await cli(['automl', 'leaderboard', 'churn1'], admin);
    expect(text.stdout).toContain(job.bestCandidate.name);

    // The best model deploys as it is and answers raw CSV rows (no target, the ID and constant left out).
    const model = await cli(['models', 'describe', 'churn1-best', '--json'], admin);
    expect(model.code, model.stdout + model.stderr).toBe(0);
    const ep = await cli(['endpoints', 'create', 'churn1-ep', '--model', 'churn1-best', '--wait', '--json'], admin);
    expect(ep.json?.status, ep.stdout + ep.stderr).toBe('InService');
    // Raw rows carry the feature columns, in the table's order (a single candidate's recipe reads the same).
    const inputs: string[] = job.columns.filter((c: { type: string }) => c.type !== 'dropped').map((c: { name: string }) => c.name);
    expect(inputs).toEqual(['tenure', 'charges', 'plan', 'region']);
    if (model.json.recipe) expect(model.json.recipe.inputColumns.map((c: { name: string }) => c.name)).toEqual(inputs);
    expect(model.json.algorithm).toBe(job.bestCandidate.algorithm);
    const rows = raw.slice(0, 20).map((r) => r.join(','));
    const answer = await cli(['endpoints', 'invoke', 'churn1-ep', '--json'], { ...admin, input: rows.join('\n') + '\n' });
    expect(answer.code, answer.stdout + answer.stderr).toBe(0);
    const lines = answer.json.body.trim().split('\n');
    expect(lines).toHaveLength(20);
    for (const line of lines) for (const v of line.split(',').map(Number)) expect(v).toBeGreaterThanOrEqual(0);
    // The best model explains a prediction in the raw columns.
    const explained = await fetch(`${admin.url}/api/v1/endpoints/churn1-ep/invocations?explain=true`, {
      method: 'POST',
      headers: { authorization: `Bearer ${admin.token}`, 'content-type': 'text/csv', accept: 'application/json' },
      body: rows.slice(0, 2).join('\n') + '\n',
    });
    expect(explained.status, await explained.clone().text()).toBe(200);
    const body = (await explained.json()) as { predictions: unknown[]; explanations: Array<{ base: number; attributions: Record<string, number> }> };
    expect(body.explanations).toHaveLength(2);
    expect(Object.keys(body.explanations[0].attributions).sort()).toEqual(['charges', 'plan', 'region', 'tenure']);
  }, 600_000);
});

describe.each(backends)('AutoML refusals on $name', (backend) => {
  let server: RunningServer;
  let teardown: () => Promise<void>;
  let admin: { url: string; token: string };
  let dir: string;

  beforeAll(async () => {
    const b = await backend.setup();
    teardown = b.teardown;
    server = await startServer({ ...b.env, ORCHARD_ATTEMPTS_DIR: TEST_ATTEMPTS_DIR, ORCHARD_WORKERS: '2' });
    admin = { url: server.url, token: server.adminToken };
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'orchard-automl-bad-'));
    const made = await cli(['datasets', 'create', 'churn', '--file', writeChurnCsv(path.join(dir, 'churn.csv'), 600, 5).file, '--header', '--json'], admin);
    expect(made.code, made.stdout + made.stderr).toBe(0);
  });
  afterAll(async () => {
    await server?.stop();
    await teardown?.();
  });

  it('refuses bad input before anything runs, each problem with its code', async () => {
    const sdk = new Orchard(admin);
    // The CLI's answer once (exit code and JSON error); the other refusals through the SDK, the same request.
    const r = await cli(['automl', 'create', 'bad1', '--dataset', 'churn', '--target', 'nope', '--time-column', 'when', '--json'], admin);
    expect(r.code).not.toBe(0);
    // A missing target and a missing time column: both at once.
    const missing = r.json as { code: string; details?: { errors?: Array<{ field: string; code: string }> } };
    expect(missing.code).toBe('ORCH_AUTOML_TARGET_MISSING');
    expect(missing.details!.errors!.map((e) => e.field).sort()).toEqual(['target', 'timeColumn']);
    const problem = async (input: CreateAutomlJobRequest) => {
      const err = await sdk.automl.create(input).then(
        () => null,
        (e: unknown) => e as { code?: string; status?: number },
      );
      expect(err, `${input.name} was accepted`).not.toBeNull();
      expect(err!.status).toBe(400);
      return err!.code;
    };
    const upload = async (name: string, file: string) => expect((await sdk.datasets.create({ name, file, header: true })).version).toBe(1);

    await upload('flat', writeNumericCsv(path.join(dir, 'flat.csv'), 300, 3, () => 1));
    expect(await problem({ name: 'bad2', dataset: 'flat', target: 'y' })).toBe('ORCH_AUTOML_TARGET_CONSTANT');

    await upload('rare', writeNumericCsv(path.join(dir, 'rare.csv'), 300, 3, (i) => (i === 0 ? 'b' : 'a')));
    expect(await problem({ name: 'bad3', dataset: 'rare', target: 'y' })).toBe('ORCH_AUTOML_TOO_FEW_ROWS');

    fs.writeFileSync(path.join(dir, 'ids.csv'), 'id,y\n' + Array.from({ length: 300 }, (_, i) => `${i},${i % 2}`).join('\n') + '\n');
    await upload('ids', path.join(dir, 'ids.csv'));
    expect(await problem({ name: 'bad4', dataset: 'ids', target: 'y' })).toBe('ORCH_AUTOML_NO_FEATURES');

    // The smallest budget allowed (60 s) cannot fit one cross-validated candidate on 15,000 rows × 30 features.
    await upload('wide', writeNumericCsv(path.join(dir, 'wide.csv'), 15000, 30, (i) => i % 2));
    expect(await problem({ name: 'bad5', dataset: 'wide', target: 'y', maxRuntimeSeconds: 60 })).toBe('ORCH_AUTOML_BUDGET_TOO_SMALL');

    expect(await problem({ name: 'bad6', dataset: 'churn', target: 'churn', objective: 'rmse' })).toBe('ORCH_AUTOML_INVALID');

    // Nothing was stored or started.
    expect((await sdk.automl.list()).items).toEqual([]);
    expect((await cli(['automl', 'describe', 'bad1', '--json'], admin)).json.code).toBe('ORCH_AUTOML_NOT_FOUND');
    for (const name of ['bad2', 'bad3', 'bad4', 'bad5', 'bad6']) await expect(sdk.automl.describe(name)).rejects.toMatchObject({ code: 'ORCH_AUTOML_NOT_FOUND' });
    const report = await cli(['automl', 'report', 'nope', 'exploration', '--json'], admin);
    expect(report.json.code).toBe('ORCH_AUTOML_NOT_FOUND');

    // A name taken: stored once, refused the second time (the job, stopped at once, ends Stopped).
    const spec = { name: 'dup', dataset: 'churn', target: 'churn', maxCandidates: 1, seed: 1 };
    expect((await sdk.automl.create(spec)).status).toBe('InProgress');
    await expect(sdk.automl.create(spec)).rejects.toMatchObject({ code: 'ORCH_AUTOML_EXISTS' });
    await sdk.automl.stop('dup');
    expect((await sdk.automl.waitFor('dup', { pollMs: 200 })).status).toBe('Stopped');
  }, 600_000);
});

describe('AutoML on a fleet (PostgreSQL + S3 + Redis, two orchard worker processes)', () => {
  let server: RunningServer;
  let workers: Array<Awaited<ReturnType<typeof startWorkerProcess>>> = [];
  let teardown: () => Promise<void>;
  let admin: { url: string; token: string };

  beforeAll(async () => {
    const b = await fleetBackend();
    teardown = b.teardown;
    server = await startServer({ ...b.env, ORCHARD_WORKERS: '0' });
    workers = [await startWorkerProcess(b.env), await startWorkerProcess(b.env)];
    admin = { url: server.url, token: server.adminToken };
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'orchard-automl-fleet-'));
    const made = await cli(['datasets', 'create', 'churn', '--file', writeChurnCsv(path.join(dir, 'churn.csv'), 2000, 9).file, '--header', '--json'], admin);
    expect(made.code, made.stdout + made.stderr).toBe(0);
  });
  afterAll(async () => {
    for (const w of workers) await w.stop();
    await server?.stop();
    await teardown?.();
  });

  it("spreads the candidates' training jobs over both workers and registers the best", async () => {
    const res = await cli(['automl', 'create', 'fleet1', '--dataset', 'churn', '--target', 'churn', '--max-candidates', '2', '--max-parallel', '2', '--max-runtime', '900', '--seed', '4', '--mode', 'hpo', '--wait', '--json'], admin);
    expect(res.code, res.stdout + res.stderr).toBe(0);
    expect(res.json).toMatchObject({ status: 'Completed', bestCandidate: { model: 'fleet1-best' } });
    const sdk = new Orchard(admin);
    const ran = new Set<string>();
    // A cross-validated candidate (this table is small) is its own training job and one per fold: 12 jobs for two workers.
    const folds = res.json.validation?.method === 'cv' ? res.json.validation.folds : 0;
    const jobs = res.json.leaderboard.filter((x: { trainingJob: string | null }) => x.trainingJob).flatMap((x: { trainingJob: string }) => [x.trainingJob, ...Array.from({ length: folds }, (_, f) => `${x.trainingJob}-cv${f + 1}`)]);
    expect(jobs.length).toBe(2 * (1 + folds));
    for (const job of jobs) {
      const logs = await sdk.training.logs(job);
      const first = logs.lines.find((l) => l.line.includes('[orchard] attempt'));
      const pid = /on \S+-(\d+):/.exec(first?.line ?? '')?.[1];
      if (pid) ran.add(pid);
    }
    expect(ran).toEqual(new Set(workers.map((w) => String(w.process.pid))));
  }, 600_000);
});

describe('stopping an AutoML job (SQLite + file)', () => {
  let server: RunningServer;
  let admin: { url: string; token: string };

  beforeAll(async () => {
    server = await startServer({ ORCHARD_ATTEMPTS_DIR: TEST_ATTEMPTS_DIR, ORCHARD_WORKERS: '2' });
    admin = { url: server.url, token: server.adminToken };
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'orchard-automl-stop-'));
    const made = await cli(['datasets', 'create', 'churn', '--file', writeChurnCsv(path.join(dir, 'churn.csv'), 1500, 21).file, '--header', '--json'], admin);
    expect(made.code, made.stdout + made.stderr).toBe(0);
  });
  afterAll(async () => {
    await server?.stop();
  });

  it('stops launching candidates, keeps the completed ones and still registers the best of them', async () => {
    const sdk = new Orchard(admin);
    // Two candidates at a time: the first two complete sooner, and the stop then finds candidates running.
    await sdk.automl.create({ name: 'halt', dataset: 'churn', target: 'churn', maxCandidates: 40, maxParallel: 2, maxRuntimeSeconds: 1800, seed: 1, validation: 'holdout' });
    for (;;) {
      const j = await sdk.automl.describe('halt');
      if (j.candidateCounts.completed >= 2) break;
      expect(j.status).toBe('InProgress');
      await new Promise((r) => setTimeout(r, 200));
    }
    const stopping = await cli(['automl', 'stop', 'halt', '--json'], admin);
    expect(stopping.json.status).toBe('Stopping');
    const job = await sdk.automl.waitFor('halt', { pollMs: 200 });
    expect(job).toMatchObject({ status: 'Stopped', secondaryStatus: 'Stopped', bestCandidate: { model: 'halt-best' } });
    expect(job.candidateCounts.completed).toBeGreaterThanOrEqual(2);
    expect(job.candidateCounts.completed + job.candidateCounts.stopped + job.candidateCounts.failed).toBeLessThan(40);
    expect(job.candidateCounts.inProgress).toBe(0);
    expect(job.leaderboard.some((c) => c.algorithm === 'ensemble')).toBe(false);
    const model = await cli(['models', 'describe', 'halt-best', '--json'], admin);
    expect(model.code, model.stdout + model.stderr).toBe(0);
    // Stopping again answers the job as it is.
    expect((await sdk.automl.stop('halt')).status).toBe('Stopped');
  }, 600_000);
});

describe('an AutoML job across a server restart (SQLite + file)', () => {
  it('carries on where it stopped: no candidate repeated, the job completes', async () => {
    // A clean shutdown hands the jobs its attempts were running back to the queue, so the restarted
    // server takes them again at once (restart.test.ts checks the hand-back itself).
    const env = { ORCHARD_ATTEMPTS_DIR: TEST_ATTEMPTS_DIR, ORCHARD_WORKERS: '2' };
    let server = await startServer(env);
    const home = server.home;
    try {
      const admin = { url: server.url, token: server.adminToken };
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'orchard-automl-restart-'));
      expect((await cli(['datasets', 'create', 'churn', '--file', writeChurnCsv(path.join(dir, 'churn.csv'), 1500, 33).file, '--header', '--json'], admin)).code).toBe(0);
      const sdk = new Orchard(admin);
      // One candidate at a time, so the restart after the first leaves at least one for the new server to
      // launch; held out, so each candidate is one training job.
      await sdk.automl.create({ name: 'again', dataset: 'churn', target: 'churn', maxCandidates: 3, maxParallel: 1, cpus: 1, maxRuntimeSeconds: 1800, mode: 'hpo', seed: 2, validation: 'holdout' });
      for (;;) {
        const j = await sdk.automl.describe('again');
        if (j.candidateCounts.completed >= 1) break;
        expect(j.status).toBe('InProgress');
        await new Promise((r) => setTimeout(r, 300));
      }
      await server.stop();
      server = await startServer(env, home);
      const job = await new Orchard({ url: server.url, token: server.adminToken }).automl.waitFor('again', { pollMs: 200 });
      expect(job).toMatchObject({ status: 'Completed', bestCandidate: { model: 'again-best' } });
      expect(job.leaderboard.map((c) => c.name).sort()).toEqual(['again-1', 'again-2', 'again-3']);
      expect(job.candidateCounts.completed).toBe(3);
    } finally {
      await server.stop();
    }
  }, 600_000);
});
