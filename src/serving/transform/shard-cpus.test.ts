import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openJobQueue, type ClaimedJob, type JobQueue } from '../../jobs/index.js';
import { openMetadataStore, type MetadataStore } from '../../storage/index.js';
import { ASSEMBLE_KIND, SHARD_KIND } from './transform-service.js';
import { TransformStore } from './transform-store.js';
import { shardCpus, transformJobHandler } from './transform-worker.js';
import type { TransformSpec } from './types.js';

let dir: string;
let metadata: MetadataStore;
let queue: JobQueue;

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'orchard-shard-cpus-'));
  metadata = await openMetadataStore(`sqlite:${path.join(dir, 'o.db')}`);
  queue = await openJobQueue('embedded', { metadata });
});
afterAll(async () => {
  await queue?.close();
  await metadata?.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('shard cores', () => {
  it("shares the worker's cores between a job's shards, at least one each", () => {
    expect(shardCpus(8, 1)).toBe(8);
    expect(shardCpus(8, 3)).toBe(2);
    expect(shardCpus(2, 2)).toBe(1);
    expect(shardCpus(2, 5)).toBe(1);
    expect(shardCpus(1, 1)).toBe(1);
  });

  it("asks for a shard's share by its job's shard count; the assembly asks for one", async () => {
    // Only the metadata DB is read: no model, dataset or artifact is needed.
    const handler = await transformJobHandler({ metadata, queue, datasets: {} as never, artifacts: {} as never, models: {} as never, workDir: path.join(dir, 'work'), modelCacheDir: path.join(dir, 'models'), cpus: 4 });
    const store = new TransformStore(metadata);
    const spec = { model: 'm', input: { dataset: 'd', version: 1, rows: 30 }, output: 'o' } as unknown as TransformSpec;
    await store.insert('one', spec, [{ start: 0, count: 30 }], null);
    await store.insert('three', spec, [{ start: 0, count: 10 }, { start: 10, count: 10 }, { start: 20, count: 10 }], null);
    const job = (kind: string, name: string) => ({ kind, payload: { name, shard: 0 } }) as unknown as ClaimedJob<never>;
    expect(await handler.cpus!(job(SHARD_KIND, 'one'))).toBe(4);
    expect(await handler.cpus!(job(SHARD_KIND, 'three'))).toBe(1);
    expect(await handler.cpus!(job(ASSEMBLE_KIND, 'one'))).toBe(1);
  });
});
