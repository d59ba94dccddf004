/**
 * Random search: independent uniform draws on each parameter's scaled axis, from a
 * stream seeded by (seed, trial count), so the n-th point is the same whenever it is
 * asked for. Points already tried are redrawn (that matters only in finite spaces).
 */
import { anyUnseen, collectHistory, exhausted } from './observations.js';
import { RandomSource, STREAM } from './random-source.js';
import { SearchSpace } from './search-space.js';
import type { ParamValues, Strategy, StrategyOptions, TrialState } from './types.js';

export function createRandom(options: StrategyOptions): Strategy {
  const space = new SearchSpace(options.ranges);
  return {
    suggest(trials: TrialState[]): ParamValues | null {
      const h = collectHistory(space, trials, options.warmStart, options.direction);
      if (exhausted(space, h.seen)) return null;
      return anyUnseen(space, new RandomSource(options.seed, STREAM.random, trials.length), h.seen);
    },
  };
}
