/** Experiments and their runs (training jobs seen as records), queries and comparisons. */
import { Type, type Static } from '@sinclair/typebox';
import { JobName, MapOf, Nullable, NumberRecord, Strict, StringRecord, Timestamp } from './common.contract.js';
import { MetricPoint, TrainingJobStatus } from './training.contract.js';

/** An experiment's name follows the training job name rule. */
export const ExperimentName = JobName;

export const Experiment = Type.Object({
  name: Type.String(),
  description: Nullable(Type.String()),
  createdBy: Nullable(Type.String()),
  createdAt: Timestamp,
  /** Runs (training jobs) in the experiment. */
  runCount: Type.Integer(),
  /** When the newest run was created; null without runs. */
  lastRunAt: Nullable(Timestamp),
});
export type Experiment = Static<typeof Experiment>;

/** `POST /experiments`. */
export const CreateExperimentRequest = Strict({ name: ExperimentName, description: Type.Optional(Type.String({ maxLength: 4096 })) });
export type CreateExperimentRequest = Static<typeof CreateExperimentRequest>;

export const ExperimentDetail = Type.Object({
  ...Experiment.properties,
  /** Runs by status. */
  statusCounts: Type.Unsafe<Partial<Record<TrainingJobStatus, number>>>(MapOf(Type.Integer())),
  /** Every parameter and final-metric name any run has, for building filters and tables. */
  parameterNames: Type.Array(Type.String()),
  metricNames: Type.Array(Type.String()),
});
export type ExperimentDetail = Static<typeof ExperimentDetail>;

/**
 * A run: one training job seen as an experiment's record (parameters, metrics, tags,
 * inputs and output), as MLflow and SageMaker Experiments show runs.
 */
export const Run = Type.Object({
  name: Type.String(),
  experiment: Type.String(),
  status: TrainingJobStatus,
  /** The built-in algorithm, or the script's entry point. */
  source: Type.Union([Type.Object({ algorithm: Type.String() }), Type.Object({ script: Type.String() })]),
  /** Hyperparameters and the parameters the run logged itself (logged ones win on a clash). */
  parameters: StringRecord,
  /** Final value of each metric. */
  metrics: NumberRecord,
  tags: StringRecord,
  /** Lineage: channel -> dataset version read. */
  inputs: MapOf(Type.Object({ dataset: Type.String(), version: Type.Integer() })),
  /** Lineage: the model artifact written. */
  modelArtifact: Nullable(Type.String()),
  failureReason: Nullable(Type.String()),
  createdAt: Timestamp,
  startedAt: Nullable(Timestamp),
  endedAt: Nullable(Timestamp),
  durationSeconds: Nullable(Type.Number()),
});
export type Run = Static<typeof Run>;

/** A run with its metric series (step or time ordered), for charts. */
export const RunDetail = Type.Object({
  ...Run.properties,
  series: MapOf(Type.Array(Type.Pick(MetricPoint, ['value', 'step', 'timestamp']))),
});
export type RunDetail = Static<typeof RunDetail>;

/** `GET /runs` query. */
export const RunQuery = Strict({
  experiment: Type.Optional(ExperimentName),
  /** e.g. `metrics.validation:auc > 0.9 and params.max_depth <= 6 and status = Completed` */
  filter: Type.Optional(Type.String({ maxLength: 2000 })),
  /** e.g. `metrics.validation:auc desc, name` */
  sort: Type.Optional(Type.String({ maxLength: 500 })),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000 })),
});
export type RunQuery = Static<typeof RunQuery>;

/** `GET /runs/compare` query: run names, comma-separated. */
export const RunCompareQuery = Strict({ names: Type.String({ minLength: 1, maxLength: 4000 }) });

/** Runs side by side: every parameter and metric with one value per run (null when absent). */
export const RunComparison = Type.Object({
  runs: Type.Array(Run),
  parameters: Type.Array(Type.Object({ name: Type.String(), values: Type.Array(Nullable(Type.String())), differs: Type.Boolean() })),
  metrics: Type.Array(Type.Object({ name: Type.String(), values: Type.Array(Nullable(Type.Number())), best: Nullable(Type.Number()) })),
});
export type RunComparison = Static<typeof RunComparison>;
