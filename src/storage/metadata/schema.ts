import type { Generated } from 'kysely';

/**
 * Tables of the metadata store. Times are ISO-8601 UTC strings (sortable, identical on
 * SQLite and PostgreSQL); JSON documents are stored as text; 64-bit counts come back as
 * strings from PostgreSQL and are converted by the code that reads them.
 */
export interface UsersTable {
  id: string;
  name: string;
  role: string;
  password_hash: string | null;
  created_at: string;
  disabled_at: string | null;
}

export interface TokensTable {
  id: string;
  user_id: string;
  name: string;
  /** sha256 of the token's secret; the secret itself is never stored. */
  token_hash: string;
  created_at: string;
  expires_at: string | null;
  revoked_at: string | null;
  last_used_at: string | null;
}

/** Studio sign-in sessions; like tokens, only the sha256 of the cookie's secret is stored. */
export interface SessionsTable {
  id: string;
  user_id: string;
  token_hash: string;
  created_at: string;
  expires_at: string;
  last_seen_at: string;
}

export interface DatasetsTable {
  id: string;
  name: string;
  version: number;
  status: string;
  format: string;
  has_header: number;
  row_count: number | string;
  size_bytes: number | string;
  sha256: string;
  /** JSON: `[{ name, type, stats }]`. */
  columns_json: string;
  /** Key of the file as uploaded. */
  source_key: string;
  /** Key of the Parquet copy that queries read. */
  data_key: string;
  description: string | null;
  tags_json: string;
  created_by: string | null;
  created_at: string;
  deleted_at: string | null;
}

/** One job of the embedded job queue (migration 0002). */
export interface QueueJobsTable {
  id: string;
  kind: string;
  payload_json: string;
  /** queued | running | succeeded | failed | cancelled */
  state: string;
  attempt: number;
  max_attempts: number;
  backoff_ms: number;
  /** Lower runs first. */
  priority: number;
  /** FIFO order within a priority. */
  seq: number | string;
  run_after: string;
  lease_token: string | null;
  lease_expires_at: string | null;
  worker_id: string | null;
  /** 0 or 1. */
  cancel_requested: Generated<number>;
  last_error: string | null;
  result_json: string | null;
  created_at: string;
  updated_at: string;
  finished_at: string | null;
}

export interface TrainingJobsTable {
  name: string;
  status: string;
  secondary_status: string;
  failure_reason: string | null;
  /** JSON: the job as created (algorithm or script, hyperparameters, resolved channels, limits). */
  spec_json: string;
  final_metrics_json: string;
  model_artifact: string | null;
  attempts: number;
  /** Attempts that failed in the job's own code (platform interruptions excluded). */
  failed_attempts: number;
  /** The experiment the job is a run of. */
  experiment: string;
  stop_requested: number;
  created_by: string | null;
  created_at: string;
  started_at: string | null;
  ended_at: string | null;
  updated_at: string;
}

export interface TrainingJobMetricsTable {
  job_name: string;
  seq: number;
  name: string;
  value: number;
  step: number | null;
  created_at: string;
}

export interface TrainingJobLogsTable {
  job_name: string;
  seq: number;
  attempt: number;
  line: string;
  created_at: string;
}

/** A deployable model (SageMaker CreateModel): an immutable copy of its artifact. */
export interface ModelsTable {
  id: string;
  name: string;
  /** `algorithm` (a built-in's model.tar.gz) or `onnx` (one model.onnx file). */
  format: string;
  algorithm: string | null;
  /** Key of the platform's own copy under `models/`. */
  artifact_key: string;
  sha256: string;
  size_bytes: number | string;
  /** JSON: where the model came from (training job, dataset versions, hyperparameters). */
  lineage_json: string;
  /** JSON: final metrics of the training job, keyed like `validation:auc`. */
  metrics_json: string;
  description: string | null;
  tags_json: string;
  created_by: string | null;
  created_at: string;
  /** JSON: inputs, outputs and opsets of an ONNX model (null for a built-in's model). */
  onnx_json?: string | null;
  /** An inference pipeline's recipe fit (migration 0014); null for a plain model. */
  recipe_json?: string | null;
}

