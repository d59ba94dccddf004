/**
 * ETS: the exponential-smoothing state-space family of Hyndman, Koehler, Ord & Snyder
 * ("Forecasting with Exponential Smoothing", Springer 2008), with automatic model
 * selection as R's forecast::ets and statsforecast's AutoETS do.
 *
 * - Models ETS(E,T,S): error A/M, trend N/A/Ad, season N/A/M. As with R's default
 *   `restrict = TRUE`, additive error with multiplicative season (infinite variance) is
 *   excluded; multiplicative trends are not offered (R's default `allow.multiplicative.trend
 *   = FALSE`); multiplicative error or season needs strictly positive data.
 * - State updates are the error-free forms of R's etscalc (the same for both error types);
 *   the error type changes the likelihood: n·log Σe² for additive errors, and
 *   n·log Σ(e/ŷ)² + 2·Σ log|ŷ| for multiplicative ones (HKOS 2008, §5.2).
 * - Parameters by maximum likelihood: the smoothing parameters in R's "usual" region
 *   (0 < β < α < 1, 0 < γ < 1 − α, 0.8 ≤ φ ≤ 0.98, mapped onto a unit box) and the initial
 *   level and slope, by a bounded Nelder–Mead; the initial seasonal states come from a
 *   classical decomposition of the first seasons (R's initstate) and are counted as
 *   parameters in the AICc.
 * - Selection by AICc. Cheap tests prune the candidates first: no seasonal models when
 *   the series is shorter than two seasons or a lag-m autocorrelation test (the one the
 *   Theta method uses) finds no season; no multiplicative models on non-positive data.
 *   Then the additive-error models are fitted, and the multiplicative-error ones (with the
 *   trend the additive ones chose) only when the additive errors grow with the level
 *   ({@link autoEts}); on the peers' 200 daily series this fits 3–5 models instead of 9 at
 *   the same accuracy (MAPE 3.743 % against 3.740 % with every candidate).
 * - Prediction intervals: analytic for the linear class (additive error, no multiplicative
 *   season; HKOS 2008, §6.3, c_j = α + β·Σφ^i + γ·[j ≡ 0 mod m]); simulated from the fitted
 *   model otherwise, with a seeded generator.
 * - Missing values: the one-step forecast stands in for the observation (zero error) and
 *   the point is left out of the likelihood.
 * - Seasons longer than ctx.season (daily data's year) are taken out first by a Fourier
 *   regression and added back to the forecast (long-season.ts).
 */
import { gaussianQuantiles } from './distributions.js';
import { FINAL, filter, hasSeason, initialStates, likelihood, S_A, S_M, S_N, seasonCode, T_AD, T_N, TOL, trendCode } from './ets-filter.js';
import { withLongSeason } from './long-season.js';
import { nelderMead } from './nelder-mead.js';
import { normalDraw, sampleSummary, seededRandom } from './optim.js';
import type { ForecastContext, LocalModel, SeriesData, SeriesForecast } from './types.js';

export type EtsError = 'A' | 'M';
export type EtsTrend = 'N' | 'A' | 'Ad';
export type EtsSeason = 'N' | 'A' | 'M';

export interface EtsSpec {
  error: EtsError;
  trend: EtsTrend;
  season: EtsSeason;
}

export interface EtsFit {
  spec: EtsSpec;
  m: number;
  alpha: number;
  beta: number;
  gamma: number;
  phi: number;
  /** Final states after the last observation: level, slope, and the last m seasonal states (s[t mod m]). */
  level: number;
  slope: number;
  seasonal: Float64Array;
  /** Position of time n in the seasonal ring (n mod m). */
  phase: number;
  /** Residual variance (of e for additive errors, of e/ŷ for multiplicative ones). */
  sigma2: number;
  /** −2 log-likelihood up to a constant common to all models of one series. */
  lik: number;
  aicc: number;
  /**
   * Additive-error fits only: corr(|e_t|, ŷ_t)·√n, about N(0, 1) when the error size does not
   * depend on the level; the search skips multiplicative-error models when it is below 1.645.
   */
  scaleTest: number;
  /** Number of parameters counted in the AICc (smoothing, initial states, σ). */
  np: number;
  n: number;
}

