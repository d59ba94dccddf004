import type { CreateTrainingJobInput, LogLine, TrainingJob, TrainingJobStatus } from './types.js';

export interface TrainingJobFilter {
  status?: TrainingJobStatus;
  /** Names containing this text. */
  nameContains?: string;
  /** Runs of this experiment only. */
  experiment?: string;
  limit?: number;
  offset?: number;
}

/** Training jobs: create (validated, then queued), read, follow logs, stop. */
export interface TrainingService {
  /** Validates everything that can be checked before queueing (algorithm, hyperparameters, channels). */
  create(input: CreateTrainingJobInput): Promise<TrainingJob>;
  list(filter?: TrainingJobFilter): Promise<{ items: TrainingJob[]; total: number }>;
  describe(name: string): Promise<TrainingJob>;
  /** Log lines after `after` (a seq), oldest first; `nextSeq` is what to pass next time. */
  logs(name: string, options?: { after?: number; limit?: number }): Promise<{ lines: LogLine[]; nextSeq: number }>;
  /** Requests a stop; a queued job stops at once, a running one after its process ends. */
  stop(name: string): Promise<TrainingJob>;
}
