/**
 * Processing jobs (SageMaker CreateProcessingJob, with datasets and artifact prefixes in
 * place of S3 URIs): a user's script over dataset inputs, its output folders becoming
 * dataset versions or artifacts.
 */
import { Type, type Static } from '@sinclair/typebox';
import { JobName, JobStatus, JobTimeFields, Nullable, NumberRecord, PageQuery, ScriptSource, StringEnum, StringMap, StringRecord, Strict, Tags, Timestamp } from './common.contract.js';
import { Cpus } from './training.contract.js';

/** SageMaker's ProcessingJobStatus (the statuses training, tuning and transform jobs share). */
export const ProcessingJobStatus = JobStatus;
export type ProcessingJobStatus = Static<typeof ProcessingJobStatus>;

/** SageMaker's S3DataDistributionType: every instance gets all files, or a share of them. */
export const PROCESSING_DISTRIBUTIONS = ['FullyReplicated', 'ShardedByS3Key'] as const;
export const ProcessingDistribution = StringEnum(PROCESSING_DISTRIBUTIONS);
export type ProcessingDistribution = Static<typeof ProcessingDistribution>;

/** How a dataset input is written into its folder. */
export const PROCESSING_INPUT_FORMATS = ['csv', 'parquet'] as const;
export const ProcessingInputFormat = StringEnum(PROCESSING_INPUT_FORMATS);
export type ProcessingInputFormat = Static<typeof ProcessingInputFormat>;

/** What an instance of a job is doing. */
export const PROCESSING_INSTANCE_STATUSES = ['Pending', 'InProgress', 'Completed', 'Failed', 'Stopped'] as const;
export const ProcessingInstanceStatus = StringEnum(PROCESSING_INSTANCE_STATUSES);
export type ProcessingInstanceStatus = Static<typeof ProcessingInstanceStatus>;

/** Limits of the create request (SageMaker's where it has one). */
export const PROCESSING_LIMITS = {
  inputs: 10,
  outputs: 10,
  instanceCount: { minimum: 1, maximum: 100 },
  /** SageMaker's MaxRuntimeInSeconds ceiling for processing: 7 days. */
  maxRuntimeSeconds: { minimum: 1, maximum: 604_800 },
  arguments: 100,
  argumentLength: 256,
} as const;

/** An input or output name: it becomes a folder name and part of an environment variable. */
export const ProcessingIoName = Type.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9][A-Za-z0-9_-]*$' });

/** A folder as the script sees it: under `/opt/ml/processing/`. */
export const ProcessingLocalPath = Type.String({ minLength: 1, maxLength: 256, pattern: '^/opt/ml/processing/[A-Za-z0-9_./-]+$' });

export const ProcessingInputRequest = Strict({
  name: ProcessingIoName,
  /** A dataset ref (`name` or `name@3`). */
  dataset: Type.String({ minLength: 1, maxLength: 200 }),
  /** @default `/opt/ml/processing/input/<name>` */
  localPath: Type.Optional(ProcessingLocalPath),
  /** @default 'FullyReplicated' */
  distribution: Type.Optional(ProcessingDistribution),
  /** CSV in the dataset's own layout (its header if it has one), or Parquet. @default 'csv' */
  format: Type.Optional(ProcessingInputFormat),
});
export type ProcessingInputRequest = Static<typeof ProcessingInputRequest>;

/** Where an output folder goes: exactly one of a dataset (its next version) or an artifact-store prefix. */
export const ProcessingOutputRequest = Strict({
  name: ProcessingIoName,
  /** A dataset name: the folder's files become its next version. */
  dataset: Type.Optional(Type.String({ minLength: 1, maxLength: 128 })),
  /** An artifact-store prefix (outside the platform's folders): the folder's files are stored under it. */
  artifactPrefix: Type.Optional(Type.String({ minLength: 1, maxLength: 512 })),
  /** @default `/opt/ml/processing/output/<name>` */
  localPath: Type.Optional(ProcessingLocalPath),
});
export type ProcessingOutputRequest = Static<typeof ProcessingOutputRequest>;

