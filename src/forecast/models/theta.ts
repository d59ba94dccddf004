/**
 * The optimised Theta method: the four state-space Theta models of Fiorucci, Pellegrini,
 * Louzada, Petropoulos & Koehler (2016), "Models for optimising the theta method and their
 * relationship to state space models", IJF 32(4), chosen per series by in-sample MSE as
 * statsforecast's AutoTheta does.
 *
 * - STM (standard: θ = 2), OTM (θ optimised), DSTM and DOTM (dynamic: the regression
 *   line A_t + B_t·t is updated as each observation arrives instead of fitted once).
 * - One step: μ_t = ℓ_{t−1} + (1 − 1/θ)·(A·(1−α)^t + B·(1 − (1−α)^{t+1})/α), then
 *   ℓ_t = α·y_t + (1 − α)·ℓ_{t−1} (SES on y). Forecasts run the recursion with μ as the
 *   observation, so the static models' forecasts are SES plus a drift of (1 − 1/θ)·B per step
 *   (with θ = 2: the classic Theta method of Assimakopoulos & Nikolopoulos 2000).
 * - α, θ and the initial level ℓ* by Nelder–Mead on Σ_{t≥3} e_t² (statsforecast's
 *   objective; its starting point ℓ* = y₀/2, α = 0.5, θ = 2 and bounds α ∈ [0.1, 0.99], θ ≥ 1).
 * - Seasonality: when the lag-m autocorrelation test (90 %) finds a season, the series is
 *   divided by classical multiplicative seasonal indices (additive ones when it is not
 *   positive) and the forecast multiplied back.
 * - Seasons longer than ctx.season are taken out first by a Fourier regression and added
 *   back to the forecast (long-season.ts), as for ETS.
 * - Intervals: Gaussian with the SES h-step variance σ²·(1 + (h − 1)·α²), σ² from the
 *   one-step errors; seasonal indices applied after.
 */
import { gaussianQuantiles } from './distributions.js';
import { hasSeason } from './ets-filter.js';
import { withLongSeason } from './long-season.js';
import { nelderMead } from './nelder-mead.js';
import type { ForecastContext, LocalModel, SeriesData, SeriesForecast } from './types.js';

export type ThetaVariant = 'STM' | 'OTM' | 'DSTM' | 'DOTM';
export const THETA_VARIANTS: readonly ThetaVariant[] = ['STM', 'OTM', 'DSTM', 'DOTM'];

export interface ThetaFit {
  variant: ThetaVariant;
  alpha: number;
  theta: number;
  initialLevel: number;
  /** In-sample Σ_{t≥3} e² / mean|y| (the selection criterion). */
  mse: number;
  /** One-step error variance. */
  sigma2: number;
  /** Final state: level, running mean, A, B, and the next time index. */
  level: number;
  meanY: number;
  A: number;
  B: number;
  n: number;
}

const dynamic = (v: ThetaVariant): boolean => v === 'DSTM' || v === 'DOTM';

/** OLS intercept and slope of y on t = 1..n (statsforecast's static A_n, B_n). */
function regression(y: Float64Array): [number, number] {
  const n = y.length;
  let mean = 0;
  let weighted = 0;
  for (let i = 0; i < n; i++) {
    mean += y[i];
    weighted += (i + 1) * y[i];
  }
  mean /= n;
  weighted /= n;
  const B = n > 1 ? (6 * (2 * weighted - (n + 1) * mean)) / (n * n - 1) : 0;
  return [mean - ((n + 1) * B) / 2, B];
}

/**
 * Runs the model over y; returns Σ_{t≥3} e² and leaves the final state in `out`
 * ([level, meanY, A, B, Σe² over all t ≥ 1, count]).
 */
function run(y: Float64Array, dyn: boolean, alpha: number, theta: number, l0: number, staticAB: [number, number], out: Float64Array): number {
  const n = y.length;
  const c = 1 - 1 / theta;
  let A: number;
  let B: number;
  if (dyn) {
    A = y[0];
    B = 0;
  } else {
    [A, B] = staticAB;
  }
  let level = alpha * y[0] + (1 - alpha) * l0;
  let meanY = y[0];
  const decay = 1 - alpha;
  let pow = decay; // (1 − α)^i at i = 1
  let sse = 0;
  let sseAll = 0;
  for (let i = 1; i < n; i++) {
    const mu = level + c * (A * pow + (B * (1 - pow * decay)) / alpha);
    const yi = y[i];
    const e = yi - mu;
    if (i >= 3) sse += e * e;
    sseAll += e * e;
    level = alpha * yi + decay * level;
    const newMean = (i * meanY + yi) / (i + 1);
    if (dyn) {
      B = ((i - 1) * B + (6 * (yi - meanY)) / (i + 1)) / (i + 2);
      A = newMean - (B * (i + 2)) / 2;
    }
    meanY = newMean;
    pow *= decay;
  }
  out[0] = level;
  out[1] = meanY;
  out[2] = A;
  out[3] = B;
  out[4] = sseAll;
  out[5] = n - 1;
  return sse;
}

