/**
 * ETS's inner loops: the general state filter (final states, residuals), the likelihood
 * alone for the optimiser, the initial states, and the lag-m seasonality test. See ets.ts
 * for the model family and the references.
 */
import type { EtsSpec, EtsSeason, EtsTrend } from './ets.js';

export const TOL = 1e-10;

export const T_N = 0;
export const T_A = 1;
export const T_AD = 2;
export const S_N = 0;
export const S_A = 1;
export const S_M = 2;

export const trendCode = (t: EtsTrend): number => (t === 'N' ? T_N : t === 'A' ? T_A : T_AD);
export const seasonCode = (s: EtsSeason): number => (s === 'N' ? S_N : s === 'A' ? S_A : S_M);

/** Scratch the filter writes its final states to (level, slope), so it returns one number. */
export const FINAL = new Float64Array(3);

/**
 * Runs the filter over y with the given parameters; `s` holds the initial seasonal states
 * (s[j] for time positions j mod m, updated in place). Returns −2 log-likelihood up to a
 * constant, or +Infinity when a multiplicative model meets a non-positive forecast. Final
 * level, slope and the count of observed points go to FINAL; residuals to `resid` when given.
 */
export function filter(y: Float64Array, mult: boolean, trend: number, season: number, m: number, alpha: number, beta: number, gamma: number, phi: number, l0: number, b0: number, s: Float64Array, resid: Float64Array | null): number {
  const n = y.length;
  let l = l0;
  let b = trend === T_N ? 0 : b0;
  const ph = trend === T_AD ? phi : 1;
  const betaOverAlpha = beta / alpha;
  let sse = 0;
  let sumLog = 0;
  let count = 0;
  let j = 0;
  for (let t = 0; t < n; t++) {
    const phib = ph * b;
    const q = l + phib;
    const so = season === S_N ? 0 : s[j];
    let f: number;
    if (season === S_M) f = q * so;
    else f = q + so;
    let yt = y[t];
    if (yt !== yt) {
      // Missing: the forecast stands in for the observation.
      yt = f;
      if (resid !== null) resid[t] = NaN;
    } else {
      if (mult) {
        if (!(f > TOL)) return Number.POSITIVE_INFINITY;
        const e = (yt - f) / f;
        sse += e * e;
        sumLog += Math.log(f);
        if (resid !== null) resid[t] = e;
      } else {
        const e = yt - f;
        sse += e * e;
        if (resid !== null) resid[t] = e;
      }
      count++;
    }
    // Level.
    let p: number;
    if (season === S_N) p = yt;
    else if (season === S_A) p = yt - so;
    else {
      if (!(Math.abs(so) > TOL)) return Number.POSITIVE_INFINITY;
      p = yt / so;
    }
    const lNew = q + alpha * (p - q);
    if (trend !== T_N) b = phib + betaOverAlpha * (lNew - l - phib);
    if (season === S_A) s[j] = so + gamma * (yt - q - so);
    else if (season === S_M) {
      if (!(Math.abs(q) > TOL)) return Number.POSITIVE_INFINITY;
      s[j] = so + gamma * (yt / q - so);
    }
    l = lNew;
    if (++j === m) j = 0;
  }
  FINAL[0] = l;
  FINAL[1] = b;
  FINAL[2] = count;
  if (count === 0 || !(sse > 0)) return count === 0 ? Number.POSITIVE_INFINITY : -1e300;
  return count * Math.log(sse) + 2 * sumLog;
}

/**
 * The likelihood alone, one loop per season type: what the optimiser calls thousands of
 * times. Same arithmetic as {@link filter} (a trend-free model passes b0 = β = 0 and
 * φ = 1), about three times faster than the general loop for having fewer branches.
 * Multiplicative errors sum log ŷ through a product renormalised every 8 steps.
 */
