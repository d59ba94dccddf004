/**
 * A Gaussian process with a Matérn 5/2 kernel and one length scale per input axis
 * (ARD), zero mean on standardised targets and Gaussian noise (Rasmussen & Williams,
 * Gaussian Processes for Machine Learning, ch. 2 and 5). Hyperparameters are the
 * maximum a posteriori of the log marginal likelihood (eq. 5.8, gradient eq. 5.9)
 * under weak priors, found by L-BFGS from a few starts.
 */
import { cholesky, choleskyInverse, solveLower, solveUpperT } from './linalg.js';
import { minimizeLbfgs } from './lbfgs.js';

const SQRT5 = Math.sqrt(5);
const LOG_2PI = Math.log(2 * Math.PI);
const JITTER = 1e-9;

export interface GpHyperparameters {
  lengthScales: Float64Array;
  signalVariance: number;
  noiseVariance: number;
}

/** Bounds of the log hyperparameters: length scales, signal variance, noise variance (inputs live in [0, 1]). */
const LOG_LENGTH = [Math.log(0.01), Math.log(30)] as const;
const LOG_SIGNAL = [Math.log(0.05), Math.log(20)] as const;
const LOG_NOISE = [Math.log(1e-6), Math.log(0.5)] as const;

/**
 * Negative log priors and their derivatives in log space. Length scales: Gamma(3, 6)
 * (mean 0.5 on the unit cube, as BoTorch's SingleTaskGP used); signal variance:
 * log-normal around 1 (targets are standardised); noise: a wide log-normal around
 * 1e-3, so noise-free objectives can interpolate and noisy ones are smoothed.
 */
function negLogPrior(u: Float64Array, d: number, grad: Float64Array): number {
  let f = 0;
  for (let k = 0; k < d; k++) {
    const l = Math.exp(u[k]);
    f += -(3 * u[k] - 6 * l);
    grad[k] += -3 + 6 * l;
  }
  const s = u[d] / 1.5;
  f += 0.5 * s * s;
  grad[d] += s / 1.5;
  const z = (u[d + 1] - Math.log(1e-3)) / 3;
  f += 0.5 * z * z;
  grad[d + 1] += z / 3;
  return f;
}

function bounds(d: number, i: number): readonly [number, number] {
  return i < d ? LOG_LENGTH : i === d ? LOG_SIGNAL : LOG_NOISE;
}

/** Matérn 5/2 correlation at distance r. */
export function matern52(r: number): number {
  return (1 + SQRT5 * r + (5 / 3) * r * r) * Math.exp(-SQRT5 * r);
}

/**
 * MAP hyperparameters for inputs `x` (n×d row-major, in [0, 1]) and targets `y`
 * (standardised). The unconstrained parameters pass through a logistic map onto the
 * log bounds, so L-BFGS needs no box constraints.
 */
export function fitHyperparameters(x: Float64Array, n: number, d: number, y: Float64Array, starts?: GpHyperparameters[]): GpHyperparameters {
  const m = d + 2;
  const objective = marginalLikelihoodObjective(x, n, d, y);
  const toV = (h: GpHyperparameters): Float64Array => {
    const v = new Float64Array(m);
    const target = [...Array.from(h.lengthScales, Math.log), Math.log(h.signalVariance), Math.log(h.noiseVariance)];
    for (let i = 0; i < m; i++) {
      const [lo, hi] = bounds(d, i);
      const s = Math.min(1 - 1e-9, Math.max(1e-9, (target[i] - lo) / (hi - lo)));
      v[i] = Math.log(s / (1 - s));
    }
    return v;
  };
  const fromV = (v: Float64Array): GpHyperparameters => {
    const out = new Float64Array(m);
    for (let i = 0; i < m; i++) {
      const [lo, hi] = bounds(d, i);
      out[i] = Math.exp(lo + (hi - lo) / (1 + Math.exp(-v[i])));
    }
    return { lengthScales: out.slice(0, d), signalVariance: out[d], noiseVariance: out[d + 1] };
  };

  // A second start guards against a poor local optimum while the fit is cheap.
  const initial = starts ?? [
    { lengthScales: new Float64Array(d).fill(0.5), signalVariance: 1, noiseVariance: 1e-3 },
    ...(n <= 40 ? [{ lengthScales: new Float64Array(d).fill(0.15), signalVariance: 1, noiseVariance: 1e-4 }] : []),
  ];
  let best: { x: Float64Array; f: number } | null = null;
  for (const h of initial) {
    const r = minimizeLbfgs(objective, toV(h), { maxIterations: 40, gradientTolerance: 1e-4, relativeTolerance: 1e-8 });
    if (Number.isFinite(r.f) && (!best || r.f < best.f)) best = r;
  }
  return best ? fromV(best.x) : initial[0];
}

