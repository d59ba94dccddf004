import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Orchard } from '../../src/sdk/index.js';
import { openArtifactStore, type ArtifactStore } from '../../src/storage/index.js';
import { fleetBackend } from '../support/backends.js';
import { cli, startServer, startWorkerProcess, type RunningServer } from '../support/server.js';

const ITEMS = 12;
const DAYS = 120;
const HORIZON = 14;
const date = (d: number) => new Date(Date.UTC(2024, 0, 1) + d * 86_400_000).toISOString().slice(0, 10);

describe('forecast on the fleet: predictor and forecast shard jobs shared by two orchard worker processes, PostgreSQL + S3 + Redis', () => {
  let server: RunningServer;
  let workers: Array<Awaited<ReturnType<typeof startWorkerProcess>>> = [];
  let teardown: () => Promise<void>;
  let admin: { url: string; token: string };
  let dir: string;
  /** The fleet's S3 store, opened directly: a test takes a platform file away. */
  let store: ArtifactStore;

  async function ok(args: string[]) {
    const res = await cli(args, admin);
    expect(res.code, `${args.join(' ')}\n${res.stdout}${res.stderr}`).toBe(0);
    return res.json;
  }

  beforeAll(async () => {
    const fleet = await fleetBackend();
    teardown = fleet.teardown;
    for (const k of ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_REGION']) process.env[k] = fleet.env[k];
    store = await openArtifactStore({ artifactsUrl: fleet.env.ORCHARD_ARTIFACTS_URL, s3Endpoint: fleet.env.ORCHARD_S3_ENDPOINT, s3Region: 'us-east-1' });
    server = await startServer({ ...fleet.env, ORCHARD_WORKERS: '0' });
    workers = [await startWorkerProcess(fleet.env), await startWorkerProcess(fleet.env)];
    admin = { url: server.url, token: server.adminToken };
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'orchard-forecast-fleet-'));
    const rows = ['item_id,timestamp,target_value'];
    for (let i = 0; i < ITEMS; i++) for (let d = 0; d < DAYS; d++) rows.push(`s${i},${date(d)},${10 + i + ((d * (i + 3)) % 7)}`);
    fs.writeFileSync(path.join(dir, 'demand.csv'), rows.join('\n') + '\n');
    await ok(['datasets', 'create', 'demand', '--file', path.join(dir, 'demand.csv'), '--header', '--json']);
  });
  afterAll(async () => {
    await store?.close();
    for (const w of workers) await w.stop();
    await server?.stop();
    await teardown?.();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it('imports, trains a predictor in four shards, forecasts and queries, with the server running no jobs', async () => {
    await ok(['forecast', 'groups', 'create', 'fleet', '--frequency', 'D', '--json']);
    const imp = await ok(['forecast', 'import', 'fleet', '--target', 'demand', '--wait', '--json']);
    expect(imp.summary.items).toBe(ITEMS);
    const p = await ok(['forecast', 'predictors', 'create', 'sn', '--group', 'fleet', '--algorithm', 'seasonal-naive', '--horizon', String(HORIZON), '--shards', '4', '--wait', '--json']);
    expect(p).toMatchObject({ status: 'Active', shards: 4, progress: { shards: { total: 4, done: 4 }, items: { total: ITEMS, done: ITEMS } } });
    // Each series repeats exactly every 7 days: seasonal naive's backtest is perfect.
    expect(p.metrics.WAPE).toBe(0);
    // The forecast is sharded as the predictor is: four shard jobs, then one dataset version.
    const f = await ok(['forecast', 'create', 'sn-fc', '--predictor', 'sn', '--wait', '--json']);
    expect(f).toMatchObject({ status: 'Active', dataset: 'sn-fc@1', items: ITEMS, progress: { percent: 100, shards: { total: 4, done: 4 }, items: { total: ITEMS, done: ITEMS } } });
    const version = await ok(['datasets', 'describe', 'sn-fc@1', '--json']);
    expect(version.rowCount).toBe(ITEMS * HORIZON);
    const sql = await ok(['datasets', 'query', 'SELECT count(DISTINCT item_id) AS n FROM "sn-fc"', '--json']);
    expect(Number(sql.rows[0][0] ?? sql.rows[0].n)).toBe(ITEMS);
    for (let i = 0; i < ITEMS; i++) {
      const q = await ok(['forecast', 'query', 'sn-fc', '--item', `s${i}`, '--json']);
      expect(q.mean, `s${i}`).toEqual(Array.from({ length: HORIZON }, (_, k) => 10 + i + (((DAYS + k) * (i + 3)) % 7)));
    }
    // The shards' parts are gone once the version is registered.
    const sdk = new Orchard(admin);
    expect(await sdk.artifacts.list('forecast/fleet/forecasts/')).toHaveLength(0);
  }, 300_000);

  it('fails a forecast whose shard fails, with its reason, and registers no version', async () => {
    // Shard 2's input (the predictor's evaluations of its items) is taken away.
    await store.delete('forecast/fleet/predictors/sn/evaluations/0002.jsonl');
    const res = await cli(['forecast', 'create', 'broken', '--predictor', 'sn', '--wait', '--json'], admin);
    expect(res.code, res.stdout + res.stderr).toBe(1);
    expect(res.json).toMatchObject({ status: 'CreateFailed', dataset: null });
    expect(res.json.failureReason).toMatch(/^shard 2: /);
    const missing = await cli(['datasets', 'describe', 'broken', '--json'], admin);
    expect(missing.json.code).toBe('ORCH_DATASET_NOT_FOUND');
    const sdk = new Orchard(admin);
    expect(await sdk.artifacts.list('forecast/fleet/forecasts/broken/')).toHaveLength(0);
  }, 300_000);
});
