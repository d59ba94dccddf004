import type { Kysely } from 'kysely';
import { OrchardError } from '../core/index.js';
import { readStatusChanges, type Database, type MetadataStore, type StatusCursor, type StatusRow } from '../storage/index.js';
import type { DataQualityContent, DataQualityDatabase, DataQualityReport, DataQualityReportFilter, DataQualityReportsTable, DataQualityStatus } from './types.js';

const TABLE = 'data_quality_reports';
const ACTIVE: DataQualityStatus[] = ['InProgress', 'Stopping'];

/** Reads and writes `data_quality_reports`; the only code that knows its shape. */
export class DataQualityStore {
  constructor(private readonly metadata: MetadataStore) {}

  /** The metadata database typed with this capability's own table (it is not in the shared schema). */
  private get db(): Kysely<DataQualityDatabase> {
    return this.metadata.db as unknown as Kysely<DataQualityDatabase>;
  }

  /** Status changes for the platform feed (`data-quality-report` events). */
  statusChanges(since: string, limit: number, after?: StatusCursor): Promise<StatusRow[]> {
    return readStatusChanges(this.metadata, TABLE as keyof Database)(since, limit, after);
  }

  async insert(row: Omit<DataQualityReportsTable, 'updated_at'>): Promise<void> {
    await this.db.insertInto(TABLE).values({ ...row, updated_at: row.created_at }).execute();
  }

  async row(id: string): Promise<DataQualityReportsTable> {
    const row = await this.db.selectFrom(TABLE).selectAll().where('name', '=', id).executeTakeFirst();
    if (!row) throw new OrchardError('ORCH_DATA_QUALITY_NOT_FOUND', { message: `No data-quality report '${id}'`, details: { id } });
    return row;
  }

  async update(id: string, changes: Partial<DataQualityReportsTable>): Promise<void> {
    await this.db.updateTable(TABLE).set({ ...changes, updated_at: new Date().toISOString() }).where('name', '=', id).execute();
  }

  /** Progress of a running report (ignored once it has ended). */
  async progress(id: string, stage: string, percent: number): Promise<void> {
    await this.db.updateTable(TABLE).set({ stage, percent, updated_at: new Date().toISOString() }).where('name', '=', id).where('status', '=', 'InProgress').execute();
  }

  /** Stores a finished report; false when the report had already ended (stopped, or recorded by an earlier try). */
  async complete(id: string, report: DataQualityContent): Promise<boolean> {
    const now = new Date().toISOString();
    const res = await this.db
      .updateTable(TABLE)
      .set({ status: 'Completed', stage: null, percent: 100, report_json: JSON.stringify(report), warnings_json: JSON.stringify(report.summary.warnings), failure_reason: null, ended_at: now, updated_at: now })
      .where('name', '=', id)
      .where('status', 'in', ACTIVE)
      .executeTakeFirst();
    return Number(res.numUpdatedRows) > 0;
  }

  /** Ends a report that is still running; a report already ended keeps its status. */
  async end(id: string, status: 'Failed' | 'Stopped', failureReason: string | null): Promise<boolean> {
    const now = new Date().toISOString();
    const res = await this.db
      .updateTable(TABLE)
      .set({ status, stage: null, failure_reason: failureReason?.slice(0, 2000) ?? null, ended_at: now, updated_at: now })
      .where('name', '=', id)
      .where('status', 'in', ACTIVE)
      .executeTakeFirst();
    return Number(res.numUpdatedRows) > 0;
  }

  /** Ids of the reports still running. */
  async unfinished(): Promise<string[]> {
    const rows = await this.db.selectFrom(TABLE).select('name').where('status', 'in', ACTIVE).execute();
    return rows.map((r) => r.name);
  }

  async describe(id: string): Promise<DataQualityReport> {
    return toReport(await this.row(id), true);
  }

  /** The newest report of a dataset version (any status), or undefined. */
  async latest(dataset: string, version: number): Promise<DataQualityReport | undefined> {
    const row = await this.db.selectFrom(TABLE).selectAll().where('dataset', '=', dataset).where('version', '=', version).orderBy('created_at', 'desc').orderBy('name', 'desc').limit(1).executeTakeFirst();
    return row ? toReport(row, true) : undefined;
  }

  async list(filter: DataQualityReportFilter): Promise<{ items: DataQualityReport[]; total: number }> {
    let q = this.db.selectFrom(TABLE);
    if (filter.dataset) q = q.where('dataset', '=', filter.dataset);
    if (filter.version !== undefined) q = q.where('version', '=', filter.version);
    if (filter.status) q = q.where('status', '=', filter.status);
    const total = Number((await q.select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n);
    // Lists leave the report out (it can be large): describe reads it.
    const rows = await q
      .select(['name', 'dataset', 'version', 'dataset_id', 'row_count', 'target', 'problem_type', 'status', 'stage', 'percent', 'warnings_json', 'failure_reason', 'created_by', 'created_at', 'started_at', 'ended_at', 'updated_at'])
      .orderBy('created_at', 'desc')
      .orderBy('name', 'desc')
      .limit(Math.min(filter.limit ?? 100, 1000))
      .offset(filter.offset ?? 0)
      .execute();
    return { items: rows.map((r) => toReport({ ...r, report_json: null }, false)), total };
  }
}

function toReport(row: DataQualityReportsTable, withContent: boolean): DataQualityReport {
  const report: DataQualityReport = {
    id: row.name,
    status: row.status as DataQualityStatus,
    failureReason: row.failure_reason,
    dataset: { name: row.dataset, version: Number(row.version), rows: Number(row.row_count) },
    target: row.target,
    problemType: row.problem_type as DataQualityReport['problemType'],
    progress: { stage: row.stage, percent: Number(row.percent) },
    warnings: row.warnings_json ? (JSON.parse(row.warnings_json) as DataQualityReport['warnings']) : null,
    createdBy: row.created_by,
    createdAt: row.created_at,
    startedAt: row.started_at,
    endedAt: row.ended_at,
    updatedAt: row.updated_at,
  };
  if (withContent) report.report = row.report_json ? (JSON.parse(row.report_json) as DataQualityContent) : null;
  return report;
}