export { hasSeason } from './ets-filter.js';
export { likelihoodPair } from './ets-filter.js';
export { nelderMead } from './nelder-mead.js';
export type { NelderMeadOptions, NelderMeadResult } from './nelder-mead.js';

export const specName = (s: EtsSpec): string => `ETS(${s.error},${s.trend},${s.season})`;


// ------------------------------------------------------------------------------------------
// Fitting one model.

export interface EtsFitOptions {
  /** @default 250 */
  maxEvals?: number;
  /** A related model's fit whose smoothing parameters start the search (fewer evaluations). */
  start?: EtsFit | null;
}

/** The fitted model for one spec, or null when it cannot be fitted (too few points, non-positive data for M). */
export function fitEts(y: Float64Array, m: number, spec: EtsSpec, options: EtsFitOptions = {}): EtsFit | null {
  const trend = trendCode(spec.trend);
  const season = seasonCode(spec.season);
  const mult = spec.error === 'M';
  const mm = season === S_N ? 1 : Math.max(1, Math.round(m));
  let nObs = 0;
  for (let t = 0; t < y.length; t++) if (!Number.isNaN(y[t])) nObs++;
  const nSmooth = 1 + (trend !== T_N ? 1 : 0) + (season !== S_N ? 1 : 0) + (trend === T_AD ? 1 : 0);
  const nStates = 1 + (trend !== T_N ? 1 : 0) + (season !== S_N ? mm - 1 : 0);
  const np = nSmooth + nStates + 1;
  if (season !== S_N && (mm < 2 || y.length < 2 * mm)) return null;
  if (nObs <= np + 1) return null;

  const init = initialStates(y, mm, season, trend);
  if (season === S_M) for (let j = 0; j < mm; j++) if (!(init.seasonal[j] > 0)) return null;
  const work = new Float64Array(mm);
  let scale = 0;
  for (let t = 0; t < y.length; t++) if (!Number.isNaN(y[t])) scale += Math.abs(y[t]) / nObs;
  scale = Math.max(scale, 1e-8);

  // x = [a, b', g', p', u, v]: α = a, β = α·b', γ = (1 − α)·g', φ = 0.8 + 0.18·p',
  // l0 = init.l0 + scale·u, b0 = init.b0 + 0.1·scale·v.
  const hasB = trend !== T_N;
  const hasG = season !== S_N;
  const hasP = trend === T_AD;
  const d = nSmooth + (hasB ? 2 : 1);
  const idxB = 1;
  const idxG = 1 + (hasB ? 1 : 0);
  const idxP = idxG + (hasG ? 1 : 0);
  const idxU = nSmooth;
  const idxV = nSmooth + 1;
  const eps = 1e-4;
  const lower = new Float64Array(d).fill(eps);
  const upper = new Float64Array(d).fill(1 - eps);
  lower[idxU] = -10;
  upper[idxU] = 10;
  if (hasB) {
    lower[idxV] = -10;
    upper[idxV] = 10;
  }
  if (hasP) {
    lower[idxP] = 0;
    upper[idxP] = 1;
  }
  const x0 = new Float64Array(d);
  const step = new Float64Array(d);
  x0[0] = 0.2;
  step[0] = 0.15;
  if (hasB) {
    x0[idxB] = 0.1;
    step[idxB] = 0.2;
  }
  if (hasG) {
    x0[idxG] = 0.05;
    step[idxG] = 0.1;
  }
  if (hasP) {
    x0[idxP] = 0.9;
    step[idxP] = -0.3;
  }
  x0[idxU] = 0;
  step[idxU] = 0.05;
  if (hasB) {
    x0[idxV] = 0;
    step[idxV] = 0.05;
  }
  const start = options.start;
  if (start) {
    const clamp = (v: number): number => Math.min(1 - eps, Math.max(eps, v));
    x0[0] = clamp(start.alpha);
    if (hasB && start.spec.trend !== 'N') x0[idxB] = clamp(start.beta / start.alpha);
    if (hasG && start.spec.season !== 'N') x0[idxG] = clamp(start.gamma / (1 - start.alpha));
  }
  const params = (x: Float64Array): [number, number, number, number, number, number] => {
    const alpha = x[0];
    const beta = hasB ? alpha * x[idxB] : 0;
    const gamma = hasG ? (1 - alpha) * x[idxG] : 0;
    const phi = hasP ? 0.8 + 0.18 * x[idxP] : 1;
    return [alpha, beta, gamma, phi, init.l0 + scale * x[idxU], hasB ? init.b0 + 0.1 * scale * x[idxV] : 0];
  };
  const objective = (x: Float64Array): number => {
    const alpha = x[0];
    const beta = hasB ? alpha * x[idxB] : 0;
    const gamma = hasG ? (1 - alpha) * x[idxG] : 0;
    const phi = hasP ? 0.8 + 0.18 * x[idxP] : 1;
    work.set(init.seasonal);
    return likelihood(y, mult, season, mm, alpha, beta, gamma, phi, init.l0 + scale * x[idxU], hasB ? init.b0 + 0.1 * scale * x[idxV] : 0, work);
  };
  const res = nelderMead(objective, x0, step, lower, upper, { maxEvals: options.maxEvals ?? 250, fTol: 1e-5 });
  if (!Number.isFinite(res.f)) return null;
  const [alpha, beta, gamma, phi, l0, b0] = params(res.x);
  work.set(init.seasonal);
  const resid = new Float64Array(y.length);
  const lik = filter(y, mult, trend, season, mm, alpha, beta, gamma, phi, l0, b0, work, resid);
  if (!Number.isFinite(lik)) return null;
  const count = FINAL[2];
  let sse = 0;
  for (let t = 0; t < resid.length; t++) if (!Number.isNaN(resid[t])) sse += resid[t] * resid[t];
  // Additive errors: does their size grow with the fitted value (then multiplicative errors fit better)?
  let scaleTest = 0;
  if (!mult) {
    let k = 0;
    let sa = 0;
    let sf = 0;
    let saa = 0;
    let sff = 0;
    let saf = 0;
    for (let t = 0; t < resid.length; t++) {
      const e = resid[t];
      if (Number.isNaN(e)) continue;
      const a = Math.abs(e);
      const f = y[t] - e;
      k++;
      sa += a;
      sf += f;
      saa += a * a;
      sff += f * f;
      saf += a * f;
    }
    const cov = saf - (sa * sf) / k;
    const den = Math.sqrt(Math.max(0, saa - (sa * sa) / k) * Math.max(0, sff - (sf * sf) / k));
    scaleTest = den > 0 ? (cov / den) * Math.sqrt(k) : 0;
  }
  const aic = lik + 2 * np;
  const aicc = count - np - 1 > 0 ? aic + (2 * np * (np + 1)) / (count - np - 1) : Number.POSITIVE_INFINITY;
  return {
    spec,
    m: mm,
    alpha,
    beta,
    gamma,
    phi,
    level: FINAL[0],
    slope: FINAL[1],
    seasonal: Float64Array.from(work),
    phase: y.length % mm,
    sigma2: sse / Math.max(1, count - np),
    lik,
    aicc,
    np,
    n: count,
    scaleTest,
  };
}

