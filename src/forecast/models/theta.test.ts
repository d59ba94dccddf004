import { describe, expect, it } from 'vitest';
import { normalDraw, seededRandom } from './optim.js';
import { autoTheta, fitTheta, seasonalIndices, thetaPoint } from './theta.js';

describe('Theta', () => {
  it('in its standard form is SES with half the regression slope as drift (the classic Theta method)', () => {
    const rand = seededRandom(2);
    const y = Float64Array.from({ length: 150 }, (_, t) => 20 + 0.4 * t + 3 * normalDraw(rand));
    const fit = fitTheta(y, 'STM');
    expect(fit.theta).toBe(2);
    const { alpha, initialLevel } = fit;
    const n = y.length;
    // Independently: SES of y from the fitted initial level, and the OLS line of y on t = 1..n.
    let level = initialLevel;
    for (let t = 0; t < n; t++) level = alpha * y[t] + (1 - alpha) * level;
    const tMean = (n + 1) / 2;
    const yMean = y.reduce((s, v) => s + v, 0) / n;
    let sxy = 0;
    let sxx = 0;
    for (let t = 0; t < n; t++) {
      sxy += (t + 1 - tMean) * (y[t] - yMean);
      sxx += (t + 1 - tMean) ** 2;
    }
    const B = sxy / sxx;
    const A = yMean - B * tMean;
    const f = thetaPoint(fit, 10);
    for (let h = 1; h <= 10; h++) {
      // Fiorucci et al. 2016, eq. (3) with θ = 2.
      const expected = level + 0.5 * ((1 - alpha) ** n * A + (h - 1 + (1 - (1 - alpha) ** (n + 1)) / alpha) * B);
      expect(f[h - 1]).toBeCloseTo(expected, 8);
    }
    expect(f[5] - f[4]).toBeCloseTo(B / 2, 9);
  });

  it('the optimised variants fit at least as well as the standard one', () => {
    const rand = seededRandom(8);
    const y = Float64Array.from({ length: 200 }, (_, t) => 100 + 0.8 * t + 5 * normalDraw(rand));
    const stm = fitTheta(y, 'STM');
    const otm = fitTheta(y, 'OTM');
    expect(otm.mse).toBeLessThanOrEqual(stm.mse * (1 + 1e-6));
    for (const v of ['DSTM', 'DOTM'] as const) expect(Number.isFinite(fitTheta(y, v).mse)).toBe(true);
  });

  it('deseasonalises a multiplicative weekly series and forecasts it closely', () => {
    const week = [1.2, 0.8, 1.0, 1.1, 0.9, 1.05, 0.95];
    const rand = seededRandom(4);
    const full = Float64Array.from({ length: 400 }, (_, t) => (200 + 0.5 * t) * week[t % 7] * (1 + 0.01 * normalDraw(rand)));
    const idx = seasonalIndices(full, 7, true);
    const mean = week.reduce((s, v) => s + v, 0) / 7;
    for (let j = 0; j < 7; j++) expect(idx[j]).toBeCloseTo(week[j] / mean, 2);
    const train = full.subarray(0, 372);
    const f = autoTheta(train, { horizon: 28, quantiles: [0.1, 0.5, 0.9], season: 7 });
    expect(f.spec).toContain('multiplicative season 7');
    let ape = 0;
    for (let h = 0; h < 28; h++) ape += Math.abs(f.mean[h] - full[372 + h]) / full[372 + h] / 28;
    expect(ape).toBeLessThan(0.03);
    for (let h = 0; h < 28; h++) expect(f.quantiles[0][h]).toBeLessThan(f.quantiles[2][h]);
  });

  it('answers short series without failing', () => {
    const f = autoTheta(Float64Array.from([3, 4]), { horizon: 2, quantiles: [0.5], season: 7 });
    expect(Array.from(f.mean)).toEqual([4, 4]);
  });
});
