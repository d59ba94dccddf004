/**
 * Seasonal ARIMA(p,d,q)(P,D,Q)[m] with automatic order selection, after Hyndman &
 * Khandakar's auto.arima (J. Stat. Softw. 27(3), 2008) and statsforecast's AutoARIMA:
 * D from the seasonal strength and d from KPSS tests (`arima-diffs.ts`), then a stepwise
 * search over (p, q, P, Q, constant) by AICc, each candidate estimated by conditional
 * sum of squares (`arima-fit.ts`).
 *
 * Forecasts run the ARMA recursion on the differenced series, undo the differences, and
 * take Gaussian intervals from the psi-weights of the whole model.
 *
 * With related series (`SeriesData.related`) the model is a regression with ARIMA
 * errors: the coefficients come from least squares on the differenced target and
 * regressors (consistent when the errors need those differences, Hyndman & Athanasopoulos
 * §10.2), and the ARIMA order is chosen for the regression's errors.
 */
import { chooseD, chooseSeasonalD, difference, fillMissing } from './arima-diffs.js';
import { type ArimaFit, type ArimaOptions, type ArimaOrder, fitArima, searchArima } from './arima-fit.js';
import { gaussianQuantiles } from './distributions.js';
import { solveSpd } from './optim.js';
import type { ForecastContext, LocalModel, SeriesData, SeriesForecast } from './types.js';

export { fitArima, searchArima } from './arima-fit.js';
export type { ArimaFit, ArimaOptions, ArimaOrder } from './arima-fit.js';

/** Coefficients of `Δ(B) = (1 − B)^d (1 − B^m)^D` written as `1 − Σ δ_i B^i`. */
function differencingPolynomial(d: number, D: number, m: number): Float64Array {
  let poly = [1];
  const times = (other: number[]) => {
    const out = new Array(poly.length + other.length - 1).fill(0);
    poly.forEach((a, i) => other.forEach((b, j) => (out[i + j] += a * b)));
    poly = out;
  };
  for (let i = 0; i < d; i++) times([1, -1]);
  for (let i = 0; i < D; i++) times([1, ...new Array(m - 1).fill(0), -1]);
  return Float64Array.from(poly.slice(1), (v) => -v);
}

/** Mean path and h-step standard deviations of a fitted model, on the original scale of `y`. */
export function forecastArima(fit: ArimaFit, y: Float64Array, horizon: number): { mean: Float64Array; sd: Float64Array } {
  const { w, residuals, ar, ma, mu } = fit;
  const n = w.length;
  // The ARMA recursion on the differenced series, future innovations zero.
  const wExt = new Float64Array(n + horizon);
  wExt.set(w);
  for (let h = 0; h < horizon; h++) {
    const t = n + h;
    let v = mu;
    for (let i = 0; i < ar.length; i++) if (ar[i] !== 0 && t - i - 1 >= 0) v += ar[i] * (wExt[t - i - 1] - mu);
    for (let j = 0; j < ma.length; j++) if (ma[j] !== 0 && t - j - 1 < n && t - j - 1 >= 0) v += ma[j] * residuals[t - j - 1];
    wExt[t] = v;
  }
  // Undo the differences: y_t = w_t + Σ δ_i y_{t−i}.
  const delta = differencingPolynomial(fit.order.d, fit.order.D, fit.order.m);
  const N = y.length;
  const yExt = new Float64Array(N + horizon);
  yExt.set(y);
  for (let h = 0; h < horizon; h++) {
    const t = N + h;
    let v = wExt[n + h];
    for (let i = 0; i < delta.length; i++) v += delta[i] * yExt[t - i - 1];
    yExt[t] = v;
  }
  // Psi-weights of the whole model: φ*(B) = (1 − Σ ar B^L)·Δ(B), ψ_j = θ_j + Σ φ*_i ψ_{j−i}.
  const arFull = new Float64Array(ar.length + delta.length);
  const left = [1, ...Array.from(ar, (v) => -v)];
  const right = [1, ...Array.from(delta, (v) => -v)];
  const prod = new Float64Array(left.length + right.length - 1);
  left.forEach((a, i) => right.forEach((b, j) => (prod[i + j] += a * b)));
  for (let i = 1; i < prod.length; i++) arFull[i - 1] = -prod[i];
  const psi = new Float64Array(horizon);
  psi[0] = 1;
  for (let j = 1; j < horizon; j++) {
    let v = j - 1 < ma.length ? ma[j - 1] : 0;
    for (let i = 1; i <= j && i - 1 < arFull.length; i++) v += arFull[i - 1] * psi[j - i];
    psi[j] = v;
  }
  const sd = new Float64Array(horizon);
  let acc = 0;
  for (let h = 0; h < horizon; h++) {
    acc += psi[h] * psi[h];
    sd[h] = Math.sqrt(fit.sigma2 * acc);
  }
  return { mean: yExt.subarray(N), sd };
}

