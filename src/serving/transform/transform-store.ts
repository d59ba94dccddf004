import { OrchardError } from '../../core/index.js';
import { readStatusChanges, type MetadataStore, type StatusCursor, type StatusRow, type TransformJobsTable } from '../../storage/index.js';
import type { TransformJob, TransformJobStatus, TransformSpec } from './types.js';

/** Reads and writes the transform tables; the only code that knows their shape. */
export class TransformStore {
  constructor(private readonly metadata: MetadataStore) {}

  private get db() {
    return this.metadata.db;
  }

  /** Status changes for the platform feed (`transform-job` events). */
  statusChanges(since: string, limit: number, after?: StatusCursor): Promise<StatusRow[]> {
    return readStatusChanges(this.metadata, 'transform_jobs')(since, limit, after);
  }

  async insert(name: string, spec: TransformSpec, shards: Array<{ start: number; count: number }>, createdBy: string | null): Promise<void> {
    const now = new Date().toISOString();
    await this.metadata.db.transaction().execute(async (tx) => {
      try {
        await tx
          .insertInto('transform_jobs')
          .values({ name, status: 'InProgress', spec_json: JSON.stringify(spec), total_rows: spec.input.rows, shard_count: shards.length, output_version: null, failure_reason: null, stop_requested: 0, created_by: createdBy, created_at: now, started_at: null, ended_at: null, updated_at: now })
          .execute();
      } catch (err) {
        if (this.metadata.isUniqueViolation(err)) throw new OrchardError('ORCH_TRANSFORM_EXISTS', { message: `A transform job named '${name}' exists`, details: { name } });
        throw err;
      }
      for (let i = 0; i < shards.length; i += 200) {
        await tx
          .insertInto('transform_shards')
          .values(shards.slice(i, i + 200).map((s, j) => ({ job_name: name, shard: i + j, row_start: s.start, row_count: s.count, status: 'pending', rows_done: 0, attempts: 0, output_key: null, updated_at: now })))
          .execute();
      }
    });
  }

  async row(name: string): Promise<TransformJobsTable> {
    const row = await this.db.selectFrom('transform_jobs').selectAll().where('name', '=', name).executeTakeFirst();
    if (!row) throw new OrchardError('ORCH_TRANSFORM_NOT_FOUND', { message: `No transform job '${name}'`, details: { name } });
    return row;
  }

  async shard(name: string, shard: number) {
    return this.db.selectFrom('transform_shards').selectAll().where('job_name', '=', name).where('shard', '=', shard).executeTakeFirstOrThrow();
  }

  async shards(name: string) {
    return this.db.selectFrom('transform_shards').selectAll().where('job_name', '=', name).orderBy('shard').execute();
  }

  async updateShard(name: string, shard: number, changes: { rows_done?: number; attempts?: number }): Promise<void> {
    await this.db.updateTable('transform_shards').set({ ...changes, updated_at: new Date().toISOString() }).where('job_name', '=', name).where('shard', '=', shard).execute();
  }

  /** Marks a shard done; false when it already was (another attempt got there first). */
  async finishShard(name: string, shard: number, outputKey: string, rows: number): Promise<boolean> {
    const res = await this.db
      .updateTable('transform_shards')
      .set({ status: 'done', output_key: outputKey, rows_done: rows, updated_at: new Date().toISOString() })
      .where('job_name', '=', name)
      .where('shard', '=', shard)
      .where('status', '=', 'pending')
      .executeTakeFirst();
    return Number(res.numUpdatedRows) > 0;
  }

  /** Names of the jobs still InProgress. */
  async unfinished(): Promise<string[]> {
    const rows = await this.db.selectFrom('transform_jobs').select('name').where('status', '=', 'InProgress').execute();
    return rows.map((r) => r.name);
  }

  async pendingShards(name: string): Promise<number> {
    const r = await this.db.selectFrom('transform_shards').select((eb) => eb.fn.countAll().as('n')).where('job_name', '=', name).where('status', '=', 'pending').executeTakeFirstOrThrow();
    return Number(r.n);
  }

  async update(name: string, changes: Partial<TransformJobsTable>): Promise<void> {
    await this.db.updateTable('transform_jobs').set({ ...changes, updated_at: new Date().toISOString() }).where('name', '=', name).execute();
  }

  /** Ends a job that is still InProgress (or Stopping); a job already ended keeps its status. */
  async end(name: string, status: TransformJobStatus, extra: Partial<TransformJobsTable> = {}): Promise<boolean> {
    const now = new Date().toISOString();
    const res = await this.db
      .updateTable('transform_jobs')
      .set({ status, ended_at: now, updated_at: now, ...extra })
      .where('name', '=', name)
      .where('status', 'in', ['InProgress', 'Stopping'])
      .executeTakeFirst();
    return Number(res.numUpdatedRows) > 0;
  }

  async describe(name: string): Promise<TransformJob> {
    const row = await this.row(name);
    const shards = await this.shards(name);
    return toJob(row, {
      completed: shards.filter((s) => s.status === 'done').length,
      attempts: shards.reduce((n, s) => n + Number(s.attempts), 0),
      rows: shards.reduce((n, s) => n + Number(s.rows_done), 0),
    });
  }

  async list(filter: { status?: TransformJobStatus; limit?: number; offset?: number }): Promise<{ items: TransformJob[]; total: number }> {
    let q = this.db.selectFrom('transform_jobs');
    if (filter.status) q = q.where('status', '=', filter.status);
    const total = Number((await q.select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n);
    const rows = await q.selectAll().orderBy('created_at', 'desc').limit(Math.min(filter.limit ?? 100, 1000)).offset(filter.offset ?? 0).execute();
    const items = await Promise.all(rows.map(async (r) => this.describe(r.name)));
    return { items, total };
  }
}

function toJob(row: TransformJobsTable, progress: { completed: number; attempts: number; rows: number }): TransformJob {
  const spec = JSON.parse(row.spec_json) as TransformSpec;
  return {
    name: row.name,
    status: row.status as TransformJobStatus,
    failureReason: row.failure_reason,
    model: spec.model,
    input: spec.input,
    output: { dataset: spec.output, version: row.output_version === null ? null : Number(row.output_version) },
    splitType: spec.splitType,
    batchStrategy: spec.batchStrategy,
    maxPayloadMb: spec.maxPayloadMb,
    joinSource: spec.joinSource,
    inputFilter: spec.inputFilter,
    outputFilter: spec.outputFilter ?? null,
    features: spec.features,
    shards: { total: Number(row.shard_count), completed: progress.completed, attempts: progress.attempts },
    rowsProcessed: progress.rows,
    ...(spec.contentType ? { contentType: spec.contentType } : {}),
    ...(spec.failedRecords !== undefined ? { failedRecords: spec.failedRecords } : {}),
    tags: spec.tags,
    createdBy: row.created_by,
    createdAt: row.created_at,
    startedAt: row.started_at,
    endedAt: row.ended_at,
    updatedAt: row.updated_at,
  };
}
