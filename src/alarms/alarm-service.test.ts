import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { metadataTargets } from '../../test/support/metadata.js';
import { OrchardError, isOrchardError } from '../core/index.js';
import type { Execution } from '../contracts/index.js';
import type { Datapoint, MetricQuery, MetricSample, MetricsPort } from '../metrics/types.js';
import { METRIC_NAMES } from '../metrics/index.js';
import type { MetadataStore } from '../storage/index.js';
import type { DeliverRequest } from '../webhooks/index.js';
import { AlarmEvaluator } from './alarm-evaluator.js';
import { AlarmService } from './alarm-service.js';
import { AlarmStore } from './alarm-store.js';
import type { AlarmPorts } from './ports.js';

/** Minute samples summed per period: enough of the metrics service for the alarm's queries. */
class MemoryMetrics implements MetricsPort {
  samples: MetricSample[] = [];
  async put(samples: readonly MetricSample[]): Promise<void> {
    this.samples.push(...samples);
  }
  async get(q: MetricQuery): Promise<Datapoint[]> {
    const ms = q.period * 1000;
    const sums = new Map<number, number>();
    for (const s of this.samples) {
      if (s.namespace !== q.namespace || s.metric !== q.metric) continue;
      if (!Object.entries(q.dimensions).every(([k, v]) => s.dimensions[k] === v)) continue;
      if (s.minute < q.since.getTime() || (q.until && s.minute >= q.until.getTime())) continue;
      const start = Math.floor(s.minute / ms) * ms;
      sums.set(start, (sums.get(start) ?? 0) + s.sum);
    }
    return [...sums].sort((a, b) => a[0] - b[0]).map(([t, value]) => ({ timestamp: new Date(t).toISOString(), value }));
  }
}

const notFound = (what: string, name: string) => new OrchardError(`ORCH_${what}_NOT_FOUND` as 'ORCH_ENDPOINT_NOT_FOUND', { message: `No ${what} ${name}` });

