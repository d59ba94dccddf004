/**
 * The forecasting MLOps workshop as shipped in examples/forecast-mlops: its own generator,
 * setup script, pipeline and dashboard files (not copies), run through the CLI. A new week of
 * sales dropped into the landing folder must, with no one at the keyboard, be crawled, start
 * the pipeline with the new crawl version, retrain, forecast, and reach the dashboard's chart.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Orchard } from '../../src/sdk/index.js';
import { backends, fleetBackend, TEST_ATTEMPTS_DIR } from '../support/backends.js';
import { S3RVER_CREDENTIALS } from '../support/s3-server.js';
import { cli, ROOT, startServer, startWorkerProcess, type RunningServer } from '../support/server.js';

const run = promisify(execFile);
const EXAMPLE = path.join(ROOT, 'examples/forecast-mlops');
/** Small enough to be quick: 3 items in 2 stores, 5 weeks of history, then a sixth week. */
const ITEMS = 3;
const STORES = 2;
const WEEKS = 5;
const HORIZON = 14;
const START = Date.parse('2026-01-05T00:00:00Z');
/** Two platforms start at once on a loaded machine: more than the default hook time. */
const SETUP_MS = 240_000;
const day = (d: number) => new Date(START + d * 86_400_000).toISOString().slice(0, 10);

interface Workshop {
  admin: { url: string; token: string };
  /** Where generate.mjs writes. */
  landing: string;
  shim: string;
  /** The crawler's source when it is not the landing folder: a prefix of the platform's S3 bucket. */
  source?: string;
  /** Puts generated files where the crawler reads (nothing to do for the folder). */
  land(files: string[]): Promise<void>;
}

/** On an S3 platform the files land under `landing/sales/` of its bucket, outside the store's own prefix. */
function s3Landing(env: Record<string, string>): { source: string; land(files: string[]): Promise<void>; close(): void } {
  const bucket = new URL(env.ORCHARD_ARTIFACTS_URL).hostname;
  const s3 = new S3Client({ endpoint: env.ORCHARD_S3_ENDPOINT, region: 'us-east-1', forcePathStyle: true, credentials: S3RVER_CREDENTIALS });
  return {
    source: `s3://${bucket}/landing/sales/`,
    async land(files) {
      for (const f of files) await s3.send(new PutObjectCommand({ Bucket: bucket, Key: `landing/sales/${path.basename(f)}`, Body: fs.readFileSync(f) }));
    },
    close: () => s3.destroy(),
  };
}

const inFolder = async () => undefined;

type Execution = {
  id: string;
  status: string;
  parameters: Record<string, unknown>;
  trigger: { kind: string; name?: string };
  steps: Array<{ name: string; status: string; outputs: Record<string, unknown> }>;
};

/** The landing folder under a crawler root (its real path, as the crawler compares real paths) and a PATH shim for `orchard`. */
function workshopFolders(): { root: string; landing: string; shim: string } {
  const root = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'orchard-mlops-')));
  const landing = path.join(root, 'landing');
  const shim = path.join(root, 'bin');
  fs.mkdirSync(landing);
  fs.mkdirSync(shim);
  fs.writeFileSync(path.join(shim, 'orchard'), `#!/bin/sh\nexec "${process.execPath}" "${path.join(ROOT, 'bin/orchard.js')}" "$@"\n`, { mode: 0o755 });
  return { root, landing, shim };
}

/** Runs the shipped generator, then lands what it wrote. */
async function generate(w: Workshop, ...args: string[]): Promise<void> {
  const { stdout } = await run(process.execPath, [path.join(EXAMPLE, 'generate.mjs'), '--out', w.landing, '--items', String(ITEMS), '--stores', String(STORES), ...args]);
  await w.land(stdout.split('\n').filter(Boolean));
}

/** Runs the shipped setup.sh as a user would, with `orchard` on the PATH. */
async function setup(w: Workshop): Promise<string> {
  const env = {
    PATH: `${w.shim}${path.delimiter}${process.env.PATH}`,
    HOME: process.env.HOME ?? os.tmpdir(),
    ORCHARD_URL: w.admin.url,
    ORCHARD_TOKEN: w.admin.token,
    ORCHARD_HOME: path.join(os.tmpdir(), 'orchard-no-home'),
    LANDING: w.landing,
    ...(w.source ? { SOURCE: w.source } : {}),
    EVERY: '10s',
  };
  try {
    const { stderr } = await run('bash', [path.join(EXAMPLE, 'setup.sh')], { env, maxBuffer: 16 << 20 });
    return stderr;
  } catch (err) {
    const e = err as { stdout?: string; stderr?: string; message: string };
    throw new Error(`setup.sh failed: ${e.message}\n${e.stdout ?? ''}\n${e.stderr ?? ''}`);
  }
}

