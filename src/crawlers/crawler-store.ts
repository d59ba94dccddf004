import type { Kysely, Transaction } from 'kysely';
import { OrchardError } from '../core/index.js';
import { readStatusChanges, type Database, type MetadataStore, type StatusCursor, type StatusRow } from '../storage/index.js';
import { MAX_LISTED_REJECTIONS } from '../contracts/crawler-values.js';
import type { Crawler, CrawlerColumn, CrawlerRun, CrawlerRunStatus, FileState, RejectedFile, SchemaChange } from './types.js';
import { runName } from './types.js';

/** The crawler tables (migration 0015_crawlers); only this store reads or writes them. */
export interface CrawlersTable {
  name: string;
  source: string;
  format: string | null;
  header: number | null;
  dataset: string;
  description: string | null;
  tags_json: string;
  columns_json: string;
  current_version: number | null;
  active_run: number | null;
  last_run: number;
  created_by: string | null;
  created_at: string;
  updated_at: string;
}

export interface CrawlerRunsTable {
  name: string;
  crawler: string;
  run: number;
  status: string;
  failure_reason: string | null;
  dataset_version: number | null;
  new_version: number;
  files_seen: number | string;
  new_files: number | string;
  schema_changes_json: string;
  rejected_json: string;
  rejected_total: number | string;
  /** The table's columns after the run (set before its version is registered). */
  columns_json: string | null;
  stop_requested: number;
  created_by: string | null;
  created_at: string;
  started_at: string | null;
  ended_at: string | null;
  updated_at: string;
}

/** A file as a crawler knows it: what tells a change, and where its Parquet part is. */
export interface CrawlerFileRow {
  path: string;
  size: number | string;
  etag: string | null;
  mtime: string | null;
  state: string;
  reason: string | null;
  part_key: string | null;
  columns_json: string | null;
}

interface CrawlerFilesTable extends CrawlerFileRow {
  crawler: string;
  run: number;
}

interface CrawlerRunFilesTable extends CrawlerFileRow {
  run_name: string;
}

interface CrawlerTables {
  crawlers: CrawlersTable;
  crawler_runs: CrawlerRunsTable;
  crawler_files: CrawlerFilesTable;
  crawler_run_files: CrawlerRunFilesTable;
}

/** What a finished run writes, together with the crawler's file list. */
export interface RunResult {
  version: number | null;
  newVersion: boolean;
  columns: CrawlerColumn[];
  filesSeen: number;
  newFiles: number;
  schemaChanges: SchemaChange[];
  rejected: RejectedFile[];
  rejectedTotal: number;
}

/** Rows written per statement (well under SQLite's and PostgreSQL's parameter limits). */
const BATCH = 200;
const ACTIVE: CrawlerRunStatus[] = ['InProgress', 'Stopping'];

/** Reads and writes the crawler tables. */
export class CrawlerStore {
  constructor(private readonly metadata: MetadataStore) {}

  private get db(): Kysely<CrawlerTables> {
    return this.metadata.db as unknown as Kysely<CrawlerTables>;
  }

  /** Run status changes for the platform feed (`crawler-run` events). */
  statusChanges(since: string, limit: number, after?: StatusCursor): Promise<StatusRow[]> {
    return readStatusChanges(this.metadata, 'crawler_runs' as keyof Database)(since, limit, after);
  }

  async insert(row: CrawlersTable): Promise<void> {
    try {
      await this.db.insertInto('crawlers').values(row).execute();
    } catch (err) {
      if (this.metadata.isUniqueViolation(err)) throw new OrchardError('ORCH_CRAWLER_EXISTS', { message: `A crawler named '${row.name}' exists`, details: { name: row.name } });
      throw err;
    }
  }

  async crawler(name: string): Promise<CrawlersTable> {
    const row = await this.db.selectFrom('crawlers').selectAll().where('name', '=', name).executeTakeFirst();
    if (!row) throw new OrchardError('ORCH_CRAWLER_NOT_FOUND', { message: `No crawler '${name}'`, details: { name } });
    return row;
  }