/**
 * The negative log posterior of the hyperparameters and its gradient, over
 * unconstrained parameters v (length d + 2: length scales, signal variance, noise
 * variance), each mapped by a logistic function onto its log bounds. NaN when the
 * covariance matrix is not positive definite.
 */
export function marginalLikelihoodObjective(x: Float64Array, n: number, d: number, y: Float64Array): (v: Float64Array, gv: Float64Array) => number {
  const pairs = (n * (n - 1)) / 2;
  const d2 = new Float64Array(pairs * d);
  for (let i = 0, p = 0; i < n; i++) {
    for (let j = 0; j < i; j++, p++) {
      for (let k = 0; k < d; k++) {
        const diff = x[i * d + k] - x[j * d + k];
        d2[p * d + k] = diff * diff;
      }
    }
  }
  const m = d + 2;
  const u = new Float64Array(m);
  const gu = new Float64Array(m);
  const invL2 = new Float64Array(d);
  const kmat = new Float64Array(n * n);
  const cpair = new Float64Array(pairs);
  const alpha = new Float64Array(n);
  const tmp = new Float64Array(n);
  const lbuf = new Float64Array(n * n);
  const kinv = new Float64Array(n * n);
  const scratch = new Float64Array(n * n);

  const objective = (v: Float64Array, gv: Float64Array): number => {
    for (let i = 0; i < m; i++) {
      const [lo, hi] = bounds(d, i);
      u[i] = lo + (hi - lo) / (1 + Math.exp(-v[i]));
    }
    for (let k = 0; k < d; k++) invL2[k] = Math.exp(-2 * u[k]);
    const sf2 = Math.exp(u[d]);
    const sn2 = Math.exp(u[d + 1]);
    for (let i = 0, p = 0; i < n; i++) {
      kmat[i * n + i] = sf2 + sn2 + JITTER;
      for (let j = 0; j < i; j++, p++) {
        let r2 = 0;
        for (let k = 0; k < d; k++) r2 += d2[p * d + k] * invL2[k];
        const r = Math.sqrt(r2);
        const e = Math.exp(-SQRT5 * r);
        const kv = sf2 * (1 + SQRT5 * r + (5 / 3) * r2) * e;
        kmat[i * n + j] = kv;
        kmat[j * n + i] = kv;
        cpair[p] = (5 / 3) * sf2 * (1 + SQRT5 * r) * e;
      }
    }
    const l = cholesky(kmat, n, lbuf);
    if (!l) return NaN;
    solveLower(l, n, y, tmp);
    solveUpperT(l, n, tmp, alpha);
    let f = 0.5 * n * LOG_2PI;
    for (let i = 0; i < n; i++) f += 0.5 * y[i] * alpha[i] + Math.log(l[i * n + i]);
    choleskyInverse(l, n, kinv, scratch);
    // ∂f/∂θ = ½·tr(W·∂K/∂θ) with W = K⁻¹ − ααᵀ.
    gu.fill(0);
    let trW = 0;
    let wkf = 0;
    for (let i = 0, p = 0; i < n; i++) {
      trW += kinv[i * n + i] - alpha[i] * alpha[i];
      for (let j = 0; j < i; j++, p++) {
        const w = kinv[i * n + j] - alpha[i] * alpha[j];
        wkf += w * kmat[i * n + j];
        const wc = w * cpair[p];
        // ∂k/∂log ℓ_k = (5/3)·σ²·(1 + √5 r)·e^{−√5 r}·Δ²/ℓ²; the pair counts twice, the ½ cancels.
        for (let k = 0; k < d; k++) gu[k] += wc * d2[p * d + k];
      }
    }
    for (let k = 0; k < d; k++) gu[k] *= invL2[k];
    gu[d] = 0.5 * (trW * sf2 + 2 * wkf);
    gu[d + 1] = 0.5 * trW * sn2;
    f += negLogPrior(u, d, gu);
    for (let i = 0; i < m; i++) {
      const [lo, hi] = bounds(d, i);
      const s = (u[i] - lo) / (hi - lo);
      gv[i] = gu[i] * (hi - lo) * s * (1 - s);
    }
    return f;
  };

  return objective;
}