describe.each(metadataTargets)('AlarmService on $name', (target) => {
  let metadata: MetadataStore;
  let cleanup: () => Promise<void>;
  let service: AlarmService;
  const metrics = new MemoryMetrics();
  let now = new Date(Date.UTC(2026, 11, 3, 10, 0, 30));
  const delivered: DeliverRequest[] = [];
  const started: Array<{ pipeline: string; parameters?: Record<string, unknown>; trigger?: Record<string, unknown> }> = [];
  const stopped: string[] = [];
  let deliverFails = 0;
  const ports: AlarmPorts = {
    metrics,
    catalog: { isKnown: (ns, m) => METRIC_NAMES[ns].includes(m), names: (ns) => METRIC_NAMES[ns] },
    endpoints: { describe: async (n) => (n === 'ep' ? { name: n } : Promise.reject(notFound('ENDPOINT', n))) },
    webhooks: {
      describe: async (n) => (n === 'hook' ? { name: n, events: null, enabled: true } : n === 'narrow' ? { name: n, events: ['pipeline.*'], enabled: true } : Promise.reject(notFound('WEBHOOK', n))),
      deliver: async (r) => {
        if (deliverFails > 0) {
          deliverFails--;
          throw new Error('connection reset');
        }
        delivered.push(r);
        return { deliveryId: `d-${delivered.length}`, status: 'Pending' };
      },
    },
    pipelines: {
      describe: async (n) => (n === 'retrain' ? { name: n } : Promise.reject(notFound('PIPELINE', n))),
      start: async (pipeline, opts) => {
        started.push({ pipeline, parameters: opts.parameters, trigger: opts.trigger });
        return { id: `exec-${started.length}`, trigger: opts.trigger ?? {} } as unknown as Execution;
      },
      executions: async () => ({ items: started.map((s, i) => ({ id: `exec-${i + 1}`, trigger: s.trigger ?? {} }) as unknown as Execution) }),
    },
    training: {
      describe: async (n) => (n === 'job-1' ? { name: n, status: stopped.includes(n) ? 'Stopped' : 'InProgress' } : Promise.reject(notFound('JOB', n))),
      stop: async (n) => {
        stopped.push(n);
        return { status: 'Stopping' };
      },
    },
  };
  const errors = (n: number) => metrics.put([{ namespace: 'endpoint', metric: 'Invocation4XXErrors', dimensions: { endpoint: 'ep', variant: 'AllTraffic' }, minute: Math.floor(now.getTime() / 60_000) * 60_000, count: n, sum: n, min: 1, max: 1 }]);

  beforeAll(async () => {
    ({ store: metadata, cleanup } = await target.open());
    // Each reading of the clock is 10 ms on: transitions made in one test are ordered.
    service = new AlarmService(new AlarmStore(metadata), ports, () => (now = new Date(now.getTime() + 10)));
  });
  afterAll(async () => cleanup());

  it('lists every problem of a request in one ORCH_ALARM_INVALID', async () => {
    const err = await service
      .create({ name: 'bad', namespace: 'endpoint', metric: 'Latency', dimensions: { endpoint: 'nope' }, stat: 'sum', period: 90, threshold: 1, comparison: 'GreaterThanThreshold', evaluationPeriods: 2, datapointsToAlarm: 3, actions: ['webhook:ghost', 'pipeline:ghost', 'stop-training:ghost', 'email:me', 'webhook:narrow'] })
      .catch((e: unknown) => e);
    expect(isOrchardError(err) && err.code).toBe('ORCH_ALARM_INVALID');
    const problems = (err as OrchardError).details!.errors as Array<{ field: string; message: string }>;
    const fields = problems.map((p) => p.field).sort();
    expect(fields).toEqual(['actions[0]', 'actions[1]', 'actions[2]', 'actions[3]', 'actions[4]', 'datapointsToAlarm', 'dimensions.endpoint', 'metric', 'period'].sort());
    expect(problems.find((p) => p.field === 'metric')!.message).toContain('Invocation4XXErrors');
    expect(problems.find((p) => p.field === 'actions[4]')!.message).toContain("does not take event 'alarm.state-change'");
  });

  it('goes to ALARM once, runs each action once, and back to OK with its OK actions', async () => {
    const alarm = await service.create({
      name: 'errors',
      namespace: 'endpoint',
      metric: 'Invocation4XXErrors',
      dimensions: { endpoint: 'ep' },
      stat: 'sum',
      period: 60,
      threshold: 1,
      comparison: 'GreaterThanOrEqualToThreshold',
      evaluationPeriods: 1,
      treatMissingData: 'notBreaching',
      actions: ['webhook:hook', 'pipeline:retrain?reason=errors', 'stop-training:job-1'],
      okActions: ['webhook:hook'],
    });
    expect(alarm).toMatchObject({ state: 'INSUFFICIENT_DATA', datapointsToAlarm: 1, history: [] });
    expect(await service.evaluate('errors')).toBe('OK');
    await errors(2);
    expect(await service.evaluate('errors')).toBe('ALARM');
    // Evaluated again in the same state: no transition, no action.
    expect(await service.evaluate('errors')).toBe('ALARM');
    const described = await service.describe('errors');
    expect(described.history.map((t) => `${t.from}->${t.to}`)).toEqual(['OK->ALARM', 'INSUFFICIENT_DATA->OK']);
    expect(described.history[0].actions.map((a) => a.status)).toEqual(['Done', 'Done', 'Done']);
    expect(described.stateReason).toContain('greater than or equal to the threshold (1)');
    expect(delivered).toHaveLength(1);
    expect(delivered[0]).toMatchObject({ webhook: 'hook', event: 'alarm.state-change', payload: { alarm: 'errors', state: 'ALARM', previousState: 'OK' } });
    expect(started).toEqual([{ pipeline: 'retrain', parameters: { reason: 'errors' }, trigger: expect.objectContaining({ kind: 'alarm', name: 'errors' }) }]);
    expect(stopped).toEqual(['job-1']);
    // The next minute has no errors: missing data is not breaching.
    now = new Date(now.getTime() + 60_000);
    expect(await service.evaluate('errors')).toBe('OK');
    expect(delivered.map((d) => (d.payload as { state: string }).state)).toEqual(['ALARM', 'OK']);
    const changes = await service.statusChanges('2000-01-01T00:00:00.000Z', 10);
    expect(changes.find((c) => c.name === 'errors')).toMatchObject({ status: 'OK' });
  });

  it('finishes a transition whose action was interrupted, without repeating the ones done', async () => {
    await service.create({ name: 'retry', namespace: 'endpoint', metric: 'Invocation4XXErrors', dimensions: { endpoint: 'ep' }, stat: 'sum', period: 60, threshold: 1, comparison: 'GreaterThanOrEqualToThreshold', evaluationPeriods: 1, actions: ['stop-training:job-1', 'webhook:hook'] });
    await errors(1);
    const before = delivered.length;
    deliverFails = 1;
    await expect(service.evaluate('retry')).rejects.toThrow('connection reset');
    let t = (await service.describe('retry')).history[0];
    expect(t.actions.map((a) => a.status)).toEqual(['Done', 'Pending']);
    // The job had been stopped by the first test: recorded, not stopped again.
    expect(t.actions[0].error).toContain('already ended');
    await service.evaluate('retry');
    t = (await service.describe('retry')).history[0];
    expect(t.actions.map((a) => a.status)).toEqual(['Done', 'Done']);
    expect(delivered.length).toBe(before + 1);
    expect(delivered.at(-1)!.idempotencyKey).toBe(`alarm/retry/${t.id}.1`);
  });

  it('after a crash, runs the actions of a transition once the lease of its holder has passed, once', async () => {
    await service.create({ name: 'crashed', namespace: 'endpoint', metric: 'Invocation4XXErrors', dimensions: { endpoint: 'ep' }, stat: 'sum', period: 60, threshold: 1, comparison: 'GreaterThanOrEqualToThreshold', evaluationPeriods: 1, actions: ['webhook:hook'] });
    const row = await service.store.get('crashed');
    // What a server that died right after writing the transition leaves: the new state, the actions Pending, its lease.
    const held = await service.store.transition('crashed', { status: row.status, stateUpdatedAt: row.state_updated_at }, {
      id: 'alt-crashed',
      alarm: 'crashed',
      at: new Date(now.getTime() + 1).toISOString(),
      from_state: 'INSUFFICIENT_DATA',
      to_state: 'ALARM',
      reason: 'Threshold crossed',
      datapoints_json: '[]',
      actions_json: JSON.stringify([{ action: 'webhook:hook', status: 'Pending', resource: null, error: null }]),
      actions_pending: 1,
      actions_lease_until: new Date(now.getTime() + 60_000).toISOString(),
    }, '[]');
    expect(held).toBe(true);
    const before = delivered.length;
    // Still held by the dead server: nobody else runs them yet.
    await service.evaluate('crashed');
    expect(delivered.length).toBe(before);
    await metadata.db.updateTable('alarm_transitions' as never).set({ actions_lease_until: new Date(now.getTime() - 1000).toISOString() } as never).where('id' as never, '=', 'alt-crashed' as never).execute();
    await Promise.all([service.evaluate('crashed'), service.evaluate('crashed')]);
    expect(delivered.length).toBe(before + 1);
    expect(delivered.at(-1)!.idempotencyKey).toBe('alarm/crashed/alt-crashed.0');
    const t = (await service.describe('crashed')).history.find((h) => h.id === 'alt-crashed')!;
    expect(t.actions).toEqual([{ action: 'webhook:hook', status: 'Done', resource: expect.stringMatching(/^d-/), error: null }]);
  });

  it('two evaluations at once record one transition and run its actions once', async () => {
    await service.create({ name: 'race', namespace: 'endpoint', metric: 'Invocation4XXErrors', dimensions: { endpoint: 'ep' }, stat: 'sum', period: 60, threshold: 1, comparison: 'GreaterThanOrEqualToThreshold', evaluationPeriods: 1, actions: ['webhook:hook'] });
    const before = delivered.length;
    await Promise.all([service.evaluate('race'), service.evaluate('race'), service.evaluate('race')]);
    const alarm = await service.describe('race');
    expect(alarm.state).toBe('ALARM');
    expect(alarm.history).toHaveLength(1);
    expect(delivered.length).toBe(before + 1);
  });

  it('the evaluator skips disabled alarms; evaluate-now refuses them; enabling starts over', async () => {
    await service.create({ name: 'quiet', namespace: 'endpoint', metric: 'Invocations', dimensions: { endpoint: 'ep' }, stat: 'sum', period: 60, threshold: 0, comparison: 'LessThanOrEqualToThreshold', evaluationPeriods: 1, treatMissingData: 'breaching', enabled: false });
    await new AlarmEvaluator(service).evaluateAll();
    expect((await service.describe('quiet')).state).toBe('INSUFFICIENT_DATA');
    await expect(service.evaluateNow('quiet')).rejects.toMatchObject({ code: 'ORCH_ALARM_DISABLED' });
    await service.enable('quiet');
    await new AlarmEvaluator(service).evaluateAll();
    expect((await service.describe('quiet')).state).toBe('ALARM');
    await expect(service.describe('gone')).rejects.toMatchObject({ code: 'ORCH_ALARM_NOT_FOUND' });
    await service.delete('quiet');
    expect((await service.list({})).items.map((a) => a.name)).not.toContain('quiet');
  });
});
