import { CronExpressionParser } from 'cron-parser';
import { MONITOR_DEFAULT_CRON } from '../contracts/monitor.values.js';
import { newId, OrchardError, errorOfProblems, type RequestProblem } from '../core/index.js';
import type { DatasetService } from '../data/index.js';
import type { JobQueue } from '../jobs/index.js';
import type { ArtifactStore, MetadataStore, StatusChanges } from '../storage/index.js';
import { MonitorStore, toBaseline } from './store.js';
import type {
  CreateMonitorBaselineInput,
  CreateMonitorScheduleInput,
  MonitorBaseline,
  MonitorBaselineFilter,
  MonitorExecution,
  MonitorExecutionFilter,
  MonitorSchedule,
  MonitorScheduleFilter,
  MonitorSchedulesTable,
  RunMonitorScheduleRequest,
} from './types.js';

/** Queue kinds of Model Monitor's jobs. */
export const MONITOR_BASELINE_KIND = 'monitor-baseline';
export const MONITOR_EXECUTION_KIND = 'monitor-execution';
/** Attempts in all (a worker killed mid-job costs one). */
export const MONITOR_ATTEMPTS = 3;

export const baselineJobId = (name: string) => `monitor-baseline.${name}`;
export const executionJobId = (name: string) => `monitor-execution.${name}`;

/** Artifact folders Model Monitor writes (`monitor/` is a platform folder). */
export const baselinePrefix = (name: string) => `monitor/baselines/${name}/`;
export const executionPrefix = (schedule: string, id: string) => `monitor/schedules/${schedule}/executions/${id}/`;

/** What the monitor needs of an endpoint (the platform wires the endpoint service). */
export interface MonitorEndpointPort {
  describe(name: string): Promise<{ name: string; dataCapture: { percent: number } | null }>;
}

export interface MonitorDeps {
  metadata: MetadataStore;
  queue: JobQueue;
  artifacts: ArtifactStore;
  datasets: Pick<DatasetService, 'describe'>;
  endpoints: MonitorEndpointPort;
}

/**
 * Model Monitor, data quality: baselines over datasets, schedules over endpoints' data
 * capture, and executions (scheduled by `MonitorScheduler`, or run now). The work runs
 * as `monitor-baseline` and `monitor-execution` jobs on the worker loop (worker.ts).
 */
export class MonitorService {
  readonly store: MonitorStore;

  constructor(private readonly deps: MonitorDeps) {
    this.store = new MonitorStore(deps.metadata);
  }

  readonly baselineStatusChanges: StatusChanges = (since, limit, after) => this.store.baselineChanges(since, limit, after);
  readonly executionStatusChanges: StatusChanges = (since, limit, after) => this.store.executionChanges(since, limit, after);

  // Baselines

  async createBaseline(input: CreateMonitorBaselineInput): Promise<MonitorBaseline> {
    const version = await this.deps.datasets.describe(input.dataset).catch((err: unknown) => {
      const code = (err as { code?: string })?.code;
      if (code === 'ORCH_DATASET_NOT_FOUND' || code === 'ORCH_DATASET_DELETED' || code === 'ORCH_DATASET_INVALID') {
        throw new OrchardError('ORCH_MONITOR_DATASET_NOT_FOUND', { message: `Cannot baseline dataset '${input.dataset}': ${(err as Error).message}`, details: { field: 'dataset', dataset: input.dataset } });
      }
      throw err;
    });
    if (version.rowCount === 0) {
      throw new OrchardError('ORCH_MONITOR_DATASET_EMPTY', { message: `Dataset ${version.name}@${version.version} has no rows: a baseline needs data`, details: { field: 'dataset', dataset: version.name, version: version.version } });
    }
    const columns = version.columns.map((c) => c.name);
    const problems: RequestProblem[] = [];
    const left = [...(input.target ? [input.target] : []), ...(input.exclude ?? [])];
    for (const [i, col] of left.entries()) {
      if (!columns.includes(col)) {
        problems.push({ field: i === 0 && input.target ? 'target' : 'exclude', code: 'ORCH_MONITOR_INVALID', message: `Dataset ${version.name}@${version.version} has no column '${col}'; its columns: ${columns.slice(0, 30).join(', ')}` });
      }
    }
    if (problems.length === 0 && columns.filter((c) => !left.includes(c)).length === 0) {
      problems.push({ field: 'exclude', code: 'ORCH_MONITOR_INVALID', message: 'Every column is left out: a baseline needs at least one feature' });
    }
    if (problems.length) throw errorOfProblems(problems);
    const now = new Date().toISOString();
    await this.store.insertBaseline({
      name: input.name,
      dataset: version.name,
      version: version.version,
      row_count: version.rowCount,
      target: input.target ?? null,
      exclude_json: JSON.stringify(input.exclude ?? []),
      comparison_threshold: input.comparisonThreshold ?? 0.1,
      comparison_method: input.comparisonMethod ?? 'Robust',
      status: 'InProgress',
      statistics_key: null,
      constraints_key: null,
      features_json: null,
      failure_reason: null,
      created_by: input.createdBy ?? null,
      created_at: now,
      started_at: null,
      ended_at: null,
    });
    await this.deps.queue.enqueue(MONITOR_BASELINE_KIND, { name: input.name }, { jobId: baselineJobId(input.name), maxAttempts: MONITOR_ATTEMPTS, backoffMs: 1000 });
    return this.describeBaseline(input.name);
  }

