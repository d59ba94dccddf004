import { errorOfProblems, OrchardError, type RequestProblem } from '../core/index.js';
import type { MetricsQuery } from '../contracts/index.js';
import { ENDPOINT_METRICS, JOB_METRICS, METRIC_NAMESPACES, METRIC_STATS, metricInfo } from './catalog.js';
import { decodeHistogram, histogramPercentile, LATENCY_BUCKETS } from './histogram.js';
import type { MetadataStore } from '../storage/index.js';
import { MetricsStore, ownerOf, type StoredSample } from './metrics-store.js';
import type { Datapoint, MetricNamespace, MetricQuery, MetricSample, MetricStat, MetricsPort } from './types.js';

/** Whether a resource metrics are asked of exists (wired by the platform to the owning services). */
export interface MetricOwners {
  endpointExists(name: string): Promise<boolean>;
  jobExists(name: string, kind?: 'training' | 'processing'): Promise<boolean>;
}

export interface MetricsServiceOptions {
  /** Days a minute is kept. @default 15 (ORCHARD_METRICS_RETENTION_DAYS) */
  retentionDays: number;
}

const MINUTE_MS = 60_000;
const DAY_MS = 86_400_000;
const MAX_DATAPOINTS = 1440 * 15;
const DURATION = /^(\d+(?:\.\d+)?)\s*(s|m|h|d|w)$/;
const UNIT_MS: Record<string, number> = { s: 1000, m: MINUTE_MS, h: 3_600_000, d: DAY_MS, w: 7 * DAY_MS };
const PERCENTILE: Partial<Record<MetricStat, number>> = { p50: 50, p90: 90, p99: 99 };

/** `15m`, `1h`, `2d` back from `now`, or an ISO time; null when neither. */
export function parseSince(text: string, now: number): Date | null {
  const m = DURATION.exec(text.trim());
  if (m) return new Date(now - Number(m[1]) * UNIT_MS[m[2]]);
  if (!/^\d{4}-\d{2}-\d{2}/.test(text)) return null;
  const t = Date.parse(text);
  return Number.isFinite(t) ? new Date(t) : null;
}

/**
 * Stored metrics: writes samples (merged per minute by the store) and reads datapoints
 * per period for one statistic over every series whose dimensions include the query's.
 */
export class MetricsService implements MetricsPort {
  private sweepTimer: NodeJS.Timeout | null = null;

  constructor(
    private readonly store: MetricsStore,
    /** Set by the server once the endpoint and job services exist; null: no existence check. */
    public owners: MetricOwners | null,
    readonly options: MetricsServiceOptions,
  ) {}

  async put(samples: readonly MetricSample[]): Promise<void> {
    await this.store.put(samples);
  }

  async get(query: MetricQuery, now = Date.now()): Promise<Datapoint[]> {
    const problems = validate(query, now);
    if (problems.length > 0) throw errorOfProblems(problems);
    const periodMs = query.period * 1000;
    const from = Math.floor(query.since.getTime() / MINUTE_MS) * MINUTE_MS;
    const to = Math.min(query.until?.getTime() ?? now, now) + MINUTE_MS;
    if ((to - from) / periodMs > MAX_DATAPOINTS) {
      throw errorOfProblems([{ field: 'period', code: 'ORCH_METRICS_INVALID', message: `The window holds more than ${MAX_DATAPOINTS} periods of ${query.period} s; use a longer period or a shorter window` }]);
    }
    const owner = ownerOf(query.namespace, query.dimensions);
    const rows = await this.store.read(query.namespace, query.metric, owner, from, to);
    const wanted = Object.entries(query.dimensions);
    const periods = new Map<number, Merged>();
    for (const row of rows) {
      if (!wanted.every(([k, v]) => row.dimensions[k] === v)) continue;
      const start = Math.floor(row.minute / periodMs) * periodMs;
      let merged = periods.get(start);
      if (merged === undefined) periods.set(start, (merged = newMerged()));
      mergeInto(merged, row);
    }
    return [...periods.entries()]
      .sort((a, b) => a[0] - b[0])
      .map(([start, m]) => ({ timestamp: new Date(start).toISOString(), value: reduce(m, query.stat) }));
  }

