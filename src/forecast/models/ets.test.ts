import { describe, expect, it } from 'vitest';
import { normalQuantile } from './distributions.js';
import { autoEts, candidateSpecs, etsForecast, fitEts, hasSeason, likelihoodPair, nelderMead, type EtsFit } from './ets.js';
import { seasonalNaive } from './naive.js';
import { normalDraw, seededRandom } from './optim.js';

/** ETS(A,N,N) / (A,A,A) simulated by its state equations. */
function simulateAAA(n: number, o: { alpha: number; beta: number; gamma: number; sigma: number; m: number; l0: number; b0: number; season: number[] }, seed: number): Float64Array {
  const rand = seededRandom(seed);
  const y = new Float64Array(n);
  let l = o.l0;
  let b = o.b0;
  const s = [...o.season];
  for (let t = 0; t < n; t++) {
    const e = o.sigma * normalDraw(rand);
    const j = t % o.m;
    y[t] = l + b + s[j] + e;
    const lNew = l + b + o.alpha * e;
    b = b + o.beta * e;
    s[j] = s[j] + o.gamma * e;
    l = lNew;
  }
  return y;
}

const mape = (actual: Float64Array, f: Float64Array): number => actual.reduce((acc, v, i) => acc + Math.abs(v - f[i]) / Math.abs(v), 0) / actual.length;

