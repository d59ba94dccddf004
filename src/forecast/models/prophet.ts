/**
 * A Prophet-style additive model (Taylor & Letham, "Forecasting at scale", 2017):
 * y(t) = g(t) + s(t) + Xβ + ε, with g a piecewise-linear trend whose rate may change at
 * 25 candidate changepoints spread over the first 80 % of the history, s Fourier series
 * for each season (yearly order 10, weekly 3, daily 4, as Prophet's defaults), and the
 * related series as extra regressors (a 0/1 series is a holiday or event).
 *
 * The fit is Prophet's MAP estimate under its priors — rate changes δ ~ Laplace(0, 0.05),
 * seasonal and regressor coefficients ~ N(0, 10²), k, m ~ N(0, 5²), σ ~ half-N(0, 0.5²),
 * on y scaled by its largest absolute value and time scaled to [0, 1] — computed by
 * coordinate descent on the Gram matrix (the Laplace prior makes it a lasso on δ) with σ
 * updated in closed form between sweeps, where Prophet runs Stan's L-BFGS.
 *
 * Uncertainty as Prophet's `predict_uncertainty`: each sample path draws new future
 * changepoints at the historical rate with Laplace magnitudes of the mean |δ|, plus
 * Gaussian observation noise; quantiles come from the (seeded) samples.
 *
 * `seasonalityMode: 'multiplicative'` fits y = g(t)·(1 + s(t) + Xβ) + ε by alternating
 * the two linear sub-problems (trend given seasonality, seasonality given trend).
 */
import { laplaceDraw, normalDraw, sampleSummary, seededRandom } from './optim.js';
import type { ForecastContext, LocalModel, SeriesData, SeriesForecast } from './types.js';

export interface ProphetOptions {
  /** Candidate changepoints. @default 25 */
  changepoints?: number;
  /** Share of the history that holds the changepoints. @default 0.8 */
  changepointRange?: number;
  /** Scale τ of the Laplace prior on rate changes. @default 0.05 */
  changepointPriorScale?: number;
  /** Prior standard deviation of seasonal and regressor coefficients. @default 10 */
  seasonalityPriorScale?: number;
  /** @default 'additive' */
  seasonalityMode?: 'additive' | 'multiplicative';
  /** Sample paths for the quantiles. @default 1000 */
  samples?: number;
}

const DAY = 86_400_000;

/** A column-major design with its penalties: 'l1' (Laplace) or a ridge variance. */
interface Design {
  columns: Float64Array[];
  /** Per column: the Laplace scale (L1) or the Gaussian variance (ridge). */
  penalty: { kind: 'l1' | 'ridge'; scale: number }[];
}

interface Seasonality {
  name: string;
  periodDays: number;
  order: number;
}

/** The seasonalities Prophet would switch on for this history, from ctx.seasons. */
function seasonalities(ctx: ForecastContext, spanDays: number): Seasonality[] {
  const stepDays = ctx.stepMs / DAY;
  const out: Seasonality[] = [];
  for (const s of ctx.seasons) {
    const periodDays = s * stepDays;
    if (!(s >= 2) || spanDays < 2 * periodDays) continue;
    const near = (target: number) => Math.abs(periodDays - target) <= 0.1 * target;
    const [name, order] = near(365.25) ? ['yearly', 10] : near(7) ? ['weekly', 3] : near(1) ? ['daily', 4] : [`period ${s}`, 5];
    // No more harmonics than the grid can tell apart (else the columns repeat).
    const capped = Math.min(order, Math.floor(s / 2));
    if (capped >= 1 && !out.some((o) => o.name === name)) out.push({ name, periodDays, order: capped });
  }
  return out;
}

function fourier(days: Float64Array, season: Seasonality): Float64Array[] {
  const cols: Float64Array[] = [];
  for (let k = 1; k <= season.order; k++) {
    const f = (2 * Math.PI * k) / season.periodDays;
    cols.push(Float64Array.from(days, (d) => Math.sin(f * d)));
    cols.push(Float64Array.from(days, (d) => Math.cos(f * d)));
  }
  return cols;
}