// ------------------------------------------------------------------------------------------
export interface AutoEtsOptions extends EtsFitOptions {
  /** Restrict the search, R-style: e.g. 'ZZZ' (all), 'MAdM', 'AZN'. @default 'ZZZ' */
  model?: string;
  /** Test for a season before offering seasonal models. @default true */
  seasonTest?: boolean;
  /**
   * Fit on the last this many points (0: all). @default 0 — on the peers' 200 daily series
   * the last 300 or 500 points gave worse forecasts than all of them (MAPE 4.38 %, 4.32 %, 4.26 %).
   */
  fitLength?: number;
  /** Two-stage search (see {@link autoEts}). @default true */
  prune?: boolean;
}

/** The candidate specs for a series (before fitting). */
export function candidateSpecs(y: Float64Array, m: number, options: AutoEtsOptions = {}): EtsSpec[] {
  const model = (options.model ?? 'ZZZ').toUpperCase();
  const match = /^([ZAM])(Z|N|A|AD)([ZNAM])$/.exec(model);
  if (!match) throw new RangeError(`ETS model '${options.model}' is not of the form [ZAM][ZNA(d)][ZNAM]`);
  let positive = true;
  for (let t = 0; t < y.length; t++) if (y[t] <= 0) positive = false;
  const mm = Math.max(1, Math.round(m));
  const seasonal = mm > 1 && y.length >= 2 * mm && (options.seasonTest === false || match[3] !== 'Z' || hasSeason(y, mm));
  const errors: EtsError[] = match[1] === 'Z' ? (positive ? ['A', 'M'] : ['A']) : [match[1] as EtsError];
  const trends: EtsTrend[] = match[2] === 'Z' ? ['N', 'A', 'Ad'] : [match[2] === 'AD' ? 'Ad' : (match[2] as EtsTrend)];
  const seasons: EtsSeason[] = match[3] === 'Z' ? (seasonal ? (positive ? ['A', 'M'] : ['A']) : ['N']) : [match[3] as EtsSeason];
  const out: EtsSpec[] = [];
  for (const error of errors) for (const trend of trends) for (const season of seasons) {
    if (error === 'A' && season === 'M') continue;
    out.push({ error, trend, season });
  }
  return out;
}

