import { expectSaneOnEdgeSeries } from './edge-series.js';
import { describe, expect, it } from 'vitest';
import { makeProphet, prophet } from './prophet.js';
import { normalDraw, seededRandom } from './optim.js';
import type { ForecastContext, SeriesData } from './types.js';

const DAY = 86_400_000;
const ctx = (horizon: number, seed = 1): ForecastContext => ({ horizon, quantiles: [0.1, 0.5, 0.9], season: 7, seasons: [7, 365.25], stepMs: DAY, seed });
/** Daily series from Monday 2024-01-01, `f(t)` plus N(0, sd) noise. */
function daily(n: number, horizon: number, f: (t: number) => number, sd: number, seed = 4, related?: Float64Array[]): SeriesData {
  const rand = seededRandom(seed);
  const t0 = Date.UTC(2024, 0, 1);
  return {
    item: 'a',
    y: Float64Array.from({ length: n }, (_, t) => f(t) + sd * normalDraw(rand)),
    times: Float64Array.from({ length: n + horizon }, (_, i) => t0 + i * DAY),
    related,
  };
}

describe('prophet', () => {
  it('recovers a trend changepoint: the forecast continues the new slope', () => {
    // Slope 1 per day for 200 days, then −0.5 per day: the future must fall, not rise.
    const level = (t: number) => (t < 200 ? 100 + t : 300 - 0.5 * (t - 200));
    const s = daily(300, 30, level, 1);
    const f = prophet.kind === 'local' ? prophet.forecast(s, ctx(30)) : undefined;
    const slope = (f!.mean[29] - f!.mean[0]) / 29;
    expect(slope).toBeLessThan(-0.4);
    expect(slope).toBeGreaterThan(-0.6);
    expect(Math.abs(f!.mean[0] - level(300))).toBeLessThan(3);
    expect(f!.spec).toContain('weekly 3');
  });

  it('learns a weekly pattern', () => {
    const week = [0, 10, 5, -5, 8, -12, -6];
    const s = daily(140, 14, (t) => 200 + week[t % 7], 0.5);
    const f = makeProphet().forecast(s, ctx(14));
    for (let i = 0; i < 14; i++) expect(Math.abs(f.mean[i] - (200 + week[(140 + i) % 7]))).toBeLessThan(1.5);
  });

  it('uses a related series as a regressor (a 0/1 event)', () => {
    const n = 300;
    const h = 21;
    const rand = seededRandom(9);
    const event = Float64Array.from({ length: n + h }, () => (rand() < 0.1 ? 1 : 0));
    const s = daily(n, h, (t) => 50 + 25 * event[t], 1, 5, [event]);
    const f = makeProphet().forecast(s, ctx(h));
    expect(f.spec).toContain('1 regressor');
    for (let i = 0; i < h; i++) expect(Math.abs(f.mean[i] - (50 + 25 * event[n + i]))).toBeLessThan(2.5);
  });

  it('intervals cover the noise, widen with the horizon and follow the seed', () => {
    // A trend whose slope changes every 100 days: the fitted rate changes make future ones likely.
    const zigzag = (t: number) => 100 + (Math.floor(t / 100) % 2 === 0 ? 0.3 * (t % 100) : 30 - 0.2 * (t % 100));
    const s = daily(400, 60, zigzag, 5);
    const a = makeProphet().forecast(s, ctx(60, 3));
    const b = makeProphet().forecast(s, ctx(60, 3));
    expect(Array.from(a.quantiles[0])).toEqual(Array.from(b.quantiles[0]));
    // 80 % of N(0, 5): about ±6.4 at the first step.
    const first = a.quantiles[2][0] - a.quantiles[0][0];
    expect(first).toBeGreaterThan(10);
    expect(first).toBeLessThan(16);
    expect(a.quantiles[2][59] - a.quantiles[0][59]).toBeGreaterThan(first);
  });

  it('the multiplicative mode scales the season with the trend', () => {
    // A weekly swing of ±20 % around a level that doubles.
    const week = [0.2, -0.2, 0.1, -0.1, 0.15, -0.15, 0];
    const level = (t: number) => 100 + (100 * t) / 364;
    const s = daily(364, 14, (t) => level(t) * (1 + week[t % 7]), 0.5);
    const f = makeProphet({ seasonalityMode: 'multiplicative' }).forecast(s, ctx(14));
    for (let i = 0; i < 14; i++) {
      const t = 364 + i;
      expect(Math.abs(f.mean[i] - level(t) * (1 + week[t % 7]))).toBeLessThan(4);
    }
    expect(f.spec).toContain('multiplicative');
  });
  it('answers finite forecasts for short, gappy, constant and empty series', () => {
    expectSaneOnEdgeSeries(makeProphet());
  });
});
