import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { metadataTargets } from '../../test/support/metadata.js';
import { isOrchardError, type OrchardError } from '../core/index.js';
import { ENDPOINT_METRIC_NAMES, JOB_METRIC_NAMES } from '../contracts/index.js';
import type { MetadataStore } from '../storage/index.js';
import { ENDPOINT_METRICS, JOB_METRICS } from './catalog.js';
import { LATENCY_BUCKETS, latencyBucket } from './histogram.js';
import { MetricsService } from './metrics-service.js';
import { MetricsStore } from './metrics-store.js';
import type { MetricSample } from './types.js';

const NOW = Date.UTC(2026, 11, 3, 12, 0, 0);
const MIN = 60_000;

function latencies(values: number[]): Pick<MetricSample, 'count' | 'sum' | 'min' | 'max' | 'histogram'> {
  const histogram = new Array<number>(LATENCY_BUCKETS).fill(0);
  for (const v of values) histogram[latencyBucket(v)]++;
  return { count: values.length, sum: values.reduce((a, b) => a + b, 0), min: Math.min(...values), max: Math.max(...values), histogram };
}

async function errorOf(p: Promise<unknown>): Promise<OrchardError> {
  const err = await p.then(() => null, (e: unknown) => e);
  if (!isOrchardError(err)) throw new Error(`expected an OrchardError, got ${String(err)}`);
  return err;
}