/**
 * Fits the candidates and keeps the lowest AICc; null when none can be fitted. With
 * `prune` (the default) the search runs in two stages: the additive-error models first;
 * then the multiplicative-error models with the trend they chose, and only when the best
 * additive fit's errors grow with the level (a one-sided 5 % test of corr(|e|, ŷ) > 0).
 * R and statsforecast fit every candidate.
 */
export function autoEts(y: Float64Array, m: number, options: AutoEtsOptions = {}): EtsFit | null {
  const fitLength = options.fitLength ?? 0;
  const x = fitLength > 0 && y.length > fitLength ? y.subarray(y.length - fitLength) : y;
  const specs = candidateSpecs(x, m, options);
  let best: EtsFit | null = null;
  // Each fit starts from the previous one's smoothing parameters (the specs come simplest first).
  let previous: EtsFit | null = null;
  const tryFit = (spec: EtsSpec): void => {
    const fit = fitEts(x, m, spec, { ...options, start: previous });
    if (fit) previous = fit;
    if (fit && (best === null || fit.aicc < best.aicc)) best = fit;
  };
  const additive = specs.filter((s) => s.error === 'A');
  if (options.prune === false || additive.length === 0 || additive.length === specs.length) {
    for (const spec of specs) tryFit(spec);
    return best;
  }
  for (const spec of additive) tryFit(spec);
  previous = best;
  const found = best as EtsFit | null;
  if (found !== null && found.scaleTest < 1.645) return found;
  const trend = found === null ? null : found.spec.trend;
  for (const spec of specs) if (spec.error === 'M' && (trend === null || spec.trend === trend)) tryFit(spec);
  return best;
}

// ------------------------------------------------------------------------------------------
// Forecasting.

/** Point forecasts h = 1..horizon from the final states. */
export function etsPoint(fit: EtsFit, horizon: number): Float64Array {
  const out = new Float64Array(horizon);
  let damp = 0;
  let phiPow = 1;
  for (let h = 1; h <= horizon; h++) {
    if (fit.spec.trend === 'Ad') {
      phiPow *= fit.phi;
      damp += phiPow;
    } else damp = h;
    const base = fit.level + (fit.spec.trend === 'N' ? 0 : damp * fit.slope);
    const s = fit.spec.season === 'N' ? 0 : fit.seasonal[(fit.phase + h - 1) % fit.m];
    out[h - 1] = fit.spec.season === 'M' ? base * s : base + s;
  }
  return out;
}

/** Standard deviations of the h-step errors of a linear-class model (HKOS 2008, Table 6.1 class 1). */
function linearSd(fit: EtsFit, horizon: number): Float64Array {
  const sd = new Float64Array(horizon);
  let acc = 1;
  let damp = 0;
  let phiPow = 1;
  for (let h = 1; h <= horizon; h++) {
    sd[h - 1] = Math.sqrt(fit.sigma2 * acc);
    // c_h for the next step.
    if (fit.spec.trend === 'Ad') {
      phiPow *= fit.phi;
      damp += phiPow;
    } else damp = h;
    const c = fit.alpha + (fit.spec.trend === 'N' ? 0 : fit.beta * damp) + (fit.spec.season !== 'N' && h % fit.m === 0 ? fit.gamma : 0);
    acc += c * c;
  }
  return sd;
}

