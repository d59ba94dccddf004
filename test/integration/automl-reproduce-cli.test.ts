/**
 * The candidate report's commands, run as written with the real `orchard` CLI against a
 * real server: the class-id copy, the recipe created from the report's definition, fitted,
 * applied, and the candidate trained again; the job completes with its validation metric.
 * Then one fold of a cross-validated candidate: the fold's rows by the job's SELECTs, the
 * recipe without its split fitted on them, and the fold's training job trained again.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AutomlCandidate, AutomlJob } from '../../src/contracts/index.js';
import { analyzeTable, targetCountsQuery, targetMappingQuery } from '../../src/automl/analysis/index.js';
import { candidateReport } from '../../src/automl/reports/index.js';
import { Orchard } from '../../src/sdk/index.js';
import { TEST_ATTEMPTS_DIR } from '../support/backends.js';
import { cli, startServer, type RunningServer } from '../support/server.js';

function table(): string {
  let s = 11;
  const rand = () => ((s = (s * 1103515245 + 12345) % 2147483648) / 2147483648);
  const lines = ['id,age,income,city,joined,churn'];
  for (let i = 0; i < 300; i++) {
    const age = i % 13 === 0 ? '' : String(20 + Math.floor(rand() * 50));
    const income = Math.round(20_000 + rand() * 80_000);
    const city = ['Auckland', 'Wellington', 'Napier'][Math.floor(rand() * 3)];
    const joined = new Date(Date.UTC(2022, 0, 1) + i * 86_400_000).toISOString().slice(0, 10);
    const churn = income < 45_000 || (city === 'Napier' && rand() < 0.5) ? 'yes' : 'no';
    lines.push([i + 1, age, income, city, joined, churn].join(','));
  }
  return lines.join('\n') + '\n';
}

function candidate(o: Pick<AutomlCandidate, 'name' | 'algorithm' | 'recipe' | 'hyperParameters'> & Partial<AutomlCandidate>): AutomlCandidate {
  return {
    rank: null,
    status: 'Completed',
    recipeFit: null,
    trainingJob: o.name,
    objective: { metric: 'auc', value: null },
    metrics: {},
    trainingSeconds: null,
    failureReason: null,
    createdAt: new Date().toISOString(),
    ...o,
  };
}

/**
 * On SQLite + file: what is checked is the report's commands, the same on either backend. The
 * jobs they start (datasets by SELECT, recipe fits and applies per fold, training jobs on the
 * folds) run on PostgreSQL + S3 in automl-cv.test.ts, started by an AutoML job.
 */