export function arimaSpec(o: ArimaOrder, regression = false): string {
  const core = `ARIMA(${o.p},${o.d},${o.q})${o.m > 1 && o.P + o.D + o.Q > 0 ? `(${o.P},${o.D},${o.Q})[${o.m}]` : ''}`;
  const constant = o.constant ? (o.d + o.D === 0 ? ' with non-zero mean' : ' with drift') : '';
  return regression ? `Regression with ${core}${constant} errors` : `${core}${constant}`;
}

/** Harmonic pairs per season longer than the main one. */
const FOURIER_ORDER = 2;

/**
 * Sine and cosine terms for every season longer than m that the history covers twice
 * (daily data's year): ARIMA cannot hold a 365-step season, so it enters as a regressor,
 * Hyndman & Athanasopoulos' dynamic harmonic regression (§10.5), with a fixed order.
 */
function fourierTerms(seasons: number[], m: number, n: number, total: number): { columns: Float64Array[]; label: string } {
  const columns: Float64Array[] = [];
  const labels: string[] = [];
  for (const s of seasons) {
    if (!(s > m + 0.5) || n < 2 * s) continue;
    const order = Math.min(FOURIER_ORDER, Math.floor(s / 2));
    for (let k = 1; k <= order; k++) {
      const f = (2 * Math.PI * k) / s;
      columns.push(Float64Array.from({ length: total }, (_, t) => Math.sin(f * t)));
      columns.push(Float64Array.from({ length: total }, (_, t) => Math.cos(f * t)));
    }
    labels.push(`Fourier(${s}, ${order})`);
  }
  return { columns, label: labels.join(' + ') };
}

/** Least squares of `target` on the columns (both already differenced); null when singular. */
function leastSquares(target: Float64Array, columns: Float64Array[]): Float64Array | null {
  const k = columns.length;
  const A = new Float64Array(k * k);
  const b = new Float64Array(k);
  for (let i = 0; i < k; i++) {
    for (let j = 0; j <= i; j++) {
      let s = 0;
      for (let t = 0; t < target.length; t++) s += columns[i][t] * columns[j][t];
      A[i * k + j] = A[j * k + i] = s;
    }
    let s = 0;
    for (let t = 0; t < target.length; t++) s += columns[i][t] * target[t];
    b[i] = s;
  }
  return solveSpd(A, b, k);
}

function differenceBy(x: Float64Array, d: number, D: number, m: number): Float64Array {
  let out = x;
  for (let i = 0; i < D; i++) out = difference(out, m);
  for (let i = 0; i < d; i++) out = difference(out, 1);
  return out;
}

function isConstant(w: Float64Array): boolean {
  for (let t = 1; t < w.length; t++) if (w[t] !== w[0]) return false;
  return w.length > 0;
}