  /**
   * The API's query: strings checked (every problem named), the owner checked to exist
   * (one that never existed is 404; one without data yet answers no datapoints).
   */
  async query(raw: MetricsQuery, now = Date.now()): Promise<Datapoint[]> {
    const problems: RequestProblem[] = [];
    const bad = (field: string, message: string) => problems.push({ field, code: 'ORCH_METRICS_INVALID', message });
    const namespace = (raw.namespace ?? (raw.job !== undefined ? 'job' : raw.schedule !== undefined ? 'monitor' : 'endpoint')) as MetricNamespace;
    if (!METRIC_NAMESPACES.includes(namespace)) bad('namespace', `Unknown namespace '${raw.namespace}' (known: ${METRIC_NAMESPACES.join(', ')})`);
    const dimensions: Record<string, string> = {};
    const dims = { endpoint: raw.endpoint, variant: raw.variant, instance: raw.instance, job: raw.job, kind: raw.kind, schedule: raw.schedule, feature: raw.feature };
    for (const [k, v] of Object.entries(dims)) if (v !== undefined && v !== '') dimensions[k] = v;
    if (namespace === 'endpoint' && dimensions.endpoint === undefined) bad('endpoint', 'Name the endpoint (--endpoint)');
    if (namespace === 'job' && dimensions.job === undefined) bad('job', 'Name the job (--job)');
    if (namespace === 'job' && dimensions.kind !== undefined && dimensions.kind !== 'training' && dimensions.kind !== 'processing') bad('kind', `Unknown job kind '${dimensions.kind}' (known: training, processing)`);
    const period = raw.period === undefined ? 60 : Number(raw.period);
    if (raw.period !== undefined && !/^\d+$/.test(raw.period.trim())) bad('period', `period must be a whole number of seconds, not '${raw.period}'`);
    const since = parseSince(raw.since ?? '1h', now);
    if (since === null) bad('since', `since must be a duration like 15m, 1h, 2d or an ISO time, not '${raw.since}'`);
    const until = raw.until === undefined ? undefined : parseSince(raw.until, now);
    if (until === null) bad('until', `until must be a duration like 15m, 1h, 2d or an ISO time, not '${raw.until}'`);
    const query: MetricQuery = { namespace, metric: raw.metric, dimensions, stat: (raw.stat ?? 'avg') as MetricStat, period, since: since ?? new Date(now), ...(until ? { until } : {}) };
    if (METRIC_NAMESPACES.includes(namespace)) problems.push(...validate(query, now).filter((p) => !problems.some((q) => q.field === p.field)));
    if (problems.length > 0) throw errorOfProblems(problems);
    await this.checkOwner(namespace, dimensions);
    return this.get(query, now);
  }

  private async checkOwner(namespace: MetricNamespace, dimensions: Record<string, string>): Promise<void> {
    if (this.owners === null || namespace === 'monitor') return;
    const owner = namespace === 'endpoint' ? dimensions.endpoint : dimensions.job;
    const kind = dimensions.kind as 'training' | 'processing' | undefined;
    const exists = namespace === 'endpoint' ? await this.owners.endpointExists(owner) : await this.owners.jobExists(owner, kind);
    if (exists || (await this.store.hasOwner(namespace, owner))) return;
    const what = namespace === 'endpoint' ? 'endpoint' : `${kind ?? 'training or processing'} job`;
    throw new OrchardError('ORCH_METRICS_NOT_FOUND', { message: `No ${what} named '${owner}'`, details: { [namespace === 'endpoint' ? 'endpoint' : 'job']: owner } });
  }

  /** Deletes minutes older than the retention; returns how many rows went. */
  async sweep(now = Date.now()): Promise<number> {
    return this.store.sweep(now - this.options.retentionDays * DAY_MS);
  }