  async describeBaseline(name: string): Promise<MonitorBaseline> {
    return toBaseline(await this.store.baselineRow(name));
  }

  listBaselines(filter: MonitorBaselineFilter = {}): Promise<{ items: MonitorBaseline[]; total: number }> {
    return this.store.listBaselines(filter);
  }

  async stopBaseline(name: string): Promise<MonitorBaseline> {
    if (await this.store.updateBaseline(name, { status: 'Stopped', ended_at: new Date().toISOString() }, 'InProgress')) {
      await this.deps.queue.cancel(baselineJobId(name)).catch(() => undefined);
    }
    return this.describeBaseline(name);
  }

  /** Deletes a baseline and its files; refused while a schedule uses it. */
  async deleteBaseline(name: string): Promise<void> {
    await this.store.baselineRow(name);
    const users = await this.store.schedulesUsing(name);
    if (users.length) {
      throw new OrchardError('ORCH_MONITOR_BASELINE_IN_USE', { message: `Baseline '${name}' is used by schedule${users.length > 1 ? 's' : ''} ${users.join(', ')}: delete ${users.length > 1 ? 'them' : 'it'} first`, details: { name, schedules: users } });
    }
    await this.stopBaseline(name);
    await this.deps.artifacts.deletePrefix(baselinePrefix(name));
    await this.store.deleteBaseline(name);
  }

  // Schedules

  async createSchedule(input: CreateMonitorScheduleInput): Promise<MonitorSchedule> {
    const type = input.type ?? 'data-quality';
    const cron = input.cron?.trim() ?? MONITOR_DEFAULT_CRON;
    checkCron(cron);
    if (type === 'data-quality') {
      if (!input.baseline) throw new OrchardError('ORCH_MONITOR_INVALID', { message: 'A data-quality schedule needs a baseline (--baseline)', details: { field: 'baseline' } });
      const baseline = await this.store.baselineRow(input.baseline);
      if (baseline.status !== 'Completed') {
        throw new OrchardError('ORCH_MONITOR_BASELINE_NOT_READY', { message: `Baseline '${baseline.name}' is ${baseline.status}: a schedule needs a completed baseline`, details: { baseline: baseline.name, status: baseline.status } });
      }
    } else {
      if (!input.modelQuality) throw new OrchardError('ORCH_MONITOR_INVALID', { message: 'A model-quality schedule needs modelQuality (its problem type and how to read predictions)', details: { field: 'modelQuality' } });
      if (input.baseline) await this.store.baselineRow(input.baseline);
    }
    const endpoint = await this.deps.endpoints.describe(input.endpoint).catch((err: unknown) => {
      if ((err as { code?: string })?.code === 'ORCH_ENDPOINT_NOT_FOUND') {
        throw new OrchardError('ORCH_MONITOR_ENDPOINT_NOT_FOUND', { message: `No endpoint '${input.endpoint}' to monitor`, details: { field: 'endpoint', endpoint: input.endpoint } });
      }
      throw err;
    });
    if (!endpoint.dataCapture || endpoint.dataCapture.percent <= 0) {
      throw new OrchardError('ORCH_MONITOR_CAPTURE_DISABLED', {
        message: `Endpoint '${endpoint.name}' does not capture data, so there is nothing to monitor: update it with a capture percent above 0 (orchard endpoints update ${endpoint.name} … --capture-percent 100)`,
        details: { field: 'endpoint', endpoint: endpoint.name },
      });
    }
    const now = new Date();
    await this.store.insertSchedule({
      name: input.name,
      endpoint: endpoint.name,
      baseline: input.baseline ?? null,
      type,
      cron,
      status: 'Scheduled',
      model_quality_json: input.modelQuality ? JSON.stringify(input.modelQuality) : null,
      next_run_at: nextFire(cron, now).toISOString(),
      created_by: input.createdBy ?? null,
      created_at: now.toISOString(),
    });
    return this.store.describeSchedule(input.name);
  }