/**
 * MAP under Gaussian noise: minimises SSE/(2σ²) + n·log σ + Σ penalties + σ²/(2·0.5²)
 * over θ and σ. Coordinate descent on the Gram matrix: each coordinate's update is exact
 * (soft-thresholding for L1, shrinkage for ridge), then σ² has a closed form.
 */
function mapFit(design: Design, rows: Int32Array, y: Float64Array, weights?: Float64Array): { theta: Float64Array; sigma: number } {
  const p = design.columns.length;
  const n = rows.length;
  const G = new Float64Array(p * p);
  const b = new Float64Array(p);
  let yy = 0;
  const cols = design.columns.map((c) => Float64Array.from(rows, (r) => c[r] * (weights ? weights[r] : 1)));
  const yv = Float64Array.from(rows, (r) => y[r]);
  for (let i = 0; i < n; i++) yy += yv[i] * yv[i];
  for (let a = 0; a < p; a++) {
    const ca = cols[a];
    for (let c = 0; c <= a; c++) {
      const cc = cols[c];
      let s = 0;
      for (let i = 0; i < n; i++) s += ca[i] * cc[i];
      G[a * p + c] = G[c * p + a] = s;
    }
    let s = 0;
    for (let i = 0; i < n; i++) s += ca[i] * yv[i];
    b[a] = s;
  }
  const theta = new Float64Array(p);
  const g = new Float64Array(p); // G·θ
  let sigma2 = yy / Math.max(1, n) || 1;
  const sseOf = () => {
    let s = yy;
    for (let a = 0; a < p; a++) s += theta[a] * (g[a] - 2 * b[a]);
    return Math.max(0, s);
  };
  for (let outer = 0; outer < 30; outer++) {
    for (let sweep = 0; sweep < 2000; sweep++) {
      let maxChange = 0;
      for (let j = 0; j < p; j++) {
        const gjj = G[j * p + j];
        if (!(gjj > 0)) continue;
        const r = b[j] - (g[j] - gjj * theta[j]);
        const pen = design.penalty[j];
        let next: number;
        if (pen.kind === 'l1') {
          const lambda = sigma2 / pen.scale;
          next = r > lambda ? (r - lambda) / gjj : r < -lambda ? (r + lambda) / gjj : 0;
        } else next = r / (gjj + sigma2 / pen.scale);
        const delta = next - theta[j];
        if (delta !== 0) {
          theta[j] = next;
          for (let a = 0; a < p; a++) g[a] += delta * G[a * p + j];
          maxChange = Math.max(maxChange, Math.abs(delta) * Math.sqrt(gjj));
        }
      }
      if (maxChange < 1e-6 * Math.sqrt(yy + 1e-300)) break;
    }
    const sse = sseOf();
    // d/ds [SSE/(2s) + (n/2)·log s + s/(2·0.25)] = 0 → 4s² + n·s − SSE = 0 (s = σ²).
    const next = (-n + Math.sqrt(n * n + 16 * sse)) / 8;
    const settled = Math.abs(next - sigma2) <= 1e-6 * sigma2;
    sigma2 = Math.max(next, 1e-12);
    if (settled) break;
  }
  return { theta, sigma: Math.sqrt(sigma2) };
}

/** The piecewise-linear trend at scaled time t: k·t + m + Σ δ_j (t − s_j)₊. */
function trendAt(t: number, k: number, m: number, cps: number[], deltas: number[]): number {
  let v = k * t + m;
  for (let j = 0; j < cps.length; j++) if (t > cps[j]) v += deltas[j] * (t - cps[j]);
  return v;
}