/** The posterior of a GP with fixed hyperparameters. */
export class GaussianProcess {
  readonly n: number;
  readonly d: number;
  readonly x: Float64Array;
  readonly hyper: GpHyperparameters;
  private readonly l: Float64Array;
  private readonly alpha: Float64Array;
  private readonly invL2: Float64Array;
  private readonly kstar: Float64Array;
  private readonly v: Float64Array;

  constructor(x: Float64Array, n: number, d: number, y: Float64Array, hyper: GpHyperparameters) {
    this.n = n;
    this.d = d;
    this.x = x;
    this.hyper = hyper;
    this.invL2 = Float64Array.from(hyper.lengthScales, (l) => 1 / (l * l));
    const k = new Float64Array(n * n);
    const sf2 = hyper.signalVariance;
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < i; j++) {
        const kv = sf2 * matern52(this.distance(x, i * d, x, j * d));
        k[i * n + j] = kv;
        k[j * n + i] = kv;
      }
    }
    // Add jitter until the factor exists (duplicated points with tiny noise).
    let l: Float64Array | null = null;
    for (let jitter = JITTER; !l; jitter *= 10) {
      for (let i = 0; i < n; i++) k[i * n + i] = sf2 + hyper.noiseVariance + jitter;
      l = cholesky(k, n);
      if (jitter > sf2) throw new Error('covariance matrix is not positive definite');
    }
    this.l = l;
    const tmp = new Float64Array(n);
    solveLower(l, n, y, tmp);
    this.alpha = solveUpperT(l, n, tmp, new Float64Array(n));
    this.kstar = new Float64Array(n);
    this.v = new Float64Array(n);
  }

  private distance(a: Float64Array, ai: number, b: ArrayLike<number>, bi: number): number {
    let r2 = 0;
    for (let k = 0; k < this.d; k++) {
      const diff = a[ai + k] - b[bi + k];
      r2 += diff * diff * this.invL2[k];
    }
    return Math.sqrt(r2);
  }

  /** Posterior mean and variance of the latent function at `point` (length d). */
  predict(point: ArrayLike<number>, at = 0): { mean: number; variance: number } {
    const { n, d, kstar, v } = this;
    const sf2 = this.hyper.signalVariance;
    let mean = 0;
    for (let i = 0; i < n; i++) {
      let r2 = 0;
      const xi = i * d;
      for (let k = 0; k < d; k++) {
        const diff = this.x[xi + k] - point[at + k];
        r2 += diff * diff * this.invL2[k];
      }
      const r = Math.sqrt(r2);
      kstar[i] = sf2 * (1 + SQRT5 * r + (5 / 3) * r2) * Math.exp(-SQRT5 * r);
      mean += kstar[i] * this.alpha[i];
    }
    solveLower(this.l, n, kstar, v);
    let vv = 0;
    for (let i = 0; i < n; i++) vv += v[i] * v[i];
    return { mean, variance: Math.max(1e-12, sf2 - vv) };
  }
}
