/** Checks shared by the models' tests: short, gappy, constant and empty series. */
import { expect } from 'vitest';
import type { ForecastContext, LocalModel } from './types.js';

/** Every forecast is finite with the asked horizon, and a constant series forecasts its constant. */
export function expectSaneOnEdgeSeries(model: LocalModel): void {
  const c: ForecastContext = { horizon: 5, quantiles: [0.1, 0.5, 0.9], season: 7, seasons: [7, 365.25], stepMs: 86_400_000, seed: 1 };
  const cases = [[4, 5, 6], [NaN, 3, NaN, 4, 5, NaN, 6, 7, 8, 9, 10, NaN], Array(40).fill(7), [NaN, NaN], Array.from({ length: 60 }, (_, i) => (i % 9 === 0 ? NaN : 10 + (i % 7)))];
  for (const values of cases) {
    const f = model.forecast({ item: 'x', y: Float64Array.from(values), times: new Float64Array(0) }, c);
    expect(f.mean.length).toBe(5);
    for (const v of [...f.mean, ...f.quantiles.flatMap((q) => Array.from(q))]) expect(Number.isFinite(v)).toBe(true);
  }
  const flat = model.forecast({ item: 'x', y: Float64Array.from(Array(40).fill(7)), times: new Float64Array(0) }, c);
  for (const v of flat.mean) expect(v).toBeCloseTo(7, 6);
}