  describeSchedule(name: string): Promise<MonitorSchedule> {
    return this.store.describeSchedule(name);
  }

  listSchedules(filter: MonitorScheduleFilter = {}): Promise<{ items: MonitorSchedule[]; total: number }> {
    return this.store.listSchedules(filter);
  }

  /** Stops scheduling (running executions finish; `run` still works). */
  async stopSchedule(name: string): Promise<MonitorSchedule> {
    await this.store.scheduleRow(name);
    await this.store.updateSchedule(name, { status: 'Stopped', next_run_at: null });
    return this.store.describeSchedule(name);
  }

  /** Schedules again from now. */
  async startSchedule(name: string): Promise<MonitorSchedule> {
    const row = await this.store.scheduleRow(name);
    if (row.status !== 'Scheduled') await this.store.updateSchedule(name, { status: 'Scheduled', next_run_at: nextFire(row.cron, new Date()).toISOString() });
    return this.store.describeSchedule(name);
  }

  /** Deletes a schedule, its executions (running ones stopped) and their files. */
  async deleteSchedule(name: string): Promise<void> {
    await this.store.scheduleRow(name);
    await this.store.updateSchedule(name, { status: 'Stopped', next_run_at: null });
    for (const id of await this.store.unfinishedExecutions()) {
      const row = await this.store.executionRow(id).catch(() => null);
      if (row?.schedule === name) await this.stopExecution(id);
    }
    await this.deps.artifacts.deletePrefix(`monitor/schedules/${name}/`);
    await this.store.deleteSchedule(name);
  }

  /** An execution now: over the capture so far, or the window asked for. */
  async runSchedule(name: string, request: RunMonitorScheduleRequest & { createdBy?: string } = {}): Promise<MonitorExecution> {
    const row = await this.store.scheduleRow(name);
    const since = request.since === undefined ? null : isoTime(request.since, 'since');
    const until = request.until === undefined ? new Date().toISOString() : isoTime(request.until, 'until');
    if (since !== null && since >= until) throw new OrchardError('ORCH_MONITOR_INVALID', { message: `since (${since}) must be before until (${until})`, details: { field: 'since' } });
    const id = `${name}-m${newId('').replace(/^-/, '').toLowerCase()}`;
    await this.startExecution(row, id, 'manual', since, until, request.createdBy ?? null);
    return this.store.describeExecution(id);
  }

  /** Creates and enqueues an execution; false when it exists (a scheduled time fired elsewhere). */
  async startExecution(schedule: MonitorSchedulesTable, id: string, trigger: 'schedule' | 'manual', since: string | null, until: string, createdBy: string | null): Promise<boolean> {
    const inserted = await this.store.insertExecution({
      name: id,
      schedule: schedule.name,
      endpoint: schedule.endpoint,
      type: schedule.type,
      baseline: schedule.baseline,
      trigger,
      status: 'InProgress',
      window_since: since,
      window_until: until,
      percent: 0,
      items: null,
      violation_count: null,
      violations_json: null,
      distributions_json: null,
      metrics_json: null,
      statistics_key: null,
      violations_key: null,
      failure_reason: null,
      created_by: createdBy,
      created_at: new Date().toISOString(),
      started_at: null,
      ended_at: null,
    });
    if (inserted) await this.deps.queue.enqueue(MONITOR_EXECUTION_KIND, { name: id }, { jobId: executionJobId(id), maxAttempts: MONITOR_ATTEMPTS, backoffMs: 1000 });
    return inserted;
  }

