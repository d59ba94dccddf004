import type { StatusChanges } from '../storage/index.js';
import type { CreateTrainingJobInput, LogLine, TrainingJob, TrainingJobStatus, TrainingProgress } from './types.js';

// The list filter is a wire shape: declared in the contracts.
export type { TrainingJobFilter } from '../contracts/index.js';
import type { TrainingJobFilter } from '../contracts/index.js';

/** Training jobs: create (validated, then queued), read, follow logs, stop. */
export interface TrainingService {
  /** Validates everything that can be checked before queueing (algorithm, hyperparameters, channels). */
  create(input: CreateTrainingJobInput): Promise<TrainingJob>;
  list(filter?: TrainingJobFilter): Promise<{ items: TrainingJob[]; total: number }>;
  describe(name: string): Promise<TrainingJob>;
  /** Jobs per experiment (of one, when named) and when the newest was created: what experiments show. */
  runCounts(experiment?: string): Promise<Array<{ experiment: string; runs: number; lastRunAt: string | null }>>;
  /** Jobs whose status changed since a time, for the platform feed (see `StatusChanges`). */
  statusChanges: StatusChanges;
  /** Log lines after `after` (a seq), oldest first; `nextSeq` is what to pass next time. */
  logs(name: string, options?: { after?: number; limit?: number }): Promise<{ lines: LogLine[]; nextSeq: number }>;
  /**
   * The job's status, then its log lines and metric points after the given seqs (at most
   * `limit` of each). The status is read first, so when it is terminal and `complete` is
   * true, nothing more will ever be written. Throws `ORCH_JOB_NOT_FOUND` for an unknown job.
   */
  progress(name: string, position: { afterLog: number; afterMetric: number; limit?: number }): Promise<TrainingProgress>;
  /**
   * Enqueues again every unfinished job whose queue entry is gone (the queue lost its
   * data); a job that was stopping without its entry is marked Stopped. Returns how many
   * were enqueued. Safe to run at any time and from several servers at once.
   */
  requeueLost(): Promise<number>;
  /** Requests a stop; a queued job stops at once, a running one after its process ends. */
  stop(name: string): Promise<TrainingJob>;
}
