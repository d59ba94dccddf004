/** SageMaker's TrainingJobStatus. */
export type TrainingJobStatus = 'InProgress' | 'Completed' | 'Failed' | 'Stopping' | 'Stopped';

/** SageMaker's SecondaryStatus values that apply here. */
export type SecondaryStatus =
  | 'Pending'
  | 'Starting'
  | 'Downloading'
  | 'Training'
  | 'Uploading'
  | 'Completed'
  | 'Failed'
  | 'Stopping'
  | 'Stopped'
  | 'MaxRuntimeExceeded'
  | 'Restarting';

export interface MetricDefinition {
  name: string;
  regex: string;
}

/** What a user asks for. Either `algorithm` or `script` is set. */
export interface CreateTrainingJobInput {
  name: string;
  /** A built-in algorithm (`xgboost`, `linear-learner`, `kmeans`, `pca`). */
  algorithm?: string;
  /** Script mode: an entry point inside a source archive already in the artifact store. */
  script?: { entryPoint: string; sourceKey: string };
  /** As SageMaker passes them: strings. */
  hyperParameters?: Record<string, string>;
  /** Channel name -> dataset ref (`name` or `name@3`). */
  channels: Record<string, string>;
  /** @default 86400 */
  maxRuntimeSeconds?: number;
  /** Retries after a failed or lost attempt. @default 0 */
  maxRetries?: number;
  metricDefinitions?: MetricDefinition[];
  tags?: Record<string, string>;
  /** The experiment this job is a run of (created on first use). @default 'Default' */
  experiment?: string;
  createdBy?: string;
}

export interface MetricPoint {
  name: string;
  value: number;
  /** Step (epoch/round) when the algorithm gave one. */
  step: number | null;
  timestamp: string;
}

/** A metric point with its place in the job's metric stream (for resuming a live view). */
export interface SequencedMetricPoint extends MetricPoint {
  seq: number;
}

/** The status fields of a job. */
export interface TrainingJobStatusInfo {
  status: TrainingJobStatus;
  secondaryStatus: SecondaryStatus;
  failureReason: string | null;
  updatedAt: string;
}

/** What changed in a job since a reader's position: see {@link TrainingService.progress}. */
export interface TrainingProgress {
  job: TrainingJobStatusInfo;
  lines: LogLine[];
  metrics: SequencedMetricPoint[];
  /** True when `lines` and `metrics` hold everything written so far (no page was full). */
  complete: boolean;
}

export interface TrainingJob {
  name: string;
  status: TrainingJobStatus;
  secondaryStatus: SecondaryStatus;
  failureReason: string | null;
  algorithm: string | null;
  script: { entryPoint: string; sourceKey: string } | null;
  hyperParameters: Record<string, string>;
  /** Channel name -> the dataset version it was resolved to at creation. */
  channels: Record<string, { dataset: string; version: number; contentType: string }>;
  maxRuntimeSeconds: number;
  maxRetries: number;
  metricDefinitions: MetricDefinition[];
  tags: Record<string, string>;
  /** The experiment this job is a run of. */
  experiment: string;
  /** Parameters the job's own code logged (`#param name=value`), besides its hyperparameters. */
  loggedParams?: Record<string, string>;
  /** Last value of each metric, keyed like `validation:auc`. */
  finalMetrics: Record<string, number>;
  metrics: MetricPoint[];
  /** URI of model.tar.gz once completed. */
  modelArtifact: string | null;
  attempts: number;
  createdBy: string | null;
  createdAt: string;
  startedAt: string | null;
  endedAt: string | null;
  updatedAt: string;
}

export interface LogLine {
  seq: number;
  attempt: number;
  line: string;
  timestamp: string;
}
