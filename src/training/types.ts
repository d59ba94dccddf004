/** The wire shapes of training jobs are declared once, in the contracts. */
export type {
  CreateTrainingJobInput,
  LogLine,
  MetricDefinition,
  MetricPoint,
  SecondaryStatus,
  SequencedMetricPoint,
  TrainingJob,
  TrainingJobStatus,
} from '../contracts/index.js';
import type { LogLine, SecondaryStatus, SequencedMetricPoint, TrainingJobStatus } from '../contracts/index.js';

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
