/**
 * Seasonal ARIMA(p,d,q)(P,D,Q)[m] with automatic order selection, after Hyndman &
 * Khandakar's auto.arima (J. Stat. Softw. 27(3), 2008) and statsforecast's AutoARIMA:
 * D from the seasonal strength and d from KPSS tests (`arima-diffs.ts`), then a stepwise
 * search over (p, q, P, Q, constant) by AICc. Each candidate is estimated by conditional
 * sum of squares (CSS) on the differenced series, which is what auto.arima does for long
 * series (its `approximation` for n > 150) — with Levenberg–Marquardt instead of BFGS,
 * and with AR and MA polynomials parameterised through partial autocorrelations
 * (Jones 1980, tanh-mapped), so every candidate is stationary and invertible.
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
import { gaussianQuantiles } from './distributions.js';
import { levenbergMarquardt, solveSpd } from './optim.js';
import type { ForecastContext, LocalModel, SeriesData, SeriesForecast } from './types.js';

export interface ArimaOrder {
  p: number;
  d: number;
  q: number;
  P: number;
  D: number;
  Q: number;
  m: number;
  /** A mean (d + D = 0) or a drift (d + D = 1) term. */
  constant: boolean;
}

export interface ArimaFit {
  order: ArimaOrder;
  /** Full AR coefficients on the differenced series: `ar[L - 1]` multiplies lag L. */
  ar: Float64Array;
  /** Full MA coefficients: `ma[L - 1]` multiplies the innovation at lag L. */
  ma: Float64Array;
  /** The non-seasonal and seasonal coefficients as estimated (φ, θ, Φ, Θ). */
  coef: { phi: number[]; theta: number[]; sphi: number[]; stheta: number[] };
  /** Mean (or drift) of the differenced series; 0 without a constant. */
  mu: number;
  sigma2: number;
  aicc: number;
  /** The differenced series and its CSS residuals (0 for the conditioning values). */
  w: Float64Array;
  residuals: Float64Array;
  /** The estimated parameters as optimised (partial autocorrelations before tanh, then μ). */
  raw: Float64Array;
}

/** Search limits, as auto.arima's defaults. */
export interface ArimaOptions {
  maxP?: number;
  maxQ?: number;
  maxSP?: number;
  maxSQ?: number;
  /** Models visited by the stepwise search at most. @default 94 */
  maxModels?: number;
}

/**
 * Partial autocorrelations in (−1, 1) → coefficients of a stationary polynomial
 * `1 − Σ a_j B^j` (Durbin–Levinson; Barndorff-Nielsen & Schou 1973).
 */
function pacfToCoefficients(raw: Float64Array, from: number, count: number): Float64Array {
  const a = new Float64Array(count);
  const prev = new Float64Array(count);
  for (let k = 0; k < count; k++) {
    const r = Math.tanh(raw[from + k]);
    prev.set(a);
    a[k] = r;
    for (let j = 0; j < k; j++) a[j] = prev[j] - r * prev[k - 1 - j];
  }
  return a;
}

/** The full lag polynomial of a seasonal AR (sign 1) or MA (sign −1) part, `c[L − 1]` for lag L. */
function expand(a: Float64Array, A: Float64Array, m: number, sign: 1 | -1): Float64Array {
  // AR (sign 1): 1 − Σ c_L B^L = (1 − Σ a_i B^i)(1 − Σ A_j B^{jm}), so w_t = Σ c_L w_{t−L} + ….
  // MA (sign −1): 1 + Σ c_L B^L = (1 + Σ θ_i B^i)(1 + Σ Θ_j B^{jm}) with θ = −a, Θ = −A.
  // Either way c_i = s·a_i, c_{jm} = s·A_j, c_{i+jm} = −s·a_i·A_j.
  const c = new Float64Array(a.length + m * A.length);
  for (let i = 0; i < a.length; i++) c[i] += sign * a[i];
  for (let j = 0; j < A.length; j++) {
    c[(j + 1) * m - 1] += sign * A[j];
    for (let i = 0; i < a.length; i++) c[(j + 1) * m + i] -= sign * a[i] * A[j];
  }
  return c;
}

/** The lags a seasonal polynomial of orders (k, K) can touch: 1..k, jm, and i + jm. */
function structuralLags(k: number, K: number, m: number): Int32Array {
  const lags = new Set<number>();
  for (let i = 1; i <= k; i++) lags.add(i);
  for (let j = 1; j <= K; j++) for (let i = 0; i <= k; i++) lags.add(j * m + i);
  return Int32Array.from([...lags].sort((a, b) => a - b));
}

interface Unpacked {
  ar: Float64Array;
  ma: Float64Array;
  mu: number;
  coef: ArimaFit['coef'];
}