  /** Sweeps now and then every `intervalMs` (the server runs one; a failure is logged, not fatal). */
  startRetention(log: (message: string) => void, intervalMs = 3_600_000): void {
    if (this.sweepTimer !== null) return;
    const run = () =>
      void this.sweep().then(
        (n) => n > 0 && log(`metrics: removed ${n} minute(s) older than ${this.options.retentionDays} day(s)`),
        (err) => log(`metrics: retention sweep failed: ${(err as Error).message}`),
      );
    run();
    this.sweepTimer = setInterval(run, intervalMs);
    this.sweepTimer.unref();
  }

  stopRetention(): void {
    if (this.sweepTimer !== null) clearInterval(this.sweepTimer);
    this.sweepTimer = null;
  }
}

/** Every problem of a structured query. */
export function validate(query: MetricQuery, now = Date.now()): RequestProblem[] {
  const problems: RequestProblem[] = [];
  const bad = (field: string, message: string) => problems.push({ field, code: 'ORCH_METRICS_INVALID', message });
  if (!METRIC_NAMESPACES.includes(query.namespace)) bad('namespace', `Unknown namespace '${query.namespace}' (known: ${METRIC_NAMESPACES.join(', ')})`);
  const info = METRIC_NAMESPACES.includes(query.namespace) ? metricInfo(query.namespace, query.metric) : null;
  if (info === null && METRIC_NAMESPACES.includes(query.namespace)) {
    const known = query.namespace === 'endpoint' || query.namespace === 'job' ? ` (known: ${knownNames(query.namespace)})` : '';
    bad('metric', `Unknown ${query.namespace} metric '${query.metric}'${known}`);
  }
  if (!METRIC_STATS.includes(query.stat)) bad('stat', `Unknown stat '${query.stat}' (known: ${METRIC_STATS.join(', ')})`);
  else if (PERCENTILE[query.stat] !== undefined && info !== null && !info.percentiles) bad('stat', `${query.metric} has no percentiles (ModelLatency and OverheadLatency do); use sum, avg, min, max or count`);
  if (!Number.isInteger(query.period) || query.period <= 0 || query.period % 60 !== 0) bad('period', `period must be a positive multiple of 60 seconds, not ${query.period}`);
  if (!(query.since instanceof Date) || Number.isNaN(query.since.getTime())) bad('since', 'since must be a time');
  else if (query.since.getTime() > now) bad('since', `since (${query.since.toISOString()}) is in the future`);
  if (query.until !== undefined && query.since instanceof Date && query.until.getTime() < query.since.getTime()) bad('until', 'until is before since');
  return problems;
}

function knownNames(namespace: 'endpoint' | 'job'): string {
  return Object.keys(namespace === 'endpoint' ? ENDPOINT_METRICS : JOB_METRICS).join(', ');
}

interface Merged {
  count: number;
  sum: number;
  min: number;
  max: number;
  histogram: number[] | null;
}

function newMerged(): Merged {
  return { count: 0, sum: 0, min: Infinity, max: -Infinity, histogram: null };
}

function mergeInto(m: Merged, row: StoredSample): void {
  m.count += row.count;
  m.sum += row.sum;
  if (row.min < m.min) m.min = row.min;
  if (row.max > m.max) m.max = row.max;
  if (row.histogram) m.histogram = decodeHistogram(row.histogram, m.histogram ?? new Array<number>(LATENCY_BUCKETS).fill(0));
}

function reduce(m: Merged, stat: MetricStat): number {
  switch (stat) {
    case 'sum':
      return m.sum;
    case 'count':
      return m.count;
    case 'avg':
      return m.count > 0 ? m.sum / m.count : 0;
    case 'min':
      return m.min;
    case 'max':
      return m.max;
    default:
      return m.histogram ? (histogramPercentile(m.histogram, PERCENTILE[stat]!, m.min, m.max) ?? 0) : m.max;
  }
}

/** The metrics service over the metadata DB's `metric_samples` table. */
export function createMetricsService(metadata: MetadataStore, options: MetricsServiceOptions, owners: MetricOwners | null = null): MetricsService {
  return new MetricsService(new MetricsStore(metadata), owners, options);
}