const STATE = new Float64Array(6);

/** Fits one variant to a (deseasonalised) series of at least 4 points. */
export function fitTheta(y: Float64Array, variant: ThetaVariant, options: { maxEvals?: number } = {}): ThetaFit {
  const n = y.length;
  const dyn = dynamic(variant);
  const optTheta = variant === 'OTM' || variant === 'DOTM';
  const ab = regression(y);
  let scale = 0;
  for (let i = 0; i < n; i++) scale += Math.abs(y[i]) / n;
  const meanAbs = Math.max(scale, 1e-10);
  // x = [ℓ* / scale, α, θ].
  const d = optTheta ? 3 : 2;
  const x0 = Float64Array.from([y[0] / 2 / meanAbs, 0.5, 2].slice(0, d));
  const step = Float64Array.from([0.1, 0.1, 0.5].slice(0, d));
  const lower = Float64Array.from([-1e6, 0.1, 1].slice(0, d));
  const upper = Float64Array.from([1e6, 0.99, 1e3].slice(0, d));
  const objective = (x: Float64Array): number => run(y, dyn, x[1], optTheta ? x[2] : 2, x[0] * meanAbs, ab, STATE) / meanAbs;
  const res = nelderMead(objective, x0, step, lower, upper, { maxEvals: options.maxEvals ?? 300, fTol: 1e-8 });
  const alpha = res.x[1];
  const theta = optTheta ? res.x[2] : 2;
  const initialLevel = res.x[0] * meanAbs;
  const mse = run(y, dyn, alpha, theta, initialLevel, ab, STATE) / meanAbs;
  return {
    variant,
    alpha,
    theta,
    initialLevel,
    mse,
    sigma2: STATE[5] > 1 ? STATE[4] / (STATE[5] - 1) : 0,
    level: STATE[0],
    meanY: STATE[1],
    A: STATE[2],
    B: STATE[3],
    n,
  };
}

/** Point forecasts h = 1..horizon: the recursion with μ standing in for the observation. */
export function thetaPoint(fit: ThetaFit, horizon: number): Float64Array {
  const out = new Float64Array(horizon);
  const c = 1 - 1 / fit.theta;
  const decay = 1 - fit.alpha;
  let { level, meanY, A, B } = fit;
  let pow = Math.pow(decay, fit.n);
  for (let h = 0; h < horizon; h++) {
    const i = fit.n + h;
    const mu = level + c * (A * pow + (B * (1 - pow * decay)) / fit.alpha);
    out[h] = mu;
    level = fit.alpha * mu + decay * level;
    const newMean = (i * meanY + mu) / (i + 1);
    if (dynamic(fit.variant)) {
      B = ((i - 1) * B + (6 * (mu - meanY)) / (i + 1)) / (i + 2);
      A = newMean - (B * (i + 2)) / 2;
    }
    meanY = newMean;
    pow *= decay;
  }
  return out;
}

/** Classical decomposition's seasonal indices (position j = t mod m), multiplicative or additive. */
export function seasonalIndices(y: Float64Array, m: number, multiplicative: boolean): Float64Array {
  const n = y.length;
  const half = Math.floor(m / 2);
  const sum = new Float64Array(m);
  const cnt = new Float64Array(m);
  for (let t = half; t + half < n; t++) {
    let acc = 0;
    if (m % 2 === 1) for (let k = t - half; k <= t + half; k++) acc += y[k];
    else {
      acc = 0.5 * (y[t - half] + y[t + half]);
      for (let k = t - half + 1; k < t + half; k++) acc += y[k];
    }
    const ma = acc / m;
    const v = multiplicative ? y[t] / ma : y[t] - ma;
    if (Number.isFinite(v)) {
      sum[t % m] += v;
      cnt[t % m]++;
    }
  }
  const idx = new Float64Array(m);
  let mean = 0;
  for (let j = 0; j < m; j++) {
    idx[j] = cnt[j] > 0 ? sum[j] / cnt[j] : multiplicative ? 1 : 0;
    mean += idx[j] / m;
  }
  for (let j = 0; j < m; j++) idx[j] = multiplicative ? idx[j] / mean : idx[j] - mean;
  return idx;
}

