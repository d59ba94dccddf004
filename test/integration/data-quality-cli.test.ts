import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Orchard } from '../../src/sdk/index.js';
import { backends, fleetBackend } from '../support/backends.js';
import { cliSuite } from '../support/cli-suite.js';
import { refusedBySdk } from '../support/refusals.js';
import { cli, startServer, startWorkerProcess, type RunningServer } from '../support/server.js';

/** The create request of a data-quality report, as `orchard datasets quality` sends it. */
type DataQualityRequest = Parameters<Orchard['dataQuality']['create']>[0];

/** A seeded customer table: an ID, a constant, outliers, a sparse column, a leaking column and an imbalanced label. */
function writeChurnCsv(file: string, rows: number): string {
  let s = 17;
  const rand = () => ((s = (s * 1103515245 + 12345) % 2147483648) / 2147483648);
  const lines = ['customer_id,plan,usage,region,refund_issued,tenure,churned'];
  for (let i = 0; i < rows; i++) {
    const tenure = rand() * 60;
    const churned = tenure + rand() * 20 < 12 ? 1 : 0;
    const usage = i % 50 === 0 ? 5000 : 20 + rand() * 10;
    lines.push([`C${String(i).padStart(5, '0')}`, ['basic', 'plus', 'pro'][i % 3], usage.toFixed(3), 'eu', churned ? 'refund' : 'none', tenure.toFixed(2), churned].join(','));
  }
  fs.writeFileSync(file, lines.join('\n') + '\n');
  return file;
}

