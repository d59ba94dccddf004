import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isolatedPgUrl } from '../support/metadata.js';
import { startS3Server } from '../support/s3-server.js';
import { cli, startServer, startWorkerProcess, type RunningServer } from '../support/server.js';

/** Label first, no header. */
function classification(file: string, rows: number, seed: number): string {
  let s = seed;
  const rand = () => ((s = (s * 1103515245 + 12345) % 2147483648) / 2147483648);
  const lines: string[] = [];
  for (let i = 0; i < rows; i++) {
    const x = [rand() * 4 - 2, rand() * 4 - 2, rand() * 4 - 2];
    lines.push([x[0] + x[1] > 0 ? 1 : 0, ...x.map((v) => v.toFixed(4))].join(','));
  }
  fs.writeFileSync(file, lines.join('\n') + '\n');
  return file;
}

describe('fleet mode: a server without workers, two orchard worker processes, PostgreSQL + S3 + Redis', () => {
  let server: RunningServer;
  let workers: Array<Awaited<ReturnType<typeof startWorkerProcess>>> = [];
  let teardown: () => Promise<void>;
  let admin: { url: string; token: string };

  beforeAll(async () => {
    const prefix = `orch-fleet-${randomBytes(4).toString('hex')}`;
    const pg = isolatedPgUrl();
    const s3 = await startS3Server();
    const env = {
      ORCHARD_DATABASE_URL: pg.url,
      ORCHARD_ARTIFACTS_URL: s3.url('orchard-fleet'),
      ORCHARD_S3_ENDPOINT: s3.endpoint,
      ORCHARD_QUEUE_URL: `redis://127.0.0.1:6379?prefix=${prefix}&stalledIntervalMs=500`,
      ORCHARD_ATTEMPTS_DIR: path.join(os.tmpdir(), 'orchard-it-attempts'),
      AWS_ACCESS_KEY_ID: 'S3RVER',
      AWS_SECRET_ACCESS_KEY: 'S3RVER',
      AWS_REGION: 'us-east-1',
    };
    server = await startServer({ ...env, ORCHARD_WORKERS: '0' });
    workers = [await startWorkerProcess(env), await startWorkerProcess(env)];
    admin = { url: server.url, token: server.adminToken };
    teardown = async () => {
      await s3.stop();
      await pg.drop();
      const redis = new Redis('redis://127.0.0.1:6379');
      const keys = await redis.keys(`${prefix}:*`);
      if (keys.length) await redis.del(...keys);
      await redis.quit();
    };
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'orchard-fleet-'));
    for (const [name, rows, seed] of [['tr', 2000, 3], ['va', 500, 4]] as const) {
      expect((await cli(['datasets', 'create', name, '--file', classification(path.join(dir, `${name}.csv`), rows, seed), '--json'], admin)).code).toBe(0);
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
