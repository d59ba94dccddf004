import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createEmbeddedJobQueue } from '../../src/jobs/queue/index.js';
import { Orchard } from '../../src/sdk/index.js';
import { openMetadataStore } from '../../src/storage/index.js';
import { cli, startServer, type RunningServer } from '../support/server.js';
import { checkpointedSteps } from '../support/scripts.js';

const STEPS = checkpointedSteps();

describe('a server restarted with jobs running and queued (embedded mode)', () => {
  let server: RunningServer | undefined;
  afterAll(async () => server?.stop());

  it('hands the running job back as it stops, and finishes both after the restart', async () => {
    const home = fs.mkdtempSync(path.join(os.tmpdir(), 'orchard-restart-'));
    // The default lease (30 s): the restarted server must not wait for it to run out. The
    // lease-expiry path after a crash is orphan-restart.test.ts's (SIGKILL).
    const env = { ORCHARD_WORKERS: '1', ORCHARD_ATTEMPTS_DIR: path.join(os.tmpdir(), 'orchard-it-attempts') };
    server = await startServer(env, home);
    let orchard = new Orchard({ url: server.url, token: server.adminToken });
    const src = fs.mkdtempSync(path.join(os.tmpdir(), 'orchard-restart-src-'));
    fs.writeFileSync(path.join(src, 'train.js'), STEPS);
    fs.writeFileSync(path.join(src, 'd.csv'), '1,2\n');
    await orchard.datasets.create({ name: 'd', file: path.join(src, 'd.csv') });
    // The first job through `orchard train`, which packs the script; the second reuses the uploaded source.
    const first = await cli(['train', '--name', 'running1', '--script', path.join(src, 'train.js'), '--train', 'd', '--hp', 'steps=25', '--json'], { url: server.url, token: server.adminToken });
    expect(first.code, first.stdout + first.stderr).toBe(0);
    await orchard.training.create({ name: 'queued1', script: first.json.script, channels: { train: 'd' }, hyperParameters: { steps: '25' } });
    while ((await orchard.training.describe('running1')).secondaryStatus !== 'Training') await new Promise((r) => setTimeout(r, 100));
    await server.stop();

    // The stopped server handed the interrupted job back: queued again, not failed, its attempt not spent.
    const metadata = await openMetadataStore(`sqlite:${path.join(home, 'orchard.db')}`);
    try {
      const queue = createEmbeddedJobQueue(metadata);
      const entry = await queue.get('training-running1');
      expect(entry).toMatchObject({ state: 'queued', attempt: 1, lastError: null });
      expect(await queue.get('training-queued1')).toMatchObject({ state: 'queued', attempt: 0 });
    } finally {
      await metadata.close();
    }

    server = await startServer(env, home);
    orchard = new Orchard({ url: server.url, token: server.adminToken });
    for (const name of ['running1', 'queued1']) {
      const job = await orchard.training.waitFor(name);
      expect(job.status, `${name}: ${job.failureReason}`).toBe('Completed');
    }
    expect((await orchard.training.describe('running1')).attempts).toBe(2);
  });
});
