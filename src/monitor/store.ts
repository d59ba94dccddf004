import type { Kysely } from 'kysely';
import { OrchardError } from '../core/index.js';
import { readStatusChanges, type Database, type MetadataStore, type StatusCursor, type StatusRow } from '../storage/index.js';
import type {
  MonitorBaseline,
  MonitorBaselineFilter,
  MonitorBaselinesTable,
  MonitorDatabase,
  MonitorExecution,
  MonitorExecutionFilter,
  MonitorExecutionsTable,
  MonitorFeatureDistribution,
  MonitorSchedule,
  MonitorScheduleFilter,
  MonitorSchedulesTable,
  MonitorViolation,
} from './types.js';

const BASELINES = 'monitor_baselines';
const SCHEDULES = 'monitor_schedules';
const EXECUTIONS = 'monitor_executions';

/** Reads and writes Model Monitor's tables; the only code that knows their shape. */
export class MonitorStore {
  constructor(readonly metadata: MetadataStore) {}

  private get db(): Kysely<MonitorDatabase> {
    return this.metadata.db as unknown as Kysely<MonitorDatabase>;
  }

  baselineChanges(since: string, limit: number, after?: StatusCursor): Promise<StatusRow[]> {
    return readStatusChanges(this.metadata, BASELINES as keyof Database)(since, limit, after);
  }

  executionChanges(since: string, limit: number, after?: StatusCursor): Promise<StatusRow[]> {
    return readStatusChanges(this.metadata, EXECUTIONS as keyof Database)(since, limit, after);
  }

  // Baselines

  async insertBaseline(row: Omit<MonitorBaselinesTable, 'updated_at'>): Promise<void> {
    try {
      await this.db.insertInto(BASELINES).values({ ...row, updated_at: row.created_at }).execute();
    } catch (err) {
      if (this.metadata.isUniqueViolation(err)) throw new OrchardError('ORCH_MONITOR_BASELINE_EXISTS', { message: `A monitoring baseline named '${row.name}' exists`, details: { name: row.name } });
      throw err;
    }
  }

  async baselineRow(name: string): Promise<MonitorBaselinesTable> {
    const row = await this.db.selectFrom(BASELINES).selectAll().where('name', '=', name).executeTakeFirst();
    if (!row) throw new OrchardError('ORCH_MONITOR_BASELINE_NOT_FOUND', { message: `No monitoring baseline '${name}'`, details: { name } });
    return row;
  }

  async updateBaseline(name: string, changes: Partial<MonitorBaselinesTable>, onlyIfStatus?: string): Promise<boolean> {
    let q = this.db.updateTable(BASELINES).set({ ...changes, updated_at: new Date().toISOString() }).where('name', '=', name);
    if (onlyIfStatus) q = q.where('status', '=', onlyIfStatus);
    const res = await q.executeTakeFirst();
    return Number(res.numUpdatedRows) > 0;
  }

  async deleteBaseline(name: string): Promise<void> {
    await this.db.deleteFrom(BASELINES).where('name', '=', name).execute();
  }

  async unfinishedBaselines(): Promise<string[]> {
    return (await this.db.selectFrom(BASELINES).select('name').where('status', '=', 'InProgress').execute()).map((r) => r.name);
  }