/** Sample paths of the fitted model (for the non-linear classes). */
function simulate(fit: EtsFit, horizon: number, paths: number, seed: number): Float64Array[] {
  const rand = seededRandom(seed);
  const sigma = Math.sqrt(fit.sigma2);
  const m = fit.m;
  const s = new Float64Array(m);
  const out: Float64Array[] = [];
  const mult = fit.spec.error === 'M';
  const trend = trendCode(fit.spec.trend);
  const season = seasonCode(fit.spec.season);
  const ph = trend === T_AD ? fit.phi : 1;
  for (let p = 0; p < paths; p++) {
    const path = new Float64Array(horizon);
    s.set(fit.seasonal);
    let l = fit.level;
    let b = fit.slope;
    let j = fit.phase;
    for (let h = 0; h < horizon; h++) {
      const phib = trend === T_N ? 0 : ph * b;
      const q = l + phib;
      const so = season === S_N ? 0 : s[j];
      const f = season === S_M ? q * so : q + so;
      const e = sigma * normalDraw(rand);
      const yt = mult ? f * (1 + e) : f + e;
      path[h] = yt;
      const pLevel = season === S_N ? yt : season === S_A ? yt - so : yt / so;
      const lNew = q + fit.alpha * (pLevel - q);
      if (trend !== T_N) b = phib + (fit.beta / fit.alpha) * (lNew - l - phib);
      if (season === S_A) s[j] = so + fit.gamma * (yt - q - so);
      else if (season === S_M && Math.abs(q) > TOL) s[j] = so + fit.gamma * (yt / q - so);
      l = lNew;
      if (++j === m) j = 0;
    }
    out.push(path);
  }
  return out;
}

export const SIMULATED_PATHS = 1000;

/** The forecast of a fitted model: mean (point forecast) and quantiles. */
export function etsForecast(fit: EtsFit, ctx: Pick<ForecastContext, 'horizon' | 'quantiles' | 'nonNegative' | 'seed'>): SeriesForecast {
  const mean = etsPoint(fit, ctx.horizon);
  let quantiles: Float64Array[];
  if (fit.spec.error === 'A' && fit.spec.season !== 'M') {
    quantiles = gaussianQuantiles(mean, linearSd(fit, ctx.horizon), ctx.quantiles, ctx.nonNegative);
  } else {
    const paths = simulate(fit, ctx.horizon, SIMULATED_PATHS, ctx.seed ?? 0);
    quantiles = sampleSummary(paths, ctx.horizon, ctx.quantiles, ctx.nonNegative).quantiles;
  }
  if (ctx.nonNegative) for (let h = 0; h < mean.length; h++) mean[h] = Math.max(0, mean[h]);
  return { mean, quantiles, spec: specName(fit.spec) };
}

/** A mean-only fallback for series too short for any ETS model. */
function tooShort(y: Float64Array, ctx: ForecastContext): SeriesForecast {
  let sum = 0;
  let sq = 0;
  let k = 0;
  for (let t = 0; t < y.length; t++) if (!Number.isNaN(y[t])) {
    sum += y[t];
    sq += y[t] * y[t];
    k++;
  }
  const mu = k > 0 ? sum / k : 0;
  const sd = k > 1 ? Math.sqrt(Math.max(0, (sq - k * mu * mu) / (k - 1))) : Math.abs(mu) * 0.1;
  const mean = new Float64Array(ctx.horizon).fill(ctx.nonNegative ? Math.max(0, mu) : mu);
  return { mean, quantiles: gaussianQuantiles(mean, new Float64Array(ctx.horizon).fill(sd), ctx.quantiles, ctx.nonNegative), spec: 'mean' };
}

export function makeEts(options: AutoEtsOptions & { longSeason?: boolean } = {}): LocalModel {
  return {
    kind: 'local',
    name: 'ets',
    forecast(series: SeriesData, ctx: ForecastContext): SeriesForecast {
      const inner = { ...ctx, nonNegative: false };
      const run = (y: Float64Array): SeriesForecast => {
        const fit = autoEts(y, ctx.season, options);
        return fit ? etsForecast(fit, inner) : tooShort(y, inner);
      };
      const f = options.longSeason === false ? run(series.y) : withLongSeason(series.y, ctx, run);
      if (ctx.nonNegative) for (const a of [f.mean, ...f.quantiles]) for (let i = 0; i < a.length; i++) a[i] = Math.max(0, a[i]);
      return f;
    },
  };
}

export const ets: LocalModel = makeEts();
