/**
 * Model Monitor, data quality (SageMaker Model Monitor's DataQuality job definitions):
 * baselines over a dataset (`statistics.json`, `constraints.json`), monitoring schedules
 * over an endpoint's data capture, and their executions (`constraint_violations.json`).
 */
import { Type, type Static } from '@sinclair/typebox';
import {
  MONITOR_BASELINE_STATUSES,
  MONITOR_CHECK_TYPES,
  MONITOR_COMPARISON_METHODS,
  MONITOR_EXECUTION_STATUSES,
  MONITOR_EXECUTION_TRIGGERS,
  MONITOR_SCHEDULE_STATUSES,
  MONITOR_SCHEDULE_TYPES,
} from './monitor.values.js';
import { JobTimeFields, Nullable, PageQuery, ResourceName, StringEnum, Strict, Timestamp } from './common.contract.js';

export {
  MONITOR_BASELINE_STATUSES,
  MONITOR_CHECK_TYPES,
  MONITOR_COMPARISON_METHODS,
  MONITOR_DEFAULT_CRON,
  MONITOR_EXECUTION_STATUSES,
  MONITOR_EXECUTION_TRIGGERS,
  MONITOR_SCHEDULE_STATUSES,
  MONITOR_SCHEDULE_TYPES,
  TERMINAL_MONITOR_EXECUTION_STATUSES,
} from './monitor.values.js';

export const MonitorBaselineName = ResourceName(63);
export const MonitorScheduleName = ResourceName(63);
/** An execution's id: `<schedule>-<yyyymmddhhmmss>` for a scheduled run, `<schedule>-m…` for a manual one. */
export const MonitorExecutionId = Type.String({ minLength: 1, maxLength: 128, pattern: '^[A-Za-z0-9][A-Za-z0-9-]*$' });

export const MonitorBaselineStatus = StringEnum(MONITOR_BASELINE_STATUSES);
export type MonitorBaselineStatus = Static<typeof MonitorBaselineStatus>;
export const MonitorExecutionStatus = StringEnum(MONITOR_EXECUTION_STATUSES);
export type MonitorExecutionStatus = Static<typeof MonitorExecutionStatus>;
export const MonitorScheduleStatus = StringEnum(MONITOR_SCHEDULE_STATUSES);
export type MonitorScheduleStatus = Static<typeof MonitorScheduleStatus>;
export const MonitorScheduleType = StringEnum(MONITOR_SCHEDULE_TYPES);
export type MonitorScheduleType = Static<typeof MonitorScheduleType>;
export const MonitorCheckType = StringEnum(MONITOR_CHECK_TYPES);
export type MonitorCheckType = Static<typeof MonitorCheckType>;
export const MonitorComparisonMethod = StringEnum(MONITOR_COMPARISON_METHODS);
export type MonitorComparisonMethod = Static<typeof MonitorComparisonMethod>;

/** What a client sends to create a baseline; `createdBy` comes from the caller's token. */
export const CreateMonitorBaselineRequest = Strict({
  name: MonitorBaselineName,
  /** Dataset version: `name` (the latest) or `name@3`; its columns are the features, in order. */
  dataset: Type.String({ minLength: 1, maxLength: 200 }),
  /** The label column: left out of the features (capture holds the inputs only). */
  target: Type.Optional(Type.String({ minLength: 1, maxLength: 256 })),
  /** More columns to leave out. */
  exclude: Type.Optional(Type.Array(Type.String({ minLength: 1, maxLength: 256 }), { maxItems: 1000 })),
  /** `distribution_constraints.comparison_threshold`. @default 0.1 */
  comparisonThreshold: Type.Optional(Type.Number({ exclusiveMinimum: 0, maximum: 1 })),
  /** @default 'Robust' */
  comparisonMethod: Type.Optional(MonitorComparisonMethod),
});
export type CreateMonitorBaselineRequest = Static<typeof CreateMonitorBaselineRequest>;
export type CreateMonitorBaselineInput = CreateMonitorBaselineRequest & { createdBy?: string };

export const MonitorBaselineFilter = Strict({ status: Type.Optional(MonitorBaselineStatus), dataset: Type.Optional(Type.String({ minLength: 1, maxLength: 128 })), ...PageQuery });
export type MonitorBaselineFilter = Static<typeof MonitorBaselineFilter>;

export const MonitorBaseline = Type.Object({
  name: Type.String(),
  status: MonitorBaselineStatus,
  failureReason: Nullable(Type.String()),
  dataset: Type.Object({ name: Type.String(), version: Type.Integer(), rows: Type.Integer() }),
  target: Nullable(Type.String()),
  exclude: Type.Array(Type.String()),
  comparisonThreshold: Type.Number(),
  comparisonMethod: MonitorComparisonMethod,
  /** Artifact keys of `statistics.json` and `constraints.json` once completed. */
  statistics: Nullable(Type.String()),
  constraints: Nullable(Type.String()),
  /** The features (name and inferred type) once completed, in capture order. */
  features: Nullable(Type.Array(Type.Object({ name: Type.String(), inferredType: Type.String() }))),
  ...JobTimeFields,
});
export type MonitorBaseline = Static<typeof MonitorBaseline>;

