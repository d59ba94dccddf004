/**
 * Grid search: every combination of the integer and categorical values, in order (the
 * first parameter varies slowest, values as listed, integers ascending). Any point
 * already tried — running, finished, failed, or in a warm-start parent — is skipped;
 * null once all are tried.
 */
import { gridPoint } from './observations.js';
import { SearchSpace } from './search-space.js';
import type { ParamValues, Strategy, StrategyOptions, TrialState } from './types.js';

export function createGrid(options: StrategyOptions): Strategy {
  const space = new SearchSpace(options.ranges);
  const size = space.cardinality();
  return {
    suggest(trials: TrialState[]): ParamValues | null {
      const seen = new Set<string>();
      for (const t of [...(options.warmStart ?? []), ...trials]) seen.add(space.key(t.params));
      // At most seen.size points can be skipped before an untried one turns up.
      const limit = Math.min(size, seen.size + 1);
      for (let idx = 0; idx < limit; idx++) {
        const p = gridPoint(space, idx);
        if (!seen.has(space.key(p))) return p;
      }
      return null;
    },
  };
}
