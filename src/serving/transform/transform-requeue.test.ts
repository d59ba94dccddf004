import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openJobQueue, type JobQueue } from '../../jobs/index.js';
import { openMetadataStore, type MetadataStore } from '../../storage/index.js';
import { assembleJobId, shardJobId, TransformService } from './transform-service.js';
import { TransformStore } from './transform-store.js';
import type { TransformSpec } from './types.js';

let dir: string;
let metadata: MetadataStore;
let queue: JobQueue;

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'orchard-requeue-'));
  metadata = await openMetadataStore(`sqlite:${path.join(dir, 'o.db')}`);
  queue = await openJobQueue('embedded', { metadata });
});
afterAll(async () => {
  await queue?.close();
  await metadata?.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('TransformService.requeueLost', () => {
  it('enqueues again the pending shards the queue lost, then the assembly, and nothing twice', async () => {
    // Only the metadata DB and the queue are read: no model or dataset is needed.
    const service = new TransformService({ metadata, queue, datasets: {} as never, models: {} as never });
    const store = new TransformStore(metadata);
    const spec = { model: 'm', input: { dataset: 'd', version: 1, rows: 30 }, output: 'o' } as unknown as TransformSpec;
    await store.insert('t1', spec, [{ start: 0, count: 10 }, { start: 10, count: 10 }, { start: 20, count: 10 }], null);
    await store.finishShard('t1', 0, 'transforms/t1/shards/000000.parquet', 10);
    // Shard 1 still has its queue entry; shard 2's was lost.
    await queue.enqueue('transform-shard', { name: 't1', shard: 1 }, { jobId: shardJobId('t1', 1) });
    expect(await service.requeueLost()).toBe(1);
    expect(await queue.get(shardJobId('t1', 2))).toMatchObject({ kind: 'transform-shard', state: 'queued', payload: { name: 't1', shard: 2 }, maxAttempts: 4 });
    expect(await queue.get(shardJobId('t1', 0))).toBeNull();
    expect(await service.requeueLost()).toBe(0);
    // All shards done and the assembly lost: it is enqueued once.
    await store.finishShard('t1', 1, 'transforms/t1/shards/000001.parquet', 10);
    await store.finishShard('t1', 2, 'transforms/t1/shards/000002.parquet', 10);
    expect(await service.requeueLost()).toBe(1);
    expect(await queue.get(assembleJobId('t1'))).toMatchObject({ kind: 'transform-assemble', state: 'queued', maxAttempts: 5 });
    expect(await service.requeueLost()).toBe(0);
    // A job that has ended is left alone.
    await store.end('t1', 'Completed');
    await metadata.db.deleteFrom('queue_jobs').execute();
    expect(await service.requeueLost()).toBe(0);
  });
});
