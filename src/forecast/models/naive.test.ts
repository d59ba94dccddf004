import { describe, expect, it } from 'vitest';
import { normalQuantile } from './distributions.js';
import { naive, seasonalNaive } from './naive.js';
import type { ForecastContext, SeriesData } from './types.js';

const ctx = (horizon: number, season = 1): ForecastContext => ({ horizon, quantiles: [0.1, 0.5, 0.9], season, seasons: [season], stepMs: 86_400_000 });
const series = (values: number[]): SeriesData => ({ item: 'a', y: Float64Array.from(values), times: new Float64Array(0) });

describe('baselines', () => {
  it('normal quantiles match known values', () => {
    expect(normalQuantile(0.5)).toBeCloseTo(0, 9);
    expect(normalQuantile(0.9)).toBeCloseTo(1.2815515655, 8);
    expect(normalQuantile(0.01)).toBeCloseTo(-2.3263478740, 8);
  });

  it('naive carries the last value with widening intervals', () => {
    const f = naive.kind === 'local' ? naive.forecast(series([1, 2, 3, 4]), ctx(3)) : undefined;
    expect(Array.from(f!.mean)).toEqual([4, 4, 4]);
    // Residuals are all 1: sd_h = sqrt(h).
    expect(f!.quantiles[2][0] - 4).toBeCloseTo(1.2815515655, 6);
    expect(f!.quantiles[2][3 - 1] - 4).toBeCloseTo(1.2815515655 * Math.sqrt(3), 6);
    expect(Array.from(f!.quantiles[1])).toEqual([4, 4, 4]);
  });

  it('seasonal naive repeats the last season and skips missing values', () => {
    const f = seasonalNaive.kind === 'local' ? seasonalNaive.forecast(series([1, 2, 3, 10, 20, NaN]), ctx(4, 3)) : undefined;
    expect(Array.from(f!.mean)).toEqual([10, 20, 3, 10]);
  });
});
