/**
 * The AutoPredictor's per-item choice: the best single model or a weighted ensemble, by
 * backtest loss, as Amazon Forecast's AutoPredictor does per time series.
 *
 * The search is small on purpose (one backtest window is often 28 points): each single
 * candidate; for k = 2, 3 best candidates, weights proportional to the inverse of their
 * backtest loss and equal weights; and a greedy forward selection with replacement
 * (Caruana et al. 2004, "Ensemble selection from libraries of models") of up to
 * {@link GREEDY_STEPS} steps, whose weights are multiples of 1/steps. The combination
 * with the lowest loss wins; a tie goes to the one with fewer members. An ensemble's mean
 * and quantiles are the weighted means of its members' (quantile averaging).
 */
import { addWindow, emptySums, lossOf, mergeSums, type MetricSums, type OptimizationMetric } from './metrics.js';
import type { ForecastContext, SeriesForecast } from './types.js';

/** One member of a predictor's choice. */
export interface EnsembleMember {
  algorithm: string;
  weight: number;
}

/** One backtest window of one item, as the ensemble search sees it. */
export interface ScoredWindow {
  actual: Float64Array;
  history: Float64Array;
  /** Per candidate (same order as the candidate names), its forecast, or null when it failed. */
  forecasts: (SeriesForecast | null)[];
}

export const GREEDY_STEPS = 6;

/** The weighted mean of forecasts (weights need not sum to 1; zero weights are skipped). */
export function combineForecasts(forecasts: SeriesForecast[], weights: number[], nonNegative = false): SeriesForecast {
  if (forecasts.length === 0 || forecasts.length !== weights.length) throw new RangeError('combineForecasts needs one weight per forecast');
  const total = weights.reduce((s, w) => s + w, 0);
  if (!(total > 0)) throw new RangeError('ensemble weights must have a positive sum');
  const h = forecasts[0].mean.length;
  const nq = forecasts[0].quantiles.length;
  const mean = new Float64Array(h);
  const quantiles = Array.from({ length: nq }, () => new Float64Array(h));
  forecasts.forEach((f, j) => {
    const w = weights[j] / total;
    if (w === 0) return;
    for (let i = 0; i < h; i++) mean[i] += w * f.mean[i];
    for (let k = 0; k < nq; k++) for (let i = 0; i < h; i++) quantiles[k][i] += w * f.quantiles[k][i];
  });
  // Averaged quantiles keep their order (each member's are ordered), so only clipping is left.
  if (nonNegative) {
    for (let i = 0; i < h; i++) mean[i] = Math.max(0, mean[i]);
    for (const q of quantiles) for (let i = 0; i < h; i++) q[i] = Math.max(0, q[i]);
  }
  return { mean, quantiles };
}

/** The backtest sums of a weighted combination, per window (null when a member has no forecast there). */
export function scoreCombination(windows: ScoredWindow[], weights: number[], ctx: Pick<ForecastContext, 'season' | 'quantiles' | 'nonNegative'>): (MetricSums | null)[] {
  const used = weights.map((w, j) => (w > 0 ? j : -1)).filter((j) => j >= 0);
  return windows.map((win) => {
    const members = used.map((j) => win.forecasts[j]);
    if (members.some((f) => f === null)) return null;
    const f = used.length === 1 ? members[0]! : combineForecasts(members as SeriesForecast[], used.map((j) => weights[j]), ctx.nonNegative);
    return addWindow(emptySums(ctx.quantiles), win.actual, f, win.history, ctx);
  });
}

/** Sums over windows, or null when some window could not be scored. */
function total(perWindow: (MetricSums | null)[], quantiles: number[]): MetricSums | null {
  let acc = emptySums(quantiles);
  for (const s of perWindow) {
    if (s === null) return null;
    acc = mergeSums(acc, s);
  }
  return acc;
}

export interface EnsembleChoice {
  members: EnsembleMember[];
  /** The choice's backtest sums per window. */
  windows: (MetricSums | null)[];
  /** Its loss over all windows together. */
  loss: number;
}

/**
 * Chooses the best single candidate or ensemble for one item. `names` are the candidates
 * (same order as each window's `forecasts`); `allowEnsemble` false keeps single models only.
 * Returns null when no candidate could be scored on every window.
 */
export function chooseEnsemble(names: string[], windows: ScoredWindow[], metric: OptimizationMetric, ctx: Pick<ForecastContext, 'season' | 'quantiles' | 'nonNegative'>, allowEnsemble = true): EnsembleChoice | null {
  const n = names.length;
  const evaluate = (weights: number[]): EnsembleChoice | null => {
    const perWindow = scoreCombination(windows, weights, ctx);
    const sums = total(perWindow, ctx.quantiles);
    if (sums === null || sums.points === 0) return null;
    const wsum = weights.reduce((s, w) => s + w, 0);
    const members = weights.map((w, j) => ({ algorithm: names[j], weight: w / wsum })).filter((m) => m.weight > 0);
    return { members, windows: perWindow, loss: lossOf(sums, metric) };
  };
  const singles: { j: number; choice: EnsembleChoice }[] = [];
  for (let j = 0; j < n; j++) {
    const w = new Array<number>(n).fill(0);
    w[j] = 1;
    const c = evaluate(w);
    if (c !== null && Number.isFinite(c.loss)) singles.push({ j, choice: c });
  }
  if (singles.length === 0) return null;
  singles.sort((a, b) => a.choice.loss - b.choice.loss);
  let best = singles[0].choice;
  const consider = (c: EnsembleChoice | null): void => {
    if (c === null || !Number.isFinite(c.loss)) return;
    if (c.loss < best.loss - 1e-12 || (Math.abs(c.loss - best.loss) <= 1e-12 && c.members.length < best.members.length)) best = c;
  };
  if (!allowEnsemble || singles.length < 2) return best;

  for (let k = 2; k <= Math.min(3, singles.length); k++) {
    const inv = new Array<number>(n).fill(0);
    const eq = new Array<number>(n).fill(0);
    for (const s of singles.slice(0, k)) {
      inv[s.j] = 1 / Math.max(s.choice.loss, 1e-12);
      eq[s.j] = 1;
    }
    consider(evaluate(inv));
    consider(evaluate(eq));
  }
  // Greedy selection with replacement, started from the best single model.
  const counts = new Array<number>(n).fill(0);
  counts[singles[0].j] = 1;
  for (let step = 1; step < GREEDY_STEPS; step++) {
    let stepBest: EnsembleChoice | null = null;
    let stepJ = -1;
    for (const s of singles) {
      counts[s.j]++;
      const c = evaluate(counts);
      counts[s.j]--;
      if (c !== null && (stepBest === null || c.loss < stepBest.loss)) {
        stepBest = c;
        stepJ = s.j;
      }
    }
    if (stepBest === null) break;
    counts[stepJ]++;
    consider(stepBest);
  }
  return best;
}
