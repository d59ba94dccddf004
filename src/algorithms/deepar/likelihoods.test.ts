import { describe, expect, it } from 'vitest';
import { createRandom } from '../parallel/random.js';
import { digamma, likelihoodOf, logGamma, nbLogPmf, sampleGamma } from './likelihoods.js';

/** The raw output whose softplus is `y` (the inverse link). */
const invSoftplus = (y: number) => Math.log(Math.expm1(y));
/** Raw outputs giving exactly σ (the links add 1e-6 to keep scales positive). */
const rawSigma = (sigma: number) => invSoftplus(sigma - 1e-6);

describe('special functions', () => {
  it('log-gamma and digamma match known values', () => {
    expect(logGamma(0.5)).toBeCloseTo(0.5 * Math.log(Math.PI), 12); // Γ(1/2) = √π
    expect(logGamma(10)).toBeCloseTo(Math.log(362880), 10); // 9!
    expect(logGamma(1)).toBeCloseTo(0, 12);
    expect(digamma(1)).toBeCloseTo(-0.5772156649015329, 10); // −γ
    expect(digamma(0.5)).toBeCloseTo(-0.5772156649015329 - 2 * Math.log(2), 10);
    expect(digamma(10)).toBeCloseTo(2.251752589066721, 10);
  });
});

describe('log-densities against closed-form values', () => {
  it('gaussian: N(0, 1) at 0 and 1, and scaling by v', () => {
    const g = likelihoodOf('gaussian');
    const raw = Float64Array.of(0, rawSigma(1));
    expect(g.nll(raw, 0, 1, 0)).toBeCloseTo(0.5 * Math.log(2 * Math.PI), 9);
    expect(g.nll(raw, 0, 1, 1)).toBeCloseTo(0.5 * Math.log(2 * Math.PI) + 0.5, 9);
    // With scale v the density is N(0, v²): at y = v, −log p = log v + ½ log 2π + ½.
    const v = 5;
    const scaled = Float64Array.of(0, invSoftplus(1 - 1e-6));
    expect(g.nll(scaled, 0, v, v)).toBeCloseTo(Math.log(v) + 0.5 * Math.log(2 * Math.PI) + 0.5, 6);
  });

  it('student-T: t(ν = 3) at 0 and 1', () => {
    const t = likelihoodOf('student-T');
    const raw = Float64Array.of(0, rawSigma(1), invSoftplus(1)); // ν = 2 + 1
    // t₃ density: Γ(2) / (√(3π) Γ(3/2)) (1 + y²/3)^(−2).
    expect(Math.exp(-t.nll(raw, 0, 1, 0))).toBeCloseTo(0.3675525969478614, 8);
    expect(Math.exp(-t.nll(raw, 0, 1, 1))).toBeCloseTo(0.2067483357831720, 8);
  });

  it('negative-binomial: mean 2, α = 0.5 (r = 2, p = 1/2)', () => {
    expect(Math.exp(nbLogPmf(0, 2, 0.5))).toBeCloseTo(0.25, 12);
    expect(Math.exp(nbLogPmf(1, 2, 0.5))).toBeCloseTo(0.25, 12);
    expect(Math.exp(nbLogPmf(2, 2, 0.5))).toBeCloseTo(0.1875, 12);
    const nb = likelihoodOf('negative-binomial');
    const raw = Float64Array.of(invSoftplus(2 - 1e-6), invSoftplus(0.5 - 1e-6));
    expect(Math.exp(-nb.nll(raw, 0, 1, 2))).toBeCloseTo(0.1875, 8);
    // Probabilities sum to one.
    let total = 0;
    for (let y = 0; y < 200; y++) total += Math.exp(-nb.nll(raw, 0, 1, y));
    expect(total).toBeCloseTo(1, 8);
  });
});

describe('gradients of the negative log-likelihood', () => {
  for (const name of ['gaussian', 'student-T', 'negative-binomial'] as const) {
    it(`${name}: analytic against central differences`, () => {
      const lik = likelihoodOf(name);
      const rng = createRandom(3);
      for (let trial = 0; trial < 20; trial++) {
        const raw = Float64Array.from({ length: lik.numParams }, () => rng.normal());
        const v = 1 + 3 * rng.next();
        const y = name === 'negative-binomial' ? rng.int(12) : rng.normal() * 3;
        const d = new Float64Array(lik.numParams);
        lik.nllGrad(raw, 0, v, y, d, 1);
        for (let p = 0; p < lik.numParams; p++) {
          const eps = 1e-6;
          const up = raw.slice();
          up[p] += eps;
          const down = raw.slice();
          down[p] -= eps;
          const numeric = (lik.nll(up, 0, v, y) - lik.nll(down, 0, v, y)) / (2 * eps);
          expect(Math.abs(d[p] - numeric)).toBeLessThan(1e-6 * Math.max(1, Math.abs(numeric)));
        }
      }
    });
  }
});

describe('sampling', () => {
  it('draws with the distributions’ moments', () => {
    const rng = createRandom(11);
    const n = 40_000;
    const moments = (draw: () => number) => {
      let s = 0;
      let ss = 0;
      for (let i = 0; i < n; i++) {
        const x = draw();
        s += x;
        ss += x * x;
      }
      return { mean: s / n, variance: ss / n - (s / n) ** 2 };
    };
    const gamma = moments(() => sampleGamma(2.5, rng));
    expect(gamma.mean).toBeCloseTo(2.5, 1);
    expect(gamma.variance).toBeCloseTo(2.5, 0);
    // NB(μ = 2, α = 0.5): variance μ + αμ² = 4.
    const nb = likelihoodOf('negative-binomial');
    const rawNb = Float64Array.of(invSoftplus(2 - 1e-6), invSoftplus(0.5 - 1e-6));
    const m = moments(() => nb.sample(rawNb, 0, 1, rng));
    expect(m.mean).toBeCloseTo(2, 1);
    expect(Math.abs(m.variance - 4)).toBeLessThan(0.2);
    // t(ν = 5), location 1, scale 2: variance 4 · 5/3.
    const t = likelihoodOf('student-T');
    const rawT = Float64Array.of(1, rawSigma(2), invSoftplus(3));
    const mt = moments(() => t.sample(rawT, 0, 1, rng));
    expect(mt.mean).toBeCloseTo(1, 1);
    expect(Math.abs(mt.variance - 20 / 3) / (20 / 3)).toBeLessThan(0.1);
  });
});
