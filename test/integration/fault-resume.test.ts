import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fleetBackend } from '../support/backends.js';
import { cli, startServer, startWorkerProcess, type RunningServer } from '../support/server.js';

/** A script that resumes from SM_CHECKPOINT_DIR, writing its state atomically each step. */
const RESUMABLE = `
const fs = require('node:fs'); const path = require('node:path');
const dir = process.env.SM_CHECKPOINT_DIR; const state = path.join(dir, 'state.json');
let start = 0;
try { start = JSON.parse(fs.readFileSync(state, 'utf8')).step; } catch {}
console.log('resumed_from=' + start);
const steps = Number(process.env.SM_HP_STEPS);
let step = start;
const tick = () => {
  if (step >= steps) {
    fs.writeFileSync(path.join(process.env.SM_MODEL_DIR, 'model.json'), JSON.stringify({ start, steps }));
    return;
  }
  step++;
  fs.writeFileSync(state + '.tmp', JSON.stringify({ step }));
  fs.renameSync(state + '.tmp', state);
  console.log('step=' + step);
  setTimeout(tick, 250);
};
tick();
`;

describe('a worker killed with SIGKILL mid-training', () => {
  let server: RunningServer;
  let env: Record<string, string>;
  let workers: Array<Awaited<ReturnType<typeof startWorkerProcess>>> = [];
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

  it('is retried on another worker from the last checkpoint, leaving one model artifact', async () => {
    const admin = { url: server.url, token: server.adminToken };
    const src = fs.mkdtempSync(path.join(os.tmpdir(), 'orchard-resume-'));
    fs.writeFileSync(path.join(src, 'train.js'), RESUMABLE);
    const data = path.join(src, 'd.csv');
    fs.writeFileSync(data, '1,2\n3,4\n');
    expect((await cli(['datasets', 'create', 'd', '--file', data, '--json'], admin)).code).toBe(0);
    workers.push(await startWorkerProcess(env));
    const created = await cli(['train', '--name', 'resume1', '--script', path.join(src, 'train.js'), '--train', 'd', '--hp', 'steps=40', '--max-retries', '2', '--metric', 'resumed_from=resumed_from=([0-9]+)', '--json'], admin);
    expect(created.code, created.stdout).toBe(0);

    // Wait until a checkpoint has reached the store, then kill the worker outright.
    for (let i = 0; ; i++) {
      const stored = await cli(['artifacts', 'list', '--prefix', 'jobs/resume1/checkpoints', '--json'], admin);
      if (stored.json?.items?.length) break;
      if (i > 200) throw new Error('no checkpoint was synced');
      await new Promise((r) => setTimeout(r, 100));
    }
    workers[0].kill();
    workers.push(await startWorkerProcess(env));

    let job: any;
    for (;;) {
      job = (await cli(['jobs', 'describe', 'resume1', '--json'], admin)).json;
      if (['Completed', 'Failed', 'Stopped'].includes(job.status)) break;
      await new Promise((r) => setTimeout(r, 250));
    }
    expect(job.status, job.failureReason).toBe('Completed');
    expect(job.attempts).toBe(2);
    expect(job.finalMetrics.resumed_from).toBeGreaterThan(0);
    const outputs = await cli(['artifacts', 'list', '--prefix', 'jobs/resume1/output', '--json'], admin);
    expect(outputs.json.items.map((a: { key: string }) => a.key)).toEqual(['jobs/resume1/output/model.tar.gz']);
    const logs = await cli(['jobs', 'logs', 'resume1'], admin);
    expect(logs.stdout).toContain('restored 1 checkpoint file(s)');
  });
});