describe.each(metadataTargets)('MetricsService on $name', (target) => {
  let metadata: MetadataStore;
  let cleanup: () => Promise<void>;
  let service: MetricsService;
  const endpoints = new Set(['ep', 'other']);

  beforeAll(async () => {
    ({ store: metadata, cleanup } = await target.open());
    service = new MetricsService(new MetricsStore(metadata), { endpointExists: async (n) => endpoints.has(n), jobExists: async (n) => n === 'train-1' }, { retentionDays: 15 });
  });
  afterAll(async () => cleanup());

  it('merges repeated puts of a minute: counts and sums add, min and max hold', async () => {
    const dims = { endpoint: 'ep', variant: 'A' };
    const minute = NOW - 10 * MIN;
    await service.put([{ namespace: 'endpoint', metric: 'Invocations', dimensions: dims, minute, count: 3, sum: 3, min: 1, max: 1 }]);
    await service.put([{ namespace: 'endpoint', metric: 'Invocations', dimensions: { variant: 'A', endpoint: 'ep' }, minute, count: 4, sum: 4, min: 1, max: 1 }]);
    await service.put([{ namespace: 'endpoint', metric: 'Invocation4XXErrors', dimensions: dims, minute, count: 7, sum: 2, min: 0, max: 1 }]);
    const q = { namespace: 'endpoint' as const, metric: 'Invocations', dimensions: { endpoint: 'ep' }, period: 60, since: new Date(NOW - 3_600_000) };
    expect(await service.get({ ...q, stat: 'sum' }, NOW)).toEqual([{ timestamp: new Date(minute).toISOString(), value: 7 }]);
    expect(await service.get({ ...q, metric: 'Invocation4XXErrors', stat: 'avg' }, NOW)).toEqual([{ timestamp: new Date(minute).toISOString(), value: 2 / 7 }]);
  });

  it('finds a monitoring schedule\'s series by its schedule alone, by its endpoint alone, and by both', async () => {
    const minute = NOW - 5 * MIN;
    await service.put([{ namespace: 'monitor', metric: 'violations', dimensions: { schedule: 'hourly', endpoint: 'ep' }, minute, count: 1, sum: 3, min: 3, max: 3 }]);
    await service.put([{ namespace: 'monitor', metric: 'violations', dimensions: { schedule: 'nightly', endpoint: 'other' }, minute, count: 1, sum: 5, min: 5, max: 5 }]);
    const q = { namespace: 'monitor' as const, metric: 'violations', stat: 'sum' as const, period: 60, since: new Date(NOW - 3_600_000) };
    const at = new Date(minute).toISOString();
    expect(await service.get({ ...q, dimensions: { schedule: 'hourly' } }, NOW)).toEqual([{ timestamp: at, value: 3 }]);
    expect(await service.get({ ...q, dimensions: { endpoint: 'other' } }, NOW)).toEqual([{ timestamp: at, value: 5 }]);
    expect(await service.get({ ...q, dimensions: { schedule: 'hourly', endpoint: 'ep' } }, NOW)).toEqual([{ timestamp: at, value: 3 }]);
    expect(await service.get({ ...q, dimensions: {} }, NOW)).toEqual([{ timestamp: at, value: 8 }]);
  });

  it('concurrent writers of one minute lose nothing (histograms included)', async () => {
    const dims = { endpoint: 'other', variant: 'A' };
    const minute = NOW - 5 * MIN;
    await Promise.all(Array.from({ length: 8 }, (_, i) => service.put([{ namespace: 'endpoint', metric: 'ModelLatency', dimensions: dims, minute, ...latencies([i + 1]) }])));
    const q = { namespace: 'endpoint' as const, metric: 'ModelLatency', dimensions: { endpoint: 'other' }, period: 60, since: new Date(NOW - 3_600_000) };
    expect((await service.get({ ...q, stat: 'count' }, NOW))[0].value).toBe(8);
    expect((await service.get({ ...q, stat: 'sum' }, NOW))[0].value).toBe(36);
    expect((await service.get({ ...q, stat: 'max' }, NOW))[0].value).toBe(8);
    expect((await service.get({ ...q, stat: 'min' }, NOW))[0].value).toBe(1);
  });

  it('reads percentiles from histograms merged across minutes and series, within a bucket width', async () => {
    // 1,000 latencies 1..1000 ms split over two variants and three minutes.
    const all = Array.from({ length: 1000 }, (_, i) => i + 1);
    const base = NOW - 40 * MIN;
    for (let part = 0; part < 6; part++) {
      const values = all.filter((_, i) => i % 6 === part);
      await service.put([{ namespace: 'endpoint', metric: 'ModelLatency', dimensions: { endpoint: 'ep', variant: part % 2 ? 'A' : 'B' }, minute: base + (part % 3) * MIN, ...latencies(values) }]);
    }
    const q = { namespace: 'endpoint' as const, metric: 'ModelLatency', dimensions: { endpoint: 'ep' }, period: 300, since: new Date(base) };
    for (const [stat, exact] of [['p50', 500], ['p90', 900], ['p99', 990]] as const) {
      const [point] = await service.get({ ...q, stat }, NOW);
      expect(Math.abs(point.value - exact) / exact).toBeLessThan(0.1);
    }
    const [one] = await service.get({ ...q, dimensions: { endpoint: 'ep', variant: 'A' }, stat: 'count' }, NOW);
    expect(one.value).toBe(500);
    expect((await service.get({ ...q, stat: 'avg' }, NOW))[0].value).toBeCloseTo(500.5, 6);
  });

  it('groups minutes into periods aligned to the period', async () => {
    const dims = { kind: 'training', job: 'train-1' };
    for (let m = 0; m < 6; m++) await service.put([{ namespace: 'job', metric: 'CPUUtilization', dimensions: dims, minute: NOW - 30 * MIN + m * MIN, count: 6, sum: 6 * (m + 1) * 10, min: 0, max: 100 }]);
    const points = await service.get({ namespace: 'job', metric: 'CPUUtilization', dimensions: { job: 'train-1' }, stat: 'avg', period: 180, since: new Date(NOW - 30 * MIN) }, NOW);
    expect(points).toEqual([
      { timestamp: new Date(NOW - 30 * MIN).toISOString(), value: 20 },
      { timestamp: new Date(NOW - 27 * MIN).toISOString(), value: 50 },
    ]);
  });

  it('names every problem of a bad query', async () => {
    const err = await errorOf(service.query({ endpoint: 'ep', metric: 'Nope', stat: 'p42', period: '90', since: '2h' }, NOW));
    expect(err.code).toBe('ORCH_METRICS_INVALID');
    expect(err.status).toBe(400);
    expect((err.details!.errors as Array<{ field: string }>).map((e) => e.field).sort()).toEqual(['metric', 'period', 'stat']);
    const future = await errorOf(service.query({ endpoint: 'ep', metric: 'Invocations', since: new Date(NOW + 3_600_000).toISOString() }, NOW));
    expect(future.message).toContain('in the future');
    const noPercentile = await errorOf(service.query({ endpoint: 'ep', metric: 'Invocations', stat: 'p99' }, NOW));
    expect(noPercentile.message).toContain('no percentiles');
    const badSince = await errorOf(service.query({ endpoint: 'ep', metric: 'Invocations', since: 'yesterday' }, NOW));
    expect(badSince.details!.errors).toEqual([expect.objectContaining({ field: 'since' })]);
  });

  it('an endpoint that never existed is 404; one without data answers no datapoints', async () => {
    const err = await errorOf(service.query({ endpoint: 'ghost', metric: 'Invocations', stat: 'sum' }, NOW));
    expect(err.code).toBe('ORCH_METRICS_NOT_FOUND');
    expect(err.status).toBe(404);
    endpoints.add('fresh');
    expect(await service.query({ endpoint: 'fresh', metric: 'Invocations', stat: 'sum' }, NOW)).toEqual([]);
    expect((await errorOf(service.query({ job: 'nojob', metric: 'CPUUtilization' }, NOW))).code).toBe('ORCH_METRICS_NOT_FOUND');
  });

  it('the retention sweep removes minutes older than the retention only', async () => {
    const dims = { endpoint: 'ep', variant: 'A' };
    const old = Date.now() - 16 * 86_400_000;
    const recent = Date.now() - 14 * 86_400_000;
    await service.put([
      { namespace: 'endpoint', metric: 'InvocationsThrottled', dimensions: dims, minute: old - (old % MIN), count: 1, sum: 1, min: 1, max: 1 },
      { namespace: 'endpoint', metric: 'InvocationsThrottled', dimensions: dims, minute: recent - (recent % MIN), count: 1, sum: 1, min: 1, max: 1 },
    ]);
    expect(await service.sweep()).toBeGreaterThanOrEqual(1);
    const points = await service.get({ namespace: 'endpoint', metric: 'InvocationsThrottled', dimensions: dims, stat: 'sum', period: 86_400, since: new Date(Date.now() - 20 * 86_400_000) });
    expect(points).toHaveLength(1);
    expect(Date.parse(points[0].timestamp)).toBeGreaterThan(Date.now() - 15 * 86_400_000);
  });
});

describe('metric names', () => {
  it('the contract lists the catalog', () => {
    expect([...ENDPOINT_METRIC_NAMES].sort()).toEqual(Object.keys(ENDPOINT_METRICS).sort());
    expect([...JOB_METRIC_NAMES].sort()).toEqual(Object.keys(JOB_METRICS).sort());
  });

  it('a latency lands in the bucket whose bounds hold it', () => {
    for (const v of [0, 0.005, 0.01, 0.0101, 0.5, 1, 3.3, 100, 59_999, 60_000, 1e6]) {
      const i = latencyBucket(v);
      expect(i).toBeGreaterThanOrEqual(0);
      expect(i).toBeLessThan(LATENCY_BUCKETS);
    }
    expect(latencyBucket(1e9)).toBe(LATENCY_BUCKETS - 1);
  });
});