async function ok(w: Workshop, args: string[]) {
  const res = await cli(args, w.admin);
  expect(res.code, `${args.join(' ')}\n${res.stdout}${res.stderr}`).toBe(0);
  return res.json;
}

/** Read through the SDK: polling with a CLI process a second would load the machine for nothing. */
async function executions(w: Workshop): Promise<Execution[]> {
  return (await new Orchard(w.admin).pipelines.executions({ pipeline: 'sales-forecast' })).items as unknown as Execution[];
}

/** Waits for an execution the trigger started to end (the trigger runs the crawler every 10 s), one SDK request every 250 ms. */
async function triggeredExecution(w: Workshop, deadlineMs: number): Promise<Execution> {
  const until = Date.now() + deadlineMs;
  for (;;) {
    const fired = (await executions(w)).filter((e) => e.trigger.kind === 'crawler');
    if (fired.length > 0 && fired.every((e) => e.status !== 'Executing' && e.status !== 'Queued')) {
      return (await ok(w, ['pipelines', 'execution', fired[0].id, '--json'])) as Execution;
    }
    if (Date.now() > until) throw new Error(`no triggered execution ended in ${deadlineMs} ms: ${JSON.stringify(fired)}`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

/** Runs the workshop; a failure carries the end of the server's log (a server that died says why). */
async function workshopRunsOn(server: RunningServer, w: Omit<Workshop, 'admin'>): Promise<void> {
  try {
    await workshopRuns({ ...w, admin: { url: server.url, token: server.adminToken } });
  } catch (err) {
    const { exitCode, signalCode } = server.process;
    const state = exitCode === null && signalCode === null ? 'running' : `exited with ${exitCode ?? signalCode}`;
    (err as Error).message += `\n--- the server (${state}), its last log lines:\n${server.stderr().slice(-4000)}`;
    throw err;
  }
}

/** The whole workshop on a running platform: setup, the first forecast, a new week, the refreshed chart. */
async function workshopRuns(w: Workshop): Promise<void> {
  await generate(w, '--weeks', String(WEEKS));
  const log = await setup(w);
  expect(log).toContain('Ready.');
  const crawler = await new Orchard(w.admin).crawlers.describe('sales');
  expect(crawler).toMatchObject({ source: w.source ?? pathToFileURL(w.landing).href, dataset: 'sales_raw', currentVersion: 1 });

  // setup.sh ran the pipeline once by hand: the first forecast, which the dashboard reads.
  const first = await executions(w);
  expect(first.map((e) => [e.status, e.trigger.kind])).toEqual([['Succeeded', 'api']]);
  expect(await new Orchard(w.admin).datasets.describe('sales_forecast')).toMatchObject({ version: 1, rowCount: ITEMS * STORES * HORIZON });
  const before = await ok(w, ['dashboards', 'data', 'sales-forecast', '--chart', 'forecast', '--json']);
  expect(before.rows[0].timestamp.slice(0, 10)).toBe(day(WEEKS * 7));

  // A new week lands: crawl -> new sales_raw version -> an execution with that version.
  await generate(w, '--week', String(WEEKS + 1));
  const exec = await triggeredExecution(w, 120_000);
  expect(exec.status, JSON.stringify(exec)).toBe('Succeeded');
  expect(exec.trigger).toMatchObject({ kind: 'crawler', name: 'sales-landed' });
  expect(exec.parameters.raw).toBe('sales_raw@2');
  const steps = Object.fromEntries(exec.steps.map((s) => [s.name, s]));
  expect(Object.fromEntries(exec.steps.map((s) => [s.name, s.status]))).toEqual({
    clean: 'Succeeded', import: 'Succeeded', train: 'Succeeded', 'good-enough': 'Succeeded',
    forecast: 'Succeeded', export: 'Succeeded', publish: 'Succeeded', 'too-poor': 'Skipped',
  });
  // One more week of every item and store was cleaned and aggregated.
  expect(steps.clean.outputs).toMatchObject({ dataset: 'sales_daily@2', rows: ITEMS * STORES * (WEEKS + 1) * 7 });
  expect(steps['good-enough'].outputs.result).toBe(true);
  expect(steps.export.outputs.location).toBe(`exports/sales/${exec.id}-forecast.csv`);
  expect(steps.publish.outputs).toMatchObject({ dataset: 'sales_forecast@2', rows: ITEMS * STORES * HORIZON });
  expect((await executions(w)).filter((e) => e.trigger.kind === 'crawler')).toHaveLength(1);

  // The dashboard's charts read sales_forecast by name: the latest version, the new forecast's days.
  const chart = await ok(w, ['dashboards', 'data', 'sales-forecast', '--chart', 'forecast', '--json']);
  expect(chart.sources).toEqual([{ name: 'sales_forecast', version: 2 }]);
  expect(chart.rows.map((r: { timestamp: string }) => r.timestamp.slice(0, 10))).toEqual(Array.from({ length: HORIZON }, (_, k) => day((WEEKS + 1) * 7 + k)));
  for (const r of chart.rows) expect(r.p10 <= r.p50 && r.p50 <= r.p90, JSON.stringify(r)).toBe(true);
  const items = await ok(w, ['dashboards', 'data', 'sales-forecast', '--chart', 'items', '--json']);
  expect(items.rows).toHaveLength(ITEMS * STORES);
  expect(new Set(items.rows.map((r: { first_day: string }) => String(r.first_day).slice(0, 10)))).toEqual(new Set([day((WEEKS + 1) * 7)]));
}

// The platforms side by side: each spends most of its time waiting (the crawler's interval,
// the controller's sweeps), so together they take little more than the slowest.
describe.concurrent('the forecast MLOps workshop', () => {
  // Files land in a crawler root on SQLite + file, under a prefix of the bucket on PostgreSQL + S3.
  describe.each(backends)('on $name', (backend) => {
    // On the first backend only: the workshop on PostgreSQL + S3, its files landing in the bucket, is
    // the fleet case below (the same stores and S3 crawl, the jobs on orchard workers); the embedded
    // queue on PostgreSQL runs pipelines in pipelines-cli.test.ts and forecasts in forecast-cli.test.ts.
    const first = backend === backends[0] ? it : it.skip;
    let server: RunningServer;
    let teardown: () => Promise<void>;
    let folders: ReturnType<typeof workshopFolders>;
    let s3: ReturnType<typeof s3Landing> | undefined;

    beforeAll(async () => {
      const b = await backend.setup();
      teardown = b.teardown;
      folders = workshopFolders();
      if (b.env.ORCHARD_S3_ENDPOINT) s3 = s3Landing(b.env);
      server = await startServer({ ...b.env, ORCHARD_ATTEMPTS_DIR: TEST_ATTEMPTS_DIR, ORCHARD_CRAWLER_ROOTS: folders.root, ORCHARD_PIPELINE_POLL_MS: '200' });
    }, SETUP_MS);
    afterAll(async () => {
      s3?.close();
      await server?.stop();
      await teardown?.();
      if (folders) fs.rmSync(folders.root, { recursive: true, force: true });
    });

    first('a dropped week of sales retrains, forecasts and refreshes the dashboard by itself', async () => {
      await workshopRunsOn(server, { landing: folders.landing, shim: folders.shim, source: s3?.source, land: s3?.land ?? inFolder });
    }, 240_000);
  });

  // The files land under a prefix of the bucket: the crawl runs on either worker, which downloads them.
  describe('on the fleet: PostgreSQL + S3 + Redis, two orchard workers', () => {
    let server: RunningServer;
    let workers: Array<Awaited<ReturnType<typeof startWorkerProcess>>> = [];
    let teardown: () => Promise<void>;
    let folders: ReturnType<typeof workshopFolders>;
    let s3: ReturnType<typeof s3Landing>;

    beforeAll(async () => {
      const fleet = await fleetBackend();
      teardown = fleet.teardown;
      folders = workshopFolders();
      s3 = s3Landing(fleet.env);
      const env = { ...fleet.env, ORCHARD_PIPELINE_POLL_MS: '200' };
      server = await startServer({ ...env, ORCHARD_WORKERS: '0' });
      workers = await Promise.all([startWorkerProcess(env), startWorkerProcess(env)]);
    }, SETUP_MS);
    afterAll(async () => {
      s3?.close();
      for (const w of workers) await w.stop();
      await server?.stop();
      await teardown?.();
      if (folders) fs.rmSync(folders.root, { recursive: true, force: true });
    });

    it('a dropped week of sales retrains, forecasts and refreshes the dashboard, the jobs on the workers', async () => {
      await workshopRunsOn(server, { landing: folders.landing, shim: folders.shim, source: s3.source, land: s3.land });
    }, 240_000);
  });
});
