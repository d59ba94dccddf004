import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { body, codeOf, openHarness, type Harness } from '../data/test-harness.js';
import { openJobQueue, startWorkerLoop, type JobQueue, type WorkerLoop } from '../jobs/index.js';
import { MonitorService } from './service.js';
import { monitorJobHandler } from './worker.js';

let h: Harness;
let queue: JobQueue;
let service: MonitorService;
let loop: WorkerLoop;
const endpoints = {
  describe: async (name: string) => {
    if (name === 'gone') throw Object.assign(new Error('no endpoint'), { code: 'ORCH_ENDPOINT_NOT_FOUND' });
    return { name, dataCapture: name === 'quiet' ? null : { percent: 100 } };
  },
};

beforeAll(async () => {
  h = await openHarness();
  queue = await openJobQueue('embedded', { metadata: h.metadata });
  service = new MonitorService({ metadata: h.metadata, queue, artifacts: h.artifacts, datasets: h.service, endpoints });
  loop = startWorkerLoop({ queue, handlers: [await monitorJobHandler({ metadata: h.metadata, queue, artifacts: h.artifacts, datasets: h.service, workDir: `${h.workDir}/monitor` })], slots: 1, cpus: 1, leaseMs: 30_000 });
  const lines = ['x,plan'];
  for (let i = 0; i < 200; i++) lines.push(`${i % 10},${['a', 'b'][i % 2]}`);
  await h.service.create({ name: 'tbl', format: 'csv', header: true, body: body(lines.join('\n') + '\n') });
  await service.createBaseline({ name: 'b', dataset: 'tbl' });
  for (let i = 0; i < 200 && (await service.describeBaseline('b')).status === 'InProgress'; i++) await new Promise((r) => setTimeout(r, 50));
});
afterAll(async () => {
  await loop?.stop();
  await queue?.close();
  await h?.cleanup();
});

describe('monitoring schedules', () => {
  it('needs a completed baseline and an endpoint that captures', async () => {
    expect((await service.describeBaseline('b')).status).toBe('Completed');
    expect(await codeOf(service.createSchedule({ name: 's0', endpoint: 'quiet', baseline: 'b' }))).toBe('ORCH_MONITOR_CAPTURE_DISABLED');
    expect(await codeOf(service.createSchedule({ name: 's0', endpoint: 'gone', baseline: 'b' }))).toBe('ORCH_MONITOR_ENDPOINT_NOT_FOUND');
    expect(await codeOf(service.createSchedule({ name: 's0', endpoint: 'ep', type: 'model-quality' }))).toBe('ORCH_MONITOR_INVALID');
    expect(await codeOf(service.createBaseline({ name: 'b2', dataset: 'tbl', exclude: ['x', 'plan'] }))).toBe('ORCH_MONITOR_INVALID');
  });

  it('fires a time missed while down once, over the period that ends at the latest due time, and never twice', async () => {
    const s = await service.createSchedule({ name: 's1', endpoint: 'ep', baseline: 'b' });
    expect(s.cron).toBe('0 * * * *');
    // As if the server had been down since 3 hours before its next time.
    const now = new Date('2030-01-01T10:20:00.000Z');
    await service.store.updateSchedule('s1', { next_run_at: '2030-01-01T07:00:00.000Z' });
    // Two servers looking at once: one execution.
    const fired = await Promise.all([service.fireDue(now), service.fireDue(now)]);
    expect(fired[0] + fired[1]).toBe(1);
    expect(await service.fireDue(now)).toBe(0);
    const { items } = await service.listExecutions({ schedule: 's1' });
    expect(items.map((e) => [e.id, e.trigger, e.window.since, e.window.until])).toEqual([['s1-20300101100000', 'schedule', '2030-01-01T09:00:00.000Z', '2030-01-01T10:00:00.000Z']]);
    expect((await service.describeSchedule('s1')).nextRunAt).toBe('2030-01-01T11:00:00.000Z');
    // No capture in that hour: the execution fails with its reason.
    for (let i = 0; i < 200 && (await service.describeExecution(items[0].id)).status === 'InProgress'; i++) await new Promise((r) => setTimeout(r, 50));
    const e = await service.describeExecution(items[0].id);
    expect(e.status).toBe('Failed');
    expect(e.failureReason).toMatch(/No captured requests of endpoint 'ep' from 2030-01-01T09:00:00.000Z/);
  });

  it('does not fire stopped schedules, and fires again from now once started', async () => {
    await service.stopSchedule('s1');
    expect(await service.fireDue(new Date('2030-01-01T12:30:00.000Z'))).toBe(0);
    const started = await service.startSchedule('s1');
    expect(Date.parse(started.nextRunAt!)).toBeGreaterThan(Date.now());
  });

  it('fails a model-quality execution with a clear reason when no runner is wired', async () => {
    await service.createSchedule({ name: 'mq', endpoint: 'ep', type: 'model-quality', modelQuality: { problemType: 'BinaryClassification' } });
    const run = await service.runSchedule('mq');
    for (let i = 0; i < 200 && (await service.describeExecution(run.id)).status === 'InProgress'; i++) await new Promise((r) => setTimeout(r, 50));
    const e = await service.describeExecution(run.id);
    expect(e.status).toBe('Failed');
    expect(e.failureReason).toMatch(/no model-quality runner/);
  });
});
