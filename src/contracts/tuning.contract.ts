/** Hyperparameter tuning jobs: ranges, strategies, trials, and the tuning job itself. */
import { Type, type Static } from '@sinclair/typebox';
import { EARLY_STOPPING_MODES, HYPERBAND_SAMPLERS, MAX_TUNING_JOBS, MAX_TUNING_PARALLEL, OBJECTIVE_TYPES, PARAMETER_TYPES, SCALINGS, STRATEGY_NAMES } from './values.js';
import { JobStatus, MetricDefinition, Nullable, NumberRecord, PageQuery, ResourceName, ScriptSource, StringEnum, StringMap, StringRecord, Strict, Timestamp } from './common.contract.js';
import { Cpus, TrainingJobStatus, TrainingResourceFields } from './training.contract.js';


/** A tuning job's name: 1–32 characters (SageMaker's limit; trials are named `<name>-001`…). */
export const TuningJobName = ResourceName(32);

/** SageMaker's HyperParameterTuningJobStatus. */
export const TuningJobStatus = JobStatus;
export type TuningJobStatus = Static<typeof TuningJobStatus>;

export const Scaling = StringEnum(SCALINGS);
export type Scaling = Static<typeof Scaling>;

export const StrategyName = StringEnum(STRATEGY_NAMES);
export type StrategyName = Static<typeof StrategyName>;

export const ObjectiveType = StringEnum(OBJECTIVE_TYPES);
export const EarlyStopping = StringEnum(EARLY_STOPPING_MODES);

/**
 * A range as a user gives it. For a built-in's parameter, bounds and type may be left
 * out: they come from the algorithm's schema (its tunable range).
 */
export const RangeInput = Strict({
  name: Type.String({ minLength: 1, maxLength: 256 }),
  type: Type.Optional(StringEnum(PARAMETER_TYPES)),
  min: Type.Optional(Type.Number()),
  max: Type.Optional(Type.Number()),
  scaling: Type.Optional(Scaling),
  values: Type.Optional(Type.Array(Type.String({ maxLength: 256 }), { minItems: 1, maxItems: 30 })),
});
export type RangeInput = Static<typeof RangeInput>;

/** A range resolved against the algorithm's schema, as a tuning job records it. */
export const ParameterRange = Type.Union([
  Type.Object({ name: Type.String(), type: Type.Literal('continuous'), min: Type.Number(), max: Type.Number(), scaling: Scaling }),
  Type.Object({ name: Type.String(), type: Type.Literal('integer'), min: Type.Number(), max: Type.Number(), scaling: Scaling }),
  Type.Object({ name: Type.String(), type: Type.Literal('categorical'), values: Type.Array(Type.String()) }),
]);
export type ParameterRange = Static<typeof ParameterRange>;

/** SageMaker's `HyperbandStrategyConfig`, plus the sampler that proposes new points. */
export const HyperbandOptions = Strict({
  /** The smallest step a trial runs before it can be stopped. @default 1 */
  minResource: Type.Optional(Type.Number({ exclusiveMinimum: 0 })),
  /**
   * The step at which a trial is complete. When absent, the largest last step of the
   * completed trials so far (until one completes, a single bracket is used).
   */
  maxResource: Type.Optional(Type.Number({ exclusiveMinimum: 0 })),
  /** Keep the best 1/η at each rung. @default 3 */
  reductionFactor: Type.Optional(Type.Number({ minimum: 2 })),
  /** How new points are proposed. `tpe` models completed trials only. @default 'random' */
  sampler: Type.Optional(StringEnum(HYPERBAND_SAMPLERS)),
});
export type HyperbandOptions = Static<typeof HyperbandOptions>;