// The three servers side by side (suites marked concurrent); on a server the first case runs
// before the others (it checks that its report is the version's latest), which then run at once.
describe.concurrent.each(backends)('data-quality reports through the CLI on $name', (backend) => {
  const suite = cliSuite(backend, { prefix: 'orchard-dq-' });
  let server: RunningServer;
  let admin: { url: string; token: string };
  let dir: string;

  beforeAll(async () => {
    ({ server, admin, dir } = suite);
    // Through the SDK (`datasets create` is the datasets CLI suite's).
    await new Orchard(admin).datasets.create({ name: 'churn', file: writeChurnCsv(path.join(dir, 'churn.csv'), 1500), header: true });
  });

  it.sequential('reports the planted problems, with a target, and keeps the report as the version\'s latest', async () => {
    const out = path.join(dir, 'report.json');
    const res = await cli(['datasets', 'quality', 'churn', '--target', 'churned', '--wait', '--out', out, '--json'], admin);
    expect(res.code, res.stdout + res.stderr).toBe(0);
    const r = res.json;
    expect(r).toMatchObject({ status: 'Completed', dataset: { name: 'churn', version: 1, rows: 1500 }, target: 'churned', problemType: 'binary', progress: { percent: 100 } });
    const c = r.report;
    expect(c.summary).toMatchObject({ rows: 1500, columns: 7, duplicateRows: 0, missingCells: 0, sampleRows: 1500 });
    const flagged = (kind: string) => c.warnings.filter((w: { kind: string }) => w.kind === kind).map((w: { column?: string }) => w.column);
    expect(flagged('id-like-column')).toEqual(['customer_id']);
    expect(flagged('constant-column')).toEqual(['region']);
    expect(flagged('outliers')).toEqual(['usage']);
    expect(flagged('target-leakage')).toEqual(['refund_issued']);
    expect(flagged('class-imbalance')).toEqual(['churned']);
    expect(c.columns.find((col: { name: string }) => col.name === 'usage').outliers.count).toBe(30);
    expect(c.target.classes.map((k: { value: number }) => k.value)).toEqual([0, 1]);
    expect(c.featureImportance).toMatchObject({ model: 'xgboost', objective: 'binary:logistic', validationMetric: 'auc' });
    expect(c.featureImportance.excluded.map((e: { column: string }) => e.column).sort()).toEqual(['customer_id', 'region']);
    expect(c.featureImportance.features.reduce((sum: number, f: { importance: number }) => sum + f.importance, 0)).toBeCloseTo(1, 6);
    expect(JSON.parse(fs.readFileSync(out, 'utf8'))).toEqual(c);

    // The human rendering names the findings.
    const text = await cli(['datasets', 'quality-reports', 'describe', r.id], admin);
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/target-leakage\s.*refund_issued/);
    expect(text.stdout).toMatch(/quick model: xgboost binary:logistic/);

    const latest = await cli(['datasets', 'quality-reports', 'latest', 'churn@1', '--json'], admin);
    expect(latest.json.id).toBe(r.id);
    const listed = await cli(['datasets', 'quality-reports', 'list', '--dataset', 'churn', '--json'], admin);
    expect(listed.json.items.map((i: { id: string }) => i.id)).toContain(r.id);
    expect(listed.json.items[0].report).toBeUndefined();

    // The SDK, the JSON download and the platform feed see the same report.
    const sdk = new Orchard(admin);
    expect(await sdk.dataQuality.content(r.id)).toEqual(c);
    const download = await fetch(new URL(`/api/v1/data-quality-reports/${r.id}/report.json`, server.url), { headers: { authorization: `Bearer ${admin.token}` } });
    expect(download.headers.get('content-disposition')).toBe(`attachment; filename="churn-v1-quality-${r.id}.json"`);
    expect(await download.json()).toEqual(c);
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), 15_000);
    const seen: string[] = [];
    try {
      for await (const e of sdk.events.statusChanges({ since: new Date(Date.parse(r.createdAt) - 1000), signal: controller.signal })) {
        if (e.kind === 'data-quality-report' && e.name === r.id) seen.push(e.status);
        if (seen.includes('Completed')) break;
      }
    } catch (err) {
      if (!controller.signal.aborted) throw err;
    } finally {
      clearTimeout(timer);
    }
    expect(seen).toContain('Completed');
  }, 180_000);

  // The two below at once, after the first (the latest report is not asked for again; the
  // refusals make no report).
  it('reports without a target', async () => {
    const plain = await cli(['datasets', 'quality', 'churn', '--wait', '--json'], admin);
    expect(plain.code, plain.stdout + plain.stderr).toBe(0);
    expect(plain.json.report).toMatchObject({ target: null, featureImportance: null });
    expect(plain.json.report.columns.every((col: { predictivePower: unknown }) => col.predictivePower === null)).toBe(true);
  }, 180_000);

  it('refuses bad requests with stable codes', async () => {
    // The command's refusal (exit code, the error as JSON) once through the CLI; the others through
    // the SDK, with the request `orchard datasets quality` sends for the same flags.
    const absent = await cli(['datasets', 'quality', 'absent', '--json'], admin);
    expect(absent.code).not.toBe(0);
    expect(absent.json.code).toBe('ORCH_DATASET_NOT_FOUND');
    const sdk = new Orchard(admin);
    const cases: Array<[DataQualityRequest, string]> = [
      [{ dataset: 'churn', target: 'nope' }, 'ORCH_DATA_QUALITY_TARGET_MISSING'],
      [{ dataset: 'churn', target: 'plan', problemType: 'regression' }, 'ORCH_DATA_QUALITY_TARGET_INVALID'],
      [{ dataset: 'churn', target: 'tenure', problemType: 'binary' }, 'ORCH_DATA_QUALITY_TARGET_INVALID'],
      [{ dataset: 'churn', problemType: 'binary' }, 'ORCH_DATA_QUALITY_INVALID'],
    ];
    for (const [request, code] of cases) await refusedBySdk(sdk.dataQuality.create(request), code);
    expect((await cli(['datasets', 'quality-reports', 'describe', 'dq-nope', '--json'], admin)).json.code).toBe('ORCH_DATA_QUALITY_NOT_FOUND');
    await sdk.datasets.create({ name: 'empty-ish', file: writeChurnCsv(path.join(dir, 'small.csv'), 5), header: true });
    expect((await cli(['datasets', 'quality-reports', 'latest', 'empty-ish', '--json'], admin)).json.code).toBe('ORCH_DATA_QUALITY_NOT_FOUND');
  }, 180_000);
});

describe.concurrent('data-quality reports on a fleet worker (a server without workers, PostgreSQL + S3 + Redis)', () => {
  let server: RunningServer;
  let worker: Awaited<ReturnType<typeof startWorkerProcess>> | undefined;
  let teardown: () => Promise<void>;
  let admin: { url: string; token: string };
  let dir: string;

  beforeAll(async () => {
    const fleet = await fleetBackend();
    teardown = fleet.teardown;
    server = await startServer({ ...fleet.env, ORCHARD_WORKERS: '0' });
    worker = await startWorkerProcess(fleet.env);
    admin = { url: server.url, token: server.adminToken };
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'orchard-dq-fleet-'));
    await new Orchard(admin).datasets.create({ name: 'churn', file: writeChurnCsv(path.join(dir, 'churn.csv'), 800), header: true });
  });
  afterAll(async () => {
    await worker?.stop();
    await server?.stop();
    await teardown?.();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it('runs the report on the worker, which reads the dataset from the shared store', async () => {
    const res = await cli(['datasets', 'quality', 'churn', '--target', 'churned', '--wait', '--json'], admin);
    expect(res.code, res.stdout + res.stderr).toBe(0);
    expect(res.json).toMatchObject({ status: 'Completed', dataset: { rows: 800 } });
    expect(res.json.report.target.leakage.map((l: { column: string }) => l.column)).toEqual(['refund_issued']);
  }, 180_000);
});