  async list(limit: number, offset: number): Promise<{ rows: CrawlersTable[]; total: number }> {
    const total = Number((await this.db.selectFrom('crawlers').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n);
    const rows = await this.db.selectFrom('crawlers').selectAll().orderBy('name').limit(limit).offset(offset).execute();
    return { rows, total };
  }

  /** Removes a crawler with its runs and file lists; refused while a run is active. */
  async delete(name: string): Promise<void> {
    await this.db.transaction().execute(async (tx) => {
      const gone = await tx.deleteFrom('crawlers').where('name', '=', name).where('active_run', 'is', null).executeTakeFirst();
      if (Number(gone.numDeletedRows) === 0) {
        const row = await tx.selectFrom('crawlers').select('active_run').where('name', '=', name).executeTakeFirst();
        if (!row) throw new OrchardError('ORCH_CRAWLER_NOT_FOUND', { message: `No crawler '${name}'`, details: { name } });
        throw running(name, Number(row.active_run));
      }
      await tx.deleteFrom('crawler_run_files').where('run_name', 'in', tx.selectFrom('crawler_runs').select('name').where('crawler', '=', name)).execute();
      await tx.deleteFrom('crawler_files').where('crawler', '=', name).execute();
      await tx.deleteFrom('crawler_runs').where('crawler', '=', name).execute();
    });
  }

  /** Starts the next run: refused while one is active (the conditional update settles races). */
  async startRun(crawler: string, createdBy: string | null): Promise<number> {
    return this.db.transaction().execute(async (tx) => {
      const row = await tx.selectFrom('crawlers').select(['last_run', 'active_run']).where('name', '=', crawler).executeTakeFirst();
      if (!row) throw new OrchardError('ORCH_CRAWLER_NOT_FOUND', { message: `No crawler '${crawler}'`, details: { name: crawler } });
      const run = Number(row.last_run) + 1;
      const now = new Date().toISOString();
      const claimed = await tx
        .updateTable('crawlers')
        .set({ active_run: run, last_run: run, updated_at: now })
        .where('name', '=', crawler)
        .where('active_run', 'is', null)
        .where('last_run', '=', Number(row.last_run))
        .executeTakeFirst();
      if (Number(claimed.numUpdatedRows) === 0) throw running(crawler, Number(row.active_run ?? run));
      await tx
        .insertInto('crawler_runs')
        .values({ name: runName(crawler, run), crawler, run, status: 'InProgress', failure_reason: null, dataset_version: null, new_version: 0, files_seen: 0, new_files: 0, schema_changes_json: '[]', rejected_json: '[]', rejected_total: 0, columns_json: null, stop_requested: 0, created_by: createdBy, created_at: now, started_at: null, ended_at: null, updated_at: now })
        .execute();
      return run;
    });
  }

  async run(crawler: string, run: number): Promise<CrawlerRunsTable> {
    const row = await this.db.selectFrom('crawler_runs').selectAll().where('crawler', '=', crawler).where('run', '=', run).executeTakeFirst();
    if (!row) throw new OrchardError('ORCH_CRAWLER_RUN_NOT_FOUND', { message: `Crawler '${crawler}' has no run ${run}`, details: { name: crawler, run } });
    return row;
  }

  async runs(crawler: string, limit: number, offset: number): Promise<{ rows: CrawlerRunsTable[]; total: number }> {
    const q = this.db.selectFrom('crawler_runs').where('crawler', '=', crawler);
    const total = Number((await q.select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n);
    const rows = await q.selectAll().orderBy('run', 'desc').limit(limit).offset(offset).execute();
    return { rows, total };
  }

  /** Runs queued or under way, for re-enqueueing what a queue lost. */
  async activeRuns(): Promise<CrawlerRunsTable[]> {
    return this.db.selectFrom('crawler_runs').selectAll().where('status', 'in', ACTIVE).execute();
  }

  async updateRun(name: string, changes: Partial<CrawlerRunsTable>): Promise<void> {
    await this.db.updateTable('crawler_runs').set({ ...changes, updated_at: new Date().toISOString() }).where('name', '=', name).execute();
  }

  /** Ends an active run without a new version (failed or stopped) and frees the crawler; false when it had ended. */
  async endRun(crawler: string, run: number, status: CrawlerRunStatus, failureReason: string | null): Promise<boolean> {
    return this.db.transaction().execute(async (tx) => {
      const now = new Date().toISOString();
      const res = await tx
        .updateTable('crawler_runs')
        .set({ status, failure_reason: failureReason?.slice(0, 2000) ?? null, ended_at: now, updated_at: now })
        .where('name', '=', runName(crawler, run))
        .where('status', 'in', ACTIVE)
        .executeTakeFirst();
      await tx.updateTable('crawlers').set({ active_run: null, updated_at: now }).where('name', '=', crawler).where('active_run', '=', run).execute();
      return Number(res.numUpdatedRows) > 0;
    });
  }

  /** The crawler's known files among `paths`. */
  async filesAt(crawler: string, paths: string[]): Promise<Map<string, CrawlerFileRow>> {
    const found = new Map<string, CrawlerFileRow>();
    for (let i = 0; i < paths.length; i += BATCH) {
      const rows = await this.db
        .selectFrom('crawler_files')
        .select(['path', 'size', 'etag', 'mtime', 'state', 'reason', 'part_key', 'columns_json'])
        .where('crawler', '=', crawler)
        .where('path', 'in', paths.slice(i, i + BATCH))
        .execute();
      for (const row of rows) found.set(row.path, row);
    }
    return found;
  }

  /** The files in the crawler's table, in path order. */
  async includedFiles(crawler: string): Promise<CrawlerFileRow[]> {
    return this.db.selectFrom('crawler_files').select(['path', 'size', 'etag', 'mtime', 'state', 'reason', 'part_key', 'columns_json']).where('crawler', '=', crawler).where('state', '=', 'included').orderBy('path').execute();
  }

  async fileCounts(crawler: string): Promise<{ included: number; rejected: number }> {
    const rows = await this.db.selectFrom('crawler_files').select(['state', (eb) => eb.fn.countAll().as('n')]).where('crawler', '=', crawler).groupBy('state').execute();
    const count = (state: FileState) => Number(rows.find((r) => r.state === state)?.n ?? 0);
    return { included: count('included'), rejected: count('rejected') };
  }

  /** Replaces what a run has staged (its new, changed and rejected files). */
  async stage(run: string, files: CrawlerFileRow[]): Promise<void> {
    await this.db.transaction().execute(async (tx) => {
      await tx.deleteFrom('crawler_run_files').where('run_name', '=', run).execute();
      for (let i = 0; i < files.length; i += BATCH) {
        await tx
          .insertInto('crawler_run_files')
          .values(files.slice(i, i + BATCH).map((f) => ({ ...f, run_name: run })))
          .execute();
      }
    });
  }

  async staged(run: string): Promise<CrawlerFileRow[]> {
    return this.db.selectFrom('crawler_run_files').select(['path', 'size', 'etag', 'mtime', 'state', 'reason', 'part_key', 'columns_json']).where('run_name', '=', run).orderBy('path').execute();
  }

  /**
   * Ends a run Completed and applies its staged files to the crawler's file list, its
   * version and columns to the crawler, in one transaction. Returns the part keys the
   * changed files no longer use, or null when the run had already ended.
   */
  async commit(crawler: string, run: number, result: RunResult): Promise<string[] | null> {
    const name = runName(crawler, run);
    return this.db.transaction().execute(async (tx) => {
      const now = new Date().toISOString();
      const ended = await tx
        .updateTable('crawler_runs')
        .set({
          status: 'Completed',
          failure_reason: null,
          dataset_version: result.version,
          new_version: result.newVersion ? 1 : 0,
          files_seen: result.filesSeen,
          new_files: result.newFiles,
          schema_changes_json: JSON.stringify(result.schemaChanges),
          rejected_json: JSON.stringify(result.rejected.slice(0, MAX_LISTED_REJECTIONS)),
          rejected_total: result.rejectedTotal,
          columns_json: JSON.stringify(result.columns),
          ended_at: now,
          updated_at: now,
        })
        .where('name', '=', name)
        .where('status', 'in', ACTIVE)
        .executeTakeFirst();
      if (Number(ended.numUpdatedRows) === 0) return null;
      const staged = await tx.selectFrom('crawler_run_files').select(['path', 'size', 'etag', 'mtime', 'state', 'reason', 'part_key', 'columns_json']).where('run_name', '=', name).execute();
      const unused = await replaceFiles(tx, crawler, run, staged);
      const changes: Partial<CrawlersTable> = { active_run: null, updated_at: now };
      if (result.newVersion) Object.assign(changes, { current_version: result.version, columns_json: JSON.stringify(result.columns) });
      await tx.updateTable('crawlers').set(changes).where('name', '=', crawler).execute();
      return unused;
    });
  }

  toRun(row: CrawlerRunsTable, dataset: string): CrawlerRun {
    return {
      name: row.name,
      crawler: row.crawler,
      run: Number(row.run),
      status: row.status as CrawlerRunStatus,
      failureReason: row.failure_reason,
      dataset: row.dataset_version === null ? null : `${dataset}@${Number(row.dataset_version)}`,
      newVersion: Boolean(Number(row.new_version)),
      filesSeen: Number(row.files_seen),
      newFiles: Number(row.new_files),
      schemaChanges: JSON.parse(row.schema_changes_json) as SchemaChange[],
      rejectedFiles: JSON.parse(row.rejected_json) as RejectedFile[],
      rejectedTotal: Number(row.rejected_total),
      createdBy: row.created_by,
      createdAt: row.created_at,
      startedAt: row.started_at,
      endedAt: row.ended_at,
      updatedAt: row.updated_at,
    };
  }

  async toCrawler(row: CrawlersTable): Promise<Crawler> {
    const last = row.last_run > 0 ? await this.db.selectFrom('crawler_runs').selectAll().where('crawler', '=', row.name).where('run', '=', Number(row.last_run)).executeTakeFirst() : undefined;
    const status = last && ACTIVE.includes(last.status as CrawlerRunStatus) ? (last.status === 'Stopping' ? 'Stopping' : 'Running') : 'Ready';
    return {
      name: row.name,
      source: row.source,
      format: (row.format as Crawler['format']) ?? null,
      header: row.header === null ? null : Boolean(Number(row.header)),
      dataset: row.dataset,
      description: row.description,
      state: status,
      currentVersion: row.current_version === null ? null : Number(row.current_version),
      columns: JSON.parse(row.columns_json) as CrawlerColumn[],
      files: await this.fileCounts(row.name),
      lastRun: last ? this.toRun(last, row.dataset) : null,
      tags: JSON.parse(row.tags_json) as Record<string, string>,
      createdBy: row.created_by,
      createdAt: row.created_at,
      updatedAt: row.updated_at,
    };
  }
}

/** Writes staged files over the crawler's list; returns the parts of replaced files that nothing uses now. */
async function replaceFiles(tx: Transaction<CrawlerTables>, crawler: string, run: number, staged: CrawlerFileRow[]): Promise<string[]> {
  const unused: string[] = [];
  for (let i = 0; i < staged.length; i += BATCH) {
    const batch = staged.slice(i, i + BATCH);
    const paths = batch.map((f) => f.path);
    const old = await tx.selectFrom('crawler_files').select(['path', 'part_key']).where('crawler', '=', crawler).where('path', 'in', paths).execute();
    for (const o of old) if (o.part_key) unused.push(o.part_key);
    await tx.deleteFrom('crawler_files').where('crawler', '=', crawler).where('path', 'in', paths).execute();
    await tx
      .insertInto('crawler_files')
      .values(batch.map((f) => ({ ...f, crawler, run })))
      .execute();
  }
  const kept = new Set(staged.map((f) => f.part_key));
  return unused.filter((key) => !kept.has(key));
}

function running(crawler: string, run: number): OrchardError {
  return new OrchardError('ORCH_CRAWLER_RUNNING', { message: `Crawler '${crawler}' has run ${run} in progress; wait for it or stop it`, details: { name: crawler, run } });
}