/** What a client sends to create a tuning job; `createdBy` comes from the caller's token. */
export const CreateTuningJobRequest = Strict({
  name: TuningJobName,
  algorithm: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
  script: Type.Optional(ScriptSource),
  /** Hyperparameters every trial gets as they are. */
  staticHyperParameters: Type.Optional(StringMap(2500, 100)),
  ranges: Type.Array(RangeInput, { minItems: 1, maxItems: 30 }),
  /** The metric to optimise, e.g. `validation:auc`; its direction defaults from the algorithm. */
  objective: Strict({ metric: Type.String({ minLength: 1, maxLength: 255 }), type: Type.Optional(ObjectiveType) }),
  /** @default 'bayesian' */
  strategy: Type.Optional(StrategyName),
  /** Training jobs in all. */
  maxJobs: Type.Integer({ minimum: 1, maximum: MAX_TUNING_JOBS }),
  /** Training jobs at once. @default 1 */
  maxParallel: Type.Optional(Type.Integer({ minimum: 1, maximum: MAX_TUNING_PARALLEL })),
  /** `Auto`: the median stopping rule on the objective's intermediate values. @default 'Off' */
  earlyStopping: Type.Optional(EarlyStopping),
  /** Finished tuning jobs whose trials seed the search (same parameters). */
  warmStart: Type.Optional(Type.Array(TuningJobName, { maxItems: 5 })),
  /** Failed trials tolerated before the tuning job fails. @default max(3, maxJobs / 2) */
  maxFailedJobs: Type.Optional(Type.Integer({ minimum: 0, maximum: MAX_TUNING_JOBS })),
  /** @default a random seed, recorded */
  seed: Type.Optional(Type.Integer({ minimum: 0, maximum: 2 ** 31 })),
  /** The `hyperband` strategy's settings (SageMaker's HyperbandStrategyConfig): resources are steps of the objective metric. */
  hyperband: Type.Optional(HyperbandOptions),
  ...TrainingResourceFields,
  /** Cores each trial asks for (passed to every trial's training job). */
  cpus: Type.Optional(Cpus),
});
export type CreateTuningJobRequest = Static<typeof CreateTuningJobRequest>;
/** The create request as the service takes it: who asked is added by the server. */
export type CreateTuningJobInput = CreateTuningJobRequest & { createdBy?: string };

/** `GET /tuning-jobs` filters. */
export const TuningJobFilter = Strict({ status: Type.Optional(TuningJobStatus), ...PageQuery });
export type TuningJobFilter = Static<typeof TuningJobFilter>;

/** The request with ranges resolved and defaults filled in, as a tuning job answers it. */
export const TuningSpec = Type.Object({
  algorithm: Nullable(Type.String()),
  script: Nullable(Type.Object({ entryPoint: Type.String(), sourceKey: Type.String() })),
  staticHyperParameters: StringRecord,
  ranges: Type.Array(ParameterRange),
  objective: Type.Object({ metric: Type.String(), type: ObjectiveType }),
  strategy: StrategyName,
  maxJobs: Type.Integer(),
  maxParallel: Type.Integer(),
  earlyStopping: EarlyStopping,
  warmStart: Type.Array(Type.String()),
  maxFailedJobs: Type.Integer(),
  seed: Type.Integer(),
  hyperband: Type.Optional(HyperbandOptions),
  channels: StringRecord,
  maxRuntimeSeconds: Type.Optional(Type.Integer()),
  maxRetries: Type.Optional(Type.Integer()),
  metricDefinitions: Type.Array(MetricDefinition),
  tags: StringRecord,
  cpus: Type.Optional(Type.Integer()),
});
export type TuningSpec = Static<typeof TuningSpec>;

export const Trial = Type.Object({
  trial: Type.Integer(),
  trainingJob: Type.String(),
  /** The tuned hyperparameters of this trial (the static ones are on the job). */
  hyperParameters: StringRecord,
  status: TrainingJobStatus,
  /** The objective's final value (an early-stopped trial: its last reported value). */
  objective: Nullable(Type.Number()),
  earlyStopped: Type.Boolean(),
  failureReason: Nullable(Type.String()),
  createdAt: Timestamp,
  endedAt: Nullable(Timestamp),
});
export type Trial = Static<typeof Trial>;

export const TuningJob = Type.Object({
  ...TuningSpec.properties,
  name: Type.String(),
  status: TuningJobStatus,
  failureReason: Nullable(Type.String()),
  trainingJobCounts: Type.Object({ completed: Type.Integer(), failed: Type.Integer(), stopped: Type.Integer(), inProgress: Type.Integer(), earlyStopped: Type.Integer() }),
  bestTrainingJob: Nullable(
    Type.Object({ name: Type.String(), trial: Type.Integer(), hyperParameters: StringRecord, finalMetrics: NumberRecord, objective: Type.Number() }),
  ),
  trials: Type.Array(Trial),
  createdBy: Nullable(Type.String()),
  createdAt: Timestamp,
  endedAt: Nullable(Timestamp),
  updatedAt: Timestamp,
});
export type TuningJob = Static<typeof TuningJob>;