export function makeProphet(options: ProphetOptions = {}): LocalModel {
  const nChangepoints = options.changepoints ?? 25;
  const range = options.changepointRange ?? 0.8;
  const tau = options.changepointPriorScale ?? 0.05;
  const seasonScale = options.seasonalityPriorScale ?? 10;
  const mode = options.seasonalityMode ?? 'additive';
  const nSamples = options.samples ?? 1000;
  return {
    kind: 'local',
    name: 'prophet',
    forecast(series: SeriesData, ctx: ForecastContext): SeriesForecast {
      const n = series.y.length;
      const h = ctx.horizon;
      const total = n + h;
      const times = series.times.length >= total ? series.times : Float64Array.from({ length: total }, (_, i) => i * ctx.stepMs);
      const rowsList: number[] = [];
      for (let t = 0; t < n; t++) if (Number.isFinite(series.y[t])) rowsList.push(t);
      const rows = Int32Array.from(rowsList);
      if (rows.length < 2) {
        const v = rows.length ? series.y[rows[0]] : 0;
        return { mean: new Float64Array(h).fill(v), quantiles: ctx.quantiles.map(() => new Float64Array(h).fill(v)), spec: 'prophet(constant)' };
      }
      // Prophet's scaling: y by its largest absolute value, time to [0, 1] over the history.
      let scale = 0;
      for (const r of rows) scale = Math.max(scale, Math.abs(series.y[r]));
      scale ||= 1;
      const y = Float64Array.from(series.y, (v) => v / scale);
      const t0 = times[rows[0]];
      const span = times[rows[rows.length - 1]] - t0 || 1;
      const t = Float64Array.from(times, (v) => (v - t0) / span);
      const days = Float64Array.from(times, (v) => v / DAY);

      // Changepoints at evenly spaced observed rows of the first `range` of the history.
      const histSize = Math.floor(rows.length * range);
      const nCp = Math.max(0, Math.min(nChangepoints, histSize - 1));
      const cps: number[] = [];
      for (let j = 1; j <= nCp; j++) cps.push(t[rows[Math.round((j * (histSize - 1)) / nCp)]]);

      const seasons = seasonalities(ctx, span / DAY);
      const seasonal: Float64Array[] = seasons.flatMap((s) => fourier(days, s));
      const regressors = regressorColumns(series.related ?? [], rows);
      const trendCols: Float64Array[] = [t, new Float64Array(total).fill(1), ...cps.map((s) => Float64Array.from(t, (v) => Math.max(0, v - s)))];
      const trendPen: Design['penalty'] = [{ kind: 'ridge', scale: 25 }, { kind: 'ridge', scale: 25 }, ...cps.map(() => ({ kind: 'l1' as const, scale: tau }))];
      const extra = [...seasonal, ...regressors];
      const extraPen: Design['penalty'] = extra.map(() => ({ kind: 'ridge', scale: seasonScale * seasonScale }));

      const { trendTheta, extraTheta, sigma } = fitComponents(mode, { columns: trendCols, penalty: trendPen }, { columns: extra, penalty: extraPen }, rows, y, total);

      const k = trendTheta[0];
      const m0 = trendTheta[1];
      const deltas = Array.from(trendTheta.subarray(2));
      const extraPart = combine(extra, extraTheta, total);
      const yhatAt = (i: number, trend: number) => (mode === 'additive' ? trend + extraPart[i] : trend * (1 + extraPart[i]));
      const mean = new Float64Array(h);
      for (let i = 0; i < h; i++) mean[i] = yhatAt(n + i, trendAt(t[n + i], k, m0, cps, deltas)) * scale;

      const trends = sampleTrends({ k, m: m0, cps, deltas }, t.subarray(n - 1), nCp, nSamples, seededRandom(ctx.seed ?? 0));
      const rand = seededRandom((ctx.seed ?? 0) + 1);
      const paths = trends.map((trend) => Float64Array.from(trend, (g, i) => (yhatAt(n + i, g) + sigma * normalDraw(rand)) * scale));
      const summary = sampleSummary(paths, h, ctx.quantiles, ctx.nonNegative);
      if (ctx.nonNegative) for (let i = 0; i < h; i++) mean[i] = Math.max(0, mean[i]);
      const parts = [mode, ...seasons.map((s) => `${s.name} ${s.order}`), `${nCp} changepoints`];
      if (regressors.length) parts.push(`${regressors.length} regressor${regressors.length > 1 ? 's' : ''}`);
      return { mean, quantiles: summary.quantiles, spec: `prophet(${parts.join(', ')})` };
    },
  };
}

/** Related series as Prophet adds them: standardised, unless binary (holidays, events); constant ones dropped. */
function regressorColumns(related: Float64Array[], rows: Int32Array): Float64Array[] {
  const out: Float64Array[] = [];
  for (const r of related) {
    const hist = Array.from(rows, (i) => r[i]);
    const binary = hist.every((v) => v === 0 || v === 1);
    const mu = hist.reduce((a, v) => a + v, 0) / hist.length;
    const sd = Math.sqrt(hist.reduce((a, v) => a + (v - mu) ** 2, 0) / Math.max(1, hist.length - 1));
    if (!(sd > 0)) continue;
    out.push(binary ? Float64Array.from(r) : Float64Array.from(r, (v) => (v - mu) / sd));
  }
  return out;
}

