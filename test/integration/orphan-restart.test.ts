import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { afterAll, describe, expect, it } from 'vitest';
import { cli, ROOT, startServer, type RunningServer } from '../support/server.js';
import { checkpointedSteps } from '../support/scripts.js';

const STEPS = checkpointedSteps({ orphanHelper: true });

/** Process ids of live (non-zombie) processes in the group, read from /proc. */
function groupMembers(pgid: number): number[] {
  const members: number[] = [];
  for (const pid of fs.readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
    try {
      const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(fields[2]) === pgid && fields[0] !== 'Z') members.push(Number(pid));
    } catch {
      // The process ended while we looked.
    }
  }
  return members;
}

/**
 * `orchard up` under a parent that never reaps its children (as a supervisor or a test
 * harness that does not wait may be): once killed, the server stays a zombie, which
 * `kill(pid, 0)` still finds.
 */
async function startUnreapedServer(env: Record<string, string>, home: string): Promise<{ url: string; token: string; parent: ChildProcess }> {
  const childEnv = { ...Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('ORCHARD_') && !k.startsWith('AWS_'))), ...env };
  const parent = spawn('sh', ['-c', '"$@" & exec sleep 1000', 'sh', process.execPath, path.join(ROOT, 'bin/orchard.js'), 'up', '--port', '0', '--home', home, '--json'], { env: childEnv, stdio: ['ignore', 'pipe', 'inherit'] });
  const line = await new Promise<string>((resolve) => createInterface({ input: parent.stdout! }).once('line', resolve));
  const facts = JSON.parse(line) as { url: string; adminToken: string };
  return { url: facts.url, token: facts.adminToken, parent };
}

function processState(pid: number): string | null {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[0];
  } catch {
    return null;
  }
}

describe('orchard up killed with SIGKILL during a training job (embedded mode)', () => {
  let server: RunningServer | undefined;
  let parent: ChildProcess | undefined;
  afterAll(async () => {
    await server?.stop();
    parent?.kill('SIGKILL');
  });

  it('ends the attempt the dead server left running, and the job runs to completion once more', async () => {
    const home = fs.mkdtempSync(path.join(os.tmpdir(), 'orchard-orphan-'));
    const env = { ORCHARD_JOB_LEASE_MS: '1500', ORCHARD_WORKERS: '1' };
    const first = await startUnreapedServer(env, home);
    parent = first.parent;
    let url = first.url;
    const token = first.token;
    const admin = () => ({ url, token });
    const src = fs.mkdtempSync(path.join(os.tmpdir(), 'orchard-orphan-src-'));
    fs.writeFileSync(path.join(src, 'train.js'), STEPS);
    fs.writeFileSync(path.join(src, 'd.csv'), '1,2\n');
    expect((await cli(['datasets', 'create', 'd', '--file', path.join(src, 'd.csv'), '--json'], admin())).code).toBe(0);
    const created = await cli(['train', '--name', 'orphan1', '--script', path.join(src, 'train.js'), '--train', 'd', '--hp', 'steps=100', '--json'], admin());
    expect(created.code, created.stdout).toBe(0);
    let job: any;
    for (;;) {
      job = (await cli(['jobs', 'describe', 'orphan1', '--json'], admin())).json;
      if (job.secondaryStatus === 'Training' && (await cli(['jobs', 'logs', 'orphan1'], admin())).stdout.includes('step=3')) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    // The attempt's process group and the server, as the server recorded them.
    const attempts = path.join(os.tmpdir(), 'orchard-attempts');
    const owners = fs
      .readdirSync(attempts)
      .filter((f) => f.startsWith('orphan1-') && f.endsWith('.owner'))
      .map((f) => JSON.parse(fs.readFileSync(path.join(attempts, f), 'utf8')) as { pgid: number; workerPid: number });
    expect(owners, fs.readdirSync(attempts).join(' ')).toHaveLength(1);
    const [{ pgid, workerPid }] = owners;
    expect(groupMembers(pgid).length).toBeGreaterThan(0);

    process.kill(workerPid, 'SIGKILL');
    while (processState(workerPid) !== 'Z') await new Promise((r) => setTimeout(r, 50));
    // The dead server cannot end its attempt: it runs on, re-parented.
    expect(groupMembers(pgid).length).toBeGreaterThan(0);

    server = await startServer(env, home);
    url = server.url;
    expect(groupMembers(pgid)).toEqual([]);
    for (;;) {
      job = (await cli(['jobs', 'describe', 'orphan1', '--json'], admin())).json;
      if (['Completed', 'Failed', 'Stopped'].includes(job.status)) break;
      expect(groupMembers(pgid)).toEqual([]);
      await new Promise((r) => setTimeout(r, 250));
    }
    expect(job.status, job.failureReason).toBe('Completed');
    expect(job.attempts).toBe(2);
    // Steps after the restart continue from the checkpoint; no step ran in two processes at once.
    const logs = (await cli(['jobs', 'logs', 'orphan1'], admin())).stdout;
    expect(logs).toContain('step=100');
  });
});
