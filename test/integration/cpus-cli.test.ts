import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeClassificationCsv } from '../support/backends.js';
import { cli, startServer, type RunningServer } from '../support/server.js';

describe('cores a job asks for (orchard train --cpus, ORCHARD_WORKER_CPUS)', () => {
  let server: RunningServer;
  let admin: { url: string; token: string };
  let dir: string;

  beforeAll(async () => {
    server = await startServer({ ORCHARD_WORKER_CPUS: '2', ORCHARD_WORKERS: '2' });
    admin = { url: server.url, token: server.adminToken };
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'orchard-cpus-'));
    expect((await cli(['datasets', 'create', 'tr', '--file', writeClassificationCsv(path.join(dir, 'tr.csv'), 500, 1, 3), '--json'], admin)).code).toBe(0);
  });
  afterAll(async () => server?.stop());

  it('gives a lone built-in job all of the worker\'s cores, and a job its --cpus', async () => {
    const all = await cli(['train', '--name', 'c-all', '--algorithm', 'xgboost', '--hp', 'num_round=5', '--train', 'tr', '--wait', '--json'], admin);
    expect(all.code, all.stdout + all.stderr).toBe(0);
    const one = await cli(['train', '--name', 'c-one', '--algorithm', 'xgboost', '--hp', 'num_round=5', '--train', 'tr', '--cpus', '1', '--wait', '--json'], admin);
    expect(one.code, one.stdout + one.stderr).toBe(0);
    // The attempt's first line says the cores it got; xgboost trains data this small (500 × 3)
    // on one thread whatever its cores, unless nthread asks (see PARALLEL_MIN_CELLS).
    const allLogs = (await cli(['jobs', 'logs', 'c-all'], admin)).stdout;
    expect(allLogs).toMatch(/^\[orchard\] attempt 1 on \S+: 2 cpu\(s\)$/m);
    expect(allLogs).toMatch(/; 1 threads/);
    const oneLogs = (await cli(['jobs', 'logs', 'c-one'], admin)).stdout;
    expect(oneLogs).toMatch(/^\[orchard\] attempt 1 on \S+: 1 cpu\(s\)$/m);
    expect(oneLogs).toMatch(/; 1 threads/);
  });
});
