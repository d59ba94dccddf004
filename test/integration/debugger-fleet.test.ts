import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fleetBackend, writeClassificationCsv } from '../support/backends.js';
import { cli, startServer, startWorkerProcess, type RunningServer } from '../support/server.js';

describe('Debugger rules on the fleet: evaluated by an orchard worker process (PostgreSQL + S3 + Redis)', () => {
  let server: RunningServer;
  let worker: Awaited<ReturnType<typeof startWorkerProcess>> | undefined;
  let teardown: () => Promise<void>;
  let admin: { url: string; token: string };
  let dir: string;

  beforeAll(async () => {
    const fleet = await fleetBackend();
    teardown = fleet.teardown;
    server = await startServer({ ...fleet.env, ORCHARD_WORKERS: '0' });
    admin = { url: server.url, token: server.adminToken };
    worker = await startWorkerProcess(fleet.env);
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'orchard-debugger-fleet-'));
    expect((await cli(['datasets', 'create', 'tr', '--file', writeClassificationCsv(path.join(dir, 'tr.csv'), 500, 1), '--json'], admin)).code).toBe(0);
  });
  afterAll(async () => {
    await worker?.stop();
    await server?.stop();
    await teardown?.();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it('a worker stops the job whose loss stops falling, and the server shows the rule and the profile', async () => {
    const script = path.join(dir, 'src', 'train.py');
    fs.mkdirSync(path.dirname(script));
    fs.writeFileSync(script, ['import time', 'for i in range(300):', '    time.sleep(0.05)', "    print('loss=%.4f' % (1.0 - 0.05 * min(i, 6)), flush=True)"].join('\n') + '\n');
    const res = await cli(['train', '--name', 'flat1', '--script', script, '--train', 'tr', '--metric', 'loss=loss=([0-9.]+)', '--rule', 'loss_not_decreasing:stop:num_steps=5', '--wait', '--json'], admin);
    expect(res.json, res.stdout + res.stderr).toMatchObject({ status: 'Stopped', failureReason: expect.stringContaining('Debugger rule loss_not_decreasing found issues') });
    const described = await cli(['training', 'describe', 'flat1', '--json'], admin);
    expect(described.json.rules).toEqual([expect.objectContaining({ name: 'loss_not_decreasing', status: 'IssuesFound', action: 'stop' })]);
    const profile = await cli(['training', 'profile', 'flat1', '--json'], admin);
    expect(Object.keys(profile.json.attempts[0].totals)).toEqual(expect.arrayContaining(['download', 'training']));
  });
});
