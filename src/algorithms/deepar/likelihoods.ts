/**
 * DeepAR's output distributions: each maps the network's raw outputs at one step (and
 * the series' scale v) to its parameters, gives the negative log-likelihood of a value
 * with its gradient with respect to the raw outputs, and draws samples.
 *
 * Scaling follows Salinas et al. 2019 (§3.3): the network sees z / v; a Gaussian or
 * Student-t has μ = v·μ̃ and σ = v·σ̃; the negative binomial has μ = v·μ̃ and α = α̃ / √v.
 * Positive parameters go through softplus.
 */
import type { Random } from '../parallel/random.js';

/** SageMaker's `likelihood` values this implementation supports. */
export const LIKELIHOODS = ['student-T', 'gaussian', 'negative-binomial'] as const;
export type LikelihoodName = (typeof LIKELIHOODS)[number];

export interface Likelihood {
  name: LikelihoodName;
  /** Raw network outputs per step. */
  numParams: number;
  /** Only non-negative (count) targets are allowed. */
  nonNegative: boolean;
  /**
   * −log p(y | raw, v). Writes d(−log p)/d raw into `dRaw` at `at` (scaled by `weight`),
   * reading raw from `raw` at `at`.
   */
  nllGrad(raw: Float64Array, at: number, v: number, y: number, dRaw: Float64Array, weight: number): number;
  /** −log p(y | raw, v) alone. */
  nll(raw: Float64Array, at: number, v: number, y: number): number;
  sample(raw: Float64Array, at: number, v: number, rng: Random): number;
}

const LOG_SQRT_2PI = 0.5 * Math.log(2 * Math.PI);
const MIN_SCALE = 1e-6;

export function softplus(x: number): number {
  return x > 30 ? x : Math.log1p(Math.exp(x));
}

function sigmoid(x: number): number {
  return 1 / (1 + Math.exp(-x));
}

const LANCZOS = [
  0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059, 12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6,
  1.5056327351493116e-7,
];

/** log Γ(x) for x > 0 (Lanczos, g = 7, n = 9: about 15 significant digits). */
export function logGamma(x: number): number {
  if (x < 0.5) return Math.log(Math.PI / Math.abs(Math.sin(Math.PI * x))) - logGamma(1 - x);
  const xx = x - 1;
  let a = LANCZOS[0];
  const t = xx + 7.5;
  for (let i = 1; i < 9; i++) a += LANCZOS[i] / (xx + i);
  return LOG_SQRT_2PI + (xx + 0.5) * Math.log(t) - t + Math.log(a);
}

/** ψ(x) = d/dx log Γ(x) for x > 0: recurrence up to x ≥ 6, then the asymptotic series. */
export function digamma(x: number): number {
  let r = 0;
  while (x < 6) {
    r -= 1 / x;
    x += 1;
  }
  const f = 1 / (x * x);
  return r + Math.log(x) - 0.5 / x - f * (1 / 12 - f * (1 / 120 - f * (1 / 252 - f * (1 / 240 - f / 132))));
}

/** A Gamma(shape, 1) draw (Marsaglia & Tsang 2000; shape < 1 by Stuart's boost). */
export function sampleGamma(shape: number, rng: Random): number {
  if (shape < 1) {
    let u = rng.next();
    while (u === 0) u = rng.next();
    return sampleGamma(shape + 1, rng) * Math.pow(u, 1 / shape);
  }
  const d = shape - 1 / 3;
  const c = 1 / Math.sqrt(9 * d);
  for (;;) {
    let x: number;
    let v: number;
    do {
      x = rng.normal();
      v = 1 + c * x;
    } while (v <= 0);
    v = v * v * v;
    const u = rng.next();
    if (u < 1 - 0.0331 * x * x * x * x) return d * v;
    if (u > 0 && Math.log(u) < 0.5 * x * x + d * (1 - v + Math.log(v))) return d * v;
  }
}

/** A Poisson(λ) draw: Knuth's product method below 30, else the normal approximation, rounded. */
export function samplePoisson(lambda: number, rng: Random): number {
  if (!(lambda > 0)) return 0;
  if (lambda < 30) {
    const limit = Math.exp(-lambda);
    let k = 0;
    let p = rng.next();
    while (p > limit) {
      k++;
      p *= rng.next();
    }
    return k;
  }
  return Math.max(0, Math.round(lambda + Math.sqrt(lambda) * rng.normal()));
}

const gaussian: Likelihood = {
  name: 'gaussian',
  numParams: 2,
  nonNegative: false,
  nll(raw, at, v, y) {
    const mu = raw[at] * v;
    const sigma = (softplus(raw[at + 1]) + MIN_SCALE) * v;
    const r = (y - mu) / sigma;
    return LOG_SQRT_2PI + Math.log(sigma) + 0.5 * r * r;
  },
  nllGrad(raw, at, v, y, dRaw, weight) {
    const mu = raw[at] * v;
    const sigma = (softplus(raw[at + 1]) + MIN_SCALE) * v;
    const r = (y - mu) / sigma;
    const dMu = -r / sigma;
    const dSigma = (1 - r * r) / sigma;
    dRaw[at] += weight * dMu * v;
    dRaw[at + 1] += weight * dSigma * sigmoid(raw[at + 1]) * v;
    return LOG_SQRT_2PI + Math.log(sigma) + 0.5 * r * r;
  },
  sample(raw, at, v, rng) {
    return raw[at] * v + (softplus(raw[at + 1]) + MIN_SCALE) * v * rng.normal();
  },
};