/** What a client sends to create a processing job; `createdBy` comes from the caller's token. */
export const CreateProcessingJobRequest = Strict({
  name: JobName,
  /** The script: an entry point (`.py`, `.js`, `.mjs`, `.cjs`, `.ts`) inside a source archive in the artifact store. */
  script: ScriptSource,
  /** Passed to the script as they are, after `/opt/ml/...` paths are mapped to the attempt's folders. */
  arguments: Type.Optional(Type.Array(Type.String({ maxLength: PROCESSING_LIMITS.argumentLength }), { maxItems: PROCESSING_LIMITS.arguments })),
  /** Extra environment variables of the script (SageMaker's Environment). */
  environment: Type.Optional(StringMap(256, 100)),
  inputs: Type.Optional(Type.Array(ProcessingInputRequest, { maxItems: PROCESSING_LIMITS.inputs })),
  outputs: Type.Optional(Type.Array(ProcessingOutputRequest, { maxItems: PROCESSING_LIMITS.outputs })),
  /** Instances the script runs on, each an attempt on a worker. @default 1 */
  instanceCount: Type.Optional(Type.Integer(PROCESSING_LIMITS.instanceCount)),
  /** Per attempt. @default 86400 */
  maxRuntimeSeconds: Type.Optional(Type.Integer(PROCESSING_LIMITS.maxRuntimeSeconds)),
  /** Retries of an instance after a failed or lost attempt. @default 0 */
  maxRetries: Type.Optional(Type.Integer({ minimum: 0, maximum: 30 })),
  /** Cores each instance asks for. @default all of a worker's cores */
  cpus: Type.Optional(Cpus),
  tags: Type.Optional(Tags),
});
export type CreateProcessingJobRequest = Static<typeof CreateProcessingJobRequest>;
/** The create request as the service takes it: who asked is added by the server. */
export type CreateProcessingJobInput = CreateProcessingJobRequest & { createdBy?: string };

/** `GET /processing-jobs` filters. */
export const ProcessingJobFilter = Strict({
  status: Type.Optional(ProcessingJobStatus),
  /** Names containing this text. */
  nameContains: Type.Optional(Type.String({ maxLength: 63 })),
  ...PageQuery,
});
export type ProcessingJobFilter = Static<typeof ProcessingJobFilter>;

export const ProcessingInput = Type.Object({
  name: Type.String(),
  /** The dataset version the ref was resolved to at creation. */
  dataset: Type.String(),
  version: Type.Integer(),
  localPath: Type.String(),
  distribution: ProcessingDistribution,
  format: ProcessingInputFormat,
});
export type ProcessingInput = Static<typeof ProcessingInput>;

export const ProcessingOutput = Type.Object({
  name: Type.String(),
  dataset: Nullable(Type.String()),
  artifactPrefix: Nullable(Type.String()),
  localPath: Type.String(),
});
export type ProcessingOutput = Static<typeof ProcessingOutput>;

export const ProcessingInstance = Type.Object({
  /** `algo-1`, `algo-2`, … as SageMaker names a job's hosts. */
  host: Type.String(),
  status: ProcessingInstanceStatus,
  attempts: Type.Integer(),
  failureReason: Nullable(Type.String()),
});
export type ProcessingInstance = Static<typeof ProcessingInstance>;

export const ProcessingJob = Type.Object({
  name: Type.String(),
  status: ProcessingJobStatus,
  failureReason: Nullable(Type.String()),
  script: Type.Object({ entryPoint: Type.String(), sourceKey: Type.String() }),
  arguments: Type.Array(Type.String()),
  environment: StringRecord,
  processingInputs: Type.Array(ProcessingInput),
  processingOutputs: Type.Array(ProcessingOutput),
  /** Output name -> what it became once the job completed: `dataset@version`, or the artifact prefix. */
  outputs: StringRecord,
  instanceCount: Type.Integer(),
  instances: Type.Array(ProcessingInstance),
  maxRuntimeSeconds: Type.Integer(),
  maxRetries: Type.Integer(),
  cpus: Nullable(Type.Integer()),
  tags: StringRecord,
  /** Last value of each `#metric` the script printed (`algo-2:name` when there are several instances). */
  finalMetrics: NumberRecord,
  ...JobTimeFields,
});
export type ProcessingJob = Static<typeof ProcessingJob>;

export const ProcessingLogLine = Type.Object({ seq: Type.Integer(), host: Type.String(), attempt: Type.Integer(), line: Type.String(), timestamp: Timestamp });
export type ProcessingLogLine = Static<typeof ProcessingLogLine>;

/** `GET /processing-jobs/{name}/logs` answer: pass `nextSeq` back as `after`. */
export const ProcessingLogsPage = Type.Object({ lines: Type.Array(ProcessingLogLine), nextSeq: Type.Integer() });
export type ProcessingLogsPage = Static<typeof ProcessingLogsPage>;

