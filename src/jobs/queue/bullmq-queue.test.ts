import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBullmqJobQueue, parseRedisQueueUrl } from './bullmq-queue.js';
import type { JobQueue } from './job-queue.js';
import { describeJobQueueContract, eventually, type JobQueueHarness } from './job-queue.contract.js';

const REDIS_URL = process.env.ORCHARD_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
// Short enough that expired leases come back quickly in tests.
const STALLED_INTERVAL_MS = 100;

/** Deletes every key under the prefix (SCAN, never FLUSH: the server is shared). */
async function dropPrefix(admin: Redis, prefix: string): Promise<void> {
  let cursor = '0';
  do {
    const [next, keys] = await admin.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
    cursor = next;
    if (keys.length) await admin.del(...keys);
  } while (cursor !== '0');
}

function harness(admin: Redis, prefix: string): JobQueueHarness {
  const handles: JobQueue[] = [];
  const closeAll = async () => {
    await Promise.all(handles.splice(0).map((q) => q.close()));
  };
  return {
    async open() {
      const q = await createBullmqJobQueue(REDIS_URL, { prefix, stalledIntervalMs: STALLED_INTERVAL_MS });
      handles.push(q);
      return q;
    },
    // Reconnects every handle; the state is Redis's (see the module's note on persistence).
    restart: closeAll,
    async cleanup() {
      await closeAll();
      await dropPrefix(admin, prefix);
    },
  };
}

const newPrefix = () => `orch-t-${randomBytes(6).toString('hex')}`;

/** Drops every connection of a queue (each carries the prefix in its client name). */
async function killConnections(admin: Redis, prefix: string): Promise<void> {
  const list = (await admin.client('LIST')) as string;
  const ids = list
    .split('\n')
    .filter((line) => new RegExp(`\\bname=${prefix}:`).test(line))
    .map((line) => /\bid=(\d+)/.exec(line)?.[1])
    .filter((id): id is string => !!id);
  expect(ids.length).toBeGreaterThan(0);
  for (const id of ids) await admin.client('KILL', 'ID', id);
}

let admin: Redis;
beforeAll(async () => {
  admin = new Redis(REDIS_URL, { lazyConnect: true });
  await admin.connect();
});
afterAll(async () => {
  await admin.quit();
});

describeJobQueueContract('BullMQ on Redis', async () => harness(admin, newPrefix()));

describe('BullMQ job queue', () => {
  it('keeps working after its Redis connections are killed', async () => {
    const prefix = newPrefix();
    const h = harness(admin, prefix);
    try {
      const q = await h.open();
      const kind = 'drop';
      const first = await q.enqueue(kind, { n: 1 });
      const held = await eventually(() => q.claim([kind], { workerId: 'w', leaseMs: 30_000 }), 'first claim');
      expect(held.id).toBe(first.id);

      await killConnections(admin, prefix);

      // The lease survives (it lives in Redis), and the queue carries on once reconnected.
      await q.heartbeat(held, 30_000);
      await q.complete(held, 'done');
      const second = await q.enqueue(kind, { n: 2 });
      const next = await eventually(() => q.claim([kind], { workerId: 'w', leaseMs: 30_000 }), 'claim after reconnect');
      expect(next.id).toBe(second.id);
      await q.complete(next);
      expect(await q.get(first.id)).toMatchObject({ state: 'succeeded', result: 'done' });
      expect(await q.get(second.id)).toMatchObject({ state: 'succeeded' });
    } finally {
      await h.cleanup();
    }
  });

  it('tells its listeners when Redis comes back without its jobs, and only then', async () => {
    const prefix = newPrefix();
    const h = harness(admin, prefix);
    try {
      const q = await h.open();
      let lost = 0;
      const unsubscribe = q.onJobsLost(() => lost++);
      const first = await q.enqueue('lost', { n: 1 });
      // A reconnection to a Redis that kept its data reports nothing.
      await killConnections(admin, prefix);
      expect(await q.get(first.id)).toMatchObject({ state: 'queued' });
      await new Promise((r) => setTimeout(r, 200));
      expect(lost).toBe(0);
      // The data goes (as when a Redis without persistence restarts), then the connection.
      await dropPrefix(admin, prefix);
      await killConnections(admin, prefix);
      await eventually(async () => (lost > 0 ? lost : null), 'the loss to be reported');
      expect(lost).toBe(1);
      expect(await q.get(first.id)).toBeNull();
      // The owner enqueues again under the same id, and the job runs.
      await q.enqueue('lost', { n: 1 }, { jobId: first.id });
      const claimed = await eventually(() => q.claim(['lost'], { workerId: 'w', leaseMs: 30_000 }), 'claim after the loss');
      expect(claimed).toMatchObject({ id: first.id, attempt: 1 });
      await q.complete(claimed);
      unsubscribe();
    } finally {
      await h.cleanup();
    }
  });

  it('refuses to start when Redis is unreachable', async () => {
    await expect(createBullmqJobQueue('redis://127.0.0.1:1', { prefix: newPrefix() })).rejects.toMatchObject({
      code: 'ORCH_QUEUE_UNAVAILABLE',
    });
  });

  it('reads its settings from the URL', () => {
    expect(parseRedisQueueUrl('rediss://u:p%40ss@redis.example:6380/2?prefix=fleet&stalledIntervalMs=2000')).toEqual({
      redis: { host: 'redis.example', port: 6380, db: 2, username: 'u', password: 'p@ss', tls: {} },
      options: { prefix: 'fleet', stalledIntervalMs: 2000 },
    });
    expect(() => parseRedisQueueUrl('redis://h/x')).toThrow(/database/);
    expect(() => parseRedisQueueUrl('redis://h?prefix=a:b')).toThrow(/prefix/);
  });
});
