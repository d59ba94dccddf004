/**
 * The contracts' plain values: enum lists, limits and the name rule, with no schema
 * library behind them. The schemas are built from these; the SDK, the CLI and the studio
 * import them from here at run time, so a CLI call or a worker does not load TypeBox
 * (some hundred modules) just to know a status list.
 */

/** SageMaker's job statuses: training, tuning and transform jobs share them. */
export const JOB_STATUSES = ['InProgress', 'Completed', 'Failed', 'Stopping', 'Stopped'] as const;

/** The statuses after which a job changes no more. */
export const TERMINAL_JOB_STATUSES: readonly (typeof JOB_STATUSES)[number][] = ['Completed', 'Failed', 'Stopped'];

/** SageMaker's resource name rule: alphanumerics, hyphens only between them. */
export const NAME_PATTERN = '^[A-Za-z0-9](-*[A-Za-z0-9])*$';

export const SPLIT_TYPES = ['Line', 'None'] as const;

export const BATCH_STRATEGIES = ['MultiRecord', 'SingleRecord'] as const;

export const JOIN_SOURCES = ['Input', 'None'] as const;

/** Limits of the create request, also shown by the CLI's help. */
export const TRANSFORM_LIMITS = {
  maxPayloadMb: { minimum: 1, maximum: 100 },
  shardRows: { minimum: 1, maximum: 100_000_000 },
} as const;

/** Training jobs one tuning job may run in all. */
export const MAX_TUNING_JOBS = 500;

/** Training jobs one tuning job may run at once. */
export const MAX_TUNING_PARALLEL = 100;

/** SageMaker's range scalings. `Auto` picks Logarithmic for a positive range spanning ≥ 2 decades, else Linear. */
export const SCALINGS = ['Auto', 'Linear', 'Logarithmic', 'ReverseLogarithmic'] as const;

export const STRATEGY_NAMES = ['bayesian', 'tpe', 'random', 'grid', 'hyperband'] as const;

export const PARAMETER_TYPES = ['continuous', 'integer', 'categorical'] as const;

export const OBJECTIVE_TYPES = ['Maximize', 'Minimize'] as const;

export const EARLY_STOPPING_MODES = ['Off', 'Auto'] as const;

export const HYPERBAND_SAMPLERS = ['random', 'tpe'] as const;

/**
 * The roles a user can hold, from most to least privileged; `invoker` is for applications
 * that only call endpoints.
 */
export const ROLES = ['admin', 'member', 'labeler', 'viewer', 'invoker'] as const;

/** What a route may require; the grants per role live in the server's auth capability. */
export const PERMISSIONS = [
  'datasets:read',
  'datasets:write',
  'artifacts:read',
  'artifacts:write',
  'jobs:read',
  'jobs:write',
  'models:read',
  'models:write',
  'models:approve',
  'endpoints:read',
  'endpoints:write',
  'endpoints:invoke',
  'users:manage',
  'tokens:own',
  /** Take labeling tasks and submit answers (the labeler role's work). */
  'labeling:work',
] as const;

/** SageMaker's SecondaryStatus values that apply here. */
export const SECONDARY_STATUSES = ['Pending', 'Starting', 'Downloading', 'Training', 'Uploading', 'Completed', 'Failed', 'Stopping', 'Stopped', 'MaxRuntimeExceeded', 'Restarting'] as const;

/** File formats a dataset can be created from, in the order error messages list them. */
export const DATASET_FORMATS = ['csv', 'jsonl', 'parquet', 'text'] as const;

/** What a model is made from: a built-in's model.tar.gz, or one ONNX file. */
export const MODEL_FORMATS = ['algorithm', 'onnx'] as const;

/** SageMaker's ModelApprovalStatus. */
export const APPROVAL_STATUSES = ['PendingManualApproval', 'Approved', 'Rejected'] as const;

/** SageMaker's EndpointStatus (the subset a single-machine platform goes through). */
export const ENDPOINT_STATUSES = ['Creating', 'InService', 'Updating', 'Deleting', 'Failed'] as const;

export const INSTANCE_STATUSES = ['Pending', 'InService', 'Draining', 'Restarting', 'Failed'] as const;

export { clientEnvDefaults } from './client-env.js';
