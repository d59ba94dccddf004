import type { Readable } from 'node:stream';

/** File formats a dataset can be created from. Every version also gets a Parquet copy. */
export type DatasetFormat = 'csv' | 'jsonl' | 'parquet';

/** The formats in the order they are listed in error messages. */
export const DATASET_FORMATS: readonly DatasetFormat[] = ['csv', 'jsonl', 'parquet'];

/**
 * Per-column statistics, computed once at ingest over the Parquet copy.
 * `count` is the number of non-null values (`count + nulls` is the row count).
 * Numeric statistics leave out non-finite floats (NaN, ±Infinity).
 */
export interface ColumnStats {
  count: number;
  nulls: number;
  /** Exact for low-cardinality columns, otherwise a HyperLogLog estimate. */
  distinct: number;
  /** Numbers for numeric columns, ISO strings for dates/times, strings for text; null otherwise. */
  min: number | string | null;
  max: number | string | null;
  /** Numeric columns only. */
  mean: number | null;
  /** Sample standard deviation; numeric columns only. */
  stddev: number | null;
  /** Up to 5 most frequent non-null values with their exact counts. */
  topValues: { value: string | number | boolean | null; count: number }[];
  /** 20 equal-width bins between min and max; numeric columns only. */
  histogram: { lower: number; upper: number; count: number }[] | null;
}

export interface DatasetColumn {
  name: string;
  /** DuckDB type name, e.g. `BIGINT`, `DOUBLE`, `VARCHAR`, `STRUCT(a BIGINT)`. */
  type: string;
  stats: ColumnStats;
}

/** One immutable version of a dataset. */
export interface DatasetVersion {
  id: string;
  name: string;
  version: number;
  status: 'ready' | 'deleted';
  format: DatasetFormat;
  header: boolean;
  rowCount: number;
  /** Size of the stored source file (a leading UTF-8 BOM is not stored). */
  sizeBytes: number;
  /** Hex sha256 of the stored source file. */
  sha256: string;
  columns: DatasetColumn[];
  sourceUri: string;
  dataUri: string;
  description: string | null;
  tags: Record<string, string>;
  createdBy: string | null;
  createdAt: string;
  deletedAt: string | null;
}

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
}

export interface DatasetListFilter {
  /** Names starting with this (case-sensitive). */
  prefix?: string;
  format?: DatasetFormat;
  createdBy?: string;
  /** Include soft-deleted versions. @default false */
  includeDeleted?: boolean;
  /** Every version instead of the latest per name. @default false */
  allVersions?: boolean;
  /** @default 100, at most 1000 */
  limit?: number;
  /** @default 0 */
  offset?: number;
}

export interface QueryResult {
  columns: { name: string; type: string }[];
  /** Rows keyed by column name, values JSON-safe. */
  rows: Record<string, unknown>[];
  /** Pass back as `pageToken` for the next page; null on the last page. */
  nextPageToken: string | null;
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
  /** `name` is every version, `name@3` one; soft by default. `purge` also removes the files. */
  delete(ref: string, opts?: { purge?: boolean }): Promise<{ deleted: DatasetVersion[]; purged: boolean }>;
  /** Undoes a soft delete; returns the versions restored. */
  restore(ref: string): Promise<DatasetVersion[]>;
  /** Local path of the version's Parquet copy (downloaded to a cache and verified if needed), for trainers and batch jobs. */
  localParquet(ref: string): Promise<{ version: DatasetVersion; path: string }>;
  close(): Promise<void>;
}
