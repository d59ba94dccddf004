import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openHarness, type Harness } from '../data/test-harness.js';
import type { JobQueue } from '../jobs/index.js';
import { createMemoryJobQueue } from '../jobs/queue/index.js';
import { ProcessingService } from './processing-service.js';
import { ProcessingStore } from './processing-store.js';
import { assembleJobId, instanceJobId } from './types.js';

let h: Harness;
let queue: JobQueue;
let service: ProcessingService;
const script = { entryPoint: 'prep.py', sourceKey: 'sources/processing/p/sourcedir.tar.gz' };

beforeAll(async () => {
  h = await openHarness();
  queue = createMemoryJobQueue();
  service = new ProcessingService({ metadata: h.metadata, queue, datasets: h.service, artifacts: h.artifacts });
  await h.artifacts.put(script.sourceKey, Buffer.from('not read here'));
  await h.service.create({ name: 'raw', format: 'csv', header: true, body: Readable.from(['a,b\n1,2\n3,4\n']) });
});
afterAll(async () => {
  await h?.cleanup();
});

describe('ProcessingService', () => {
  it('resolves inputs, fills in the defaults and queues one job per instance', async () => {
    const job = await service.create({ name: 'p1', script, inputs: [{ name: 'raw', dataset: 'raw' }], outputs: [{ name: 'clean', dataset: 'clean' }, { name: 'report', artifactPrefix: 'reports/p1/' }], instanceCount: 2, createdBy: 'ann' });
    expect(job).toMatchObject({
      name: 'p1',
      status: 'InProgress',
      processingInputs: [{ name: 'raw', dataset: 'raw', version: 1, localPath: '/opt/ml/processing/input/raw', distribution: 'FullyReplicated', format: 'csv' }],
      processingOutputs: [
        { name: 'clean', dataset: 'clean', artifactPrefix: null, localPath: '/opt/ml/processing/output/clean' },
        { name: 'report', dataset: null, artifactPrefix: 'reports/p1', localPath: '/opt/ml/processing/output/report' },
      ],
      outputs: {},
      instances: [{ host: 'algo-1', status: 'Pending', attempts: 0 }, { host: 'algo-2', status: 'Pending', attempts: 0 }],
      maxRetries: 0,
      maxRuntimeSeconds: 86_400,
      cpus: null,
      createdBy: 'ann',
    });
    expect(await queue.get(instanceJobId('p1', 0))).toMatchObject({ kind: 'processing', state: 'queued', payload: { name: 'p1', instance: 0 }, maxAttempts: 4 });
    expect(await queue.get(instanceJobId('p1', 1))).toMatchObject({ payload: { name: 'p1', instance: 1 } });
    await expect(service.create({ name: 'p1', script })).rejects.toMatchObject({ code: 'ORCH_PROCESSING_EXISTS' });
  });

  it('reports every problem of a request at once', async () => {
    const err = await service
      .create({
        name: 'p-bad',
        script: { entryPoint: '../x.py', sourceKey: script.sourceKey },
        inputs: [{ name: 'code', dataset: 'raw' }, { name: 'x', dataset: 'missing' }],
        outputs: [{ name: 'x', dataset: 'bad name' }, { name: 'y', artifactPrefix: 'models/m' }, { name: 'z' }],
        environment: { PATH: '/tmp', 'A-B': '1' },
      })
      .catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'ORCH_PROCESSING_INVALID' });
    const fields = (err as { details: { errors: Array<{ field: string; code: string }> } }).details.errors.map((e) => `${e.field} ${e.code}`);
    expect(fields).toEqual([
      'script.entryPoint ORCH_PROCESSING_INVALID',
      'environment.PATH ORCH_PROCESSING_INVALID',
      'environment.A-B ORCH_PROCESSING_INVALID',
      'inputs[0].name ORCH_PROCESSING_INVALID',
      'inputs[1].dataset ORCH_DATASET_NOT_FOUND',
      'outputs[0].name ORCH_PROCESSING_INVALID',
      'outputs[0].dataset ORCH_DATASET_INVALID_NAME',
      'outputs[1].artifactPrefix ORCH_ARTIFACT_INVALID_KEY',
      'outputs[2] ORCH_PROCESSING_INVALID',
    ]);
  });

  it('stops a job no worker holds at once; nothing is left queued', async () => {
    await service.create({ name: 'p2', script, instanceCount: 2 });
    const stopped = await service.stop('p2');
    expect(stopped).toMatchObject({ status: 'Stopped', instances: [{ status: 'Stopped' }, { status: 'Stopped' }] });
    expect((await queue.get(instanceJobId('p2', 0)))?.state).toBe('cancelled');
    expect((await service.stop('p2')).status).toBe('Stopped');
  });

  it('enqueues again what the queue lost: unfinished instances, then the assembly, nothing twice', async () => {
    const lost = createMemoryJobQueue();
    const other = new ProcessingService({ metadata: h.metadata, queue: lost, datasets: h.service, artifacts: h.artifacts });
    const store = new ProcessingStore(h.metadata);
    await store.setInstance('p1', 0, 'Completed');
    // p1 (InProgress; instance 1 unfinished) is re-queued; p2 has ended.
    expect(await other.requeueLost()).toBe(1);
    expect(await lost.get(instanceJobId('p1', 1))).toMatchObject({ state: 'queued', payload: { name: 'p1', instance: 1 } });
    expect(await lost.get(instanceJobId('p1', 0))).toBeNull();
    expect(await other.requeueLost()).toBe(0);
    await store.setInstance('p1', 1, 'Completed');
    expect(await other.requeueLost()).toBe(1);
    expect(await lost.get(assembleJobId('p1'))).toMatchObject({ kind: 'processing-assemble', state: 'queued' });
    expect(await other.requeueLost()).toBe(0);
  });
});
