import { describe, expect, it } from 'vitest';
import { deeparPlus, loadDeepArPlus, timeFreqOf } from './deepar.js';
import type { ForecastContext, SeriesData } from './types.js';

const DAY = 86_400_000;

function series(count: number, length: number, horizon: number): SeriesData[] {
  return Array.from({ length: count }, (_, i) => {
    const start = Date.UTC(2022, 0, 3);
    const y = Float64Array.from({ length }, (_, t) => 10 + i + 3 * Math.sin((2 * Math.PI * t) / 7) + ((t * 7919 + i * 104729) % 13) / 13);
    const times = Float64Array.from({ length: length + horizon }, (_, t) => start + t * DAY);
    const related = [Float64Array.from({ length: length + horizon }, (_, t) => (t % 7 === 5 ? 1 : 0))];
    return { item: `item_${i}`, y, times, related, cat: [i % 2] };
  });
}

describe('DeepAR+ as a forecast global model', () => {
  it('trains across series, forecasts quantiles in order, and reopens from its saved bytes', async () => {
    const ctx: ForecastContext = { horizon: 7, quantiles: [0.1, 0.5, 0.9], season: 7, seasons: [7], stepMs: DAY, seed: 4, nonNegative: true };
    const data = series(6, 60, 7);
    const progress: number[] = [];
    const model = await deeparPlus({ epochs: 3, num_cells: 8, num_layers: 1 }).train(data, ctx, (p) => progress.push(p.epoch));
    expect(progress).toEqual([1, 2, 3]);
    const f = model.forecast(data[0], ctx);
    expect(f.mean).toHaveLength(7);
    expect(f.quantiles).toHaveLength(3);
    for (let k = 0; k < 7; k++) {
      expect(f.quantiles[0][k]).toBeLessThanOrEqual(f.quantiles[1][k]);
      expect(f.quantiles[1][k]).toBeLessThanOrEqual(f.quantiles[2][k]);
      expect(f.quantiles[0][k]).toBeGreaterThanOrEqual(0);
    }
    const again = loadDeepArPlus(model.save()).forecast(data[0], ctx);
    expect(Array.from(again.mean)).toEqual(Array.from(f.mean));
    expect(() => model.forecast(data[0], { ...ctx, horizon: 14 })).toThrow(/forecasts 7 steps/);
    expect(() => loadDeepArPlus(new TextEncoder().encode('{"format":"other"}'))).toThrow(expect.objectContaining({ code: 'ORCH_MODEL_INVALID' }));
  });

  it('names the time frequency of a grid step', () => {
    expect([DAY, 7 * DAY, 3_600_000, 300_000, 30.4 * DAY, 2 * DAY].map(timeFreqOf)).toEqual(['D', 'W', 'H', '5min', 'M', '2D']);
  });
});
