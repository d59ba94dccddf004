import { expectSaneOnEdgeSeries } from './edge-series.js';
import { describe, expect, it } from 'vitest';
import { makeArima, arima, fitArima, searchArima } from './arima.js';
import { chooseD, chooseSeasonalD, difference, kpssStatistic } from './arima-diffs.js';
import { normalDraw, seededRandom } from './optim.js';
import type { ForecastContext, SeriesData } from './types.js';

const ctx = (horizon: number, season: number): ForecastContext => ({ horizon, quantiles: [0.1, 0.5, 0.9], season, seasons: [season], stepMs: 86_400_000 });
const series = (y: Float64Array, related?: Float64Array[]): SeriesData => ({ item: 'a', y, times: new Float64Array(0), related });

function noise(n: number, seed: number, sd = 1): Float64Array {
  const rand = seededRandom(seed);
  return Float64Array.from({ length: n }, () => sd * normalDraw(rand));
}

/** w_t = Σ φ_i w_{t−i} + e_t + Σ θ_j e_{t−j}, after a burn-in. */
function simulateArma(n: number, phi: number[], theta: number[], seed: number): Float64Array {
  const burn = 200;
  const e = noise(n + burn, seed);
  const w = new Float64Array(n + burn);
  for (let t = 0; t < n + burn; t++) {
    let v = e[t];
    phi.forEach((c, i) => (v += t - i - 1 >= 0 ? c * w[t - i - 1] : 0));
    theta.forEach((c, j) => (v += t - j - 1 >= 0 ? c * e[t - j - 1] : 0));
    w[t] = v;
  }
  return w.subarray(burn);
}

const cumsum = (x: Float64Array) => {
  const out = new Float64Array(x.length);
  let s = 0;
  x.forEach((v, i) => (out[i] = s += v));
  return out;
};

