/** Datasets: versions, columns with statistics, list filters, and query results. */
import { Type, type Static } from '@sinclair/typebox';
import { DATASET_FORMATS } from './values.js';
import { MapOf, Nullable, PageQuery, Strict, StringEnum, StringRecord, Tags, Timestamp } from './common.contract.js';

export const DatasetFormat = StringEnum(DATASET_FORMATS);
export type DatasetFormat = Static<typeof DatasetFormat>;

/** A dataset ref: `name` (the latest version) or `name@3`. */
export const DatasetRef = Type.String({ minLength: 1, maxLength: 200 });

/**
 * Per-column statistics, computed once at ingest over the Parquet copy.
 * `count` is the number of non-null values (`count + nulls` is the row count).
 * Numeric statistics leave out non-finite floats (NaN, ±Infinity).
 */
export const ColumnStats = Type.Object({
  count: Type.Integer(),
  nulls: Type.Integer(),
  /** Exact for low-cardinality columns, otherwise a HyperLogLog estimate. */
  distinct: Type.Integer(),
  /** Numbers for numeric columns, ISO strings for dates/times, strings for text; null otherwise. */
  min: Type.Union([Type.Number(), Type.String(), Type.Null()]),
  max: Type.Union([Type.Number(), Type.String(), Type.Null()]),
  /** Numeric columns only. */
  mean: Nullable(Type.Number()),
  /** Sample standard deviation; numeric columns only. */
  stddev: Nullable(Type.Number()),
  /** Up to 5 most frequent non-null values with their exact counts. */
  topValues: Type.Array(Type.Object({ value: Type.Union([Type.String(), Type.Number(), Type.Boolean(), Type.Null()]), count: Type.Integer() })),
  /** 20 equal-width bins between min and max; numeric columns only. */
  histogram: Nullable(Type.Array(Type.Object({ lower: Type.Number(), upper: Type.Number(), count: Type.Integer() }))),
});
export type ColumnStats = Static<typeof ColumnStats>;

export const DatasetColumn = Type.Object({
  name: Type.String(),
  /** DuckDB type name, e.g. `BIGINT`, `DOUBLE`, `VARCHAR`, `STRUCT(a BIGINT)`. */
  type: Type.String(),
  stats: ColumnStats,
});
export type DatasetColumn = Static<typeof DatasetColumn>;

/** One immutable version of a dataset. */
export const DatasetVersion = Type.Object({
  id: Type.String(),
  name: Type.String(),
  version: Type.Integer(),
  status: StringEnum(['ready', 'deleted'] as const),
  format: DatasetFormat,
  header: Type.Boolean(),
  rowCount: Type.Integer(),
  /** Size of the stored source file (a leading UTF-8 BOM is not stored). */
  sizeBytes: Type.Integer(),
  /** Hex sha256 of the stored source file. */
  sha256: Type.String(),
  columns: Type.Array(DatasetColumn),
  sourceUri: Type.String(),
  dataUri: Type.String(),
  description: Nullable(Type.String()),
  tags: StringRecord,
  createdBy: Nullable(Type.String()),
  createdAt: Timestamp,
  deletedAt: Nullable(Timestamp),
});
export type DatasetVersion = Static<typeof DatasetVersion>;

/** `POST /datasets`: a version made from an object already in the artifact store. */
export const CreateDatasetFromArtifactRequest = Strict({
  name: DatasetRef,
  format: DatasetFormat,
  /** CSV only: whether the first record is a header. @default false */
  header: Type.Optional(Type.Boolean()),
  description: Type.Optional(Type.String({ maxLength: 4096 })),
  tags: Type.Optional(Tags),
  sourceKey: Type.String({ minLength: 1, maxLength: 1024 }),
});
export type CreateDatasetFromArtifactRequest = Static<typeof CreateDatasetFromArtifactRequest>;

/** `POST /datasets/from-query`: a read-only SELECT's whole result as the next version of `name` (Athena's CTAS). */
export const CreateDatasetFromQueryRequest = Strict({
  name: DatasetRef,
  sql: Type.String({ minLength: 1, maxLength: 100_000 }),
  description: Type.Optional(Type.String({ maxLength: 4096 })),
  tags: Type.Optional(Tags),
});
export type CreateDatasetFromQueryRequest = Static<typeof CreateDatasetFromQueryRequest>;

/** `POST /datasets/{name}/versions` query: the file itself is the body. */
export const DatasetUploadQuery = Strict({
  format: Type.Optional(DatasetFormat),
  header: Type.Optional(Type.Boolean()),
  description: Type.Optional(Type.String({ maxLength: 4096 })),
  tag: Type.Optional(Type.Array(Type.String({ pattern: '^[^=]{1,128}=.{0,256}$' }), { maxItems: 50 })),
});
export type DatasetUploadQuery = Static<typeof DatasetUploadQuery>;

/** `GET /datasets` filters. */
export const DatasetListFilter = Strict({
  /** Names starting with this (case-sensitive). */
  prefix: Type.Optional(Type.String({ maxLength: 128 })),
  format: Type.Optional(DatasetFormat),
  createdBy: Type.Optional(Type.String({ maxLength: 64 })),
  /** Include soft-deleted versions. @default false */
  includeDeleted: Type.Optional(Type.Boolean()),
  /** Every version instead of the latest per name. @default false */
  allVersions: Type.Optional(Type.Boolean()),
  ...PageQuery,
});
export type DatasetListFilter = Static<typeof DatasetListFilter>;

/** `GET /datasets/{name}/versions` query. */
export const IncludeDeletedQuery = Strict({ includeDeleted: Type.Optional(Type.Boolean()) });
/** `GET /datasets/{ref}/preview` query: rows to show. @default 20 */
export const PreviewQuery = Strict({ limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000 })) });
/** `DELETE /datasets/{ref}` query: `purge` also removes the files. */
export const PurgeQuery = Strict({ purge: Type.Optional(Type.Boolean()) });

/** `POST /queries`: one read-only SELECT over datasets by name. */
export const QueryRequest = Strict({
  sql: Type.String({ minLength: 1, maxLength: 100_000 }),
  pageSize: Type.Optional(Type.Integer({ minimum: 1, maximum: 10_000 })),
  pageToken: Type.Optional(Type.String({ maxLength: 200 })),
});
export type QueryRequest = Static<typeof QueryRequest>;

export const QueryResult = Type.Object({
  columns: Type.Array(Type.Object({ name: Type.String(), type: Type.String() })),
  /** Rows keyed by column name, values JSON-safe. */
  rows: Type.Array(MapOf(Type.Unknown())),
  /** Pass back as `pageToken` for the next page; null on the last page. */
  nextPageToken: Nullable(Type.String()),
});
export type QueryResult = Static<typeof QueryResult>;
