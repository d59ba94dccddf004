import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Redis } from 'ioredis';
import { isolatedPgUrl } from './metadata.js';
import { startS3Server } from './s3-server.js';

/** The environment of a server (or worker) under test, and how to clean up after it. */
export interface Backend {
  name: string;
  setup(): Promise<{ env: Record<string, string>; teardown(): Promise<void> }>;
}

/** Where attempts of test servers run (traversable by the unprivileged user). */
export const TEST_ATTEMPTS_DIR = path.join(os.tmpdir(), 'orchard-it-attempts');

/** PostgreSQL in a schema of its own and a fresh S3-protocol server. */
async function pgAndS3(bucketPrefix: string) {
  const pg = isolatedPgUrl();
  const s3 = await startS3Server();
  return {
    env: {
      ORCHARD_DATABASE_URL: pg.url,
      ORCHARD_ARTIFACTS_URL: s3.url(bucketPrefix),
      ORCHARD_S3_ENDPOINT: s3.endpoint,
      AWS_ACCESS_KEY_ID: 'S3RVER',
      AWS_SECRET_ACCESS_KEY: 'S3RVER',
      AWS_REGION: 'us-east-1',
    },
    async teardown() {
      await s3.stop();
      await pg.drop();
    },
  };
}

/** The two single-machine configurations every CLI suite runs on. */
export const backends: Backend[] = [
  { name: 'SQLite + file', setup: async () => ({ env: {}, teardown: async () => undefined }) },
  { name: 'PostgreSQL + S3', setup: () => pgAndS3('orchard-it') },
];

/**
 * Fleet mode: PostgreSQL + S3 + a BullMQ queue on the local Redis under a prefix of
 * its own (removed afterwards).
 */
export async function fleetBackend(extra: Record<string, string> = {}): Promise<{ env: Record<string, string>; teardown(): Promise<void> }> {
  const prefix = `orch-it-${randomBytes(4).toString('hex')}`;
  const base = await pgAndS3('orchard-fleet');
  return {
    env: { ...base.env, ORCHARD_QUEUE_URL: `redis://127.0.0.1:6379?prefix=${prefix}&stalledIntervalMs=300`, ORCHARD_ATTEMPTS_DIR: TEST_ATTEMPTS_DIR, ...extra },
    async teardown() {
      await base.teardown();
      const redis = new Redis('redis://127.0.0.1:6379');
      const keys = await redis.keys(`${prefix}:*`);
      if (keys.length) await redis.del(...keys);
      await redis.quit();
    },
  };
}

/** A seeded binary-classification CSV, label first, no header (SageMaker's convention). */
export function writeClassificationCsv(file: string, rows: number, seed: number, features = 4): string {
  let s = seed;
  const rand = () => ((s = (s * 1103515245 + 12345) % 2147483648) / 2147483648);
  const lines: string[] = [];
  for (let i = 0; i < rows; i++) {
    const x = Array.from({ length: features }, () => rand() * 4 - 2);
    lines.push([x[0] - x[2 % features] + 0.3 * (rand() - 0.5) > 0 ? 1 : 0, ...x.map((v) => v.toFixed(4))].join(','));
  }
  fs.writeFileSync(file, lines.join('\n') + '\n');
  return file;
}
