import { OrchardError } from '../core/index.js';
import { readStatusChanges, type Database, type MetadataStore, type StatusCursor, type StatusRow } from '../storage/index.js';
import { processingDb, type ProcessingInstancesTable, type ProcessingJobsTable } from './tables.js';
import { hostOf, type ProcessingInstanceStatus, type ProcessingJob, type ProcessingJobStatus, type ProcessingLogLine, type ProcessingSpec } from './types.js';

const ENDED: readonly string[] = ['Completed', 'Failed', 'Stopped'];

/** Reads and writes the processing tables; the only code that knows their shape. */
export class ProcessingStore {
  constructor(private readonly metadata: MetadataStore) {}

  private get db() {
    return processingDb(this.metadata);
  }

  async insert(name: string, spec: ProcessingSpec, instanceCount: number, createdBy: string | null): Promise<void> {
    const now = new Date().toISOString();
    await this.db.transaction().execute(async (tx) => {
      try {
        await tx
          .insertInto('processing_jobs')
          .values({ name, status: 'InProgress', spec_json: JSON.stringify(spec), instance_count: instanceCount, outputs_json: '{}', final_metrics_json: '{}', failure_reason: null, stop_requested: 0, created_by: createdBy, created_at: now, started_at: null, ended_at: null, updated_at: now })
          .execute();
      } catch (err) {
        if (this.metadata.isUniqueViolation(err)) throw new OrchardError('ORCH_PROCESSING_EXISTS', { message: `A processing job named '${name}' exists`, details: { name } });
        throw err;
      }
      await tx
        .insertInto('processing_instances')
        .values(Array.from({ length: instanceCount }, (_, instance) => ({ job_name: name, instance, status: 'Pending', attempts: 0, failed_attempts: 0, failure_reason: null, updated_at: now })))
        .execute();
    });
  }

  async row(name: string): Promise<ProcessingJobsTable> {
    const row = await this.db.selectFrom('processing_jobs').selectAll().where('name', '=', name).executeTakeFirst();
    if (!row) throw new OrchardError('ORCH_PROCESSING_NOT_FOUND', { message: `No processing job '${name}'`, details: { name } });
    return row;
  }

  async instance(name: string, instance: number): Promise<ProcessingInstancesTable> {
    return this.db.selectFrom('processing_instances').selectAll().where('job_name', '=', name).where('instance', '=', instance).executeTakeFirstOrThrow();
  }

  async instances(name: string): Promise<ProcessingInstancesTable[]> {
    return this.db.selectFrom('processing_instances').selectAll().where('job_name', '=', name).orderBy('instance').execute();
  }

  async update(name: string, changes: Partial<ProcessingJobsTable>): Promise<void> {
    await this.db.updateTable('processing_jobs').set({ ...changes, updated_at: new Date().toISOString() }).where('name', '=', name).execute();
  }

  /**
   * Sets an instance's status; with `unless`, not when it is in one of those (so a
   * repeated or late write never undoes an end). Returns whether the row changed.
   */
  async setInstance(name: string, instance: number, status: ProcessingInstanceStatus, extra: Partial<ProcessingInstancesTable> = {}, unless: ProcessingInstanceStatus[] = []): Promise<boolean> {
    const now = new Date().toISOString();
    let q = this.db.updateTable('processing_instances').set({ status, ...extra, updated_at: now }).where('job_name', '=', name).where('instance', '=', instance);
    if (unless.length) q = q.where('status', 'not in', unless);
    const res = await q.executeTakeFirst();
    // The job's updated_at moves too: the platform feed and lists see instance progress.
    await this.db.updateTable('processing_jobs').set({ updated_at: now }).where('name', '=', name).execute();
    return Number(res.numUpdatedRows) > 0;
  }

  /** Ends a job that is still InProgress or Stopping; a job already ended keeps its status. */
  async end(name: string, status: ProcessingJobStatus, extra: Partial<ProcessingJobsTable> = {}): Promise<boolean> {
    const now = new Date().toISOString();
    const res = await this.db
      .updateTable('processing_jobs')
      .set({ status, ended_at: now, updated_at: now, ...extra })
      .where('name', '=', name)
      .where('status', 'in', ['InProgress', 'Stopping'])
      .executeTakeFirst();
    return Number(res.numUpdatedRows) > 0;
  }

  /** Jobs that have not ended (InProgress or Stopping). */
  async unfinished(): Promise<Array<Pick<ProcessingJobsTable, 'name' | 'status' | 'spec_json'>>> {
    return this.db.selectFrom('processing_jobs').select(['name', 'status', 'spec_json']).where('status', 'in', ['InProgress', 'Stopping']).execute();
  }

  statusChanges(since: string, limit: number, after?: StatusCursor): Promise<StatusRow[]> {
    // The table is this capability's own; the storage helper knows only the platform's list of tables.
    return readStatusChanges(this.metadata, 'processing_jobs' as keyof Database)(since, limit, after);
  }

  async describe(name: string): Promise<ProcessingJob> {
    return toJob(await this.row(name), await this.instances(name));
  }

