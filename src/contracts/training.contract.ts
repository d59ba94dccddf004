/** Training jobs: what a client sends, what the server answers, and the list filter. */
import { Type, type Static } from '@sinclair/typebox';
import { SECONDARY_STATUSES } from './values.js';
import {
  Channels,
  JobName,
  JobTimeFields,
  JobStatus,
  MapOf,
  MetricDefinition,
  MetricDefinitions,
  Nullable,
  NumberRecord,
  PageQuery,
  ScriptSource,
  StringEnum,
  StringMap,
  StringRecord,
  Strict,
  Tags,
  Timestamp,
} from './common.contract.js';
import { RuleConfigs, RuleStatus } from './debugger.contract.js';

/** SageMaker's TrainingJobStatus. */
export const TrainingJobStatus = JobStatus;
export type TrainingJobStatus = Static<typeof TrainingJobStatus>;

export const SecondaryStatus = StringEnum(SECONDARY_STATUSES);
export type SecondaryStatus = Static<typeof SecondaryStatus>;

/** Cores a job may ask for (`--cpus`). */
export const Cpus = Type.Integer({ minimum: 1, maximum: 1024 });

/** Fields a training job and a tuning job's trials share (all but the name and the hyperparameters). */
export const TrainingResourceFields = {
  /** Channel name -> dataset ref (`name` or `name@3`). */
  channels: Channels,
  /** SageMaker's MaxRuntimeInSeconds ceiling: 28 days. @default 86400 */
  maxRuntimeSeconds: Type.Optional(Type.Integer({ minimum: 1, maximum: 2_419_200 })),
  /** Retries after a failed or lost attempt. @default 0 */
  maxRetries: Type.Optional(Type.Integer({ minimum: 0, maximum: 30 })),
  metricDefinitions: Type.Optional(MetricDefinitions),
  tags: Type.Optional(Tags),
};

/**
 * What a client sends to create a training job. Either `algorithm` or `script` is set;
 * `createdBy` comes from the caller's token.
 */
export const CreateTrainingJobRequest = Strict({
  name: JobName,
  /** A built-in algorithm (`xgboost`, `linear-learner`, `kmeans`, `pca`). */
  algorithm: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
  /** Script mode: an entry point inside a source archive already in the artifact store. */
  script: Type.Optional(ScriptSource),
  /** As SageMaker passes them: strings. SageMaker's limits: 100, values up to 2500 characters. */
  hyperParameters: Type.Optional(StringMap(2500, 100)),
  channels: TrainingResourceFields.channels,
  maxRuntimeSeconds: TrainingResourceFields.maxRuntimeSeconds,
  maxRetries: TrainingResourceFields.maxRetries,
  metricDefinitions: TrainingResourceFields.metricDefinitions,
  tags: TrainingResourceFields.tags,
  /** The experiment this job is a run of (created on first use). @default 'Default' */
  experiment: Type.Optional(JobName),
  /** Cores the job asks for. @default the algorithm's default, else all of a worker's cores */
  cpus: Type.Optional(Cpus),
  /** Debugger rules evaluated while the job trains (see docs/debugger.md). */
  rules: Type.Optional(RuleConfigs),
});
export type CreateTrainingJobRequest = Static<typeof CreateTrainingJobRequest>;
/** The create request as the service takes it: who asked is added by the server. */
export type CreateTrainingJobInput = CreateTrainingJobRequest & { createdBy?: string };

/** `GET /training-jobs` filters. */
export const TrainingJobFilter = Strict({
  status: Type.Optional(TrainingJobStatus),
  /** Names containing this text. */
  nameContains: Type.Optional(Type.String({ maxLength: 63 })),
  /** Runs of this experiment only. */
  experiment: Type.Optional(JobName),
  ...PageQuery,
});
export type TrainingJobFilter = Static<typeof TrainingJobFilter>;

export const MetricPoint = Type.Object({
  name: Type.String(),
  value: Type.Number(),
  /** Step (epoch/round) when the algorithm gave one. */
  step: Nullable(Type.Number()),
  timestamp: Timestamp,
});
export type MetricPoint = Static<typeof MetricPoint>;

/** A metric point with its place in the job's metric stream (for resuming a live view). */
export const SequencedMetricPoint = Type.Object({ ...MetricPoint.properties, seq: Type.Integer() });
export type SequencedMetricPoint = Static<typeof SequencedMetricPoint>;

export const LogLine = Type.Object({ seq: Type.Integer(), attempt: Type.Integer(), line: Type.String(), timestamp: Timestamp });
export type LogLine = Static<typeof LogLine>;

/** `GET /training-jobs/{name}/logs` query. */
export const LogsQuery = Strict({ after: Type.Optional(Type.Integer({ minimum: 0 })), limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 10_000 })) });
export type LogsQuery = Static<typeof LogsQuery>;
/** `GET /training-jobs/{name}/logs` answer: pass `nextSeq` back as `after`. */
export const LogsPage = Type.Object({ lines: Type.Array(LogLine), nextSeq: Type.Integer() });
export type LogsPage = Static<typeof LogsPage>;

export const TrainingJob = Type.Object({
  name: Type.String(),
  status: TrainingJobStatus,
  secondaryStatus: SecondaryStatus,
  failureReason: Nullable(Type.String()),
  algorithm: Nullable(Type.String()),
  script: Nullable(Type.Object({ entryPoint: Type.String(), sourceKey: Type.String() })),
  hyperParameters: StringRecord,
  /** Channel name -> the dataset version it was resolved to at creation. */
  channels: MapOf(Type.Object({ dataset: Type.String(), version: Type.Integer(), contentType: Type.String() })),
  maxRuntimeSeconds: Type.Integer(),
  maxRetries: Type.Integer(),
  metricDefinitions: Type.Array(MetricDefinition),
  tags: StringRecord,
  /** The experiment this job is a run of. */
  experiment: Type.String(),
  /** Parameters the job's own code logged (`#param name=value`), besides its hyperparameters. */
  loggedParams: Type.Optional(StringRecord),
  /** Last value of each metric, keyed like `validation:auc`. */
  finalMetrics: NumberRecord,
  metrics: Type.Array(MetricPoint),
  /** URI of model.tar.gz once completed. */
  modelArtifact: Nullable(Type.String()),
  attempts: Type.Integer(),
  /** The job's Debugger rules and what each found so far (present when it has rules). */
  rules: Type.Optional(Type.Array(RuleStatus)),
  ...JobTimeFields,
});
export type TrainingJob = Static<typeof TrainingJob>;
