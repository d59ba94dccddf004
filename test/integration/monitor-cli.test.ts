import fs from 'node:fs';
import path from 'node:path';
import os from 'node:os';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Orchard } from '../../src/sdk/index.js';
import { backends, fleetBackend, TEST_ATTEMPTS_DIR } from '../support/backends.js';
import { cliSuite } from '../support/cli-suite.js';
import { cli, startServer, startWorkerProcess, type RunningServer } from '../support/server.js';
import { codeOf } from '../support/refusals.js';

const PLANS = ['basic', 'plus', 'pro'];

async function text(sdk: Orchard, key: string): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of await sdk.artifacts.get(key)) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/** Seeded rows: age (integers 20–69), income (normal, mean 50, sd 10), plan (3 categories); y depends on income. */
function rowsOf(n: number, seed: number, drift = { incomeShift: 0, newPlanShare: 0, missingIncomeShare: 0 }) {
  let s = seed;
  const rand = () => (s = (s * 1103515245 + 12345) % 2147483648) / 2147483648;
  return Array.from({ length: n }, () => {
    const age = 20 + Math.floor(rand() * 50);
    const z = Math.sqrt(-2 * Math.log(rand() + 1e-12)) * Math.cos(2 * Math.PI * rand());
    const income = 50 + 10 * z + drift.incomeShift;
    const plan = rand() < drift.newPlanShare ? 'enterprise' : PLANS[Math.floor(rand() * 3)];
    const y = income > 50 ? 1 : 0;
    return { y, age, income: rand() < drift.missingIncomeShare ? '' : income.toFixed(3), plan };
  });
}

/** The records captured from `mon-ep` so far (one a request, a line of a capture file). */
async function capturedRecords(sdk: Orchard): Promise<number> {
  let n = 0;
  for (const file of await sdk.artifacts.list('endpoints/mon-ep/capture/')) n += (await text(sdk, file.key)).split('\n').filter((l) => l.trim()).length;
  return n;
}