describe('ETS', () => {
  it('the fast likelihood loop agrees with the general filter', () => {
    const rand = seededRandom(3);
    const y = Float64Array.from({ length: 120 }, (_, t) => 50 + 0.2 * t + 8 * Math.sin((2 * Math.PI * t) / 7) + 3 * normalDraw(rand));
    y[17] = NaN;
    const seasonalA = Float64Array.from([1, -2, 3, 0, -1, 2, -3]);
    const seasonalM = Float64Array.from([1.02, 0.96, 1.06, 1, 0.98, 1.04, 0.94]);
    for (const [e, t, s] of [['A', 'N', 'N'], ['A', 'A', 'A'], ['A', 'Ad', 'A'], ['M', 'N', 'M'], ['M', 'Ad', 'M'], ['M', 'A', 'A'], ['M', 'A', 'N']] as const) {
      const [fast, general] = likelihoodPair(y, { error: e, trend: t, season: s }, 7, { alpha: 0.3, beta: 0.05, gamma: 0.1, phi: 0.9, l0: 50, b0: 0.1, seasonal: s === 'M' ? seasonalM : seasonalA });
      expect(Number.isFinite(fast)).toBe(true);
      expect(fast).toBeCloseTo(general, 6);
    }
  });

  it('recovers the smoothing parameter of a simulated ETS(A,N,N)', () => {
    const y = simulateAAA(3000, { alpha: 0.3, beta: 0, gamma: 0, sigma: 1, m: 1, l0: 100, b0: 0, season: [0] }, 11);
    const fit = fitEts(y, 1, { error: 'A', trend: 'N', season: 'N' }, { maxEvals: 1000 })!;
    expect(fit.alpha).toBeGreaterThan(0.25);
    expect(fit.alpha).toBeLessThan(0.35);
    expect(Math.sqrt(fit.sigma2)).toBeCloseTo(1, 1);
  });

  it('selects an additive seasonal model on a simulated ETS(A,A,A) and beats seasonal naive', () => {
    const season = [6, -4, 2, 0, -3, 5, -6];
    const y = simulateAAA(700, { alpha: 0.2, beta: 0.01, gamma: 0.05, sigma: 1, m: 7, l0: 100, b0: 0.05, season }, 5);
    const train = y.subarray(0, 672);
    const test = y.subarray(672);
    const fit = autoEts(train, 7)!;
    expect(fit.spec.season).toBe('A');
    expect(fit.spec.trend).not.toBe('N');
    const f = etsForecast(fit, { horizon: 28, quantiles: [0.5] });
    const sn = seasonalNaive.kind === 'local' ? seasonalNaive.forecast({ item: 'x', y: train, times: new Float64Array(0) }, { horizon: 28, quantiles: [0.5], season: 7, seasons: [7], stepMs: 1 }) : undefined;
    expect(mape(test, f.mean)).toBeLessThan(mape(test, sn!.mean));
  });

  it('offers no seasonal or multiplicative model where a cheap test rules them out', () => {
    const rand = seededRandom(9);
    const flat = Float64Array.from({ length: 200 }, () => 10 + normalDraw(rand));
    expect(hasSeason(flat, 7)).toBe(false);
    expect(candidateSpecs(flat, 7).every((s) => s.season === 'N')).toBe(true);
    const signed = Float64Array.from(flat, (v, t) => v - (t === 5 ? 100 : 0));
    expect(candidateSpecs(signed, 7).every((s) => s.error === 'A')).toBe(true);
    expect(candidateSpecs(flat, 7, { model: 'MAdM' })).toEqual([{ error: 'M', trend: 'Ad', season: 'M' }]);
    expect(() => candidateSpecs(flat, 7, { model: 'XYZ' })).toThrow(RangeError);
  });

  it('tries multiplicative errors only when additive errors grow with the level', () => {
    const rand = seededRandom(12);
    // A straight line from 10 to 810 with 5 % multiplicative noise, and the same line with constant noise.
    const level = Float64Array.from({ length: 400 }, (_, t) => 10 + 2 * t);
    const mult = level.map((l) => l * (1 + 0.05 * normalDraw(rand)));
    const add = level.map((l) => l + 5 * normalDraw(rand));
    const spec = { error: 'A', trend: 'A', season: 'N' } as const;
    expect(fitEts(mult, 1, spec)!.scaleTest).toBeGreaterThan(1.645);
    expect(fitEts(add, 1, spec)!.scaleTest).toBeLessThan(1.645);
    expect(autoEts(mult, 1)!.spec.error).toBe('M');
    expect(autoEts(add, 1)!.spec.error).toBe('A');
  });

  it('gives analytic intervals for the linear class and simulated ones otherwise', () => {
    const base: EtsFit = { spec: { error: 'A', trend: 'N', season: 'N' }, m: 1, alpha: 0.5, beta: 0, gamma: 0, phi: 1, level: 10, slope: 0, seasonal: new Float64Array(1), phase: 0, sigma2: 4, lik: 0, aicc: 0, np: 2, n: 100, scaleTest: 0 };
    const f = etsForecast(base, { horizon: 3, quantiles: [0.1, 0.9] });
    // Var_h = σ²(1 + (h − 1)α²) for ETS(A,N,N) (HKOS 2008, Table 6.1).
    expect(f.quantiles[1][2] - 10).toBeCloseTo(normalQuantile(0.9) * 2 * Math.sqrt(1 + 2 * 0.25), 9);
    expect(f.quantiles[0][0] - 10).toBeCloseTo(normalQuantile(0.1) * 2, 9);
    // ETS(M,N,N) one step ahead: y = ℓ(1 + ε), ε ~ N(0, 0.1²): the 10 % quantile is near 100·(1 − 0.128).
    const m = etsForecast({ ...base, spec: { error: 'M', trend: 'N', season: 'N' }, level: 100, sigma2: 0.01 }, { horizon: 1, quantiles: [0.1, 0.9], seed: 4 });
    expect(m.quantiles[0][0]).toBeGreaterThan(85.5);
    expect(m.quantiles[0][0]).toBeLessThan(89);
    expect(m.quantiles[1][0]).toBeGreaterThan(111);
    expect(m.quantiles[1][0]).toBeLessThan(114.5);
  });

  it('Nelder–Mead finds the minimum of a bounded quadratic and respects the box', () => {
    const f = (x: Float64Array): number => (x[0] - 0.3) ** 2 + 10 * (x[1] + 2) ** 2;
    const r = nelderMead(f, Float64Array.from([0, 0]), Float64Array.from([0.5, 0.5]), Float64Array.from([-1, -1]), Float64Array.from([1, 1]), { maxEvals: 500, fTol: 1e-12 });
    expect(r.x[0]).toBeCloseTo(0.3, 3);
    // The unconstrained minimum (−2) is outside: the answer sits on the bound.
    expect(r.x[1]).toBeCloseTo(-1, 6);
  });
});
