/**
 * Amazon Forecast's accuracy metrics over backtest windows, kept as sums so that windows,
 * items and shards (a fleet splits items across workers) merge exactly: the metrics of a
 * merge are the metrics of all the points together.
 *
 * - wQL[τ] = 2 · Σ QL_τ(y, q_τ) / Σ|y|, QL_τ(y, q) = max(τ(y − q), (τ − 1)(y − q));
 *   averageWQL is the mean over the requested levels.
 * - WAPE = Σ|y − ŷ| / Σ|y|; RMSE = √(Σ(y − ŷ)² / n); MAPE = mean of |y − ŷ| / |y| over the
 *   points with y ≠ 0 (a fraction, as Forecast reports it).
 * - MASE: each item's errors are scaled by its in-sample seasonal-naive MAE
 *   (1/(n − m) Σ|y_t − y_{t−m}| over the history before the window's cutoff), as Forecast
 *   defines it; the merged MASE is the mean of the scaled errors over all points.
 *
 * ŷ is the mean forecast (Forecast's point forecast); missing actuals (NaN) are skipped.
 */
import type { ForecastContext, SeriesForecast } from './types.js';

/** Accumulated sums; plain JSON-serialisable numbers. */
export interface MetricSums {
  /** The quantile levels of `qLoss`, ascending. */
  quantiles: number[];
  /** Scored points (finite actual and forecast). */
  points: number;
  /** Σ|y|. */
  absY: number;
  /** Σ|y − ŷ|. */
  absErr: number;
  /** Σ(y − ŷ)². */
  sqErr: number;
  /** Σ|y − ŷ| / |y| and its count, over the points with y ≠ 0. */
  ape: number;
  apePoints: number;
  /** Σ|y − ŷ| / scale and its count, over the points whose item has a non-zero scale. */
  scaledErr: number;
  scaledPoints: number;
  /** Σ quantile loss at each level of `quantiles` (not yet doubled). */
  qLoss: number[];
}

/** The metrics as the API and the CLI's `--json` show them; null where undefined (e.g. all-zero actuals). */
export interface ForecastMetrics {
  averageWQL: number | null;
  /** Keyed by the level as written by {@link quantileKey}: `"0.1"`, `"0.5"`, `"0.9"`. */
  wQL: Record<string, number | null>;
  WAPE: number | null;
  RMSE: number | null;
  MAPE: number | null;
  MASE: number | null;
}

/** The metric a predictor is chosen by (Forecast's `OptimizationMetric`). */
export type OptimizationMetric = 'averageWQL' | 'WAPE' | 'RMSE' | 'MAPE' | 'MASE';
export const OPTIMIZATION_METRICS: readonly OptimizationMetric[] = ['averageWQL', 'WAPE', 'RMSE', 'MAPE', 'MASE'];

/** A quantile level as a JSON key: `0.1` → `"0.1"`, `0.05` → `"0.05"`. */
export function quantileKey(level: number): string {
  return String(Number(level.toFixed(6)));
}

export function emptySums(quantiles: readonly number[]): MetricSums {
  return { quantiles: [...quantiles], points: 0, absY: 0, absErr: 0, sqErr: 0, ape: 0, apePoints: 0, scaledErr: 0, scaledPoints: 0, qLoss: quantiles.map(() => 0) };
}

/**
 * The in-sample seasonal-naive MAE of a history (MASE's scale): the mean of |y_t − y_{t−m}|
 * over the pairs with both values present; the lag falls back to 1 when the history is
 * shorter than two seasons. 0 when nothing is comparable.
 */
export function maseScale(history: Float64Array, season: number): number {
  const n = history.length;
  let m = Math.max(1, Math.round(season));
  if (n <= m) m = 1;
  let sum = 0;
  let count = 0;
  for (let t = m; t < n; t++) {
    const d = history[t] - history[t - m];
    if (Number.isFinite(d)) {
      sum += Math.abs(d);
      count++;
    }
  }
  return count > 0 ? sum / count : 0;
}

/**
 * Adds one item's backtest window to `sums` (in place, also returned). `actual` is the
 * window's observed values (NaN = missing), `forecast` the model's answer for it, `history`
 * the values before the cutoff (for MASE's scale). `forecast.quantiles` follow
 * `ctx.quantiles`, which must equal `sums.quantiles`.
 */
