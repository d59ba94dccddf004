import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Orchard } from '../../src/sdk/index.js';
import { fleetBackend, writeClassificationCsv } from '../support/backends.js';
import { cli, startServer, startWorkerProcess, type RunningServer } from '../support/server.js';

describe('a batch transform whose worker is killed with SIGKILL', () => {
  let server: RunningServer;
  let env: Record<string, string>;
  const workers: Array<Awaited<ReturnType<typeof startWorkerProcess>>> = [];
  let teardown: () => Promise<void>;

  beforeAll(async () => {
    const fleet = await fleetBackend({ ORCHARD_JOB_LEASE_MS: '1500' });
    env = fleet.env;
    teardown = fleet.teardown;
    server = await startServer({ ...env, ORCHARD_WORKERS: '0' });
  });
  afterAll(async () => {
    for (const w of workers) await w.stop();
    await server?.stop();
    await teardown?.();
  });

  it('resumes on another worker without redoing finished shards, every row once and in order', async () => {
    const admin = { url: server.url, token: server.adminToken };
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'orchard-tresume-'));
    expect((await cli(['datasets', 'create', 'small', '--file', writeClassificationCsv(path.join(dir, 'small.csv'), 2000, 3), '--json'], admin)).code).toBe(0);
    expect((await cli(['datasets', 'create', 'big', '--file', writeClassificationCsv(path.join(dir, 'big.csv'), 300_000, 4), '--json'], admin)).code).toBe(0);
    workers.push(await startWorkerProcess(env));
    const trained = await cli(['train', '--name', 'gbr', '--algorithm', 'xgboost', '--train', 'small', '--hp', 'objective=binary:logistic', '--hp', 'num_round=30', '--wait', '--json'], admin);
    expect(trained.code, trained.stdout).toBe(0);
    expect((await cli(['models', 'create', 'mr', '--from-job', 'gbr', '--json'], admin)).code).toBe(0);

    const created = await cli(['transform', '--name', 'tr1', '--model', 'mr', '--input', 'big', '--output', 'bigscored', '--input-filter', '$[1:]', '--join-source', 'Input', '--shard-rows', '25000', '--json'], admin);
    expect(created.code, created.stdout).toBe(0);
    const sdk = new Orchard(admin);
    // Kill the only worker once some shards are done and others are not.
    for (;;) {
      const job = await sdk.transforms.describe('tr1');
      if (job.shards.completed >= 2) break;
      expect(job.status).toBe('InProgress');
      await new Promise((r) => setTimeout(r, 100));
    }
    workers[0].kill();
    const atKill = await sdk.transforms.describe('tr1');
    expect(atKill.status).toBe('InProgress');
    expect(atKill.shards.completed).toBeLessThan(12);
    workers.push(await startWorkerProcess(env));

    const job = await sdk.transforms.waitFor('tr1', { pollMs: 300 });
    expect(job).toMatchObject({ status: 'Completed', shards: { total: 12, completed: 12 }, rowsProcessed: 300_000, output: { dataset: 'bigscored', version: 1 } });
    // At most the one shard that was running when the worker died ran twice.
    expect(job.shards.attempts).toBeLessThanOrEqual(13);
    const out = await sdk.datasets.describe('bigscored');
    expect(out.rowCount).toBe(300_000);
    const input = fs.readFileSync(path.join(dir, 'big.csv'), 'utf8').split('\n');
    for (const at of [0, 24_999, 25_000, 149_999, 299_999]) {
      const row = await sdk.datasets.query(`SELECT _c1, _c2 FROM bigscored LIMIT 1 OFFSET ${at}`);
      const [, c1, c2] = input[at].split(',').map(Number);
      expect([Number(row.rows[0]._c1), Number(row.rows[0]._c2)], `row ${at}`).toEqual([c1, c2]);
    }
  }, 300_000);
});
