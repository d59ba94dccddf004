import type { MetricPoint, TrainingJobStatus } from '../training/index.js';

export interface Experiment {
  name: string;
  description: string | null;
  createdBy: string | null;
  createdAt: string;
  /** Runs (training jobs) in the experiment. */
  runCount: number;
  /** When the newest run was created; null without runs. */
  lastRunAt: string | null;
}

export interface ExperimentDetail extends Experiment {
  /** Runs by status. */
  statusCounts: Partial<Record<TrainingJobStatus, number>>;
  /** Every parameter and final-metric name any run has, for building filters and tables. */
  parameterNames: string[];
  metricNames: string[];
}

/**
 * A run: one training job seen as an experiment's record (parameters, metrics, tags,
 * inputs and output), as MLflow and SageMaker Experiments show runs.
 */
export interface Run {
  name: string;
  experiment: string;
  status: TrainingJobStatus;
  /** The built-in algorithm, or the script's entry point. */
  source: { algorithm: string } | { script: string };
  /** Hyperparameters and the parameters the run logged itself (logged ones win on a clash). */
  parameters: Record<string, string>;
  /** Final value of each metric. */
  metrics: Record<string, number>;
  tags: Record<string, string>;
  /** Lineage: channel -> dataset version read. */
  inputs: Record<string, { dataset: string; version: number }>;
  /** Lineage: the model artifact written. */
  modelArtifact: string | null;
  failureReason: string | null;
  createdAt: string;
  startedAt: string | null;
  endedAt: string | null;
  durationSeconds: number | null;
}

/** A run with its metric series (step or time ordered), for charts. */
export interface RunDetail extends Run {
  series: Record<string, Array<Pick<MetricPoint, 'value' | 'step' | 'timestamp'>>>;
}

export interface RunQuery {
  experiment?: string;
  /** e.g. `metrics.validation:auc > 0.9 and params.max_depth <= 6 and status = Completed` */
  filter?: string;
  /** e.g. `metrics.validation:auc desc, name` */
  sort?: string;
  limit?: number;
}

/** Runs side by side: every parameter and metric with one value per run (null when absent). */
export interface RunComparison {
  runs: Run[];
  parameters: Array<{ name: string; values: Array<string | null>; differs: boolean }>;
  metrics: Array<{ name: string; values: Array<number | null>; best: number | null }>;
}