function unpack(x: Float64Array, o: ArimaOrder, muDefault: number): Unpacked {
  const phi = pacfToCoefficients(x, 0, o.p);
  const aTheta = pacfToCoefficients(x, o.p, o.q);
  const sphi = pacfToCoefficients(x, o.p + o.q, o.P);
  const aStheta = pacfToCoefficients(x, o.p + o.q + o.P, o.Q);
  const mu = o.constant ? x[o.p + o.q + o.P + o.Q] : muDefault;
  return {
    ar: expand(phi, sphi, o.m, 1),
    ma: expand(aTheta, aStheta, o.m, -1),
    mu,
    coef: { phi: Array.from(phi), theta: Array.from(aTheta, (v) => -v), sphi: Array.from(sphi), stheta: Array.from(aStheta, (v) => -v) },
  };
}

/** The lag structure of one order, computed once per fit. */
interface Lags {
  ar: Int32Array;
  ma: Int32Array;
  arValues: Float64Array;
  maValues: Float64Array;
}

function lagsOf(o: ArimaOrder): Lags {
  const ar = structuralLags(o.p, o.P, o.m);
  const ma = structuralLags(o.q, o.Q, o.m);
  return { ar, ma, arValues: new Float64Array(ar.length), maValues: new Float64Array(ma.length) };
}

/**
 * CSS residuals of an ARMA with the given full polynomials:
 * e_t = (w_t − μ) − Σ ar_L (w_{t−L} − μ) − Σ ma_L e_{t−L}, the first `ncond` set to 0.
 */
function cssResiduals(w: Float64Array, ar: Float64Array, ma: Float64Array, mu: number, ncond: number, lags: Lags, out: Float64Array): void {
  const { ar: arLags, ma: maLags, arValues, maValues } = lags;
  const na = arLags.length;
  const nm = maLags.length;
  for (let i = 0; i < na; i++) arValues[i] = ar[arLags[i] - 1];
  for (let j = 0; j < nm; j++) maValues[j] = ma[maLags[j] - 1];
  const n = w.length;
  for (let t = 0; t < ncond; t++) out[t] = 0;
  // The first max-MA-lag steps check bounds; after that none is needed.
  const maxMa = nm > 0 ? maLags[nm - 1] : 0;
  for (let t = ncond; t < n; t++) {
    let e = w[t] - mu;
    for (let i = 0; i < na; i++) e -= arValues[i] * (w[t - arLags[i]] - mu);
    if (t >= maxMa) for (let j = 0; j < nm; j++) e -= maValues[j] * out[t - maLags[j]];
    else for (let j = 0; j < nm; j++) if (t - maLags[j] >= 0) e -= maValues[j] * out[t - maLags[j]];
    out[t] = e;
  }
}

/**
 * Starting values from a neighbouring fit: in the partial-autocorrelation form, a lag
 * added with value 0 leaves the polynomial unchanged, so the neighbour's optimum is a
 * valid and close start (the stepwise search moves one order at a time).
 */
function warmStart(order: ArimaOrder, from: ArimaFit, mean: number): Float64Array {
  const k = order.p + order.q + order.P + order.Q + (order.constant ? 1 : 0);
  const x = new Float64Array(k);
  const o = from.order;
  const copy = (to: number, count: number, src: number, srcCount: number) => {
    for (let i = 0; i < Math.min(count, srcCount); i++) x[to + i] = from.raw[src + i];
  };
  copy(0, order.p, 0, o.p);
  copy(order.p, order.q, o.p, o.q);
  copy(order.p + order.q, order.P, o.p + o.q, o.P);
  copy(order.p + order.q + order.P, order.Q, o.p + o.q + o.P, o.Q);
  if (order.constant) x[k - 1] = o.constant ? from.mu : mean;
  return x;
}

/** Fits one order by CSS; null when the series is too short for it or the fit fails. */
export function fitArima(w: Float64Array, order: ArimaOrder, options: { start?: ArimaFit; gradientTolerance?: number } = {}): ArimaFit | null {
  const { start } = options;
  const nstar = w.length;
  const { p, q, P, Q, m } = order;
  const ncond = p + m * P;
  const k = p + q + P + Q + (order.constant ? 1 : 0);
  const used = w.length - ncond;
  if (used < k + 4) return null;
  let mean = 0;
  for (let t = 0; t < w.length; t++) mean += w[t];
  mean /= w.length;
  const muDefault = order.constant ? mean : 0;
  const x0 = start ? warmStart(order, start, mean) : new Float64Array(k);
  if (!start && order.constant) x0[k - 1] = mean;
  const full = new Float64Array(w.length);
  const lags = lagsOf(order);
  const result = levenbergMarquardt(
    (x, out) => {
      const u = unpack(x, order, muDefault);
      cssResiduals(w, u.ar, u.ma, u.mu, ncond, lags, full);
      for (let t = 0; t < used; t++) {
        const e = full[t + ncond];
        if (!Number.isFinite(e)) return false;
        out[t] = e;
      }
      return true;
    },
    x0,
    used,
    { maxIterations: 30, gradientTolerance: options.gradientTolerance ?? 1e-3 },
  );
  if (!Number.isFinite(result.sse)) return null;
  const u = unpack(result.x, order, muDefault);
  // Reject near-unit roots as auto.arima does (there: any root inside 1.01).
  for (let i = 0; i < k - (order.constant ? 1 : 0); i++) if (Math.abs(Math.tanh(result.x[i])) > 0.995) return null;
  const residuals = new Float64Array(w.length);
  cssResiduals(w, u.ar, u.ma, u.mu, ncond, lags, residuals);
  const sigma2 = result.sse / used;
  if (!(sigma2 > 0)) return null;
  // auto.arima's approximation: n*·log σ² + 2·npar, npar counting σ², then the AICc term.
  const npar = k + 1;
  const aic = nstar * Math.log(sigma2) + 2 * npar;
  const aicc = aic + (2 * npar * (npar + 1)) / Math.max(1, nstar - npar - 1);
  return { order, ar: u.ar, ma: u.ma, coef: u.coef, mu: u.mu, sigma2, aicc, w, residuals, raw: result.x };
}

