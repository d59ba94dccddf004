import type { MetricDefinition, TrainingJobStatus } from '../training/index.js';
import type { HyperbandOptions, ParameterRange, Scaling, StrategyName } from './strategies/index.js';

/** SageMaker's HyperParameterTuningJobStatus. */
export type TuningJobStatus = 'InProgress' | 'Completed' | 'Failed' | 'Stopping' | 'Stopped';

/**
 * A range as a user gives it. For a built-in's parameter, bounds and type may be left
 * out: they come from the algorithm's schema (its tunable range).
 */
export interface RangeInput {
  name: string;
  type?: 'continuous' | 'integer' | 'categorical';
  min?: number;
  max?: number;
  scaling?: Scaling;
  values?: string[];
}

export interface CreateTuningJobInput {
  /** 1-32 letters, digits and hyphens (SageMaker's limit; trials are named `<name>-001`…). */
  name: string;
  algorithm?: string;
  script?: { entryPoint: string; sourceKey: string };
  /** Hyperparameters every trial gets as they are. */
  staticHyperParameters?: Record<string, string>;
  ranges: RangeInput[];
  /** The metric to optimise, e.g. `validation:auc`; its direction defaults from the algorithm. */
  objective: { metric: string; type?: 'Maximize' | 'Minimize' };
  /** @default 'bayesian' */
  strategy?: StrategyName;
  /** Training jobs in all. */
  maxJobs: number;
  /** Training jobs at once. @default 1 */
  maxParallel?: number;
  /** `Auto`: the median stopping rule on the objective's intermediate values. @default 'Off' */
  earlyStopping?: 'Off' | 'Auto';
  /** Finished tuning jobs whose trials seed the search (same parameters). */
  warmStart?: string[];
  /** Failed trials tolerated before the tuning job fails. @default max(3, maxJobs / 2) */
  maxFailedJobs?: number;
  /** @default a random seed, recorded */
  seed?: number;
  /** The `hyperband` strategy's settings (SageMaker's HyperbandStrategyConfig): resources are steps of the objective metric. */
  hyperband?: HyperbandOptions;
  channels: Record<string, string>;
  maxRuntimeSeconds?: number;
  maxRetries?: number;
  metricDefinitions?: MetricDefinition[];
  tags?: Record<string, string>;
  createdBy?: string;
}

/** What `spec_json` holds: the request with ranges resolved and defaults filled in. */
export interface TuningSpec {
  algorithm: string | null;
  script: { entryPoint: string; sourceKey: string } | null;
  staticHyperParameters: Record<string, string>;
  ranges: ParameterRange[];
  objective: { metric: string; type: 'Maximize' | 'Minimize' };
  strategy: StrategyName;
  maxJobs: number;
  maxParallel: number;
  earlyStopping: 'Off' | 'Auto';
  warmStart: string[];
  maxFailedJobs: number;
  seed: number;
  hyperband?: HyperbandOptions;
  channels: Record<string, string>;
  maxRuntimeSeconds?: number;
  maxRetries?: number;
  metricDefinitions: MetricDefinition[];
  tags: Record<string, string>;
}

export interface Trial {
  trial: number;
  trainingJob: string;
  /** The tuned hyperparameters of this trial (the static ones are on the job). */
  hyperParameters: Record<string, string>;
  status: TrainingJobStatus;
  /** The objective's final value (an early-stopped trial: its last reported value). */
  objective: number | null;
  earlyStopped: boolean;
  failureReason: string | null;
  createdAt: string;
  endedAt: string | null;
}

export interface TuningJob extends TuningSpec {
  name: string;
  status: TuningJobStatus;
  failureReason: string | null;
  trainingJobCounts: { completed: number; failed: number; stopped: number; inProgress: number; earlyStopped: number };
  bestTrainingJob: { name: string; trial: number; hyperParameters: Record<string, string>; finalMetrics: Record<string, number>; objective: number } | null;
  trials: Trial[];
  createdBy: string | null;
  createdAt: string;
  endedAt: string | null;
  updatedAt: string;
}
