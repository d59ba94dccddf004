import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fleetBackend, writeClassificationCsv } from '../support/backends.js';
import { cli, startServer, startWorkerProcess, type RunningServer } from '../support/server.js';

describe('fleet mode: a server without workers, two orchard worker processes, PostgreSQL + S3 + Redis', () => {
  let server: RunningServer;
  let workers: Array<Awaited<ReturnType<typeof startWorkerProcess>>> = [];
  let teardown: () => Promise<void>;
  let admin: { url: string; token: string };

  beforeAll(async () => {
    const fleet = await fleetBackend();
    teardown = fleet.teardown;
    server = await startServer({ ...fleet.env, ORCHARD_WORKERS: '0' });
    workers = [await startWorkerProcess(fleet.env), await startWorkerProcess(fleet.env)];
    admin = { url: server.url, token: server.adminToken };
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'orchard-fleet-'));
    for (const [name, rows, seed] of [['tr', 2000, 3], ['va', 500, 4]] as const) {
      expect((await cli(['datasets', 'create', name, '--file', writeClassificationCsv(path.join(dir, `${name}.csv`), rows, seed, 3), '--json'], admin)).code).toBe(0);
    }
  });
  afterAll(async () => {
    for (const w of workers) await w.stop();
    await server?.stop();
    await teardown?.();
  });

  it('runs training jobs on the fleet workers, in parallel', async () => {
    const runs = await Promise.all(
      ['f-gb1', 'f-gb2', 'f-ll1'].map((name) =>
        cli(['train', '--name', name, ...(name.startsWith('f-ll') ? ['--algorithm', 'linear-learner', '--hp', 'predictor_type=binary_classifier'] : ['--algorithm', 'xgboost', '--hp', 'num_round=30', '--hp', 'eval_metric=auc']), '--train', 'tr', '--validation', 'va', '--wait', '--json'], admin),
      ),
    );
    for (const res of runs) {
      expect(res.code, res.stdout + res.stderr).toBe(0);
      expect(res.json.status).toBe('Completed');
      expect(res.json.modelArtifact).toMatch(/^s3:\/\//);
    }
    expect(runs[0].json.finalMetrics['validation:auc']).toBeGreaterThan(0.9);
  });
});