export interface ModelPackageGroupsTable {
  name: string;
  description: string | null;
  created_by: string | null;
  created_at: string;
}

/** One version of a model package group (SageMaker's versioned ModelPackage). */
export interface ModelPackagesTable {
  group_name: string;
  version: number;
  model_name: string;
  approval_status: string;
  /** JSON: `[{ status, by, at, description }]`, oldest first; the last is current. */
  approval_history_json: string;
  description: string | null;
  metrics_json: string;
  lineage_json: string;
  created_by: string | null;
  created_at: string;
  updated_at: string;
}

/** A batch transform job (SageMaker CreateTransformJob). */
export interface TransformJobsTable {
  name: string;
  status: string;
  /** JSON: model, input dataset version, output name, split/batch/join options. */
  spec_json: string;
  total_rows: number | string;
  shard_count: number;
  /** The output dataset's version once written. */
  output_version: number | null;
  failure_reason: string | null;
  stop_requested: number;
  created_by: string | null;
  created_at: string;
  started_at: string | null;
  ended_at: string | null;
  updated_at: string;
}

/** A contiguous row range of a transform's input, run as one queue job. */
export interface TransformShardsTable {
  job_name: string;
  shard: number;
  row_start: number | string;
  row_count: number | string;
  /** `pending` or `done`; a done shard is never run again. */
  status: string;
  rows_done: number | string;
  attempts: number;
  /** Where the shard's output Parquet is, once done. */
  output_key: string | null;
  updated_at: string;
}

/** An experiment's description; its runs are the training jobs naming it. */
export interface ExperimentsTable {
  name: string;
  description: string | null;
  created_by: string | null;
  created_at: string;
}

/** Parameters a run logged from inside its script (`#param name=value`). */
export interface RunParamsTable {
  job_name: string;
  name: string;
  value: string;
}

/** A hyperparameter tuning job (SageMaker CreateHyperParameterTuningJob). */
export interface TuningJobsTable {
  name: string;
  status: string;
  /** JSON: algorithm or script, static hyperparameters, ranges, objective, strategy, limits. */
  spec_json: string;
  failure_reason: string | null;
  stop_requested: number;
  created_by: string | null;
  created_at: string;
  ended_at: string | null;
  updated_at: string;
}

/** One trial of a tuning job: the training job it launched and its objective value. */
export interface TuningTrialsTable {
  tuning_job: string;
  trial: number;
  training_job: string;
  params_json: string;
  /** The training job's status as last seen (InProgress, Completed, Failed, Stopped). */
  status: string;
  objective: number | null;
  early_stopped: number;
  failure_reason: string | null;
  created_at: string;
  ended_at: string | null;
}

/** A real-time endpoint: its desired state; the server runs its model servers. */
export interface EndpointsTable {
  name: string;
  /** Creating, InService, Updating, Deleting or Failed. */
  status: string;
  /** JSON: variants (model, instances, weight, autoscaling), capture share, limits. */
  spec_json: string;
  /** JSON: the configuration an update is rolling out, until it serves. */
  pending_spec_json: string | null;
  failure_reason: string | null;
  tags_json: string;
  created_by: string | null;
  created_at: string;
  updated_at: string;
}

export interface Database {
  users: UsersTable;
  tokens: TokensTable;
  sessions: SessionsTable;
  datasets: DatasetsTable;
  queue_jobs: QueueJobsTable;
  training_jobs: TrainingJobsTable;
  training_job_metrics: TrainingJobMetricsTable;
  training_job_logs: TrainingJobLogsTable;
  models: ModelsTable;
  model_package_groups: ModelPackageGroupsTable;
  model_packages: ModelPackagesTable;
  transform_jobs: TransformJobsTable;
  transform_shards: TransformShardsTable;
  experiments: ExperimentsTable;
  run_params: RunParamsTable;
  tuning_jobs: TuningJobsTable;
  tuning_trials: TuningTrialsTable;
  endpoints: EndpointsTable;
}

export type { Generated };
