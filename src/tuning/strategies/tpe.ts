/**
 * The tree-structured Parzen estimator (Bergstra et al. 2011) as Optuna 3.1 runs it:
 * the best γ(n) = min(⌈0.1·n⌉, 25) observations form l(x), the rest g(x); 24
 * candidates drawn from l(x) compete on log l(x) − log g(x). Completed trials rank
 * before early-stopped ones (those by the step they reached, then value). Running
 * trials join g(x) ("constant liar"), so parallel trials spread out. The first 10
 * points come from the seeded low-discrepancy design instead of plain random draws.
 */
import { anyUnseen, designPoint, exhausted, isObservation } from './observations.js';
import { ParzenEstimator } from './parzen-estimator.js';
import { RandomSource, STREAM } from './random-source.js';
import { SearchSpace } from './search-space.js';
import type { ParamValues, Strategy, StrategyOptions, TrialState } from './types.js';

export const TPE_STARTUP_TRIALS = 10;
export const TPE_EI_CANDIDATES = 24;

/** Optuna's default_gamma. */
export function tpeGamma(n: number): number {
  return Math.min(Math.ceil(0.1 * n), 25);
}

interface Ranked {
  unit: Float64Array;
  /** Sort key: −∞ for completed trials, else −(last step reached). */
  group: number;
  loss: number;
}

export interface TpeHistory {
  ranked: Ranked[];
  pending: Float64Array[];
  seen: Set<string>;
}

export function tpeHistory(
  space: SearchSpace,
  trials: readonly TrialState[],
  warmStart: readonly TrialState[] | undefined,
  direction: 'maximize' | 'minimize',
  observe: (t: TrialState) => boolean = isObservation,
): TpeHistory {
  const sign = direction === 'maximize' ? -1 : 1;
  const ranked: Ranked[] = [];
  const pending: Float64Array[] = [];
  const seen = new Set<string>();
  const all = [...(warmStart ?? []).map((t) => ({ t, warm: true })), ...trials.map((t) => ({ t, warm: false }))];
  for (const { t, warm } of all) {
    seen.add(space.key(t.params));
    const unit = space.toUnit(t.params);
    if (!unit) continue;
    if (observe(t)) {
      const lastStep = t.intermediate.length ? Math.max(...t.intermediate.map((p) => p.step)) : 0;
      ranked.push({ unit, group: t.status === 'completed' ? -Infinity : -lastStep, loss: sign * (t.objective as number) });
    } else if (t.status === 'running' && !warm) {
      pending.push(unit);
    }
  }
  return { ranked, pending, seen };
}

export function createTpe(options: StrategyOptions, observe?: (t: TrialState) => boolean): Strategy {
  const space = new SearchSpace(options.ranges);
  const multivariate = options.multivariate ?? true;
  return {
    suggest(trials: TrialState[]): ParamValues | null {
      const h = tpeHistory(space, trials, options.warmStart, options.direction, observe);
      if (exhausted(space, h.seen)) return null;
      const rng = new RandomSource(options.seed, STREAM.tpe, trials.length);
      if (h.ranked.length < TPE_STARTUP_TRIALS) {
        for (let i = 0; i < 100; i++) {
          const p = space.decode(designPoint(space, options.seed, trials.length + i));
          if (!h.seen.has(space.key(p))) return p;
        }
        return anyUnseen(space, rng, h.seen);
      }
      return proposeByTpe(space, h, rng, multivariate) ?? anyUnseen(space, rng, h.seen);
    },
  };
}

/** Splits into l(x) and g(x) points, each kept in chronological order. */
function split(h: TpeHistory): { below: Float64Array[]; above: Float64Array[] } {
  const order = h.ranked.map((_, i) => i).sort((a, b) => h.ranked[a].group - h.ranked[b].group || h.ranked[a].loss - h.ranked[b].loss || a - b);
  const nBelow = tpeGamma(h.ranked.length);
  const belowIdx = order.slice(0, nBelow).sort((a, b) => a - b);
  const aboveIdx = order.slice(nBelow).sort((a, b) => a - b);
  return {
    below: belowIdx.map((i) => h.ranked[i].unit),
    above: [...aboveIdx.map((i) => h.ranked[i].unit), ...h.pending],
  };
}

export function proposeByTpe(space: SearchSpace, h: TpeHistory, rng: RandomSource, multivariate: boolean): ParamValues | null {
  const { below, above } = split(h);
  const groups = multivariate ? [space.axes.map((_, i) => i)] : space.axes.map((_, i) => [i]);
  const unit = new Float64Array(space.size);
  // Per group, candidates ordered by log l − log g; the first combination not tried wins.
  const ranked: Float64Array[][] = [];
  for (const axes of groups) {
    const l = new ParzenEstimator(space, axes, below);
    const g = new ParzenEstimator(space, axes, above);
    const candidates = l.sample(rng, TPE_EI_CANDIDATES);
    const ll = l.logPdf(candidates);
    const lg = g.logPdf(candidates);
    const order = candidates.map((_, i) => i).sort((a, b) => ll[b] - lg[b] - (ll[a] - lg[a]) || a - b);
    ranked.push(order.map((i) => candidates[i]));
    for (const a of axes) unit[a] = ranked[ranked.length - 1][0][a];
  }
  const best = space.decode(unit);
  if (!h.seen.has(space.key(best))) return best;
  if (multivariate) {
    for (const c of ranked[0]) {
      const p = space.decode(c);
      if (!h.seen.has(space.key(p))) return p;
    }
  }
  return null;
}
