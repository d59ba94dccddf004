/**
 * Crawlers (AWS Glue crawlers over a folder or an S3 prefix of CSV, Parquet and JSON Lines
 * files, Hive-style partitions included): each run turns the files found so far into a new
 * version of one dataset.
 */
import { Type, type Static } from '@sinclair/typebox';
import { CRAWLER_FORMATS, CRAWLER_STATES, SCHEMA_CHANGE_KINDS } from './crawler-values.js';
import { JobStatus, Nullable, PageQuery, ResourceName, StringEnum, StringRecord, Strict, Tags, Timestamp } from './common.contract.js';

/** A crawler's name: 1–63 alphanumerics, hyphens only between them. */
export const CrawlerName = ResourceName(63);

/** The file formats a crawler reads; without one, each file's extension says. */
export const CrawlerFormat = StringEnum(CRAWLER_FORMATS);
export type CrawlerFormat = Static<typeof CrawlerFormat>;

/** Glue's crawler state: `Running` while a run is queued or under way. */
export const CrawlerState = StringEnum(CRAWLER_STATES);
export type CrawlerState = Static<typeof CrawlerState>;

/** A run's status: SageMaker's job statuses. */
export const CrawlerRunStatus = JobStatus;
export type CrawlerRunStatus = Static<typeof CrawlerRunStatus>;

/** What a client sends to create a crawler; `createdBy` comes from the caller's token. */
export const CreateCrawlerRequest = Strict({
  name: CrawlerName,
  /**
   * `s3://bucket/prefix` (the artifact store's bucket, or one listed in ORCHARD_CRAWLER_BUCKETS)
   * or `file:///folder` (under a folder listed in ORCHARD_CRAWLER_ROOTS).
   */
  source: Type.String({ minLength: 1, maxLength: 2048 }),
  /** Read every file as this format; files with another format's extension are rejected. @default by each file's extension */
  format: Type.Optional(CrawlerFormat),
  /** The dataset each run writes a version of. @default the crawler's name */
  dataset: Type.Optional(Type.String({ minLength: 1, maxLength: 128 })),
  /** CSV only: whether files start with a header. @default detected per file */
  header: Type.Optional(Type.Boolean()),
  description: Type.Optional(Type.String({ maxLength: 1024 })),
  tags: Type.Optional(Tags),
});
export type CreateCrawlerRequest = Static<typeof CreateCrawlerRequest>;
/** The create request as the service takes it: who asked is added by the server. */
export type CreateCrawlerInput = CreateCrawlerRequest & { createdBy?: string };

/** `GET /crawlers` filters. */
export const CrawlerFilter = Strict({ ...PageQuery });
export type CrawlerFilter = Static<typeof CrawlerFilter>;

/** `GET /crawlers/{name}/runs` filters. */
export const CrawlerRunFilter = Strict({ ...PageQuery });
export type CrawlerRunFilter = Static<typeof CrawlerRunFilter>;

/** Path parameters of one run. */
export const CrawlerRunParams = Type.Object({ name: CrawlerName, run: Type.Integer({ minimum: 1 }) });

/** One column of the table a crawler keeps, with its DuckDB type. */
export const CrawlerColumn = Type.Object({ name: Type.String(), type: Type.String() });
export type CrawlerColumn = Static<typeof CrawlerColumn>;

/** One difference between the table before and after a run. */
export const SchemaChange = Type.Object({
  column: Type.String(),
  /** `added`, `removed`, or `retyped` (a compatible widening such as BIGINT → DOUBLE). */
  change: StringEnum(SCHEMA_CHANGE_KINDS),
  /** The type before (null for an added column). */
  from: Nullable(Type.String()),
  /** The type after (null for a removed column). */
  to: Nullable(Type.String()),
});
export type SchemaChange = Static<typeof SchemaChange>;

/** A file a run could not use, and why (it is tried again once it changes). */
export const RejectedFile = Type.Object({ path: Type.String(), reason: Type.String() });
export type RejectedFile = Static<typeof RejectedFile>;

export const CrawlerRun = Type.Object({
  /** `<crawler>-<run>`, as the platform feed names it. */
  name: Type.String(),
  crawler: Type.String(),
  run: Type.Integer(),
  status: CrawlerRunStatus,
  failureReason: Nullable(Type.String()),
  /** The dataset version the run ended with (`NAME@VERSION`): a new one, or the current one when nothing was new. */
  dataset: Nullable(Type.String()),
  /** Whether this run registered `dataset`. */
  newVersion: Type.Boolean(),
  /** Files found under the source by this run. */
  filesSeen: Type.Integer(),
  /** New or changed files (size, ETag or modification time) this run added to the table. */
  newFiles: Type.Integer(),
  schemaChanges: Type.Array(SchemaChange),
  /** At most 1000; `rejectedTotal` counts them all. */
  rejectedFiles: Type.Array(RejectedFile),
  rejectedTotal: Type.Integer(),
  createdBy: Nullable(Type.String()),
  createdAt: Timestamp,
  startedAt: Nullable(Timestamp),
  endedAt: Nullable(Timestamp),
  updatedAt: Timestamp,
});
export type CrawlerRun = Static<typeof CrawlerRun>;

export const Crawler = Type.Object({
  name: Type.String(),
  source: Type.String(),
  format: Nullable(CrawlerFormat),
  header: Nullable(Type.Boolean()),
  dataset: Type.String(),
  description: Nullable(Type.String()),
  state: CrawlerState,
  /** The dataset version of the last run that registered one. */
  currentVersion: Nullable(Type.Integer()),
  /** The table's columns as of `currentVersion` (partition columns included). */
  columns: Type.Array(CrawlerColumn),
  /** Files in the table, and files rejected (until they change). */
  files: Type.Object({ included: Type.Integer(), rejected: Type.Integer() }),
  lastRun: Nullable(CrawlerRun),
  tags: StringRecord,
  createdBy: Nullable(Type.String()),
  createdAt: Timestamp,
  updatedAt: Timestamp,
});
export type Crawler = Static<typeof Crawler>;