export function addWindow(sums: MetricSums, actual: Float64Array, forecast: SeriesForecast, history: Float64Array, ctx: Pick<ForecastContext, 'season' | 'quantiles'>): MetricSums {
  if (ctx.quantiles.length !== sums.quantiles.length || ctx.quantiles.some((q, i) => q !== sums.quantiles[i])) {
    throw new RangeError('the forecast quantile levels differ from the metric sums');
  }
  const scale = maseScale(history, ctx.season);
  const h = Math.min(actual.length, forecast.mean.length);
  const levels = sums.quantiles;
  for (let i = 0; i < h; i++) {
    const y = actual[i];
    const p = forecast.mean[i];
    if (!Number.isFinite(y) || !Number.isFinite(p)) continue;
    const e = y - p;
    const ae = Math.abs(e);
    sums.points++;
    sums.absY += Math.abs(y);
    sums.absErr += ae;
    sums.sqErr += e * e;
    if (y !== 0) {
      sums.ape += ae / Math.abs(y);
      sums.apePoints++;
    }
    if (scale > 0) {
      sums.scaledErr += ae / scale;
      sums.scaledPoints++;
    }
    for (let k = 0; k < levels.length; k++) {
      const q = forecast.quantiles[k][i];
      const d = y - (Number.isFinite(q) ? q : p);
      sums.qLoss[k] += d >= 0 ? levels[k] * d : (levels[k] - 1) * d;
    }
  }
  return sums;
}

/** The sums of `a` and `b` together (a new object); both must have the same quantile levels. */
export function mergeSums(a: MetricSums, b: MetricSums): MetricSums {
  if (a.quantiles.length !== b.quantiles.length || a.quantiles.some((q, i) => q !== b.quantiles[i])) {
    throw new RangeError('cannot merge metric sums over different quantile levels');
  }
  return {
    quantiles: [...a.quantiles],
    points: a.points + b.points,
    absY: a.absY + b.absY,
    absErr: a.absErr + b.absErr,
    sqErr: a.sqErr + b.sqErr,
    ape: a.ape + b.ape,
    apePoints: a.apePoints + b.apePoints,
    scaledErr: a.scaledErr + b.scaledErr,
    scaledPoints: a.scaledPoints + b.scaledPoints,
    qLoss: a.qLoss.map((v, k) => v + b.qLoss[k]),
  };
}

const ratio = (num: number, den: number): number | null => (den > 0 && Number.isFinite(num) ? num / den : null);

/** The metrics of accumulated sums. */
export function finishMetrics(sums: MetricSums): ForecastMetrics {
  const wQL: Record<string, number | null> = {};
  let total = 0;
  let defined = 0;
  sums.quantiles.forEach((level, k) => {
    const v = ratio(2 * sums.qLoss[k], sums.absY);
    wQL[quantileKey(level)] = v;
    if (v !== null) {
      total += v;
      defined++;
    }
  });
  return {
    averageWQL: defined > 0 && defined === sums.quantiles.length ? total / defined : null,
    wQL,
    WAPE: ratio(sums.absErr, sums.absY),
    RMSE: sums.points > 0 ? Math.sqrt(sums.sqErr / sums.points) : null,
    MAPE: ratio(sums.ape, sums.apePoints),
    MASE: ratio(sums.scaledErr, sums.scaledPoints),
  };
}

/**
 * The value of one metric (lower is better) from sums, for choosing between models;
 * +Infinity when it is undefined, so an undefined candidate never wins.
 */
export function lossOf(sums: MetricSums, metric: OptimizationMetric): number {
  const m = finishMetrics(sums);
  const v = m[metric];
  return v === null ? Number.POSITIVE_INFINITY : v;
}

/**
 * The average over windows of each metric, as Forecast reports a predictor's metrics
 * (each window's metrics over all items, then the mean over windows).
 */
export function averageMetrics(windows: ForecastMetrics[]): ForecastMetrics {
  const mean = (vals: (number | null)[]): number | null => {
    const ok = vals.filter((v): v is number => v !== null);
    return ok.length > 0 ? ok.reduce((s, v) => s + v, 0) / ok.length : null;
  };
  const keys = windows.length > 0 ? Object.keys(windows[0].wQL) : [];
  const wQL: Record<string, number | null> = {};
  for (const k of keys) wQL[k] = mean(windows.map((w) => w.wQL[k]));
  return {
    averageWQL: mean(windows.map((w) => w.averageWQL)),
    wQL,
    WAPE: mean(windows.map((w) => w.WAPE)),
    RMSE: mean(windows.map((w) => w.RMSE)),
    MAPE: mean(windows.map((w) => w.MAPE)),
    MASE: mean(windows.map((w) => w.MASE)),
  };
}