/** Sends rows (in the recipe's input order) to the endpoint, 50 per request, and waits until each request is captured. */
async function sendRows(admin: { url: string; token: string }, order: string[], rows: ReturnType<typeof rowsOf>): Promise<void> {
  const sdk = new Orchard(admin);
  const before = await capturedRecords(sdk);
  let requests = 0;
  for (let i = 0; i < rows.length; i += 50) {
    requests++;
    const body = rows
      .slice(i, i + 50)
      .map((r) => order.map((c) => String(r[c as keyof typeof r])).join(','))
      .join('\n');
    const res = await fetch(`${admin.url}/api/v1/endpoints/mon-ep/invocations`, { method: 'POST', headers: { authorization: `Bearer ${admin.token}`, 'content-type': 'text/csv' }, body });
    expect(res.status, await res.text()).toBe(200);
  }
  // Capture is written on flush (every 200 ms here): looked for every 100 ms instead of a fixed wait.
  const deadline = Date.now() + 30_000;
  while ((await capturedRecords(sdk)) < before + requests) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${requests} captured requests`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** A recipe-fronted xgboost model behind `mon-ep` (capture at 100 %), `no-capture`, and the baseline dataset `base`; returns the request column order. */
async function prepare(admin: { url: string; token: string }, dir: string): Promise<string[]> {
  const train = rowsOf(1200, 7);
  fs.writeFileSync(path.join(dir, 'raw.csv'), ['y,age,income,plan', ...train.map((r) => [r.y, r.age, r.income, r.plan].join(','))].join('\n') + '\n');
  fs.writeFileSync(path.join(dir, 'recipe.yaml'), 'target: y\nsteps:\n  - one_hot:\n      columns: [plan]\n      unknown: ignore\n');
  const step = async (args: string[]) => {
    const res = await cli([...args, '--json'], admin);
    expect(res.code, `${args.join(' ')}: ${res.stdout}${res.stderr}`).toBe(0);
    return res;
  };
  await step(['datasets', 'create', 'raw', '--file', path.join(dir, 'raw.csv'), '--header']);
  await step(['recipes', 'create', 'prep', '--file', path.join(dir, 'recipe.yaml')]);
  const order: string[] = (await step(['recipes', 'fit', 'prep', '--dataset', 'raw'])).json.inputColumns.map((c: { name: string }) => c.name);
  // The baseline dataset holds the features in the order requests send them, and the label; it is
  // uploaded while the model is prepared and deployed, and the two endpoints start side by side.
  const base = rowsOf(3000, 11);
  fs.writeFileSync(path.join(dir, 'base.csv'), [[...order, 'y'].join(','), ...base.map((r) => [...order.map((c) => r[c as keyof typeof r]), r.y].join(','))].join('\n') + '\n');
  await Promise.all([
    step(['datasets', 'create', 'base', '--file', path.join(dir, 'base.csv'), '--header']),
    (async () => {
      await step(['recipes', 'apply', 'prep@1', '--dataset', 'raw', '--output', 'prepcsv', '--format', 'csv', '--wait']);
      await step(['train', '--name', 'mon-gb', '--algorithm', 'xgboost', '--train', 'prepcsv', '--hp', 'objective=binary:logistic', '--hp', 'num_round=5', '--wait']);
      await step(['models', 'create', 'mon-pipe', '--from-job', 'mon-gb', '--recipe', 'prep@1']);
      await Promise.all([
        step(['endpoints', 'create', 'mon-ep', '--model', 'mon-pipe', '--capture-percent', '100', '--wait']),
        step(['endpoints', 'create', 'no-capture', '--model', 'mon-pipe', '--wait']),
      ]);
    })(),
  ]);
  return order;
}


// On SQLite + files only: PostgreSQL + S3 are the fleet case's below (a baseline's statistics and
// constraints, the capture read and the violations written, on PostgreSQL and S3), and
// sagemaker-monitoring.test.ts's on both backends (schedules, executions, stop and delete).
// The two suites side by side (marked concurrent); the cases of the first run one after another
// (they share the baseline base1 and the schedule's executions).
describe.concurrent.each([backends[0]])('Model Monitor (data quality) through the CLI on $name', (backend) => {
  const suite = cliSuite(backend, { prefix: 'orchard-monitor-', env: { ORCHARD_ENDPOINT_CAPTURE_FLUSH_MS: '200' } });
  let admin: { url: string; token: string };
  let dir: string;
  let order: string[];

  const send = (rows: ReturnType<typeof rowsOf>) => sendRows(admin, order, rows);

  beforeAll(async () => {
    ({ admin, dir } = suite);
    order = await prepare(admin, dir);
  }, 300_000);

  it.sequential('baselines a dataset into statistics.json and constraints.json in SageMaker Model Monitor shapes', async () => {
    const res = await cli(['monitor', 'baselines', 'create', 'base1', '--dataset', 'base', '--target', 'y', '--wait', '--json'], admin);
    expect(res.code, res.stdout + res.stderr).toBe(0);
    expect(res.json).toMatchObject({ status: 'Completed', statistics: 'monitor/baselines/base1/statistics.json', constraints: 'monitor/baselines/base1/constraints.json' });
    expect(res.json.features.map((f: { name: string }) => f.name)).toEqual(order);
    const sdk = new Orchard(admin);
    const stats = JSON.parse(await text(sdk, res.json.statistics));
    expect(stats.dataset.item_count).toBe(3000);
    const byName = Object.fromEntries(stats.features.map((f: { name: string }) => [f.name, f]));
    expect(byName.age.inferred_type).toBe('Integral');
    expect(byName.income).toMatchObject({ inferred_type: 'Fractional', numerical_statistics: { common: { num_present: 3000, num_missing: 0 } } });
    expect(byName.income.numerical_statistics.mean).toBeGreaterThan(48);
    expect(byName.income.numerical_statistics.distribution.kll.sketch.parameters).toEqual({ c: 0.64, k: 2048 });
    expect(byName.plan).toMatchObject({ inferred_type: 'String', string_statistics: { distinct_count: 3 } });
    const constraints = JSON.parse(await text(sdk, res.json.constraints));
    expect(constraints.features.find((f: { name: string }) => f.name === 'plan').string_constraints.domains.sort()).toEqual(PLANS);
    expect(constraints.monitoring_config.distribution_constraints).toMatchObject({ perform_comparison: 'Enabled', comparison_threshold: 0.1, comparison_method: 'Robust' });
  }, 120_000);

  it.sequential('refuses bad input with ORCH_MONITOR codes', async () => {
    // Each command's refusal once through the CLI (exit code, the error as JSON; executions
    // describe's is in the next case); the other refusals through the SDK, the request the CLI sends.
    const cases: Array<[string[], string]> = [
      [['monitor', 'baselines', 'create', 'b-none', '--dataset', 'absent'], 'ORCH_MONITOR_DATASET_NOT_FOUND'],
      [['monitor', 'schedules', 'create', 's-nocap', '--endpoint', 'no-capture', '--baseline', 'base1'], 'ORCH_MONITOR_CAPTURE_DISABLED'],
      [['monitor', 'schedules', 'run', 'absent'], 'ORCH_MONITOR_SCHEDULE_NOT_FOUND'],
    ];
    for (const [args, code] of cases) {
      const res = await cli([...args, '--json'], admin);
      expect(res.code, args.join(' ')).not.toBe(0);
      expect(res.json?.code, `${args.join(' ')}: ${res.stdout}${res.stderr}`).toBe(code);
    }
    const sdk = new Orchard(admin);
    expect(await codeOf(sdk.monitor.baselines.create({ name: 'b-col', dataset: 'base', target: 'nope' }))).toBe('ORCH_MONITOR_INVALID');
    expect(await codeOf(sdk.monitor.baselines.create({ name: 'base1', dataset: 'base' }))).toBe('ORCH_MONITOR_BASELINE_EXISTS');
    expect(await codeOf(sdk.monitor.schedules.create({ name: 's-noep', endpoint: 'absent', baseline: 'base1' }))).toBe('ORCH_MONITOR_ENDPOINT_NOT_FOUND');
    expect(await codeOf(sdk.monitor.schedules.create({ name: 's-nobase', endpoint: 'mon-ep', baseline: 'absent' }))).toBe('ORCH_MONITOR_BASELINE_NOT_FOUND');
    expect(await codeOf(sdk.monitor.schedules.create({ name: 's-cron', endpoint: 'mon-ep', baseline: 'base1', cron: 'every hour' }))).toBe('ORCH_MONITOR_INVALID');
    expect(await codeOf(sdk.monitor.executions.describe('absent'))).toBe('ORCH_MONITOR_EXECUTION_NOT_FOUND');
  }, 120_000);

  it.sequential('finds no violations in normal traffic and the planted ones in drifted traffic', async () => {
    const created = await cli(['monitor', 'schedules', 'create', 'hourly', '--endpoint', 'mon-ep', '--baseline', 'base1', '--json'], admin);
    expect(created.code, created.stdout + created.stderr).toBe(0);
    expect(created.json).toMatchObject({ name: 'hourly', endpoint: 'mon-ep', baseline: 'base1', type: 'data-quality', cron: '0 * * * *', status: 'Scheduled' });
    expect(Date.parse(created.json.nextRunAt)).toBeGreaterThan(Date.now());

    const t0 = new Date().toISOString();
    await send(rowsOf(1000, 21));
    const t1 = new Date().toISOString();
    const normal = await cli(['monitor', 'schedules', 'run', 'hourly', '--wait', '--json'], admin);
    expect(normal.code, normal.stdout + normal.stderr).toBe(0);
    expect(normal.json).toMatchObject({ status: 'Completed', violations: [], items: 1000, percent: 100 });

    await send(rowsOf(1000, 22, { incomeShift: 6, newPlanShare: 0.3, missingIncomeShare: 0.05 }));
    const drifted = await cli(['monitor', 'schedules', 'run', 'hourly', '--since', t1, '--wait', '--json'], admin);
    expect(drifted.code, drifted.stdout + drifted.stderr).toBe(0);
    expect(drifted.json.status).toBe('CompletedWithViolations');
    expect(drifted.json.items).toBe(1000);
    const found = drifted.json.violations.map((v: { feature_name: string; constraint_check_type: string }) => `${v.constraint_check_type}:${v.feature_name}`).sort();
    expect(found).toEqual(['baseline_drift_check:income', 'baseline_drift_check:plan', 'categorical_values_check:plan', 'completeness_check:income']);

    // The violations file and the studio's distributions.
    const sdk = new Orchard(admin);
    const file = JSON.parse(await text(sdk, drifted.json.constraintViolations));
    expect(file.violations).toEqual(drifted.json.violations);
    const income = drifted.json.distributions.find((d: { feature: string }) => d.feature === 'income');
    expect(income.distance).toBeGreaterThan(income.threshold);
    expect(income.bins.reduce((a: number, b: { current: number }) => a + b.current, 0)).toBeCloseTo(1, 2);

    // Metrics alarms can watch (namespace monitor): the violations and each feature's drift distance.
    const metric = async (name: string) => (await cli(['metrics', 'get', '--schedule', 'hourly', '--endpoint', 'mon-ep', '--metric', name, '--stat', 'max', '--period', '60', '--since', '1h', '--json'], admin)).json;
    expect(Math.max(...(await metric('violations')).datapoints.map((d: { value: number }) => d.value))).toBe(4);
    const drift = await sdk.metrics.get({ schedule: 'hourly', endpoint: 'mon-ep', metric: 'feature_baseline_drift_income', stat: 'max', period: 60, since: '1h' });
    expect(Math.max(...drift.datapoints.map((d) => d.value))).toBeCloseTo(income.distance, 6);

    // The window: the normal traffic alone is still clean.
    const windowed = await sdk.monitor.schedules.run('hourly', { since: t0, until: t1 });
    expect((await sdk.monitor.executions.waitFor(windowed.id, { pollMs: 200 })).status).toBe('Completed');

    const listed = await cli(['monitor', 'executions', 'list', '--schedule', 'hourly', '--json'], admin);
    expect(listed.json.total).toBe(3);
    expect(listed.json.items.map((e: { status: string }) => e.status).sort()).toEqual(['Completed', 'Completed', 'CompletedWithViolations']);
    const described = await cli(['monitor', 'schedules', 'describe', 'hourly', '--json'], admin);
    expect(described.json.lastExecution).toMatchObject({ id: windowed.id, status: 'Completed' });

    // Stopped schedules keep running on demand; a used baseline cannot be deleted.
    expect((await cli(['monitor', 'schedules', 'stop', 'hourly', '--json'], admin)).json).toMatchObject({ status: 'Stopped', nextRunAt: null });
    expect((await cli(['monitor', 'baselines', 'delete', 'base1', '--json'], admin)).json.code).toBe('ORCH_MONITOR_BASELINE_IN_USE');
    expect((await cli(['monitor', 'schedules', 'delete', 'hourly', '--json'], admin)).code).toBe(0);
    expect((await cli(['monitor', 'executions', 'describe', windowed.id, '--json'], admin)).json.code).toBe('ORCH_MONITOR_EXECUTION_NOT_FOUND');
    expect((await cli(['monitor', 'baselines', 'delete', 'base1', '--json'], admin)).code).toBe(0);
  }, 180_000);
});

describe.concurrent('Model Monitor on the fleet (PostgreSQL, S3, Redis; baselines and executions on `orchard worker`)', () => {
  let server: RunningServer;
  let worker: Awaited<ReturnType<typeof startWorkerProcess>>;
  let teardown: () => Promise<void>;
  let admin: { url: string; token: string };
  let dir: string;
  let order: string[];

  beforeAll(async () => {
    const fleet = await fleetBackend();
    teardown = fleet.teardown;
    server = await startServer({ ...fleet.env, ORCHARD_WORKERS: '0', ORCHARD_ATTEMPTS_DIR: TEST_ATTEMPTS_DIR, ORCHARD_ENDPOINT_CAPTURE_FLUSH_MS: '200' });
    worker = await startWorkerProcess({ ...fleet.env, ORCHARD_ATTEMPTS_DIR: TEST_ATTEMPTS_DIR });
    admin = { url: server.url, token: server.adminToken };
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'orchard-monitor-fleet-'));
    order = await prepare(admin, dir);
  }, 300_000);
  afterAll(async () => {
    await worker?.stop();
    await server?.stop();
    await teardown?.();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it('baselines and runs an execution with violations on a fleet worker', async () => {
    const base = await cli(['monitor', 'baselines', 'create', 'fb', '--dataset', 'base', '--target', 'y', '--wait', '--json'], admin);
    expect(base.json, base.stdout + base.stderr).toMatchObject({ status: 'Completed' });
    expect((await cli(['monitor', 'schedules', 'create', 'fs', '--endpoint', 'mon-ep', '--baseline', 'fb', '--cron', '*/30 * * * *', '--json'], admin)).json).toMatchObject({ cron: '*/30 * * * *' });
    await sendRows(admin, order, rowsOf(600, 31, { incomeShift: 8, newPlanShare: 0, missingIncomeShare: 0 }));
    const run = await cli(['monitor', 'schedules', 'run', 'fs', '--wait', '--json'], admin);
    expect(run.json, run.stdout + run.stderr).toMatchObject({ status: 'CompletedWithViolations', items: 600 });
    expect(run.json.violations.map((v: { constraint_check_type: string; feature_name: string }) => `${v.constraint_check_type}:${v.feature_name}`)).toEqual(['baseline_drift_check:income']);
  }, 180_000);
});
