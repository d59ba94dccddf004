/**
 * What training needs of the debugger, declared here and wired by the platform, so
 * training never imports `src/debugger` (which owns the rule statuses and profiles).
 */
import type { RuleConfig, RuleStatus } from '../contracts/index.js';
import type { RequestProblem } from '../core/index.js';

export interface TrainingRulesPort {
  /** Every problem of a request's rules (fields `rules[i]…`), checked before the job is queued. */
  check(rules: readonly RuleConfig[] | undefined): RequestProblem[];
  /** The job's rule statuses, for describe. */
  statuses(job: string): Promise<RuleStatus[]>;
  /** Starts watching one attempt: its rules (if any) and its profile. */
  watch(attempt: WatchedAttempt): Promise<AttemptWatch>;
}

export interface WatchedAttempt {
  job: string;
  attempt: number;
  rules: readonly RuleConfig[];
  /** The dataset versions of the job's channels. */
  datasets: Record<string, { dataset: string; version: number }>;
  /** Called once when a rule with action `stop` finds issues; the reason names the rule. */
  stop(reason: string): void;
}

export interface AttemptWatch {
  /** The channels are downloaded: rules on the data (class_imbalance) are judged now. */
  dataReady(channels: Record<string, { files: string[]; contentType: string }>): Promise<void>;
  /** A metric point as the job logged it (NaN and infinities included: exploding_tensor reads them). */
  metric(name: string, value: number, step: number | null): void;
  /** Ends the current phase and starts the next (`download`, `training`, `evaluation`, …; null: none). */
  phase(name: string | null): void;
  /** The attempt's process group is running: sample its CPU and memory. */
  processGroup(pgid: number): void;
  /** The process has ended: rules still waiting decide on what they saw (`judge` false: the attempt was interrupted). */
  end(judge: boolean): Promise<void>;
  /** Writes the profile a last time. Safe to repeat. */
  close(): Promise<void>;
}