/**
 * The search's convergence test (a cosine, see levenbergMarquardt): 0.01 bounds what one
 * more step could gain at about 10⁻⁴ of the sum of squares, i.e. ~0.1 AICc on 1,000
 * points — enough to rank orders; the chosen one is refined to 10⁻³.
 */
const SEARCH_TOLERANCE = 1e-2;

const key = (o: ArimaOrder) => `${o.p},${o.q},${o.P},${o.Q},${o.constant ? 1 : 0}`;

/**
 * The stepwise search of Hyndman & Khandakar §3.2: four starting models, then moves of
 * ±1 in p, q, P, Q (singly and in pairs) and toggling the constant, restarting from every
 * improvement, until none improves the AICc.
 */
export function searchArima(w: Float64Array, d: number, D: number, m: number, options: ArimaOptions = {}): ArimaFit | null {
  const maxP = options.maxP ?? 5;
  const maxQ = options.maxQ ?? 5;
  const maxSP = m > 1 ? (options.maxSP ?? 2) : 0;
  const maxSQ = m > 1 ? (options.maxSQ ?? 2) : 0;
  const maxModels = options.maxModels ?? 94;
  const allowConstant = d + D <= 1;
  const seen = new Map<string, ArimaFit | null>();
  let best: ArimaFit | null = null;
  const visit = (p: number, q: number, P: number, Q: number, constant: boolean): boolean => {
    if (p < 0 || q < 0 || P < 0 || Q < 0 || p > maxP || q > maxQ || P > maxSP || Q > maxSQ) return false;
    if (constant && !allowConstant) return false;
    const order: ArimaOrder = { p, d, q, P, D, Q, m, constant };
    const k = key(order);
    if (seen.has(k) || seen.size >= maxModels) return false;
    const fit = fitArima(w, order, { start: best ?? undefined, gradientTolerance: SEARCH_TOLERANCE });
    seen.set(k, fit);
    if (fit && (!best || fit.aicc < best.aicc - 1e-9)) {
      best = fit;
      return true;
    }
    return false;
  };
  const s = m > 1 ? 1 : 0;
  visit(Math.min(2, maxP), Math.min(2, maxQ), Math.min(s, maxSP), Math.min(s, maxSQ), allowConstant);
  visit(0, 0, 0, 0, allowConstant);
  visit(Math.min(1, maxP), 0, Math.min(s, maxSP), 0, allowConstant);
  visit(0, Math.min(1, maxQ), 0, Math.min(s, maxSQ), allowConstant);
  if (allowConstant) visit(0, 0, 0, 0, false);
  for (let improved = true; improved && best && seen.size < maxModels; ) {
    improved = false;
    const b: ArimaFit = best;
    const { p, q, P, Q, constant } = b.order;
    const moves: [number, number, number, number, boolean][] = [
      [p, q, P - 1, Q, constant], [p, q, P + 1, Q, constant], [p, q, P, Q - 1, constant], [p, q, P, Q + 1, constant],
      [p, q, P - 1, Q - 1, constant], [p, q, P - 1, Q + 1, constant], [p, q, P + 1, Q - 1, constant], [p, q, P + 1, Q + 1, constant],
      [p - 1, q, P, Q, constant], [p + 1, q, P, Q, constant], [p, q - 1, P, Q, constant], [p, q + 1, P, Q, constant],
      [p - 1, q - 1, P, Q, constant], [p - 1, q + 1, P, Q, constant], [p + 1, q - 1, P, Q, constant], [p + 1, q + 1, P, Q, constant],
      [p, q, P, Q, !constant],
    ];
    for (const [mp, mq, mP, mQ, mc] of moves) {
      if (visit(mp, mq, mP, mQ, mc)) {
        improved = true;
        break;
      }
    }
  }
  // The chosen order is estimated again to a tighter tolerance, from its search estimate
  // and from zero (warm starts follow one path through the likelihood surface; a cold
  // start sometimes finds a better optimum).
  const chosen = best as ArimaFit | null;
  if (!chosen) return null;
  let final = fitArima(w, chosen.order, { start: chosen }) ?? chosen;
  const cold = fitArima(w, chosen.order);
  if (cold && cold.aicc < final.aicc) final = cold;
  return final;
}

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
      // Regressors: the related series that vary over the history.
      const related = (series.related ?? []).filter((r) => {
        for (let t = 1; t < n; t++) if (r[t] !== r[0]) return true;
        return false;
      });
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
        spec = arimaSpec(fit.order, beta !== null);
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
