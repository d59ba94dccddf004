import { randomBytes } from 'node:crypto';
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
