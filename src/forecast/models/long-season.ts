/**
 * Seasons longer than the one a model handles itself (daily data's year, beside its week):
 * removed before the model sees the series and added back to its forecast, as
 * statsforecast's MSTL-then-ETS does, here with a Fourier regression (Harvey & Shephard;
 * the same terms Prophet and TBATS use) rather than STL, so the season extrapolates.
 *
 * y_t = a + b·t + Σ_{k≤K} (c_k sin(2πkt/p) + d_k cos(2πkt/p)) + r_t by least squares; the
 * model forecasts y minus the Fourier part (intercept and slope stay in the series), and
 * the Fourier part at future t is added back. K ∈ {1, 2, 3} by BIC. A period is used only
 * when the history covers at least two of it and it is longer than the model's own season.
 */
import { solveSpd } from './optim.js';

export interface LongSeason {
  period: number;
  harmonics: number;
  /** Coefficients of sin/cos for k = 1..K: [c1, d1, c2, d2, …]. */
  coef: Float64Array;
}

function fourierRow(t: number, period: number, K: number, out: Float64Array, offset: number): void {
  for (let k = 1; k <= K; k++) {
    const w = (2 * Math.PI * k * t) / period;
    out[offset + 2 * (k - 1)] = Math.sin(w);
    out[offset + 2 * (k - 1) + 1] = Math.cos(w);
  }
}

/** OLS of y on [1, t, Fourier(K)]; returns the Fourier coefficients and the residual sum of squares. */
function fit(y: Float64Array, period: number, K: number): { coef: Float64Array; rss: number; used: number } | null {
  const k = 2 + 2 * K;
  const XtX = new Float64Array(k * k);
  const Xty = new Float64Array(k);
  const row = new Float64Array(k);
  const n = y.length;
  let used = 0;
  for (let t = 0; t < n; t++) {
    const v = y[t];
    if (Number.isNaN(v)) continue;
    used++;
    row[0] = 1;
    row[1] = t / n;
    fourierRow(t, period, K, row, 2);
    for (let i = 0; i < k; i++) {
      Xty[i] += row[i] * v;
      for (let j = 0; j <= i; j++) XtX[i * k + j] += row[i] * row[j];
    }
  }
  if (used <= k + 1) return null;
  for (let i = 0; i < k; i++) for (let j = i + 1; j < k; j++) XtX[i * k + j] = XtX[j * k + i];
  const beta = solveSpd(XtX, Xty, k);
  if (!beta) return null;
  let rss = 0;
  for (let t = 0; t < n; t++) {
    const v = y[t];
    if (Number.isNaN(v)) continue;
    row[0] = 1;
    row[1] = t / n;
    fourierRow(t, period, K, row, 2);
    let p = 0;
    for (let i = 0; i < k; i++) p += row[i] * beta[i];
    rss += (v - p) * (v - p);
  }
  return { coef: beta.slice(2), rss, used };
}

/**
 * The long season worth removing from y, or null: the longest period in `seasons` that is
 * longer than `season` and covered twice by y, with K by BIC; null when no K beats the
 * trend-only line by BIC either.
 */
export function fitLongSeason(y: Float64Array, season: number, seasons: readonly number[]): LongSeason | null {
  const n = y.length;
  const candidates = seasons.filter((p) => p > Math.max(season, 2) * 1.5 && n >= 2 * p).sort((a, b) => b - a);
  if (candidates.length === 0) return null;
  const period = candidates[0];
  const base = fit(y, period, 0);
  if (!base) return null;
  let best: LongSeason | null = null;
  let bestBic = base.used * Math.log(base.rss / base.used) + 2 * Math.log(base.used);
  for (let K = 1; K <= 3; K++) {
    const r = fit(y, period, K);
    if (!r) continue;
    const bic = r.used * Math.log(r.rss / r.used) + (2 + 2 * K) * Math.log(r.used);
    if (bic < bestBic) {
      bestBic = bic;
      best = { period, harmonics: K, coef: r.coef };
    }
  }
  return best;
}

/** The Fourier part at t = from .. from + length − 1. */
export function longSeasonValues(s: LongSeason, from: number, length: number): Float64Array {
  const out = new Float64Array(length);
  const row = new Float64Array(2 * s.harmonics);
  for (let i = 0; i < length; i++) {
    fourierRow(from + i, s.period, s.harmonics, row, 0);
    let v = 0;
    for (let j = 0; j < row.length; j++) v += row[j] * s.coef[j];
    out[i] = v;
  }
  return out;
}

/** y minus its long season (NaN stays NaN). */
export function removeLongSeason(y: Float64Array, s: LongSeason): Float64Array {
  const part = longSeasonValues(s, 0, y.length);
  return y.map((v, t) => v - part[t]);
}

/**
 * Runs `forecast` on y without its long season (when one is found) and adds the season back
 * to the mean and every quantile; clipping at zero happens after, when asked.
 */
export function withLongSeason(
  y: Float64Array,
  ctx: { horizon: number; season: number; seasons: readonly number[]; nonNegative?: boolean },
  forecast: (x: Float64Array) => { mean: Float64Array; quantiles: Float64Array[]; spec?: string },
): { mean: Float64Array; quantiles: Float64Array[]; spec?: string } {
  const s = fitLongSeason(y, ctx.season, ctx.seasons);
  if (!s) return forecast(y);
  const f = forecast(removeLongSeason(y, s));
  const part = longSeasonValues(s, y.length, ctx.horizon);
  const add = (a: Float64Array): Float64Array => a.map((v, i) => (ctx.nonNegative ? Math.max(0, v + part[i]) : v + part[i]));
  return { mean: add(f.mean), quantiles: f.quantiles.map(add), spec: `${f.spec ?? ''} + Fourier(${s.period}, K=${s.harmonics})` };
}
