/**
 * Estimating seasonal ARIMA models and searching their orders (Hyndman & Khandakar,
 * J. Stat. Softw. 27(3), 2008, §3.2): each candidate is fitted by conditional sum of
 * squares (CSS) on the differenced series — auto.arima's `approximation` for long series —
 * with Levenberg–Marquardt, the AR and MA polynomials parameterised through partial
 * autocorrelations (Jones 1980, tanh-mapped) so every candidate is stationary and
 * invertible; the stepwise search moves one order at a time and warm-starts from the best
 * fit so far.
 */
import { levenbergMarquardt } from './optim.js';

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
