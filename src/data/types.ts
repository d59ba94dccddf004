import type { Readable } from 'node:stream';
import type { DatasetFormat, DatasetListFilter, DatasetVersion, QueryResult } from '../contracts/index.js';

// The wire shapes of datasets are declared once, in the contracts.
export type { ColumnStats, DatasetColumn, DatasetFormat, DatasetListFilter, DatasetVersion, QueryResult } from '../contracts/index.js';
export { DATASET_FORMATS } from '../contracts/values.js';

export interface CreateDatasetInput {
  name: string;
  format: DatasetFormat;
  /**
   * CSV only: whether the first record is a header. Without one (the SageMaker
   * convention: no header, target first) columns are named `_c0`, `_c1`, …
   * @default false
   */
  header?: boolean;
  description?: string;
  tags?: Record<string, string>;
  createdBy?: string;
  /** The file's bytes; streamed to disk, never buffered whole. */
  body?: Readable;
  /** Size the client announced; a body that ends short fails with `ORCH_DATASET_UPLOAD_INCOMPLETE`. */
  expectedSize?: number;
  /** Create from an object already in the artifact store instead of `body`. */
  sourceKey?: string;
  /**
   * Server-side only (never from a request): a Parquet file on local disk that the
   * platform wrote itself (a query's result, a job's output). It is profiled in place and
   * stored once, as both the version's source and its data copy, without re-conversion.
   * `format` must be `parquet`.
   */
  parquetFile?: string;
}

/** `datasets create NAME --from-query SQL`. */
export interface CreateDatasetFromQueryInput {
  name: string;
  /** One read-only SELECT over datasets by name. */
  sql: string;
  description?: string;
  tags?: Record<string, string>;
  createdBy?: string;
}

/** A dataset a query reads: the name as the query wrote it and the version it resolves to. */
export interface QuerySource {
  /** As written in the query: `sales` or `sales@3`. */
  ref: string;
  name: string;
  version: number;
  /** The version's id: unlike the number, never reused after a purge. */
  id: string;
}

/** Datasets: versioned files with a schema and statistics, and read-only SQL over them. */
export interface DatasetService {
  create(input: CreateDatasetInput): Promise<DatasetVersion>;
  /** Latest ready version per name, unless `allVersions`. Sorted by name, then newest version first. */
  list(filter?: DatasetListFilter): Promise<{ items: DatasetVersion[]; total: number }>;
  /** `name` is the latest ready version, `name@3` is version 3. */
  describe(ref: string): Promise<DatasetVersion>;
  /** Versions of a name, oldest first. */
  versions(name: string, opts?: { includeDeleted?: boolean }): Promise<DatasetVersion[]>;
  /** First rows of a version. `limit` @default 20, at most 1000. */
  preview(ref: string, opts?: { limit?: number }): Promise<QueryResult>;
  /** One read-only SELECT over datasets by name. `pageSize` @default 100, at most 10000. */
  query(sql: string, opts?: { pageSize?: number; pageToken?: string }): Promise<QueryResult>;
  /**
   * The datasets one SELECT reads, each resolved to the version it reads now (`name` is
   * the latest ready version), checked as `query` checks it but not run. A cache of query
   * results keys on these: a new version of a name changes the answer.
   */
  sources(sql: string): Promise<QuerySource[]>;
  /** A read-only SELECT's whole result as the next version of `name` (Athena's CTAS), in the same sandbox as queries. */
  createFromQuery(input: CreateDatasetFromQueryInput): Promise<DatasetVersion>;
  /** `name` is every version, `name@3` one; soft by default. `purge` also removes the files. */
  delete(ref: string, opts?: { purge?: boolean }): Promise<{ deleted: DatasetVersion[]; purged: boolean }>;
  /** Undoes a soft delete; returns the versions restored. */
  restore(ref: string): Promise<DatasetVersion[]>;
  /** Local path of the version's Parquet copy (downloaded to a cache and verified if needed), for trainers and batch jobs. */
  localParquet(ref: string): Promise<{ version: DatasetVersion; path: string }>;
  /** A version's rows written to `file` as CSV without a header, in column order (a Parquet dataset given to a built-in algorithm). */
  writeCsv(ref: string, file: string): Promise<void>;
  close(): Promise<void>;
}