/** How a model-quality schedule reads predictions (SageMaker's ModelQualityJobInput); read by the model-quality runner. */
export const MonitorModelQualityConfig = Strict({
  problemType: StringEnum(['BinaryClassification', 'MulticlassClassification', 'Regression'] as const),
  inferenceAttribute: Type.Optional(Type.String({ minLength: 1, maxLength: 256 })),
  probabilityAttribute: Type.Optional(Type.String({ minLength: 1, maxLength: 256 })),
  probabilityThreshold: Type.Optional(Type.Number({ minimum: 0, maximum: 1 })),
  /** Artifact key of a model-quality `constraints.json`. */
  constraints: Type.Optional(Type.String({ minLength: 1, maxLength: 1024 })),
});
export type MonitorModelQualityConfig = Static<typeof MonitorModelQualityConfig>;

export const CreateMonitorScheduleRequest = Strict({
  name: MonitorScheduleName,
  endpoint: Type.String({ minLength: 1, maxLength: 63 }),
  /** The data-quality baseline (required for `data-quality`). */
  baseline: Type.Optional(MonitorBaselineName),
  /** @default 'data-quality' */
  type: Type.Optional(MonitorScheduleType),
  /** 5-field cron in UTC. @default '0 * * * *' (hourly) */
  cron: Type.Optional(Type.String({ minLength: 9, maxLength: 120 })),
  modelQuality: Type.Optional(MonitorModelQualityConfig),
});
export type CreateMonitorScheduleRequest = Static<typeof CreateMonitorScheduleRequest>;
export type CreateMonitorScheduleInput = CreateMonitorScheduleRequest & { createdBy?: string };

export const MonitorScheduleFilter = Strict({ endpoint: Type.Optional(Type.String({ minLength: 1, maxLength: 63 })), status: Type.Optional(MonitorScheduleStatus), ...PageQuery });
export type MonitorScheduleFilter = Static<typeof MonitorScheduleFilter>;

export const MonitorViolation = Type.Object({ feature_name: Type.String(), constraint_check_type: Type.String(), description: Type.String() });
export type MonitorViolation = Static<typeof MonitorViolation>;

export const MonitorSchedule = Type.Object({
  name: Type.String(),
  endpoint: Type.String(),
  baseline: Nullable(Type.String()),
  type: MonitorScheduleType,
  cron: Type.String(),
  status: MonitorScheduleStatus,
  modelQuality: Nullable(MonitorModelQualityConfig),
  /** When the next scheduled execution starts (null while stopped). */
  nextRunAt: Nullable(Timestamp),
  /** The newest execution, if any. */
  lastExecution: Nullable(Type.Object({ id: Type.String(), status: MonitorExecutionStatus, violations: Type.Integer(), createdAt: Timestamp })),
  createdBy: Nullable(Type.String()),
  createdAt: Timestamp,
  updatedAt: Timestamp,
});
export type MonitorSchedule = Static<typeof MonitorSchedule>;

/** `POST /monitor/schedules/:name/run`: an execution now over the capture so far, or a window. */
export const RunMonitorScheduleRequest = Strict({
  /** ISO time, inclusive. @default the first record */
  since: Type.Optional(Type.String({ minLength: 1, maxLength: 40 })),
  /** ISO time, exclusive. @default now */
  until: Type.Optional(Type.String({ minLength: 1, maxLength: 40 })),
});
export type RunMonitorScheduleRequest = Static<typeof RunMonitorScheduleRequest>;

export const MonitorExecutionFilter = Strict({
  schedule: Type.Optional(MonitorScheduleName),
  endpoint: Type.Optional(Type.String({ minLength: 1, maxLength: 63 })),
  status: Type.Optional(MonitorExecutionStatus),
  ...PageQuery,
});
export type MonitorExecutionFilter = Static<typeof MonitorExecutionFilter>;

/** A feature's distribution, baseline against current, on common bins (numbers) or categories (text). */
export const MonitorFeatureDistribution = Type.Object({
  feature: Type.String(),
  kind: StringEnum(['numerical', 'categorical'] as const),
  /** The L-infinity distance and the threshold it was held to. */
  distance: Type.Number(),
  threshold: Type.Number(),
  /** Bins (`label` is the lower edge for numbers, the value for categories) with each side's share. */
  bins: Type.Array(Type.Object({ label: Type.String(), baseline: Type.Number(), current: Type.Number() })),
});
export type MonitorFeatureDistribution = Static<typeof MonitorFeatureDistribution>;

export const MonitorExecution = Type.Object({
  id: Type.String(),
  schedule: Type.String(),
  endpoint: Type.String(),
  type: MonitorScheduleType,
  baseline: Nullable(Type.String()),
  trigger: StringEnum(MONITOR_EXECUTION_TRIGGERS),
  status: MonitorExecutionStatus,
  failureReason: Nullable(Type.String()),
  /** The capture window: records with since ≤ inferenceTime < until. */
  window: Type.Object({ since: Nullable(Timestamp), until: Timestamp }),
  /** Share of the window's capture read so far (100 once ended). */
  percent: Type.Integer({ minimum: 0, maximum: 100 }),
  /** Rows analysed (a request may hold several). */
  items: Nullable(Type.Integer()),
  violationCount: Nullable(Type.Integer()),
  /** `constraint_violations.json`'s violations (describe; lists leave them out). */
  violations: Type.Array(MonitorViolation),
  /** Artifact keys of the execution's `statistics.json` and `constraint_violations.json`. */
  statistics: Nullable(Type.String()),
  constraintViolations: Nullable(Type.String()),
  /** Describe only: per feature, baseline against current. */
  distributions: Type.Optional(Type.Array(MonitorFeatureDistribution)),
  /** Model-quality executions: the runner's metrics. */
  metrics: Type.Optional(Nullable(Type.Record(Type.String(), Type.Number()))),
  ...JobTimeFields,
});
export type MonitorExecution = Static<typeof MonitorExecution>;
