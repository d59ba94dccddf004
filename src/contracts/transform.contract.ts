/** Batch transform jobs (SageMaker CreateTransformJob, with datasets in place of S3 paths). */
import { Type, type Static } from '@sinclair/typebox';
import { BATCH_STRATEGIES, JOIN_SOURCES, SPLIT_TYPES, TRANSFORM_LIMITS } from './values.js';
import { JobName, JobStatus, JobTimeFields, Nullable, PageQuery, StringEnum, StringRecord, Strict, Tags, Timestamp } from './common.contract.js';

/** SageMaker's TransformJobStatus. */
export const TransformJobStatus = JobStatus;
export type TransformJobStatus = Static<typeof TransformJobStatus>;

export const SplitType = StringEnum(SPLIT_TYPES);
export const BatchStrategy = StringEnum(BATCH_STRATEGIES);
export const JoinSource = StringEnum(JOIN_SOURCES);


/** What a client sends to create a transform job; `createdBy` comes from the caller's token. */
export const CreateTransformJobRequest = Strict({
  /** @default generated from the model name and the time */
  name: Type.Optional(JobName),
  model: Type.String({ minLength: 1, maxLength: 63 }),
  /** Input dataset (`name` or `name@3`). */
  input: Type.String({ minLength: 1, maxLength: 200 }),
  /** Name of the output dataset (a new version of it is written). */
  output: Type.String({ minLength: 1, maxLength: 128 }),
  /** `Line` (one record per row) is what datasets hold. @default 'Line' */
  splitType: Type.Optional(SplitType),
  /** `MultiRecord` predicts mini-batches of up to maxPayloadMb; `SingleRecord` one row per call. @default 'MultiRecord' */
  batchStrategy: Type.Optional(BatchStrategy),
  /** @default 6 */
  maxPayloadMb: Type.Optional(Type.Integer(TRANSFORM_LIMITS.maxPayloadMb)),
  /** `Input` writes the input columns next to the predictions. @default 'None' */
  joinSource: Type.Optional(JoinSource),
  /**
   * Which input columns are features, as SageMaker's InputFilter on CSV: `$[1:]` drops
   * the first (a label), `$[0,2,5]` picks columns. @default all columns
   */
  inputFilter: Type.Optional(Type.String({ maxLength: 200 })),
  /**
   * Which columns of the written row the output dataset keeps, in the filter's order, as
   * SageMaker's OutputFilter (same grammar as inputFilter). The row is the input columns
   * then the prediction columns with `joinSource: Input`, else the predictions: `$[0,-1]`
   * keeps an id column and the last prediction, `$[0,5:]` the first column and all from
   * the sixth. Not for image jobs. @default all columns
   */
  outputFilter: Type.Optional(Type.String({ maxLength: 200 })),
  /**
   * SageMaker's ContentType. `application/x-image` (or `image/png`, `image/jpeg`) reads
   * images: the input is `artifacts:<prefix>` (every PNG and JPEG under it) or a manifest
   * dataset with a `source-ref` column; each image's answer is one output row. Implied by
   * an `artifacts:` input. @default rows of the dataset
   */
  contentType: Type.Optional(Type.String({ maxLength: 100 })),
  /** Rows per shard (a unit of parallel work and of retry). @default 100000 (1000 for images) */
  shardRows: Type.Optional(Type.Integer(TRANSFORM_LIMITS.shardRows)),
  tags: Type.Optional(Tags),
});
export type CreateTransformJobRequest = Static<typeof CreateTransformJobRequest>;
/** The create request as the service takes it: who asked is added by the server. */
export type CreateTransformJobInput = CreateTransformJobRequest & { createdBy?: string };

/** `GET /transform-jobs` filters. */
export const TransformJobFilter = Strict({ status: Type.Optional(TransformJobStatus), ...PageQuery });
export type TransformJobFilter = Static<typeof TransformJobFilter>;

export const TransformJob = Type.Object({
  name: Type.String(),
  status: TransformJobStatus,
  failureReason: Nullable(Type.String()),
  model: Type.String(),
  input: Type.Object({ dataset: Type.String(), version: Type.Integer(), rows: Type.Integer() }),
  output: Type.Object({ dataset: Type.String(), version: Nullable(Type.Integer()) }),
  splitType: SplitType,
  batchStrategy: BatchStrategy,
  maxPayloadMb: Type.Integer(),
  joinSource: JoinSource,
  inputFilter: Nullable(Type.String()),
  /** The output filter as given (null: every column of the written row). */
  outputFilter: Nullable(Type.String()),
  /** Feature columns the filter chose. */
  features: Type.Array(Type.String()),
  /** Shards in all, done, and attempts started (more attempts than shards means retries). */
  shards: Type.Object({ total: Type.Integer(), completed: Type.Integer(), attempts: Type.Integer() }),
  rowsProcessed: Type.Integer(),
  /** The input's content type when it is not rows of the dataset (`application/x-image`). */
  contentType: Type.Optional(Type.String()),
  /** Image jobs: records whose image did not decode or was missing (each has its reason in the output's `error` column). */
  failedRecords: Type.Optional(Type.Integer()),
  tags: StringRecord,
  ...JobTimeFields,
});
export type TransformJob = Static<typeof TransformJob>;
