/**
 * The contract between a tuning job and its search strategy: ranges in, trials in,
 * the next point out. Strategies are pure (no I/O) and deterministic given the seed.
 */

/** SageMaker's range scalings. `Auto` picks Logarithmic for a positive range spanning ≥ 2 decades, else Linear. */
export type Scaling = 'Auto' | 'Linear' | 'Logarithmic' | 'ReverseLogarithmic';

export type ParameterRange =
  | { name: string; type: 'continuous'; min: number; max: number; scaling: Scaling }
  | { name: string; type: 'integer'; min: number; max: number; scaling: Scaling }
  | { name: string; type: 'categorical'; values: string[] };

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

export type StrategyName = 'bayesian' | 'tpe' | 'random' | 'grid' | 'hyperband';

/** SageMaker's `HyperbandStrategyConfig`, plus the sampler that proposes new points. */
export interface HyperbandOptions {
  /** The smallest step a trial runs before it can be stopped. @default 1 */
  minResource?: number;
  /**
   * The step at which a trial is complete. When absent, the largest last step of the
   * completed trials so far (until one completes, a single bracket is used).
   */
  maxResource?: number;
  /** Keep the best 1/η at each rung. @default 3 */
  reductionFactor?: number;
  /** How new points are proposed. `tpe` models completed trials only. @default 'random' */
  sampler?: 'random' | 'tpe';
}

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