/**
 * The MAP fit of trend and seasonal/regressor coefficients. Additive: one joint fit.
 * Multiplicative, y = g·(1 + Xβ): alternate β given g (columns scaled by g) and g given β
 * (trend columns weighted by 1 + Xβ).
 */
function fitComponents(mode: 'additive' | 'multiplicative', trend: Design, extra: Design, rows: Int32Array, y: Float64Array, total: number): { trendTheta: Float64Array; extraTheta: Float64Array; sigma: number } {
  const nt = trend.columns.length;
  if (mode === 'additive' || extra.columns.length === 0) {
    const fit = mapFit({ columns: [...trend.columns, ...extra.columns], penalty: [...trend.penalty, ...extra.penalty] }, rows, y);
    return { trendTheta: fit.theta.subarray(0, nt), extraTheta: fit.theta.subarray(nt), sigma: fit.sigma };
  }
  const first = mapFit(trend, rows, y);
  let trendTheta: Float64Array = first.theta;
  let extraTheta: Float64Array = new Float64Array(extra.columns.length);
  let sigma = first.sigma;
  for (let round = 0; round < 5; round++) {
    const g = combine(trend.columns, trendTheta, total);
    const resid = Float64Array.from(y, (v, i) => v - g[i]);
    extraTheta = mapFit({ columns: extra.columns.map((c) => Float64Array.from(c, (v, i) => v * g[i])), penalty: extra.penalty }, rows, resid).theta;
    const factor = combine(extra.columns, extraTheta, total).map((v) => 1 + v);
    const tFit = mapFit(trend, rows, y, factor);
    trendTheta = tFit.theta;
    sigma = tFit.sigma;
  }
  return { trendTheta, extraTheta, sigma };
}

/**
 * Future trend paths as Prophet's `sample_predictive_trend`: new changepoints over the
 * horizon at the historical rate (nCp per unit of scaled time, Poisson), magnitudes
 * Laplace(0, mean |δ|). `t` holds the last history point, then the horizon.
 */
function sampleTrends(fit: { k: number; m: number; cps: number[]; deltas: number[] }, t: Float64Array, nCp: number, samples: number, rand: () => number): Float64Array[] {
  const h = t.length - 1;
  const tLast = t[0];
  const futureSpan = t[h] - tLast;
  const meanAbsDelta = fit.deltas.reduce((a, d) => a + Math.abs(d), 0) / Math.max(1, fit.deltas.length) + 1e-8;
  const base = Float64Array.from({ length: h }, (_, i) => trendAt(t[i + 1], fit.k, fit.m, fit.cps, fit.deltas));
  const out: Float64Array[] = [];
  for (let s = 0; s < samples; s++) {
    const path = Float64Array.from(base);
    const count = poisson(rand, Math.max(1, nCp) * futureSpan);
    for (let c = 0; c < count; c++) {
      const at = tLast + rand() * futureSpan;
      const delta = laplaceDraw(rand, meanAbsDelta);
      for (let i = 0; i < h; i++) if (t[i + 1] > at) path[i] += delta * (t[i + 1] - at);
    }
    out.push(path);
  }
  return out;
}

function combine(columns: Float64Array[], theta: Float64Array, length: number): Float64Array {
  const out = new Float64Array(length);
  columns.forEach((c, j) => {
    if (theta[j] !== 0) for (let i = 0; i < length; i++) out[i] += theta[j] * c[i];
  });
  return out;
}

/** A Poisson draw (Knuth's product method; the means here are small). */
function poisson(rand: () => number, lambda: number): number {
  if (lambda > 50) return Math.max(0, Math.round(lambda + Math.sqrt(lambda) * normalDraw(rand)));
  const limit = Math.exp(-lambda);
  let k = 0;
  let p = rand();
  while (p > limit) {
    k++;
    p *= rand();
  }
  return k;
}

/** The Prophet-style model with Prophet's defaults. */
export const prophet: LocalModel = makeProphet();
