import { describe, expect, it } from 'vitest';
import { logH, logNormalMass, normalCdf, normalLogCdf, normalPdf, normalQuantile, truncatedNormalInverse } from './normal.js';

describe('normal distribution', () => {
  it('matches reference values of Φ across the body and the tails', () => {
    // Reference values from R's pnorm.
    expect(normalCdf(0)).toBe(0.5);
    expect(normalCdf(-1)).toBeCloseTo(0.15865525393145707, 15);
    expect(normalCdf(1.96)).toBeCloseTo(0.9750021048517795, 15);
    expect(normalCdf(-3) / 0.0013498980316300946).toBeCloseTo(1, 12);
    expect(normalCdf(-10) / 7.619853024160527e-24).toBeCloseTo(1, 10);
    expect(normalLogCdf(-40)).toBeCloseTo(-804.6084420137538, 8);
    expect(normalCdf(2.999999) - normalCdf(3.000001)).toBeLessThan(0);
  });

  it('inverts Φ', () => {
    for (const p of [1e-12, 1e-6, 0.01, 0.02425, 0.3, 0.5, 0.77, 0.99, 1 - 1e-9]) {
      expect(normalCdf(normalQuantile(p)) / p).toBeCloseTo(1, 9);
    }
    expect(normalQuantile(0.975)).toBeCloseTo(1.959963984540054, 12);
    expect(normalQuantile(0)).toBe(-Infinity);
  });

  it('computes interval masses without cancellation in either tail', () => {
    expect(Math.exp(logNormalMass(-1, 1))).toBeCloseTo(0.6826894921370859, 14);
    expect(logNormalMass(8, 9)).toBeCloseTo(logNormalMass(-9, -8), 12);
    expect(Math.exp(logNormalMass(8, 9)) / (normalCdf(-8) - normalCdf(-9))).toBeCloseTo(1, 10);
  });

  it('draws truncated normals inside the interval with the right median', () => {
    expect(truncatedNormalInverse(0.5, -1, 1)).toBeCloseTo(0, 12);
    expect(truncatedNormalInverse(0.5, 5, 50)).toBeGreaterThan(5);
    expect(truncatedNormalInverse(0.999999, 5, 6)).toBeLessThanOrEqual(6);
    const m = truncatedNormalInverse(0.5, 0, Infinity);
    expect(normalCdf(m)).toBeCloseTo(0.75, 12);
  });

  it('log expected improvement is smooth where the closed form underflows', () => {
    const direct = (z: number) => Math.log(normalPdf(z) + z * normalCdf(z));
    for (const z of [-5, -2, 0, 1.5, 4]) expect(logH(z)).toBeCloseTo(direct(z), 9);
    // Continuous across the switch to the asymptotic series and monotone far below it.
    expect(Math.abs(logH(-6.0000001) - logH(-5.9999999))).toBeLessThan(1e-3);
    expect(logH(-40)).toBeLessThan(logH(-30));
    expect(Number.isFinite(logH(-200))).toBe(true);
  });
});
