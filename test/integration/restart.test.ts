import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { cli, startServer, type RunningServer } from '../support/server.js';
import { checkpointedSteps } from '../support/scripts.js';

const STEPS = checkpointedSteps();

describe('a server restarted with jobs running and queued (embedded mode)', () => {
  let server: RunningServer | undefined;
  afterAll(async () => server?.stop());

  it('finishes them after the restart', async () => {
    const home = fs.mkdtempSync(path.join(os.tmpdir(), 'orchard-restart-'));
    const env = { ORCHARD_JOB_LEASE_MS: '1500', ORCHARD_WORKERS: '1', ORCHARD_ATTEMPTS_DIR: path.join(os.tmpdir(), 'orchard-it-attempts') };
    server = await startServer(env, home);
    const admin = () => ({ url: server!.url, token: server!.adminToken });
    const src = fs.mkdtempSync(path.join(os.tmpdir(), 'orchard-restart-src-'));
    fs.writeFileSync(path.join(src, 'train.js'), STEPS);
    fs.writeFileSync(path.join(src, 'd.csv'), '1,2\n');
    expect((await cli(['datasets', 'create', 'd', '--file', path.join(src, 'd.csv'), '--json'], admin())).code).toBe(0);
    for (const name of ['running1', 'queued1']) {
      const res = await cli(['train', '--name', name, '--script', path.join(src, 'train.js'), '--train', 'd', '--hp', 'steps=25', '--json'], admin());
      expect(res.code, res.stdout).toBe(0);
    }
    for (;;) {
      const job = (await cli(['jobs', 'describe', 'running1', '--json'], admin())).json;
      if (job.secondaryStatus === 'Training') break;
      await new Promise((r) => setTimeout(r, 100));
    }
    await server.stop();
    server = await startServer(env, home);
    for (const name of ['running1', 'queued1']) {
      let job: any;
      for (;;) {
        job = (await cli(['jobs', 'describe', name, '--json'], admin())).json;
        if (['Completed', 'Failed', 'Stopped'].includes(job.status)) break;
        await new Promise((r) => setTimeout(r, 250));
      }
      expect(job.status, `${name}: ${job.failureReason}`).toBe('Completed');
    }
    expect((await cli(['jobs', 'describe', 'running1', '--json'], admin())).json.attempts).toBe(2);
  });
});
