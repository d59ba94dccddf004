/**
 * The contract between a tuning job and its search strategy: ranges in, trials in,
 * the next point out. Strategies are pure (no I/O) and deterministic given the seed.
 */

// Scaling and ParameterRange are wire shapes too (a tuning job answers its ranges).
export type { ParameterRange, Scaling } from '../../contracts/index.js';
import type { HyperbandOptions, ParameterRange } from '../../contracts/index.js';

/** Integers as integer numbers, categoricals as strings. */
export type ParamValues = Record<string, number | string>;

export interface TrialState {
  /** 0, 1, 2, … in creation order. */
  id: number;
  params: ParamValues;
  status: 'running' | 'completed' | 'failed' | 'stopped';
  /** Final objective (completed, or the last value of an early-stopped trial). */
  objective?: number;
  /** The objective metric over steps (boosting round, epoch). */
  intermediate: Array<{ step: number; value: number }>;
}

export type { HyperbandOptions, StrategyName } from '../../contracts/index.js';

export interface StrategyOptions {
  ranges: ParameterRange[];
  direction: 'maximize' | 'minimize';
  seed: number;
  maxTrials: number;
  /** Finished trials of parent tuning jobs (same ranges); count as prior observations. */
  warmStart?: TrialState[];
  /** Only read by the `hyperband` strategy. */
  hyperband?: HyperbandOptions;
  /**
   * Only read by the `tpe` strategy: one joint kernel per observation over all
   * parameters (like Optuna's `multivariate=True`); false models each parameter on
   * its own (Optuna's default). @default true
   */
  multivariate?: boolean;
}

export interface Strategy {
  /** The next point to evaluate given all trials so far (running ones are pending). null when the space is exhausted (grid). */
  suggest(trials: TrialState[]): ParamValues | null;
  /** Strategy-specific early stop of a running trial (hyperband's successive halving on intermediate values); optional. */
  shouldStop?(trial: TrialState, trials: TrialState[]): boolean;
}