export function likelihood(y: Float64Array, mult: boolean, season: number, m: number, alpha: number, beta: number, gamma: number, phi: number, l0: number, b0: number, s: Float64Array): number {
  const n = y.length;
  let l = l0;
  let b = b0;
  const ba = beta / alpha;
  let sse = 0;
  let sumLog = 0;
  let prod = 1;
  let count = 0;
  let j = 0;
  for (let t = 0; t < n; t++) {
    const phib = phi * b;
    const q = l + phib;
    let yt = y[t];
    let lNew: number;
    if (season === S_N) {
      if (yt !== yt) yt = q;
      else {
        const e = mult ? (yt - q) / q : yt - q;
        if (mult) {
          if (!(q > TOL)) return Number.POSITIVE_INFINITY;
          prod *= q;
        }
        sse += e * e;
        count++;
      }
      lNew = q + alpha * (yt - q);
    } else if (season === S_A) {
      const so = s[j];
      const f = q + so;
      if (yt !== yt) yt = f;
      else {
        if (mult) {
          if (!(f > TOL)) return Number.POSITIVE_INFINITY;
          const e = (yt - f) / f;
          sse += e * e;
          prod *= f;
        } else {
          const e = yt - f;
          sse += e * e;
        }
        count++;
      }
      lNew = q + alpha * (yt - so - q);
      s[j] = so + gamma * (yt - q - so);
    } else {
      const so = s[j];
      const f = q * so;
      if (!(f > TOL) || !(q > TOL)) return Number.POSITIVE_INFINITY;
      if (yt !== yt) yt = f;
      else {
        const e = mult ? (yt - f) / f : yt - f;
        if (mult) prod *= f;
        sse += e * e;
        count++;
      }
      lNew = q + alpha * (yt / so - q);
      s[j] = so + gamma * (yt / q - so);
    }
    b = phib + ba * (lNew - l - phib);
    l = lNew;
    if (++j === m) j = 0;
    if ((t & 7) === 7 && mult) {
      sumLog += Math.log(prod);
      prod = 1;
    }
  }
  if (mult) sumLog += Math.log(prod);
  if (count === 0) return Number.POSITIVE_INFINITY;
  if (!(sse > 0)) return -1e300;
  return count * Math.log(sse) + 2 * sumLog;
}

/**
 * −2 log-likelihood (up to a constant) of a spec with given parameters and initial states,
 * from both loops: `[fast, general]`. They must agree; exported for that test.
 */
export function likelihoodPair(y: Float64Array, spec: EtsSpec, m: number, p: { alpha: number; beta: number; gamma: number; phi: number; l0: number; b0: number; seasonal: Float64Array }): [number, number] {
  const trend = trendCode(spec.trend);
  const season = seasonCode(spec.season);
  const mult = spec.error === 'M';
  const beta = trend === T_N ? 0 : p.beta;
  const b0 = trend === T_N ? 0 : p.b0;
  const phi = trend === T_AD ? p.phi : 1;
  const fast = likelihood(y, mult, season, m, p.alpha, beta, p.gamma, phi, p.l0, b0, Float64Array.from(p.seasonal));
  const general = filter(y, mult, trend, season, m, p.alpha, beta, p.gamma, phi, p.l0, b0, Float64Array.from(p.seasonal), null);
  return [fast, general];
}

// ------------------------------------------------------------------------------------------
// Initial states (R's initstate).

export interface InitialStates {
  l0: number;
  b0: number;
  /** Seasonal states for positions 0..m−1 (additive: sums to 0; multiplicative: mean 1). */
  seasonal: Float64Array;
}

/** Linearly interpolated copy with leading/trailing gaps filled by the nearest value. */
export function filled(y: Float64Array): Float64Array {
  const out = Float64Array.from(y);
  let last = -1;
  for (let t = 0; t < out.length; t++) {
    if (Number.isNaN(out[t])) continue;
    if (last === -1) for (let k = 0; k < t; k++) out[k] = out[t];
    else if (t - last > 1) for (let k = last + 1; k < t; k++) out[k] = out[last] + ((out[t] - out[last]) * (k - last)) / (t - last);
    last = t;
  }
  if (last === -1) out.fill(0);
  else for (let k = last + 1; k < out.length; k++) out[k] = out[last];
  return out;
}