describe('an AutoML candidate rebuilt from its report with the CLI on SQLite + file', () => {
  let server: RunningServer;
  let admin: { url: string; token: string };
  let dir: string;

  beforeAll(async () => {
    server = await startServer({ ORCHARD_ATTEMPTS_DIR: TEST_ATTEMPTS_DIR });
    admin = { url: server.url, token: server.adminToken };
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'orchard-automl-repro-'));
    fs.writeFileSync(path.join(dir, 'customers.csv'), table());
    const res = await cli(['datasets', 'create', 'customers', '--file', path.join(dir, 'customers.csv'), '--header', '--json'], admin);
    expect(res.code, res.stdout + res.stderr).toBe(0);
  });
  afterAll(async () => {
    await server?.stop();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it('runs every command of the report; the rebuilt candidates train to completion', async () => {
    const sdk = new Orchard({ url: server.url, token: server.adminToken });
    const version = await sdk.datasets.describe('customers@1');
    const counts = await sdk.datasets.query(targetCountsQuery('customers@1', 'churn'), { pageSize: 2000 });
    const analysis = analyzeTable({
      version,
      target: 'churn',
      maxRuntimeSeconds: 3600,
      seed: 5,
      targetCounts: counts.rows.map((r) => ({ value: r.value as boolean, count: Number(r.count) })),
    });
    expect(analysis.problems).toEqual([]);
    // DuckDB reads yes/no as BOOLEAN: the labels are mapped from booleans.
    expect(analysis.targetMapping).toEqual({ column: 'churn', labels: [false, true] });
    const job = {
      name: 'churn9',
      dataset: 'customers@1',
      target: 'churn',
      problemType: 'binary',
      objective: { metric: 'auc' },
      validation: { method: 'cv', folds: 5 },
      seed: 5,
      columns: analysis.columns,
      classes: analysis.classes,
      bestCandidate: null,
      leaderboard: [
        candidate({
          name: 'churn9-1',
          algorithm: 'xgboost',
          recipe: 'trees',
          hyperParameters: { objective: 'binary:logistic', num_round: '20', max_depth: '3', eval_metric: 'auc' },
          crossValidation: { folds: 5, scores: [0.8, 0.82, 0.81, 0.79, 0.83], std: 0.014, rows: 300 },
        }),
        candidate({ name: 'churn9-2', algorithm: 'linear-learner', recipe: 'linear', hyperParameters: { predictor_type: 'binary_classifier', epochs: '5' } }),
      ],
    } as unknown as AutomlJob;
    const inputQuery = targetMappingQuery('customers@1', version.columns.map((c) => c.name), analysis.targetMapping!);
    const report = candidateReport(job, analysis.recipes, { inputQuery });
    // The recipe files as the report says to save them.
    for (const r of report.json.recipes) fs.writeFileSync(path.join(dir, r.file), r.definition);
    const ran = new Set<string>();
    for (const c of report.json.candidates) {
      for (const command of c.commands) {
        // Shared steps (the copy, a variant's recipe) run once.
        if (ran.has(command.command)) continue;
        ran.add(command.command);
        const argv = command.argv.map((a, i) => (command.argv[i - 1] === '--file' ? path.join(dir, a) : a));
        const res = await cli([...argv, '--json'], admin);
        expect(res.code, `${command.command}\n${res.stdout}${res.stderr}`).toBe(0);
      }
      const trained = await sdk.training.describe(`${c.name}-repro`);
      expect(trained.status).toBe('Completed');
      const metrics = Object.keys(trained.finalMetrics ?? {});
      expect(metrics.some((m) => m.startsWith('validation:'))).toBe(true);
    }
    // Both variants read the one class-id copy.
    expect([...ran].filter((c) => c.includes('--from-query'))).toHaveLength(1);

    // Fold 2 of the cross-validated candidate: its rows, its recipe fit, its training job.
    const trees = report.json.recipes.find((r) => r.variant === 'trees')!.crossValidation!;
    fs.writeFileSync(path.join(dir, trees.file), trees.definition);
    const fold = report.json.candidates.find((c) => c.name === 'churn9-1')!.crossValidation!.jobs[1];
    expect(fold).toMatchObject({ fold: 2, trainingJob: 'churn9-1-cv2', score: 0.82 });
    for (const command of [...report.json.folds[1].commands, ...trees.folds[1].commands, fold.command]) {
      if (ran.has(command.command)) continue;
      ran.add(command.command);
      const argv = command.argv.map((a, i) => (command.argv[i - 1] === '--file' ? path.join(dir, a) : a));
      const res = await cli([...argv, '--json'], admin);
      expect(res.code, `${command.command}\n${res.stdout}${res.stderr}`).toBe(0);
    }
    // The fold holds a fifth of the rows (of each class), none of them among its training rows.
    const count = async (sql: string) => Number(Object.values((await sdk.datasets.query(sql)).rows[0])[0]);
    const [train, held] = [report.json.folds[1].train, report.json.folds[1].validation];
    const heldRows = await count(`SELECT count(*) FROM "${held}"`);
    expect(Math.abs(heldRows - 60)).toBeLessThanOrEqual(2);
    expect(await count(`SELECT count(*) FROM "${train}"`)).toBe(300 - heldRows);
    expect(await count(`SELECT count(*) FROM "${held}" v JOIN "${train}" t ON v.id = t.id`)).toBe(0);
    expect(await count(`SELECT count(*) FROM "${trees.folds[1].validation}"`)).toBe(heldRows);
    const trained = await sdk.training.describe('churn9-1-cv2-repro');
    expect(trained.status).toBe('Completed');
    expect(Object.keys(trained.finalMetrics ?? {})).toContain('validation:auc');
  }, 600_000);
});
