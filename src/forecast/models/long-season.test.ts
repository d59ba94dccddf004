import { describe, expect, it } from 'vitest';
import { fitLongSeason, longSeasonValues, withLongSeason } from './long-season.js';
import { normalDraw, seededRandom } from './optim.js';

describe('long seasons', () => {
  it('recover a yearly sine on daily data and carry it into the forecast', () => {
    const rand = seededRandom(1);
    const n = 800;
    const y = Float64Array.from({ length: n + 28 }, (_, t) => 100 + 0.01 * t + 20 * Math.sin((2 * Math.PI * t) / 365.25) + normalDraw(rand));
    const s = fitLongSeason(y.subarray(0, n), 7, [7, 365.25])!;
    expect(s.period).toBe(365.25);
    // sin coefficient ≈ 20, cos ≈ 0 for the first harmonic.
    expect(s.coef[0]).toBeCloseTo(20, 0);
    expect(Math.abs(s.coef[1])).toBeLessThan(1);
    // A model that only carries the last value forward, with and without the long season.
    const last = (x: Float64Array) => ({ mean: new Float64Array(28).fill(x[x.length - 1]), quantiles: [] as Float64Array[] });
    const plain = last(y.subarray(0, n));
    const adjusted = withLongSeason(y.subarray(0, n), { horizon: 28, season: 7, seasons: [7, 365.25] }, last);
    const err = (f: Float64Array) => f.reduce((acc, v, i) => acc + Math.abs(v - y[n + i]), 0);
    expect(err(adjusted.mean)).toBeLessThan(err(plain.mean));
    expect(Array.from(longSeasonValues(s, n, 3))).toHaveLength(3);
  });

  it('are not used when the history covers less than two periods or there is no such season', () => {
    const rand = seededRandom(2);
    const short = Float64Array.from({ length: 500 }, (_, t) => 10 + Math.sin((2 * Math.PI * t) / 365.25) + normalDraw(rand));
    expect(fitLongSeason(short, 7, [7, 365.25])).toBeNull();
    const noise = Float64Array.from({ length: 1000 }, () => 10 + normalDraw(rand));
    expect(fitLongSeason(noise, 7, [7, 365.25])).toBeNull();
    expect(fitLongSeason(noise, 7, [7])).toBeNull();
  });
});
