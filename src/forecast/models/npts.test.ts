import { expectSaneOnEdgeSeries } from './edge-series.js';
import { describe, expect, it } from 'vitest';
import { makeNpts, npts, seasonIndices } from './npts.js';
import type { ForecastContext, SeriesData } from './types.js';

const DAY = 86_400_000;
const ctx = (horizon: number, season: number, seed = 1, quantiles = [0.1, 0.5, 0.9]): ForecastContext => ({ horizon, quantiles, season, seasons: [season], stepMs: DAY, seed });
/** Daily series starting on Monday 2024-01-01. */
function daily(values: number[], horizon: number): SeriesData {
  const t0 = Date.UTC(2024, 0, 1);
  return { item: 'a', y: Float64Array.from(values), times: Float64Array.from({ length: values.length + horizon }, (_, i) => t0 + i * DAY) };
}

describe('npts', () => {
  it('forecasts only values seen in the history, skipping missing ones', () => {
    const values = Array.from({ length: 60 }, (_, i) => (i % 5 === 0 ? NaN : 100 + ((i * 37) % 11)));
    const model = makeNpts({ seasonal: false, numSamples: 50 });
    const f = model.forecast(daily(values, 10), { ...ctx(10, 1), quantiles: [0.01, 0.5, 0.99] });
    const seen = new Set(values.filter((v) => !Number.isNaN(v)));
    // Quantiles interpolate between draws, so they stay within the history's range.
    for (const q of f.quantiles) for (const v of q) expect(v).toBeGreaterThanOrEqual(Math.min(...seen));
    for (const q of f.quantiles) for (const v of q) expect(v).toBeLessThanOrEqual(Math.max(...seen));
    // One path: every value is a draw, so each must be a past observation.
    const single = makeNpts({ seasonal: false, numSamples: 1 }).forecast(daily(values, 10), ctx(10, 1));
    for (const v of single.mean) expect(seen.has(v)).toBe(true);
  });

  it('answers the same for the same seed and differently for another', () => {
    const values = Array.from({ length: 200 }, (_, i) => Math.sin(i) * 10 + i);
    const model = makeNpts({ expKernelWeight: 0.05, seasonal: false });
    const a = model.forecast(daily(values, 14), ctx(14, 7, 42));
    const b = model.forecast(daily(values, 14), ctx(14, 7, 42));
    const c = model.forecast(daily(values, 14), ctx(14, 7, 43));
    expect(Array.from(a.mean)).toEqual(Array.from(b.mean));
    expect(Array.from(a.mean)).not.toEqual(Array.from(c.mean));
  });

  it('the seasonal variant draws only values of the same weekday', () => {
    // Each weekday has its own disjoint set of values: weekday w takes values in [100w, 100w + 10).
    const n = 8 * 7;
    const values = Array.from({ length: n }, (_, i) => {
      const weekday = new Date(Date.UTC(2024, 0, 1) + i * DAY).getUTCDay();
      return 100 * weekday + ((i * 7) % 10);
    });
    const series = daily(values, 21);
    const f = makeNpts({ numSamples: 1 }).forecast(series, ctx(21, 7, 3));
    for (let i = 0; i < 21; i++) {
      const weekday = new Date(series.times[n + i]).getUTCDay();
      expect(f.mean[i]).toBeGreaterThanOrEqual(100 * weekday);
      expect(f.mean[i]).toBeLessThan(100 * weekday + 10);
    }
  });

  it('the exponential kernel favours recent values, the climatological one does not', () => {
    // 100 zeros then 10 ones: recent draws are almost always 1, uniform draws mostly 0.
    const values = [...Array(100).fill(0), ...Array(10).fill(1)];
    const recent = makeNpts({ seasonal: false }).forecast(daily(values, 5), ctx(5, 1));
    const climate = makeNpts({ seasonal: false, kernel: 'uniform' }).forecast(daily(values, 5), ctx(5, 1));
    expect(recent.mean[0]).toBeGreaterThan(0.95);
    expect(climate.mean[0]).toBeLessThan(0.25);
    expect(npts.name).toBe('npts');
  });

  it('season indices come from the calendar for daily data', () => {
    const s = daily([1, 2, 3], 4);
    // 2024-01-01 was a Monday (getUTCDay 1).
    expect(Array.from(seasonIndices(s.times, 7, DAY, 7))).toEqual([1, 2, 3, 4, 5, 6, 0]);
    expect(Array.from(seasonIndices(new Float64Array(0), 4, DAY, 3))).toEqual([0, 1, 2, 0]);
  });
  it('answers finite forecasts for short, gappy, constant and empty series', () => {
    expectSaneOnEdgeSeries(makeNpts());
  });
});
