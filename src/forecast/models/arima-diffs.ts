/**
 * How many differences an ARIMA model needs, chosen as Hyndman & Khandakar's
 * auto.arima does ("Automatic time series forecasting: the forecast package for R",
 * J. Stat. Softw. 27(3), 2008, §3.2): the seasonal order D from the seasonal strength of
 * the series (Wang, Smith & Hyndman 2006; D = 1 when it exceeds 0.64, statsforecast's
 * default `seasonal_test='seas'`), then d from repeated KPSS tests on what is left.
 */

/** Linear interpolation of missing values; leading ones take the first value, trailing ones the last. */
export function fillMissing(y: Float64Array): Float64Array {
  const out = Float64Array.from(y);
  let prev = -1;
  for (let t = 0; t < out.length; t++) {
    if (Number.isNaN(out[t])) continue;
    if (prev < 0) for (let s = 0; s < t; s++) out[s] = out[t];
    else if (t - prev > 1) for (let s = prev + 1; s < t; s++) out[s] = out[prev] + ((out[t] - out[prev]) * (s - prev)) / (t - prev);
    prev = t;
  }
  if (prev >= 0) for (let s = prev + 1; s < out.length; s++) out[s] = out[prev];
  return out;
}

/** `(1 - B^lag) x`: the lag-differenced series, `lag` values shorter. */
export function difference(x: Float64Array, lag: number): Float64Array {
  const out = new Float64Array(Math.max(0, x.length - lag));
  for (let t = 0; t < out.length; t++) out[t] = x[t + lag] - x[t];
  return out;
}

/**
 * The KPSS level-stationarity statistic (Kwiatkowski, Phillips, Schmidt & Shin 1992)
 * with a Bartlett-window long-run variance over `trunc(4·(n/100)^¼)` lags (urca's
 * "short", as forecast::ndiffs uses).
 */
export function kpssStatistic(x: Float64Array): number {
  const n = x.length;
  let mean = 0;
  for (let t = 0; t < n; t++) mean += x[t];
  mean /= n;
  const e = Float64Array.from(x, (v) => v - mean);
  let partial = 0;
  let eta = 0;
  let s2 = 0;
  for (let t = 0; t < n; t++) {
    partial += e[t];
    eta += partial * partial;
    s2 += e[t] * e[t];
  }
  const lags = Math.trunc(4 * (n / 100) ** 0.25);
  for (let l = 1; l <= lags; l++) {
    let c = 0;
    for (let t = l; t < n; t++) c += e[t] * e[t - l];
    s2 += 2 * (1 - l / (lags + 1)) * c;
  }
  s2 /= n;
  if (!(s2 > 0)) return 0;
  return eta / (n * n) / s2;
}

/** KPSS 5 % critical value for level stationarity. */
const KPSS_CRITICAL_5 = 0.463;

function isConstant(x: Float64Array): boolean {
  for (let t = 1; t < x.length; t++) if (x[t] !== x[0]) return false;
  return true;
}

/** The number of first differences (0–maxD) after which KPSS no longer rejects stationarity. */
export function chooseD(x: Float64Array, maxD = 2): number {
  let d = 0;
  let cur = x;
  while (d < maxD && cur.length > 10 && !isConstant(cur) && kpssStatistic(cur) > KPSS_CRITICAL_5) {
    cur = difference(cur, 1);
    d++;
  }
  return d;
}

/**
 * Seasonal strength `max(0, 1 − Var(R) / Var(S + R))` from a classical decomposition: the
 * trend a centred moving average over one season, the seasonal part the mean detrended
 * value at each position of the season. (Wang, Smith & Hyndman use STL; the classical
 * decomposition ranks series alike and costs one pass.)
 */
export function seasonalStrength(x: Float64Array, m: number): number {
  const n = x.length;
  if (m < 2 || n < 2 * m) return 0;
  const half = Math.floor(m / 2);
  const detrended = new Float64Array(n).fill(NaN);
  // Running sums for the centred moving average (2×m for even m).
  const cum = new Float64Array(n + 1);
  for (let t = 0; t < n; t++) cum[t + 1] = cum[t] + x[t];
  for (let t = half; t < n - half; t++) {
    let trend: number;
    if (m % 2 === 1) trend = (cum[t + half + 1] - cum[t - half]) / m;
    else {
      if (t + half >= n) continue;
      const inner = cum[t + half] - cum[t - half + 1];
      trend = (inner + 0.5 * (x[t - half] + x[t + half])) / m;
    }
    detrended[t] = x[t] - trend;
  }
  const seasonSum = new Float64Array(m);
  const seasonCount = new Float64Array(m);
  for (let t = 0; t < n; t++) {
    if (Number.isNaN(detrended[t])) continue;
    seasonSum[t % m] += detrended[t];
    seasonCount[t % m]++;
  }
  const season = Float64Array.from(seasonSum, (s, i) => (seasonCount[i] ? s / seasonCount[i] : 0));
  const centre = season.reduce((a, b) => a + b, 0) / m;
  for (let i = 0; i < m; i++) season[i] -= centre;
  const remainder: number[] = [];
  const seasonalPlusRemainder: number[] = [];
  for (let t = 0; t < n; t++) {
    if (Number.isNaN(detrended[t])) continue;
    remainder.push(detrended[t] - season[t % m]);
    seasonalPlusRemainder.push(detrended[t]);
  }
  const total = variance(seasonalPlusRemainder);
  if (!(total > 0)) return 0;
  return Math.max(0, 1 - variance(remainder) / total);
}

function variance(v: number[]): number {
  const mean = v.reduce((a, b) => a + b, 0) / v.length;
  return v.reduce((a, b) => a + (b - mean) ** 2, 0) / Math.max(1, v.length - 1);
}

/** D ∈ {0, 1}: one seasonal difference when the season is strong and the history spans two. */
export function chooseSeasonalD(x: Float64Array, m: number): number {
  return m > 1 && x.length >= 2 * m + 3 && seasonalStrength(x, m) > 0.64 ? 1 : 0;
}