describe('arima', () => {
  it('recovers AR(2) coefficients of a simulated process', () => {
    const w = simulateArma(3000, [0.5, -0.3], [], 11);
    const fit = fitArima(w, { p: 2, d: 0, q: 0, P: 0, D: 0, Q: 0, m: 1, constant: false })!;
    expect(fit.coef.phi[0]).toBeCloseTo(0.5, 1);
    expect(fit.coef.phi[1]).toBeCloseTo(-0.3, 1);
    expect(Math.sqrt(fit.sigma2)).toBeCloseTo(1, 1);
  });

  it('recovers ARMA(1,1) and seasonal MA coefficients', () => {
    const w = simulateArma(3000, [0.7], [-0.4], 5);
    const fit = fitArima(w, { p: 1, d: 0, q: 1, P: 0, D: 0, Q: 0, m: 1, constant: false })!;
    expect(Math.abs(fit.coef.phi[0] - 0.7)).toBeLessThan(0.05);
    expect(Math.abs(fit.coef.theta[0] + 0.4)).toBeLessThan(0.06);
    // (1 + 0.5B)(1 − 0.6B^7): MA lags 1, 7 and 8 with 0.5, −0.6 and −0.3.
    const s = simulateArma(3000, [], [0.5, 0, 0, 0, 0, 0, -0.6, -0.3], 9);
    const sfit = fitArima(s, { p: 0, d: 0, q: 1, P: 0, D: 0, Q: 1, m: 7, constant: false })!;
    expect(Math.abs(sfit.coef.theta[0] - 0.5)).toBeLessThan(0.05);
    expect(Math.abs(sfit.coef.stheta[0] + 0.6)).toBeLessThan(0.05);
  });

  it('the stepwise search finds a small order for a simulated AR(1)', () => {
    const w = simulateArma(1500, [0.8], [], 21);
    const fit = searchArima(w, 0, 0, 1)!;
    // AICc may add a lag, but the AR(1) structure dominates.
    expect(fit.order.p + fit.order.q).toBeLessThanOrEqual(3);
    expect(fit.order.p).toBeGreaterThanOrEqual(1);
  });

  it('chooses one difference for a random walk and none for white noise', () => {
    const rw = cumsum(noise(800, 3));
    expect(kpssStatistic(rw)).toBeGreaterThan(0.463);
    expect(chooseD(rw)).toBe(1);
    expect(chooseD(noise(800, 4))).toBe(0);
    expect(chooseSeasonalD(noise(800, 4), 7)).toBe(0);
  });

  it('chooses a seasonal difference for a seasonal random walk', () => {
    // y_t = y_{t−7} + e_t with small steps around a strong weekly pattern.
    const pattern = [10, -4, 3, 8, -9, 0, -8];
    const e = noise(700, 8, 0.5);
    const y = new Float64Array(700);
    for (let t = 0; t < 700; t++) y[t] = (t < 7 ? pattern[t] : y[t - 7]) + e[t];
    expect(chooseSeasonalD(y, 7)).toBe(1);
    expect(chooseD(difference(y, 7))).toBe(0);
    const f = arima.kind === 'local' ? arima.forecast(series(y), ctx(14, 7)) : undefined;
    expect(f!.spec).toMatch(/\(\d,1,\d\)\[7\]/);
    // The forecast repeats the last week's shape.
    for (let i = 0; i < 7; i++) expect(Math.abs(f!.mean[i] - y[700 - 7 + i])).toBeLessThan(3);
  });

  it('a random walk gets d = 1 and intervals that widen with the horizon', () => {
    const y = cumsum(noise(600, 13)).map((v) => v + 100);
    const f = makeArima().forecast(series(Float64Array.from(y)), ctx(20, 1));
    expect(f.spec).toMatch(/^ARIMA\(\d,1,\d\)/);
    const width = f.quantiles[2].map((hi, i) => hi - f.quantiles[0][i]);
    for (let i = 1; i < 20; i++) expect(width[i]).toBeGreaterThan(width[i - 1]);
    // Roughly a random walk's: sd ≈ σ√h, σ = 1 → 80 % width ≈ 2.56 √h.
    expect(width[19] / width[0]).toBeGreaterThan(3);
    expect(width[0]).toBeGreaterThan(2);
    expect(width[0]).toBeLessThan(3.2);
  });

  it('continues a noiseless line exactly', () => {
    const y = Float64Array.from({ length: 50 }, (_, t) => 3 + 2 * t);
    const f = makeArima().forecast(series(y), ctx(3, 1));
    expect(Array.from(f.mean)).toEqual([103, 105, 107]);
  });

  it('uses a related series as a regressor with ARIMA errors', () => {
    const n = 400;
    const h = 10;
    const rand = seededRandom(2);
    const x = Float64Array.from({ length: n + h }, () => (rand() < 0.2 ? 1 : 0));
    const err = simulateArma(n, [0.6], [], 17);
    const y = Float64Array.from({ length: n }, (_, t) => 50 + 20 * x[t] + err[t]);
    const f = makeArima().forecast(series(y, [x]), ctx(h, 1));
    expect(f.spec).toMatch(/^Regression with ARIMA/);
    // Each promoted future day is about 20 above the others.
    const promoted = [...Array(h).keys()].filter((i) => x[n + i] === 1);
    const plain = [...Array(h).keys()].filter((i) => x[n + i] === 0);
    expect(promoted.length).toBeGreaterThan(0);
    const avg = (idx: number[]) => idx.reduce((s, i) => s + f.mean[i], 0) / idx.length;
    expect(avg(promoted) - avg(plain)).toBeGreaterThan(17);
    expect(avg(promoted) - avg(plain)).toBeLessThan(23);
  });
  it('a season longer than m enters as Fourier terms (daily data with a yearly cycle)', () => {
    // Two whole years of history: the next two months climb the cycle's steepest part.
    const n = 731;
    const h = 60;
    const err = simulateArma(n, [0.5], [], 31);
    const cycle = (t: number) => 100 + 20 * Math.sin((2 * Math.PI * t) / 365.25);
    const y = Float64Array.from({ length: n }, (_, t) => cycle(t) + err[t]);
    const f = makeArima().forecast(series(y), { ...ctx(h, 7), seasons: [7, 365.25] });
    expect(f.spec).toContain('Fourier(365.25, 2)');
    // The cycle rises by ~17 over the horizon; the forecast follows it.
    for (let i = 0; i < h; i++) expect(Math.abs(f.mean[i] - cycle(n + i))).toBeLessThan(3);
  });

  it('answers finite forecasts for short, gappy, constant and empty series', () => {
    expectSaneOnEdgeSeries(makeArima());
  });
});