export function initialStates(y: Float64Array, m: number, season: number, trend: number): InitialStates {
  const x = filled(y);
  const n = x.length;
  const seasonal = new Float64Array(Math.max(1, m));
  let adj: Float64Array;
  if (season !== S_N && m > 1 && n >= 2 * m) {
    // Classical decomposition over the first seasons: centred moving-average trend, then the
    // detrended values averaged by position.
    const span = Math.min(n, Math.max(4 * m, 3 * m + 1));
    const half = Math.floor(m / 2);
    const sum = new Float64Array(m);
    const cnt = new Float64Array(m);
    for (let t = half; t + half < span; t++) {
      let ma: number;
      if (m % 2 === 1) {
        let acc = 0;
        for (let k = t - half; k <= t + half; k++) acc += x[k];
        ma = acc / m;
      } else {
        let acc = 0.5 * (x[t - half] + x[t + half]);
        for (let k = t - half + 1; k < t + half; k++) acc += x[k];
        ma = acc / m;
      }
      const v = season === S_M ? x[t] / ma : x[t] - ma;
      if (Number.isFinite(v)) {
        sum[t % m] += v;
        cnt[t % m]++;
      }
    }
    let mean = 0;
    for (let j = 0; j < m; j++) {
      seasonal[j] = cnt[j] > 0 ? sum[j] / cnt[j] : season === S_M ? 1 : 0;
      mean += seasonal[j] / m;
    }
    for (let j = 0; j < m; j++) seasonal[j] = season === S_M ? seasonal[j] / mean : seasonal[j] - mean;
    adj = new Float64Array(Math.min(n, 10));
    for (let t = 0; t < adj.length; t++) adj[t] = season === S_M ? x[t] / seasonal[t % m] : x[t] - seasonal[t % m];
  } else {
    seasonal.fill(season === S_M ? 1 : 0);
    adj = x.subarray(0, Math.min(n, 10));
  }
  // Level and slope from a straight line through the first (seasonally adjusted) values.
  const k = adj.length;
  if (trend === T_N || k < 2) {
    let acc = 0;
    for (let t = 0; t < k; t++) acc += adj[t];
    return { l0: k > 0 ? acc / k : 0, b0: 0, seasonal };
  }
  let sx = 0;
  let sy = 0;
  let sxx = 0;
  let sxy = 0;
  for (let t = 0; t < k; t++) {
    sx += t + 1;
    sy += adj[t];
    sxx += (t + 1) * (t + 1);
    sxy += (t + 1) * adj[t];
  }
  const slope = (k * sxy - sx * sy) / (k * sxx - sx * sx);
  const intercept = (sy - slope * sx) / k;
  return { l0: intercept, b0: slope, seasonal };
}

/** Lag-m autocorrelation test for a season at 90 % (Assimakopoulos & Nikolopoulos; statsforecast's seasonality test). */
export function hasSeason(y: Float64Array, m: number): boolean {
  const x = filled(y);
  const n = x.length;
  if (m < 2 || n < 3 * m) return false;
  let mean = 0;
  for (let t = 0; t < n; t++) mean += x[t] / n;
  let c0 = 0;
  for (let t = 0; t < n; t++) c0 += (x[t] - mean) * (x[t] - mean);
  if (!(c0 > 0)) return false;
  const acf = new Float64Array(m + 1);
  for (let k = 1; k <= m; k++) {
    let c = 0;
    for (let t = k; t < n; t++) c += (x[t] - mean) * (x[t - k] - mean);
    acf[k] = c / c0;
  }
  let s = 0;
  for (let k = 1; k < m; k++) s += acf[k] * acf[k];
  const limit = 1.645 * Math.sqrt((1 + 2 * s) / n);
  return Math.abs(acf[m]) > limit;
}