  async list(filter: { status?: string; nameContains?: string; limit?: number; offset?: number }): Promise<{ items: ProcessingJob[]; total: number }> {
    let q = this.db.selectFrom('processing_jobs');
    if (filter.status) q = q.where('status', '=', filter.status);
    if (filter.nameContains) q = q.where('name', 'like', `%${filter.nameContains.replace(/[\\%_]/g, (c) => `\\${c}`)}%`);
    const total = Number((await q.select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n);
    const rows = await q.selectAll().orderBy('created_at', 'desc').orderBy('name').limit(Math.min(filter.limit ?? 100, 1000)).offset(filter.offset ?? 0).execute();
    const names = rows.map((r) => r.name);
    const instances = names.length ? await this.db.selectFrom('processing_instances').selectAll().where('job_name', 'in', names).orderBy('instance').execute() : [];
    return { items: rows.map((r) => toJob(r, instances.filter((i) => i.job_name === r.name))), total };
  }

  async nextSeq(table: 'processing_job_logs' | 'processing_job_metrics', name: string): Promise<number> {
    const r = await this.db.selectFrom(table).select((eb) => eb.fn.max('seq').as('m')).where('job_name', '=', name).executeTakeFirst();
    return r?.m === null || r?.m === undefined ? 1 : Number(r.m) + 1;
  }

  async appendLogs(name: string, lines: Array<{ seq: number; instance: number; attempt: number; line: string; at: string }>): Promise<void> {
    if (lines.length === 0) return;
    await this.db.insertInto('processing_job_logs').values(lines.map((l) => ({ job_name: name, seq: l.seq, instance: l.instance, attempt: l.attempt, line: l.line, created_at: l.at }))).execute();
  }

  async appendMetrics(name: string, points: Array<{ seq: number; instance: number; name: string; value: number; step: number | null; at: string }>): Promise<void> {
    if (points.length === 0) return;
    await this.db
      .insertInto('processing_job_metrics')
      .values(points.map((p) => ({ job_name: name, seq: p.seq, instance: p.instance, name: p.name, value: p.value, step: p.step, created_at: p.at })))
      .onConflict((oc) => oc.columns(['job_name', 'instance', 'name', 'step']).doNothing())
      .execute();
  }

  /** Merges an instance's last metric values into the job's (`algo-2:name` keys when there are several instances). */
  async mergeFinalMetrics(name: string, values: Record<string, number>): Promise<void> {
    if (Object.keys(values).length === 0) return;
    // Read-merge-write in one transaction, so two instances' writes do not drop each other's: PostgreSQL's
    // read committed needs the row locked (SQLite's writer lock already orders the transactions).
    const pg = this.metadata.dialect === 'postgres';
    await this.db.transaction().execute(async (tx) => {
      const row = await tx
        .selectFrom('processing_jobs')
        .select('final_metrics_json')
        .where('name', '=', name)
        .$if(pg, (qb) => qb.forUpdate())
        .executeTakeFirst();
      if (!row) return;
      const merged = { ...(JSON.parse(row.final_metrics_json) as Record<string, number>), ...values };
      await tx.updateTable('processing_jobs').set({ final_metrics_json: JSON.stringify(merged) }).where('name', '=', name).execute();
    });
  }

  async logs(name: string, after: number, limit: number): Promise<ProcessingLogLine[]> {
    await this.row(name);
    const rows = await this.db.selectFrom('processing_job_logs').selectAll().where('job_name', '=', name).where('seq', '>', after).orderBy('seq').limit(limit).execute();
    return rows.map((r) => ({ seq: Number(r.seq), host: hostOf(Number(r.instance)), attempt: Number(r.attempt), line: r.line, timestamp: r.created_at }));
  }
}

export const isEnded = (status: string) => ENDED.includes(status);

function toJob(row: ProcessingJobsTable, instances: ProcessingInstancesTable[]): ProcessingJob {
  const spec = JSON.parse(row.spec_json) as ProcessingSpec;
  return {
    name: row.name,
    status: row.status as ProcessingJobStatus,
    failureReason: row.failure_reason,
    script: spec.script,
    arguments: spec.arguments,
    environment: spec.environment,
    processingInputs: spec.inputs,
    processingOutputs: spec.outputs,
    outputs: JSON.parse(row.outputs_json) as Record<string, string>,
    instanceCount: Number(row.instance_count),
    instances: instances.map((i) => ({ host: hostOf(Number(i.instance)), status: i.status as ProcessingInstanceStatus, attempts: Number(i.attempts), failureReason: i.failure_reason })),
    maxRuntimeSeconds: spec.maxRuntimeSeconds,
    maxRetries: spec.maxRetries,
    cpus: spec.cpus ?? null,
    tags: spec.tags,
    finalMetrics: JSON.parse(row.final_metrics_json) as Record<string, number>,
    createdBy: row.created_by,
    createdAt: row.created_at,
    startedAt: row.started_at,
    endedAt: row.ended_at,
    updatedAt: row.updated_at,
  };
}