/** Missing values filled by linear interpolation (nearest value at the ends). */
function filled(y: Float64Array): Float64Array {
  const out = Float64Array.from(y);
  let last = -1;
  for (let t = 0; t < out.length; t++) {
    if (Number.isNaN(out[t])) continue;
    if (last === -1) for (let k = 0; k < t; k++) out[k] = out[t];
    else for (let k = last + 1; k < t; k++) out[k] = out[last] + ((out[t] - out[last]) * (k - last)) / (t - last);
    last = t;
  }
  if (last === -1) out.fill(0);
  else for (let k = last + 1; k < out.length; k++) out[k] = out[last];
  return out;
}

export interface AutoThetaOptions {
  /** The variants to try. @default all four */
  variants?: readonly ThetaVariant[];
  maxEvals?: number;
}

/** The forecast of the best variant (by in-sample MSE) on the deseasonalised series. */
export function autoTheta(series: Float64Array, ctx: Pick<ForecastContext, 'horizon' | 'quantiles' | 'season' | 'nonNegative'>, options: AutoThetaOptions = {}): SeriesForecast {
  const y = filled(series);
  const n = y.length;
  const h = ctx.horizon;
  if (n < 4) {
    const last = n > 0 ? y[n - 1] : 0;
    const mean = new Float64Array(h).fill(last);
    return { mean, quantiles: gaussianQuantiles(mean, new Float64Array(h).fill(Math.abs(last) * 0.1), ctx.quantiles, ctx.nonNegative), spec: 'naive' };
  }
  const m = Math.max(1, Math.round(ctx.season));
  let positive = true;
  for (let t = 0; t < n; t++) if (!(y[t] > 0)) positive = false;
  const seasonal = m > 1 && hasSeason(y, m);
  const idx = seasonal ? seasonalIndices(y, m, positive) : null;
  const x = idx ? y.map((v, t) => (positive ? v / idx[t % m] : v - idx[t % m])) : y;
  let best: ThetaFit | null = null;
  for (const v of options.variants ?? THETA_VARIANTS) {
    const fit = fitTheta(x, v, options);
    if (Number.isFinite(fit.mse) && (best === null || fit.mse < best.mse)) best = fit;
  }
  const fit = best ?? fitTheta(x, 'STM', options);
  const mean = thetaPoint(fit, h);
  const sd = new Float64Array(h);
  for (let k = 0; k < h; k++) sd[k] = Math.sqrt(fit.sigma2 * (1 + k * fit.alpha * fit.alpha));
  if (idx) {
    for (let k = 0; k < h; k++) {
      const s = idx[(n + k) % m];
      if (positive) {
        mean[k] *= s;
        sd[k] *= s;
      } else mean[k] += s;
    }
  }
  const quantiles = gaussianQuantiles(mean, sd, ctx.quantiles, ctx.nonNegative);
  if (ctx.nonNegative) for (let k = 0; k < h; k++) mean[k] = Math.max(0, mean[k]);
  const spec = `Theta(${fit.variant}, α=${fit.alpha.toFixed(3)}, θ=${fit.theta.toFixed(2)}${idx ? `, ${positive ? 'multiplicative' : 'additive'} season ${m}` : ''})`;
  return { mean, quantiles, spec };
}

export function makeTheta(options: AutoThetaOptions & { longSeason?: boolean } = {}): LocalModel {
  return {
    kind: 'local',
    name: 'theta',
    forecast(series: SeriesData, ctx: ForecastContext): SeriesForecast {
      const inner = { ...ctx, nonNegative: false };
      const f = options.longSeason === false ? autoTheta(series.y, inner, options) : withLongSeason(series.y, ctx, (y) => autoTheta(y, inner, options));
      if (ctx.nonNegative) for (const a of [f.mean, ...f.quantiles]) for (let i = 0; i < a.length; i++) a[i] = Math.max(0, a[i]);
      return f;
    },
  };
}

export const theta: LocalModel = makeTheta();
