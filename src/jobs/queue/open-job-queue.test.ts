import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { openMetadataStore } from '../../storage/index.js';
import { openJobQueue } from './open-job-queue.js';

const REDIS_URL = process.env.ORCHARD_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

describe('openJobQueue', () => {
  it('opens the embedded queue on the metadata store', async () => {
    const metadata = await openMetadataStore('sqlite::memory:');
    try {
      const q = await openJobQueue('embedded', { metadata });
      const { id } = await q.enqueue('k', { a: 1 });
      expect(await q.get(id)).toMatchObject({ state: 'queued', payload: { a: 1 } });
      await q.close();
    } finally {
      await metadata.close();
    }
  });

  it('opens the BullMQ queue for redis:// URLs', async () => {
    const metadata = await openMetadataStore('sqlite::memory:');
    const prefix = `orch-t-${randomBytes(6).toString('hex')}`;
    const q = await openJobQueue(`${REDIS_URL}?prefix=${prefix}`, { metadata });
    const { Redis } = await import('ioredis');
    const admin = new Redis(REDIS_URL);
    try {
      const { id } = await q.enqueue('k', { a: 1 });
      expect(await q.get(id)).toMatchObject({ state: 'queued', kind: 'k' });
      expect((await admin.keys(`${prefix}:*`)).length).toBeGreaterThan(0);
    } finally {
      await q.close();
      const keys = await admin.keys(`${prefix}:*`);
      if (keys.length) await admin.del(...keys);
      await admin.quit();
      await metadata.close();
    }
  });

  it('refuses an unknown scheme, listing the known ones and hiding credentials', async () => {
    const metadata = await openMetadataStore('sqlite::memory:');
    try {
      const err = await openJobQueue('amqp://user:secret@host/q', { metadata }).catch((e: unknown) => e);
      expect(err).toMatchObject({ code: 'ORCH_CONFIG_UNKNOWN_SCHEME' });
      expect((err as Error).message).toMatch(/embedded, redis:\/\/, rediss:\/\//);
      expect((err as Error).message).not.toMatch(/secret/);
      await expect(openJobQueue('', { metadata })).rejects.toMatchObject({ code: 'ORCH_CONFIG_UNKNOWN_SCHEME' });
    } finally {
      await metadata.close();
    }
  });
});

describe('the embedded mode', () => {
  it('opens its three stores without loading pg, BullMQ, ioredis or the AWS SDK', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'orchard-embedded-'));
    const url = (file: string) => JSON.stringify(pathToFileURL(fileURLToPath(new URL(file, import.meta.url))).href);
    // A fresh process: this test file has loaded the Redis client itself.
    const script = `
      import { createRequire } from 'node:module';
      const { openArtifactStore, openMetadataStore } = await import(${url('../../storage/index.ts')});
      const { openJobQueue } = await import(${url('./index.ts')});
      const metadata = await openMetadataStore(${JSON.stringify(`sqlite:${path.join(dir, 'o.db')}`)});
      const artifacts = await openArtifactStore({ artifactsUrl: ${JSON.stringify(pathToFileURL(dir).href)}, s3Endpoint: undefined, s3Region: 'us-east-1' });
      const queue = await openJobQueue('embedded', { metadata });
      await queue.enqueue('k', {});
      await artifacts.put('k', 'v');
      const optional = /[\\/]node_modules[\\/](pg|pg-pool|bullmq|ioredis|@aws-sdk)[\\/]/;
      console.log(JSON.stringify(Object.keys(createRequire(import.meta.url).cache).filter((m) => optional.test(m))));
      await queue.close(); await artifacts.close(); await metadata.close();
    `;
    try {
      const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
        cwd: fileURLToPath(new URL('../../..', import.meta.url)),
      });
      expect(JSON.parse(stdout.trim())).toEqual([]);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