/** A differenced series with no variation: its constant carried forward, with no spread. */
function exactFit(w: Float64Array, d: number, D: number, m: number): ArimaFit {
  const constant = w[0] !== 0 && d + D <= 1;
  return {
    order: { p: 0, d, q: 0, P: 0, D, Q: 0, m, constant },
    ar: new Float64Array(0),
    ma: new Float64Array(0),
    coef: { phi: [], theta: [], sphi: [], stheta: [] },
    mu: w[0],
    sigma2: 0,
    aicc: -Infinity,
    w,
    residuals: new Float64Array(w.length),
    raw: new Float64Array(0),
  };
}

/** Automatic ARIMA for one series (the registry's `arima`). */
export function makeArima(options: ArimaOptions = {}): LocalModel {
  return {
    kind: 'local',
    name: 'arima',
    forecast(series: SeriesData, ctx: ForecastContext): SeriesForecast {
      const h = ctx.horizon;
      const y = fillMissing(series.y);
      const n = y.length;
      const observed = series.y.some((v) => !Number.isNaN(v));
      if (!observed) return { mean: new Float64Array(h), quantiles: ctx.quantiles.map(() => new Float64Array(h)), spec: 'ARIMA(0,0,0)' };
      let m = Math.max(1, Math.round(ctx.season));
      if (n < 2 * m + 3) m = 1;
      // Regressors: the related series that vary over the history, and Fourier terms for
      // the seasons longer than m.
      const related = (series.related ?? []).filter((r) => {
        for (let t = 1; t < n; t++) if (r[t] !== r[0]) return true;
        return false;
      });
      const fourier = fourierTerms(ctx.seasons, m, n, n + h);
      related.push(...fourier.columns);
      let beta: Float64Array | null = null;
      let errors = y;
      let D = chooseSeasonalD(y, m);
      let d = chooseD(D ? difference(y, m) : y);
      if (related.length > 0) {
        const target = differenceBy(y, d, D, m);
        const columns = related.map((r) => differenceBy(r.subarray(0, n), d, D, m));
        // An intercept (a mean, or a drift once differenced) keeps the slopes unbiased;
        // the ARIMA constant estimates it again below.
        if (d + D <= 1) columns.push(new Float64Array(target.length).fill(1));
        beta = leastSquares(target, columns);
        if (beta) {
          const b = beta;
          errors = Float64Array.from(y, (v, t) => v - related.reduce((s, r, i) => s + b[i] * r[t], 0));
          D = chooseSeasonalD(errors, m);
          d = chooseD(D ? difference(errors, m) : errors);
        }
      }
      const w = differenceBy(errors, d, D, m);
      const fit = isConstant(w) ? exactFit(w, d, D, m) : (searchArima(w, d, D, m, options) ?? fitArima(w, { p: 0, d, q: 0, P: 0, D, Q: 0, m, constant: false }));
      let mean: Float64Array;
      let sd: Float64Array;
      let spec: string;
      if (fit) {
        ({ mean, sd } = forecastArima(fit, errors, h));
        spec = arimaSpec(fit.order, beta !== null && related.length > fourier.columns.length) + (beta && fourier.label ? ` + ${fourier.label}` : '');
      } else {
        // Too short for any model: the last value, with the spread of the one-step changes.
        mean = new Float64Array(h).fill(errors[n - 1]);
        let ss = 0;
        for (let t = 1; t < n; t++) ss += (errors[t] - errors[t - 1]) ** 2;
        const sigma = n > 1 ? Math.sqrt(ss / (n - 1)) : 0;
        sd = Float64Array.from({ length: h }, (_, i) => sigma * Math.sqrt(i + 1));
        spec = 'ARIMA(0,1,0)';
      }
      if (beta) {
        const b = beta;
        for (let i = 0; i < h; i++) mean[i] += related.reduce((s, r, j) => s + b[j] * r[n + i], 0);
      }
      if (ctx.nonNegative) for (let i = 0; i < h; i++) mean[i] = Math.max(0, mean[i]);
      return { mean, quantiles: gaussianQuantiles(mean, sd, ctx.quantiles, ctx.nonNegative), spec };
    },
  };
}

export const arima: LocalModel = makeArima();
