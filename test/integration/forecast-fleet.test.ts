import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fleetBackend } from '../support/backends.js';
import { cli, startServer, startWorkerProcess, type RunningServer } from '../support/server.js';

const ITEMS = 12;
const DAYS = 120;
const HORIZON = 14;
const date = (d: number) => new Date(Date.UTC(2024, 0, 1) + d * 86_400_000).toISOString().slice(0, 10);

describe('forecast on the fleet: shard jobs shared by two orchard worker processes, PostgreSQL + S3 + Redis', () => {
  let server: RunningServer;
  let workers: Array<Awaited<ReturnType<typeof startWorkerProcess>>> = [];
  let teardown: () => Promise<void>;
  let admin: { url: string; token: string };
  let dir: string;

  async function ok(args: string[]) {
    const res = await cli(args, admin);
    expect(res.code, `${args.join(' ')}\n${res.stdout}${res.stderr}`).toBe(0);
    return res.json;
  }

  beforeAll(async () => {
    const fleet = await fleetBackend();
    teardown = fleet.teardown;
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
    const f = await ok(['forecast', 'create', 'sn-fc', '--predictor', 'sn', '--wait', '--json']);
    expect(f).toMatchObject({ status: 'Active', dataset: 'sn-fc@1', items: ITEMS });
    const q = await ok(['forecast', 'query', 'sn-fc', '--item', 's5', '--json']);
    expect(q.mean).toEqual(Array.from({ length: HORIZON }, (_, k) => 10 + 5 + (((DAYS + k) * 8) % 7)));
  }, 300_000);
});
