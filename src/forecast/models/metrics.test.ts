import { describe, expect, it } from 'vitest';
import { addWindow, averageMetrics, emptySums, finishMetrics, maseScale, mergeSums, quantileKey } from './metrics.js';
import type { SeriesForecast } from './types.js';

const f = (mean: number[], quantiles: number[][]): SeriesForecast => ({ mean: Float64Array.from(mean), quantiles: quantiles.map((q) => Float64Array.from(q)) });
const ctx = { season: 1, quantiles: [0.1, 0.5, 0.9] };

describe('forecast metrics', () => {
  it('match hand-computed values on one window', () => {
    // actual 10, 20, 0; mean 12, 15, 1; q0.1 8, 14, 0; q0.5 = mean; q0.9 13, 25, 2; history 1, 3, 6 (scale = (2 + 3) / 2 = 2.5).
    const s = addWindow(emptySums(ctx.quantiles), Float64Array.from([10, 20, 0]), f([12, 15, 1], [[8, 14, 0], [12, 15, 1], [13, 25, 2]]), Float64Array.from([1, 3, 6]), ctx);
    const m = finishMetrics(s);
    // Σ|y| = 30; errors -2, 5, -1.
    expect(m.WAPE).toBeCloseTo(8 / 30, 12);
    expect(m.RMSE).toBeCloseTo(Math.sqrt((4 + 25 + 1) / 3), 12);
    // MAPE skips y = 0: (0.2 + 0.25) / 2.
    expect(m.MAPE).toBeCloseTo(0.225, 12);
    expect(m.MASE).toBeCloseTo(8 / 3 / 2.5, 12);
    // QL0.1: d = 2, 6, 0 -> 0.2 + 0.6 + 0 = 0.8; QL0.5: 1 + 2.5 + 0.5 = 4; QL0.9: d = -3, -5, -2 -> 0.1 * 10 = 1.
    expect(m.wQL['0.1']).toBeCloseTo((2 * 0.8) / 30, 12);
    expect(m.wQL['0.5']).toBeCloseTo((2 * 4) / 30, 12);
    expect(m.wQL['0.9']).toBeCloseTo((2 * 1) / 30, 12);
    expect(m.averageWQL).toBeCloseTo((1.6 + 8 + 2) / 30 / 3, 12);
    // wQL at 0.5 of the mean forecast is WAPE.
    expect(m.wQL['0.5']).toBeCloseTo(m.WAPE!, 12);
  });

  it('merge exactly: two items apart equal the two items together', () => {
    const a = addWindow(emptySums(ctx.quantiles), Float64Array.from([5, 7]), f([6, 6], [[4, 4], [6, 6], [8, 8]]), Float64Array.from([5, 5, 6]), ctx);
    const b = addWindow(emptySums(ctx.quantiles), Float64Array.from([100, NaN, 90]), f([80, 1, 95], [[70, 0, 85], [80, 1, 95], [110, 2, 105]]), Float64Array.from([90, 100]), ctx);
    const merged = finishMetrics(mergeSums(a, b));
    // By hand over the four scored points (NaN skipped): |y| = 5 + 7 + 100 + 90 = 202; |e| = 1 + 1 + 20 + 5.
    expect(merged.WAPE).toBeCloseTo(27 / 202, 12);
    expect(merged.MAPE).toBeCloseTo((1 / 5 + 1 / 7 + 20 / 100 + 5 / 90) / 4, 12);
    // Item a's scale is (0 + 1) / 2, item b's is 10.
    expect(merged.MASE).toBeCloseTo((1 / 0.5 + 1 / 0.5 + 20 / 10 + 5 / 10) / 4, 12);
    expect(JSON.parse(JSON.stringify(mergeSums(a, b)))).toEqual(mergeSums(a, b));
  });

  it('refuse merging different quantile levels and leave undefined metrics null', () => {
    expect(() => mergeSums(emptySums([0.5]), emptySums([0.1]))).toThrow(RangeError);
    const zero = finishMetrics(addWindow(emptySums([0.5]), Float64Array.from([0, 0]), f([0, 0], [[0, 0]]), Float64Array.from([0, 0]), { season: 1, quantiles: [0.5] }));
    expect(zero.WAPE).toBeNull();
    expect(zero.MAPE).toBeNull();
    expect(zero.MASE).toBeNull();
    expect(zero.RMSE).toBe(0);
  });

  it('scale MASE by the seasonal naive and key quantiles as written', () => {
    expect(maseScale(Float64Array.from([1, 2, 3, 5, 7, 9]), 3)).toBeCloseTo((4 + 5 + 6) / 3, 12);
    // Shorter than a season: lag 1.
    expect(maseScale(Float64Array.from([1, 4]), 7)).toBe(3);
    expect(quantileKey(0.1)).toBe('0.1');
    expect(quantileKey(0.05)).toBe('0.05');
    expect(quantileKey(0.1 + 0.2)).toBe('0.3');
  });

  it('average windows metric by metric', () => {
    const w1 = { averageWQL: 0.1, wQL: { '0.5': 0.2 }, WAPE: 0.2, RMSE: 3, MAPE: 0.1, MASE: null };
    const w2 = { averageWQL: 0.3, wQL: { '0.5': 0.4 }, WAPE: 0.4, RMSE: 5, MAPE: 0.3, MASE: 2 };
    const m = averageMetrics([w1, w2]);
    expect(m.averageWQL).toBeCloseTo(0.2, 12);
    expect(m.wQL['0.5']).toBeCloseTo(0.3, 12);
    expect(m.WAPE).toBeCloseTo(0.3, 12);
    expect(m.RMSE).toBeCloseTo(4, 12);
    // A window where a metric is undefined is left out of that metric's mean.
    expect(m.MASE).toBe(2);
  });
});
