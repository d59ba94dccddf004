import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { body, codeOf, openHarness, type Harness } from '../data/test-harness.js';
import { openJobQueue, startWorkerLoop, type JobQueue, type WorkerLoop } from '../jobs/index.js';
import { DataQualityService, reportJobId } from './service.js';
import { DataQualityStore } from './store.js';
import type { DataQualityReport } from './types.js';
import { dataQualityJobHandler } from './worker.js';

let h: Harness;
let queue: JobQueue;
let service: DataQualityService;

beforeAll(async () => {
  h = await openHarness();
  queue = await openJobQueue('embedded', { metadata: h.metadata });
  service = new DataQualityService({ metadata: h.metadata, queue, datasets: h.service });
  const lines = ['id,x,colour,label'];
  for (let i = 0; i < 300; i++) lines.push([i, ((i * 37) % 100) / 10, ['red', 'green', 'blue'][i % 3], i % 4 === 0 ? 1 : 0].join(','));
  await h.service.create({ name: 'tbl', format: 'csv', header: true, body: body(lines.join('\n') + '\n') });
});
afterAll(async () => {
  await queue?.close();
  await h?.cleanup();
});

async function waitForEnd(id: string): Promise<DataQualityReport> {
  for (;;) {
    const r = await service.describe(id);
    if (r.status !== 'InProgress') return r;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/**
 * The queue entry of a report once it has ended: the worker loop records the job's end a
 * little after the report's own status, so the entry is polled, not read at once.
 */
async function queueEnded(id: string) {
  for (let i = 0; i < 400; i++) {
    const job = await queue.get(reportJobId(id));
    if (job && job.state !== 'queued' && job.state !== 'running') return job;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  return queue.get(reportJobId(id));
}

describe('DataQualityService', () => {
  it('refuses requests it cannot serve with stable codes', async () => {
    expect(await codeOf(service.create({ dataset: 'absent' }))).toBe('ORCH_DATASET_NOT_FOUND');
    expect(await codeOf(service.create({ dataset: 'tbl', target: 'nope' }))).toBe('ORCH_DATA_QUALITY_TARGET_MISSING');
    expect(await codeOf(service.create({ dataset: 'tbl', target: 'colour', problemType: 'regression' }))).toBe('ORCH_DATA_QUALITY_TARGET_INVALID');
    expect(await codeOf(service.create({ dataset: 'tbl', target: 'colour', problemType: 'binary' }))).toBe('ORCH_DATA_QUALITY_TARGET_INVALID');
    expect(await codeOf(service.create({ dataset: 'tbl', problemType: 'binary' }))).toBe('ORCH_DATA_QUALITY_INVALID');
    expect(await codeOf(service.create({ dataset: 'tbl', problemType: 'sideways' as never }))).toBe('ORCH_DATA_QUALITY_INVALID');
    expect(await codeOf(service.describe('dq-none'))).toBe('ORCH_DATA_QUALITY_NOT_FOUND');
    expect(await codeOf(service.latest('tbl'))).toBe('ORCH_DATA_QUALITY_NOT_FOUND');
  });

  it('queues a report, runs it on the worker loop and stores it as the latest of the version', async () => {
    const created = await service.create({ dataset: 'tbl', target: 'label', createdBy: 'ann' });
    expect(created).toMatchObject({ status: 'InProgress', dataset: { name: 'tbl', version: 1, rows: 300 }, target: 'label', problemType: 'binary', createdBy: 'ann', report: null });
    expect(await queue.get(reportJobId(created.id))).toMatchObject({ kind: 'data-quality', state: 'queued' });
    const loop: WorkerLoop = startWorkerLoop({ queue, handlers: [await dataQualityJobHandler({ ...h, queue, datasets: h.service, workDir: path.join(h.workDir, 'dq') })], slots: 1, cpus: 2, pollMs: 20, log: () => undefined });
    try {
      const done = await waitForEnd(created.id);
      expect(done.status, done.failureReason ?? '').toBe('Completed');
      expect(done.progress).toEqual({ stage: null, percent: 100 });
      expect(done.report!.columns.find((c) => c.name === 'id')!.idLike).toBe(true);
      expect(done.report!.target!.classes).toEqual([{ value: 0, count: 225, share: 0.75 }, { value: 1, count: 75, share: 0.25 }]);
      expect(done.warnings).toEqual(done.report!.summary.warnings);
      expect((await service.latest('tbl@1')).id).toBe(created.id);
      expect(await service.content(created.id)).toEqual(done.report);
      expect(await queueEnded(created.id)).toMatchObject({ state: 'succeeded' });
      const listed = await service.list({ dataset: 'tbl', version: 1 });
      expect(listed.total).toBe(1);
      expect(listed.items[0]).not.toHaveProperty('report');
      expect(listed.items[0].warnings).toEqual(done.warnings);
      // No target: no target sections.
      const plain = await waitForEnd((await service.create({ dataset: 'tbl' })).id);
      expect(plain.report).toMatchObject({ target: null, featureImportance: null });
      expect((await service.latest('tbl')).id).toBe(plain.id);

      // A request the data turns out not to satisfy fails at once, with the reason and no retry.
      const version = await h.service.describe('tbl');
      await new DataQualityStore(h.metadata).insert({
        name: 'dq-refused', dataset: 'tbl', version: 1, dataset_id: version.id, row_count: 300, target: 'colour', problem_type: 'binary', status: 'InProgress',
        stage: null, percent: 0, warnings_json: null, report_json: null, failure_reason: null, created_by: null, created_at: new Date().toISOString(), started_at: null, ended_at: null,
      });
      await queue.enqueue('data-quality', { id: 'dq-refused' }, { jobId: reportJobId('dq-refused'), maxAttempts: 3 });
      const refused = await waitForEnd('dq-refused');
      expect(refused.status).toBe('Failed');
      expect(refused.failureReason).toMatch(/^ORCH_DATA_QUALITY_TARGET_INVALID: Target column 'colour' has 3 classes; a binary target has 2/);
      expect(await queueEnded('dq-refused')).toMatchObject({ state: 'failed', attempt: 1 });
    } finally {
      await loop.stop();
    }
  });

  it('stops a queued report, and enqueues again only what the queue lost', async () => {
    const stopped = await service.create({ dataset: 'tbl' });
    expect((await service.stop(stopped.id)).status).toBe('Stopped');
    expect(await queue.get(reportJobId(stopped.id))).toMatchObject({ state: 'cancelled' });
    expect(await codeOf(service.content(stopped.id))).toBe('ORCH_DATA_QUALITY_NOT_FOUND');

    const lost = await service.create({ dataset: 'tbl' });
    expect(await service.requeueLost()).toBe(0);
    await h.metadata.db.deleteFrom('queue_jobs').where('id', '=', reportJobId(lost.id)).execute();
    expect(await service.requeueLost()).toBe(1);
    expect(await queue.get(reportJobId(lost.id))).toMatchObject({ kind: 'data-quality', state: 'queued', maxAttempts: 3 });
    expect(await service.requeueLost()).toBe(0);
  });
});
