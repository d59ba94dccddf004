import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fleetBackend } from '../support/backends.js';
import { cli, startServer, startWorkerProcess, type RunningServer } from '../support/server.js';

/** A script that resumes from SM_CHECKPOINT_DIR, writing its state atomically each step. */
const RESUMABLE = `
const fs = require('node:fs'); const path = require('node:path');
// A silent helper in the attempt's process group: it outlives its worker unless reaped.
require('node:child_process').spawn('sleep', ['1000'], { stdio: 'ignore' }).unref();
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

/** Whether any live (non-zombie) process is in the group, read from /proc. */
function groupAlive(pgid: number): boolean {
  for (const pid of fs.readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
    try {
      const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(fields[2]) === pgid && fields[0] !== 'Z') return true;
    } catch {
      // The process ended while we looked.
    }
  }
  return false;
}

describe('a worker killed with SIGKILL mid-training', () => {
  let server: RunningServer;
  let env: Record<string, string>;
  let workers: Array<Awaited<ReturnType<typeof startWorkerProcess>>> = [];
  let teardown: () => Promise<void>;
  let attemptsDir: string;

  beforeAll(async () => {
    attemptsDir = fs.mkdtempSync(path.join(os.tmpdir(), 'orchard-fault-attempts-'));
    const fleet = await fleetBackend({ ORCHARD_JOB_LEASE_MS: '1500', ORCHARD_ATTEMPTS_DIR: attemptsDir });
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
    // The killed worker cannot end its attempt; the next worker on the machine reaps it.
    const owners = fs.readdirSync(attemptsDir).filter((f) => f.endsWith('.owner'));
    expect(owners).toHaveLength(1);
    const { pgid } = JSON.parse(fs.readFileSync(path.join(attemptsDir, owners[0]), 'utf8')) as { pgid: number };
    workers[0].kill();
    workers.push(await startWorkerProcess(env));
    expect(groupAlive(pgid)).toBe(false);

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