/** Student-t with ν = 2 + softplus(raw) so the variance is finite. */
const studentT: Likelihood = {
  name: 'student-T',
  numParams: 3,
  nonNegative: false,
  nll(raw, at, v, y) {
    const mu = raw[at] * v;
    const sigma = (softplus(raw[at + 1]) + MIN_SCALE) * v;
    const nu = 2 + softplus(raw[at + 2]);
    const r = (y - mu) / sigma;
    const q = 1 + (r * r) / nu;
    return -(logGamma((nu + 1) / 2) - logGamma(nu / 2)) + 0.5 * Math.log(Math.PI * nu) + Math.log(sigma) + ((nu + 1) / 2) * Math.log(q);
  },
  nllGrad(raw, at, v, y, dRaw, weight) {
    const mu = raw[at] * v;
    const sigma = (softplus(raw[at + 1]) + MIN_SCALE) * v;
    const nu = 2 + softplus(raw[at + 2]);
    const r = (y - mu) / sigma;
    const q = 1 + (r * r) / nu;
    const dMu = -((nu + 1) * r) / (nu * q * sigma);
    const dSigma = 1 / sigma - ((nu + 1) * r * r) / (nu * q * sigma);
    const dNu = -0.5 * digamma((nu + 1) / 2) + 0.5 * digamma(nu / 2) + 0.5 / nu + 0.5 * Math.log(q) - ((nu + 1) * r * r) / (2 * nu * nu * q);
    dRaw[at] += weight * dMu * v;
    dRaw[at + 1] += weight * dSigma * sigmoid(raw[at + 1]) * v;
    dRaw[at + 2] += weight * dNu * sigmoid(raw[at + 2]);
    return -(logGamma((nu + 1) / 2) - logGamma(nu / 2)) + 0.5 * Math.log(Math.PI * nu) + Math.log(sigma) + ((nu + 1) / 2) * Math.log(q);
  },
  sample(raw, at, v, rng) {
    const mu = raw[at] * v;
    const sigma = (softplus(raw[at + 1]) + MIN_SCALE) * v;
    const nu = 2 + softplus(raw[at + 2]);
    // t = z / sqrt(χ²_ν / ν), χ²_ν = 2·Gamma(ν/2).
    const chi2 = 2 * sampleGamma(nu / 2, rng);
    return mu + (sigma * rng.normal()) / Math.sqrt(chi2 / nu);
  },
};

/**
 * Negative binomial in DeepAR's (μ, α) form: mean μ, variance μ + αμ²;
 * p(y) = Γ(y + 1/α) / (Γ(y + 1) Γ(1/α)) · (1 / (1 + αμ))^(1/α) · (αμ / (1 + αμ))^y.
 */
const negativeBinomial: Likelihood = {
  name: 'negative-binomial',
  numParams: 2,
  nonNegative: true,
  nll(raw, at, v, y) {
    const mu = (softplus(raw[at]) + MIN_SCALE) * v;
    const alpha = (softplus(raw[at + 1]) + MIN_SCALE) / Math.sqrt(v);
    return -nbLogPmf(y, mu, alpha);
  },
  nllGrad(raw, at, v, y, dRaw, weight) {
    const sv = Math.sqrt(v);
    const mu = (softplus(raw[at]) + MIN_SCALE) * v;
    const alpha = (softplus(raw[at + 1]) + MIN_SCALE) / sv;
    const r = 1 / alpha;
    const am = 1 + alpha * mu;
    const dLogMu = -(1 + y * alpha) / am + y / mu;
    const dLogAlpha = (-(digamma(y + r) - digamma(r)) + Math.log(am)) / (alpha * alpha) - mu / (alpha * am) + y / alpha - (y * mu) / am;
    dRaw[at] -= weight * dLogMu * sigmoid(raw[at]) * v;
    dRaw[at + 1] -= (weight * dLogAlpha * sigmoid(raw[at + 1])) / sv;
    return -nbLogPmf(y, mu, alpha);
  },
  sample(raw, at, v, rng) {
    const mu = (softplus(raw[at]) + MIN_SCALE) * v;
    const alpha = (softplus(raw[at + 1]) + MIN_SCALE) / Math.sqrt(v);
    // Gamma–Poisson mixture: λ ~ Gamma(1/α, scale αμ), y ~ Poisson(λ).
    return samplePoisson(sampleGamma(1 / alpha, rng) * alpha * mu, rng);
  },
};

/** log p(y) of the negative binomial with mean μ and shape α. */
export function nbLogPmf(y: number, mu: number, alpha: number): number {
  const r = 1 / alpha;
  return logGamma(y + r) - logGamma(y + 1) - logGamma(r) - r * Math.log1p(alpha * mu) + y * Math.log((alpha * mu) / (1 + alpha * mu));
}

const BY_NAME: Record<LikelihoodName, Likelihood> = { gaussian, 'student-T': studentT, 'negative-binomial': negativeBinomial };

export function likelihoodOf(name: LikelihoodName): Likelihood {
  return BY_NAME[name];
}
