import { mkdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { OrchardError, isOrchardError, type ResolvedConfig } from '../core/index.js';
import type { ArtifactStore, MetadataStore } from '../storage/index.js';
import { DEFAULT_LIST_LIMIT, DatasetCatalog, MAX_LIST_LIMIT, type DatasetRow } from './dataset-catalog.js';
import { parseDatasetRef, validateDatasetName } from './names.js';
import { ParquetCache } from './parquet-cache.js';
import type { TableBinding } from './query.js';
import { DEFAULT_QUERY_TIMEOUT_MS, decodePageToken, encodePageToken, stripTrailingSemicolon } from './query-pages.js';
import { MAX_SQL_LENGTH, SqlParser, collectTableNames } from './sql-guard.js';
import type { CreateDatasetFromQueryInput, CreateDatasetInput, DatasetListFilter, DatasetService, DatasetVersion, QueryResult, QuerySource } from './types.js';

export interface DatasetServiceDeps {
  config: Pick<ResolvedConfig, 'workDir' | 'maxUploadBytes'>;
  metadata: MetadataStore;
  artifacts: ArtifactStore;
  /** Time limit of one query or preview, in ms. @default 60 000 */
  queryTimeoutMs?: number;
}

/** Longest a query may run when its result becomes a dataset (a large result takes minutes). */
const CTAS_TIMEOUT_MS = 3_600_000;
const DEFAULT_PREVIEW_LIMIT = 20;
const MAX_PREVIEW_LIMIT = 1000;
const DEFAULT_PAGE_SIZE = 100;
const MAX_PAGE_SIZE = 10_000;
/** The view name a preview reads its one version through. */
const PREVIEW_TABLE = 'dataset';

/**
 * Creates the datasets service (the S3 + Glue crawler + Athena part of the
 * platform): versioned uploads with schema and statistics in the metadata store,
 * files in the artifact store, and read-only SQL over datasets by name.
 * @example
 * const datasets = createDatasetService({ config, metadata, artifacts });
 * await datasets.create({ name: 'churn', format: 'csv', body: fs.createReadStream('churn.csv') });
 * await datasets.query('select _c0, count(*) from churn group by 1');
 */
export function createDatasetService(deps: DatasetServiceDeps): DatasetService {
  return new Datasets(deps);
}

class Datasets implements DatasetService {
  private readonly config: DatasetServiceDeps['config'];
  private readonly metadata: MetadataStore;
  private readonly artifacts: ArtifactStore;
  private readonly catalog: DatasetCatalog;
  private readonly cache: ParquetCache;
  private readonly parser = new SqlParser();
  private readonly timeoutMs: number;

  constructor(deps: DatasetServiceDeps) {
    this.config = deps.config;
    this.metadata = deps.metadata;
    this.artifacts = deps.artifacts;
    this.catalog = new DatasetCatalog(deps.metadata, deps.artifacts.url);
    this.cache = new ParquetCache(path.join(deps.config.workDir, 'cache', 'datasets'), deps.artifacts);
    this.timeoutMs = deps.queryTimeoutMs ?? DEFAULT_QUERY_TIMEOUT_MS;
  }

  async create(input: CreateDatasetInput): Promise<DatasetVersion> {
    const { workDir, maxUploadBytes } = this.config;
    // Ingest and SQL load DuckDB: imported on first use, so a worker that only reads
    // the catalog never loads the addon.
    const { createDataset } = await import('./dataset-create.js');
    return createDataset(
      { workDir, maxUploadBytes, metadata: this.metadata, artifacts: this.artifacts, catalog: this.catalog },
      input,
    );
  }

  async list(filter: DatasetListFilter = {}): Promise<{ items: DatasetVersion[]; total: number }> {
    const limit = pageLimit(filter.limit, DEFAULT_LIST_LIMIT, MAX_LIST_LIMIT, 'limit', 'ORCH_DATASET_INVALID');
    const offset = filter.offset ?? 0;
    if (!Number.isSafeInteger(offset) || offset < 0) {
      throw new OrchardError('ORCH_DATASET_INVALID', { message: 'offset must be a non-negative integer' });
    }
    const { rows, total } = await this.catalog.list(filter, limit, offset);
    return { items: rows.map((row) => this.catalog.toVersion(row)), total };
  }

  async describe(ref: string): Promise<DatasetVersion> {
    return this.catalog.toVersion(await this.resolve(ref));
  }

  async versions(name: string, opts: { includeDeleted?: boolean } = {}): Promise<DatasetVersion[]> {
    const rows = await this.catalog.rowsOf(validateDatasetName(name));
    if (rows.length === 0) {
      throw new OrchardError('ORCH_DATASET_NOT_FOUND', { message: `No dataset '${name}'`, details: { ref: name } });
    }
    return rows.filter((row) => opts.includeDeleted || row.status === 'ready').map((row) => this.catalog.toVersion(row));
  }

  async preview(ref: string, opts: { limit?: number } = {}): Promise<QueryResult> {
    const limit = pageLimit(opts.limit, DEFAULT_PREVIEW_LIMIT, MAX_PREVIEW_LIMIT, 'limit', 'ORCH_DATASET_INVALID');
    const local = await this.localParquet(ref);
    const { executeSelect } = await import('./query.js');
    const { result } = await executeSelect({
      tables: [{ name: PREVIEW_TABLE, path: local.path }],
      sql: `SELECT * FROM "${PREVIEW_TABLE}"`,
      limit,
      offset: 0,
      workDir: this.config.workDir,
      timeoutMs: this.timeoutMs,
    });
    return { ...result, nextPageToken: null };
  }

  async query(sql: string, opts: { pageSize?: number; pageToken?: string } = {}): Promise<QueryResult> {
    const pageSize = pageLimit(opts.pageSize, DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE, 'pageSize', 'ORCH_QUERY_INVALID');
    const { text, tables } = await this.checkSelect(sql);
    const offset = decodePageToken(text, opts.pageToken);
    const { executeSelect } = await import('./query.js');
    const { result, more } = await executeSelect({
      tables,
      sql: text,
      limit: pageSize,
      offset,
      workDir: this.config.workDir,
      timeoutMs: this.timeoutMs,
    });
    return { ...result, nextPageToken: more ? encodePageToken(text, offset + pageSize) : null };
  }

  async createFromQuery(input: CreateDatasetFromQueryInput): Promise<DatasetVersion> {
    validateDatasetName(input.name);
    const { text, tables } = await this.checkSelect(input.sql);
    const scratch = path.join(this.config.workDir, 'tmp', `ctas-${randomBytes(8).toString('hex')}`);
    await mkdir(scratch, { recursive: true });
    try {
      const output = path.join(scratch, 'result.parquet');
      const { copySelectToParquet } = await import('./query.js');
      await copySelectToParquet({ tables, sql: text, output, workDir: this.config.workDir, timeoutMs: CTAS_TIMEOUT_MS });
      // The result goes through the same ingest as an upload (schema, statistics, both
      // files stored before the version is registered), so a failure registers nothing.
      return await this.create({
        name: input.name,
        format: 'parquet',
        parquetFile: output,
        description: input.description ?? `SELECT result: ${text.slice(0, 200)}`,
        tags: { ...input.tags, 'orchard:source': 'query' },
        createdBy: input.createdBy,
      });
    } finally {
      await rm(scratch, { recursive: true, force: true });
    }
  }

  /** One SELECT, checked and parsed, with the datasets it names bound to their Parquet files. */
  private async checkSelect(sql: string): Promise<{ text: string; tables: TableBinding[] }> {
    const { text, names } = await this.parseSelect(sql);
    const tables = await Promise.all(names.map((name) => this.bindTable(name)));
    return { text, tables };
  }

  /** One SELECT, checked and parsed, with the table names it reads. */
  private async parseSelect(sql: string): Promise<{ text: string; names: string[] }> {
    if (typeof sql !== 'string' || sql.length > MAX_SQL_LENGTH) {
      throw new OrchardError('ORCH_QUERY_INVALID', { message: `SQL must be a string of at most ${MAX_SQL_LENGTH} characters` });
    }
    const text = stripTrailingSemicolon(sql);
    if (!text) throw new OrchardError('ORCH_QUERY_INVALID', { message: 'The query is empty' });
    const [statement] = await this.parser.parse(text);
    const names = collectTableNames(statement);
    assertDistinctIgnoringCase(names);
    return { text, names };
  }

  async sources(sql: string): Promise<QuerySource[]> {
    const { names } = await this.parseSelect(sql);
    return Promise.all(
      names.map(async (ref) => {
        const row = await this.tableRow(ref);
        return { ref, name: row.name, version: row.version, id: row.id };
      }),
    );
  }

  async delete(ref: string, opts: { purge?: boolean } = {}): Promise<{ deleted: DatasetVersion[]; purged: boolean }> {
    const rows = await this.rowsFor(ref);
    const now = new Date().toISOString();
    const ready = rows.filter((row) => row.status === 'ready');
    // Hide first: a purge that fails midway leaves hidden rows that a retry can finish.
    await this.catalog.setDeleted(ready.map((row) => row.id), now);
    const asDeleted = (row: DatasetRow) =>
      this.catalog.toVersion({ ...row, status: 'deleted', deleted_at: row.deleted_at ?? now });
    if (!opts.purge) return { deleted: ready.map(asDeleted), purged: false };
    for (const row of rows) {
      await this.artifacts.delete(row.source_key);
      await this.artifacts.delete(row.data_key);
      await this.cache.evict(row.id);
    }
    await this.catalog.remove(rows.map((row) => row.id));
    return { deleted: rows.map(asDeleted), purged: true };
  }

  async restore(ref: string): Promise<DatasetVersion[]> {
    const deleted = (await this.rowsFor(ref)).filter((row) => row.status === 'deleted');
    await this.catalog.setRestored(deleted.map((row) => row.id));
    return deleted.map((row) => this.catalog.toVersion({ ...row, status: 'ready', deleted_at: null }));
  }

  async localParquet(ref: string): Promise<{ version: DatasetVersion; path: string }> {
    const row = await this.resolve(ref);
    return { version: this.catalog.toVersion(row), path: await this.cache.get(row.id, row.data_key) };
  }

  async writeCsv(ref: string, file: string): Promise<void> {
    const { path: parquet } = await this.localParquet(ref);
    const { copyParquetToCsv } = await import('./query.js');
    await copyParquetToCsv({ parquet, output: file, workDir: this.config.workDir, timeoutMs: CTAS_TIMEOUT_MS });
  }

  close(): Promise<void> {
    return this.parser.close();
  }

  /** The row a reference points at: `name` → latest ready version, `name@N` → that version. */
  private async resolve(ref: string): Promise<DatasetRow> {
    const { name, version } = parseDatasetRef(ref);
    const row = version === null ? await this.catalog.latestReady(name) : await this.catalog.find(name, version);
    if (row?.status === 'ready') return row;
    if (row || (version === null && (await this.catalog.rowsOf(name)).length > 0)) {
      throw new OrchardError('ORCH_DATASET_DELETED', {
        message: version === null ? `Every version of dataset '${name}' is deleted` : `Dataset version '${ref}' is deleted`,
        details: { ref },
      });
    }
    throw new OrchardError('ORCH_DATASET_NOT_FOUND', { message: `No dataset '${ref}'`, details: { ref } });
  }

  /** Rows a delete/restore reference covers: every visible version of a name, or one version. */
  private async rowsFor(ref: string): Promise<DatasetRow[]> {
    const { name, version } = parseDatasetRef(ref);
    const rows = version === null ? await this.catalog.rowsOf(name) : [await this.catalog.find(name, version)];
    const found = rows.filter((row): row is DatasetRow => row !== undefined);
    if (found.length === 0) {
      throw new OrchardError('ORCH_DATASET_NOT_FOUND', { message: `No dataset '${ref}'`, details: { ref } });
    }
    return found;
  }

  /** Binds a table name from a query to its version's local Parquet copy. */
  private async bindTable(name: string): Promise<TableBinding> {
    const row = await this.tableRow(name);
    return { name, path: await this.cache.get(row.id, row.data_key) };
  }

  /** The version a table name in a query reads; `ORCH_QUERY_*` codes for what is no dataset. */
  private async tableRow(name: string): Promise<DatasetRow> {
    try {
      parseDatasetRef(name);
    } catch {
      throw new OrchardError('ORCH_QUERY_FORBIDDEN', {
        message: `'${name.slice(0, 100)}' is not a dataset name: a query may read only datasets by name`,
      });
    }
    try {
      return await this.resolve(name);
    } catch (err) {
      if (isOrchardError(err) && (err.code === 'ORCH_DATASET_NOT_FOUND' || err.code === 'ORCH_DATASET_DELETED')) {
        throw new OrchardError('ORCH_QUERY_UNKNOWN_DATASET', {
          message: `The query names an unknown dataset: '${name.slice(0, 140)}'`,
          details: { dataset: name.slice(0, 140) },
          cause: err,
        });
      }
      throw err;
    }
  }
}

/** A page size: the default when absent, clamped to the maximum, refused when not a positive integer. */
function pageLimit(
  value: number | undefined,
  fallback: number,
  max: number,
  field: string,
  code: 'ORCH_QUERY_INVALID' | 'ORCH_DATASET_INVALID',
): number {
  if (value === undefined) return fallback;
  if (!Number.isSafeInteger(value) || value < 1) {
    throw new OrchardError(code, { message: `${field} must be a positive integer (at most ${max})` });
  }
  return Math.min(value, max);
}

/**
 * DuckDB resolves table names case-insensitively, so `cls` and `CLS` in one query
 * would read the same view although they may name two datasets.
 */
function assertDistinctIgnoringCase(names: string[]): void {
  const seen = new Map<string, string>();
  for (const name of names) {
    const other = seen.get(name.toLowerCase());
    if (other !== undefined && other !== name) {
      throw new OrchardError('ORCH_QUERY_INVALID', {
        message: `'${other}' and '${name}' differ only in case; SQL cannot tell them apart in one query`,
      });
    }
    seen.set(name.toLowerCase(), name);
  }
}