  async listBaselines(filter: MonitorBaselineFilter): Promise<{ items: MonitorBaseline[]; total: number }> {
    let q = this.db.selectFrom(BASELINES);
    if (filter.status) q = q.where('status', '=', filter.status);
    if (filter.dataset) q = q.where('dataset', '=', filter.dataset);
    const total = Number((await q.select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n);
    const rows = await q.selectAll().orderBy('created_at', 'desc').orderBy('name').limit(Math.min(filter.limit ?? 100, 1000)).offset(filter.offset ?? 0).execute();
    return { items: rows.map(toBaseline), total };
  }

  // Schedules

  async insertSchedule(row: Omit<MonitorSchedulesTable, 'updated_at'>): Promise<void> {
    try {
      await this.db.insertInto(SCHEDULES).values({ ...row, updated_at: row.created_at }).execute();
    } catch (err) {
      if (this.metadata.isUniqueViolation(err)) throw new OrchardError('ORCH_MONITOR_SCHEDULE_EXISTS', { message: `A monitoring schedule named '${row.name}' exists`, details: { name: row.name } });
      throw err;
    }
  }

  async scheduleRow(name: string): Promise<MonitorSchedulesTable> {
    const row = await this.db.selectFrom(SCHEDULES).selectAll().where('name', '=', name).executeTakeFirst();
    if (!row) throw new OrchardError('ORCH_MONITOR_SCHEDULE_NOT_FOUND', { message: `No monitoring schedule '${name}'`, details: { name } });
    return row;
  }

  async updateSchedule(name: string, changes: Partial<MonitorSchedulesTable>): Promise<void> {
    await this.db.updateTable(SCHEDULES).set({ ...changes, updated_at: new Date().toISOString() }).where('name', '=', name).execute();
  }

  /** Moves a schedule's next time from `from` to `to`; false when another server moved it first. */
  async advanceSchedule(name: string, from: string, to: string): Promise<boolean> {
    const res = await this.db.updateTable(SCHEDULES).set({ next_run_at: to, updated_at: new Date().toISOString() }).where('name', '=', name).where('next_run_at', '=', from).where('status', '=', 'Scheduled').executeTakeFirst();
    return Number(res.numUpdatedRows) > 0;
  }

  async deleteSchedule(name: string): Promise<void> {
    await this.db.deleteFrom(SCHEDULES).where('name', '=', name).execute();
  }

  async schedulesUsing(baseline: string): Promise<string[]> {
    return (await this.db.selectFrom(SCHEDULES).select('name').where('baseline', '=', baseline).execute()).map((r) => r.name);
  }

  /** Scheduled schedules whose next time has come. */
  async dueSchedules(now: string): Promise<MonitorSchedulesTable[]> {
    return this.db.selectFrom(SCHEDULES).selectAll().where('status', '=', 'Scheduled').where('next_run_at', '<=', now).orderBy('next_run_at').limit(100).execute();
  }

  async listSchedules(filter: MonitorScheduleFilter): Promise<{ items: MonitorSchedule[]; total: number }> {
    let q = this.db.selectFrom(SCHEDULES);
    if (filter.endpoint) q = q.where('endpoint', '=', filter.endpoint);
    if (filter.status) q = q.where('status', '=', filter.status);
    const total = Number((await q.select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n);
    const rows = await q.selectAll().orderBy('name').limit(Math.min(filter.limit ?? 100, 1000)).offset(filter.offset ?? 0).execute();
    return { items: await Promise.all(rows.map((r) => this.toSchedule(r))), total };
  }

  async describeSchedule(name: string): Promise<MonitorSchedule> {
    return this.toSchedule(await this.scheduleRow(name));
  }

  private async toSchedule(row: MonitorSchedulesTable): Promise<MonitorSchedule> {
    const last = await this.db.selectFrom(EXECUTIONS).select(['name', 'status', 'violation_count', 'created_at']).where('schedule', '=', row.name).orderBy('created_at', 'desc').orderBy('name', 'desc').limit(1).executeTakeFirst();
    return {
      name: row.name,
      endpoint: row.endpoint,
      baseline: row.baseline,
      type: row.type as MonitorSchedule['type'],
      cron: row.cron,
      status: row.status as MonitorSchedule['status'],
      modelQuality: row.model_quality_json ? JSON.parse(row.model_quality_json) : null,
      nextRunAt: row.status === 'Scheduled' ? row.next_run_at : null,
      lastExecution: last ? { id: last.name, status: last.status as MonitorExecution['status'], violations: Number(last.violation_count ?? 0), createdAt: last.created_at } : null,
      createdBy: row.created_by,
      createdAt: row.created_at,
      updatedAt: row.updated_at,
    };
  }

  // Executions

  /** Inserts an execution; false when the schedule already has one for that time (another server fired it). */
  async insertExecution(row: Omit<MonitorExecutionsTable, 'updated_at'>): Promise<boolean> {
    try {
      await this.db.insertInto(EXECUTIONS).values({ ...row, updated_at: row.created_at }).execute();
      return true;
    } catch (err) {
      if (this.metadata.isUniqueViolation(err)) return false;
      throw err;
    }
  }

  async executionRow(name: string): Promise<MonitorExecutionsTable> {
    const row = await this.db.selectFrom(EXECUTIONS).selectAll().where('name', '=', name).executeTakeFirst();
    if (!row) throw new OrchardError('ORCH_MONITOR_EXECUTION_NOT_FOUND', { message: `No monitoring execution '${name}'`, details: { id: name } });
    return row;
  }

  /** Changes a running execution; false once it has ended. */
  async updateRunningExecution(name: string, changes: Partial<MonitorExecutionsTable>): Promise<boolean> {
    const res = await this.db.updateTable(EXECUTIONS).set({ ...changes, updated_at: new Date().toISOString() }).where('name', '=', name).where('status', '=', 'InProgress').executeTakeFirst();
    return Number(res.numUpdatedRows) > 0;
  }

  async unfinishedExecutions(): Promise<string[]> {
    return (await this.db.selectFrom(EXECUTIONS).select('name').where('status', '=', 'InProgress').execute()).map((r) => r.name);
  }

  async describeExecution(name: string): Promise<MonitorExecution> {
    return toExecution(await this.executionRow(name), true);
  }

  async listExecutions(filter: MonitorExecutionFilter): Promise<{ items: MonitorExecution[]; total: number }> {
    let q = this.db.selectFrom(EXECUTIONS);
    if (filter.schedule) q = q.where('schedule', '=', filter.schedule);
    if (filter.endpoint) q = q.where('endpoint', '=', filter.endpoint);
    if (filter.status) q = q.where('status', '=', filter.status);
    const total = Number((await q.select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n);
    const rows = await q.selectAll().orderBy('created_at', 'desc').orderBy('name', 'desc').limit(Math.min(filter.limit ?? 100, 1000)).offset(filter.offset ?? 0).execute();
    return { items: rows.map((r) => toExecution(r, false)), total };
  }
}

export function toBaseline(row: MonitorBaselinesTable): MonitorBaseline {
  return {
    name: row.name,
    status: row.status as MonitorBaseline['status'],
    failureReason: row.failure_reason,
    dataset: { name: row.dataset, version: Number(row.version), rows: Number(row.row_count) },
    target: row.target,
    exclude: JSON.parse(row.exclude_json) as string[],
    comparisonThreshold: Number(row.comparison_threshold),
    comparisonMethod: row.comparison_method as MonitorBaseline['comparisonMethod'],
    statistics: row.statistics_key,
    constraints: row.constraints_key,
    features: row.features_json ? (JSON.parse(row.features_json) as MonitorBaseline['features']) : null,
    createdBy: row.created_by,
    createdAt: row.created_at,
    startedAt: row.started_at,
    endedAt: row.ended_at,
    updatedAt: row.updated_at,
  };
}

function toExecution(row: MonitorExecutionsTable, full: boolean): MonitorExecution {
  const e: MonitorExecution = {
    id: row.name,
    schedule: row.schedule,
    endpoint: row.endpoint,
    type: row.type as MonitorExecution['type'],
    baseline: row.baseline,
    trigger: row.trigger as MonitorExecution['trigger'],
    status: row.status as MonitorExecution['status'],
    failureReason: row.failure_reason,
    window: { since: row.window_since, until: row.window_until },
    percent: Number(row.percent),
    items: row.items === null ? null : Number(row.items),
    violationCount: row.violation_count === null ? null : Number(row.violation_count),
    violations: full && row.violations_json ? (JSON.parse(row.violations_json) as MonitorViolation[]) : [],
    statistics: row.statistics_key,
    constraintViolations: row.violations_key,
    createdBy: row.created_by,
    createdAt: row.created_at,
    startedAt: row.started_at,
    endedAt: row.ended_at,
    updatedAt: row.updated_at,
  };
  if (full) {
    e.distributions = row.distributions_json ? (JSON.parse(row.distributions_json) as MonitorFeatureDistribution[]) : [];
    e.metrics = row.metrics_json ? (JSON.parse(row.metrics_json) as Record<string, number>) : null;
  }
  return e;
}