  /**
   * Starts the executions whose time has come. A schedule fires once for its latest due
   * time (times missed while no server ran are not run one by one), over the period that
   * ends there; its next time moves past now.
   */
  async fireDue(now = new Date()): Promise<number> {
    let fired = 0;
    for (const row of await this.store.dueSchedules(now.toISOString())) {
      const from = row.next_run_at!;
      const latest = latestFire(row.cron, now, new Date(from));
      const since = previousFire(row.cron, latest);
      const id = `${row.name}-${compactTime(latest)}`;
      if (await this.store.advanceSchedule(row.name, from, nextFire(row.cron, now).toISOString())) {
        if (await this.startExecution(row, id, 'schedule', since.toISOString(), latest.toISOString(), null)) fired++;
      }
    }
    return fired;
  }

  // Executions

  describeExecution(id: string): Promise<MonitorExecution> {
    return this.store.describeExecution(id);
  }

  listExecutions(filter: MonitorExecutionFilter = {}): Promise<{ items: MonitorExecution[]; total: number }> {
    return this.store.listExecutions(filter);
  }

  async stopExecution(id: string): Promise<MonitorExecution> {
    if (await this.store.updateRunningExecution(id, { status: 'Stopped', ended_at: new Date().toISOString() })) {
      await this.deps.queue.cancel(executionJobId(id)).catch(() => undefined);
    }
    return this.store.describeExecution(id);
  }

  /** Enqueues again, under the same ids, running baselines and executions the queue lost. */
  async requeueLost(): Promise<number> {
    let n = 0;
    for (const name of await this.store.unfinishedBaselines()) {
      if (await this.deps.queue.get(baselineJobId(name))) continue;
      await this.deps.queue.enqueue(MONITOR_BASELINE_KIND, { name }, { jobId: baselineJobId(name), maxAttempts: MONITOR_ATTEMPTS, backoffMs: 1000 });
      n++;
    }
    for (const name of await this.store.unfinishedExecutions()) {
      if (await this.deps.queue.get(executionJobId(name))) continue;
      await this.deps.queue.enqueue(MONITOR_EXECUTION_KIND, { name }, { jobId: executionJobId(name), maxAttempts: MONITOR_ATTEMPTS, backoffMs: 1000 });
      n++;
    }
    return n;
  }
}

/** Checks a 5-field cron expression (UTC). */
export function checkCron(cron: string): void {
  const fields = cron.trim().split(/\s+/);
  if (fields.length !== 5) {
    throw new OrchardError('ORCH_MONITOR_INVALID', { message: `A cron expression has 5 fields (minute hour day-of-month month day-of-week), got ${fields.length} in '${cron}'`, details: { field: 'cron', cron } });
  }
  try {
    CronExpressionParser.parse(cron, { tz: 'UTC', strict: false });
  } catch (err) {
    throw new OrchardError('ORCH_MONITOR_INVALID', { message: `Invalid cron expression '${cron}': ${(err as Error).message}`, details: { field: 'cron', cron } });
  }
}

/** The first time strictly after `after`. */
export function nextFire(cron: string, after: Date): Date {
  return CronExpressionParser.parse(cron, { tz: 'UTC', currentDate: after }).next().toDate();
}

/** The time before `at`. */
export function previousFire(cron: string, at: Date): Date {
  return CronExpressionParser.parse(cron, { tz: 'UTC', currentDate: at }).prev().toDate();
}

/** The latest time at or before `now`, and not before `due`. */
export function latestFire(cron: string, now: Date, due: Date): Date {
  const latest = CronExpressionParser.parse(cron, { tz: 'UTC', currentDate: new Date(now.getTime() + 1) }).prev().toDate();
  return latest.getTime() >= due.getTime() ? latest : due;
}

const compactTime = (d: Date) => d.toISOString().replace(/[-:T]/g, '').slice(0, 14);

function isoTime(text: string, field: string): string {
  const t = Date.parse(text);
  if (Number.isNaN(t)) throw new OrchardError('ORCH_MONITOR_INVALID', { message: `${field} is not a time: '${text}' (use ISO 8601, e.g. 2026-01-31T10:00:00Z)`, details: { field } });
  return new Date(t).toISOString();
}
