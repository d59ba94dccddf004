/**
 * Search strategies of tuning jobs: pure functions of the ranges, the seed and the
 * trials so far (no I/O). The tuning-job controller asks `suggest` for each new trial
 * and, for running trials, `shouldStop` / `medianStoppingRule` after new intermediate
 * values.
 *
 * @example
 * const strategy = createStrategy('bayesian', { ranges, direction: 'maximize', seed: 7, maxTrials: 30 });
 * const params = strategy.suggest(trials); // null: nothing left to try
 */
import { OrchardError } from '../../core/errors.js';
import { createBayesian } from './bayesian.js';
import { createGrid } from './grid-search.js';
import { createHyperband } from './hyperband.js';
import { createRandom } from './random-search.js';
import { createTpe } from './tpe.js';
import type { Strategy, StrategyName, StrategyOptions } from './types.js';
import { validateRanges } from './validate-ranges.js';

export type {
  HyperbandOptions,
  ParameterRange,
  ParamValues,
  Scaling,
  Strategy,
  StrategyName,
  StrategyOptions,
  TrialState,
} from './types.js';
export { validateRanges, MAX_CATEGORICAL_VALUES, MAX_PARAMETERS } from './validate-ranges.js';
export { medianStoppingRule } from './median-stopping.js';
export type { MedianStoppingOptions } from './median-stopping.js';

const FACTORIES: Record<StrategyName, (o: StrategyOptions) => Strategy> = {
  bayesian: createBayesian,
  tpe: createTpe,
  random: createRandom,
  grid: createGrid,
  hyperband: createHyperband,
};

function invalid(message: string, details: Record<string, unknown>): never {
  throw new OrchardError('ORCH_TUNING_INVALID', { message, details });
}

function checkOptions(options: StrategyOptions): void {
  if (options.direction !== 'maximize' && options.direction !== 'minimize') {
    invalid(`direction must be maximize or minimize, got ${JSON.stringify(options.direction)}`, { direction: options.direction });
  }
  if (!Number.isSafeInteger(options.seed)) invalid(`seed must be an integer, got ${JSON.stringify(options.seed)}`, { seed: options.seed });
  if (!Number.isSafeInteger(options.maxTrials) || options.maxTrials < 1) {
    invalid(`maxTrials must be a positive integer, got ${JSON.stringify(options.maxTrials)}`, { maxTrials: options.maxTrials });
  }
  if (options.warmStart !== undefined && !Array.isArray(options.warmStart)) invalid('warmStart must be a list of trials', {});
  const hb = options.hyperband;
  if (hb) {
    const min = hb.minResource ?? 1;
    if (!(typeof min === 'number' && min > 0 && Number.isFinite(min))) invalid(`hyperband minResource must be a positive number, got ${JSON.stringify(min)}`, { minResource: min });
    if (hb.maxResource !== undefined && !(typeof hb.maxResource === 'number' && Number.isFinite(hb.maxResource) && hb.maxResource > min)) {
      invalid(`hyperband maxResource must be greater than minResource (${min}), got ${JSON.stringify(hb.maxResource)}`, { minResource: min, maxResource: hb.maxResource });
    }
    const eta = hb.reductionFactor ?? 3;
    if (!(typeof eta === 'number' && Number.isFinite(eta) && eta >= 2)) invalid(`hyperband reductionFactor must be at least 2, got ${JSON.stringify(eta)}`, { reductionFactor: eta });
    if (hb.sampler !== undefined && hb.sampler !== 'random' && hb.sampler !== 'tpe') {
      invalid(`hyperband sampler must be random or tpe, got ${JSON.stringify(hb.sampler)}`, { sampler: hb.sampler });
    }
  }
}

/**
 * A strategy over validated ranges and options; invalid input throws
 * `ORCH_TUNING_INVALID` naming the field or parameter.
 */
export function createStrategy(name: StrategyName, options: StrategyOptions): Strategy {
  validateRanges(options?.ranges, name);
  checkOptions(options);
  return FACTORIES[name](options);
}
