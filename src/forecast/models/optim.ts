/**
 * Small numerical helpers shared by the forecasting models: a seeded random source,
 * sample quantiles, a symmetric positive-definite solve and Levenberg–Marquardt for
 * small nonlinear least squares. The problems here are tiny (at most a few dozen
 * unknowns), so plain loops over Float64Arrays beat pulling in a matrix library.
 */

/** A seeded uniform source in [0, 1) (mulberry32: 32-bit state, fast, good enough for sampling). */
export function seededRandom(seed = 0): () => number {
  let a = seed >>> 0 || 0x9e3779b9;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A standard normal draw (Box–Muller) from a uniform source. */
export function normalDraw(rand: () => number): number {
  let u = rand();
  while (u <= 1e-300) u = rand();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rand());
}

/** A Laplace(0, scale) draw from a uniform source. */
export function laplaceDraw(rand: () => number, scale: number): number {
  const u = rand() - 0.5;
  return -scale * Math.sign(u) * Math.log(Math.max(1e-300, 1 - 2 * Math.abs(u)));
}

/**
 * Quantiles and mean of sample paths: `paths[s][h]`. Quantiles interpolate linearly
 * between order statistics (Hyndman & Fan type 7, numpy's default).
 */
export function sampleSummary(paths: Float64Array[], horizon: number, levels: number[], nonNegative = false): { mean: Float64Array; quantiles: Float64Array[] } {
  const n = paths.length;
  const mean = new Float64Array(horizon);
  const quantiles = levels.map(() => new Float64Array(horizon));
  const column = new Float64Array(n);
  for (let h = 0; h < horizon; h++) {
    let sum = 0;
    for (let s = 0; s < n; s++) {
      column[s] = paths[s][h];
      sum += column[s];
    }
    mean[h] = nonNegative ? Math.max(0, sum / n) : sum / n;
    column.sort();
    levels.forEach((level, i) => {
      const pos = level * (n - 1);
      const lo = Math.floor(pos);
      const hi = Math.min(n - 1, lo + 1);
      const v = column[lo] + (pos - lo) * (column[hi] - column[lo]);
      quantiles[i][h] = nonNegative && v < 0 ? 0 : v;
    });
  }
  return { mean, quantiles };
}

/**
 * Solves `A x = b` for a symmetric positive semi-definite `A` (row-major, k × k) by
 * Cholesky, adding a small ridge when `A` is singular. Returns null only when even the
 * ridge fails (non-finite input).
 */
export function solveSpd(A: Float64Array, b: Float64Array, k: number): Float64Array | null {
  let trace = 0;
  for (let i = 0; i < k; i++) trace += Math.abs(A[i * k + i]);
  for (const ridge of [0, 1e-10, 1e-7, 1e-4]) {
    const L = choleskyWithRidge(A, k, (ridge * trace) / Math.max(1, k));
    if (!L) continue;
    const x = new Float64Array(k);
    for (let i = 0; i < k; i++) {
      let s = b[i];
      for (let j = 0; j < i; j++) s -= L[i * k + j] * x[j];
      x[i] = s / L[i * k + i];
    }
    for (let i = k - 1; i >= 0; i--) {
      let s = x[i];
      for (let j = i + 1; j < k; j++) s -= L[j * k + i] * x[j];
      x[i] = s / L[i * k + i];
    }
    if (x.every(Number.isFinite)) return x;
  }
  return null;
}

function choleskyWithRidge(A: Float64Array, k: number, ridge: number): Float64Array | null {
  const L = new Float64Array(k * k);
  for (let i = 0; i < k; i++) {
    for (let j = 0; j <= i; j++) {
      let s = A[i * k + j] + (i === j ? ridge : 0);
      for (let l = 0; l < j; l++) s -= L[i * k + l] * L[j * k + l];
      if (i === j) {
        if (!(s > 1e-300)) return null;
        L[i * k + i] = Math.sqrt(s);
      } else L[i * k + j] = s / L[j * k + j];
    }
  }
  return L;
}

export interface LeastSquaresResult {
  x: Float64Array;
  /** The final sum of squared residuals. */
  sse: number;
  iterations: number;
}

/**
 * Levenberg–Marquardt (Marquardt 1963, with Nielsen's damping update) for
 * `min Σ r(x)²`. `residuals(x, out)` fills `out` (length `m`) and may return false for
 * an inadmissible `x`. It stops when the residuals are nearly orthogonal to the
 * Jacobian's columns (`gradientTolerance`, a cosine), when a step gains less than
 * `tolerance` relative to the sum of squares, or after `maxIterations`. The Jacobian is taken by forward differences: each iteration
 * costs k + 1 residual passes, which for the few parameters of an ARMA model is cheaper
 * than a general-purpose minimiser's hundreds of evaluations.
 */
export function levenbergMarquardt(
  residuals: (x: Float64Array, out: Float64Array) => boolean,
  x0: Float64Array,
  m: number,
  options: { maxIterations?: number; tolerance?: number; gradientTolerance?: number } = {},
): LeastSquaresResult {
  const k = x0.length;
  const maxIterations = options.maxIterations ?? 50;
  const tol = options.tolerance ?? 1e-10;
  const gtol = options.gradientTolerance ?? 1e-3;
  let x = Float64Array.from(x0);
  let r = new Float64Array(m);
  if (!residuals(x, r)) return { x, sse: Infinity, iterations: 0 };
  let sse = sumSquares(r);
  if (k === 0) return { x, sse, iterations: 0 };
  const J = new Float64Array(m * k);
  let rStep = new Float64Array(m);
  const JtJ = new Float64Array(k * k);
  const Jtr = new Float64Array(k);
  let mu = -1;
  let nu = 2;
  let iterations = 0;
  for (; iterations < maxIterations; iterations++) {
    // Forward-difference Jacobian, column by column.
    const xs = Float64Array.from(x);
    for (let j = 0; j < k; j++) {
      const hStep = 1e-6 * Math.max(1, Math.abs(x[j]));
      xs[j] = x[j] + hStep;
      if (!residuals(xs, rStep)) {
        xs[j] = x[j] - hStep;
        residuals(xs, rStep);
        for (let i = 0; i < m; i++) J[i * k + j] = (r[i] - rStep[i]) / hStep;
      } else for (let i = 0; i < m; i++) J[i * k + j] = (rStep[i] - r[i]) / hStep;
      xs[j] = x[j];
    }
    JtJ.fill(0);
    Jtr.fill(0);
    for (let i = 0; i < m; i++) {
      const ri = r[i];
      const row = i * k;
      for (let a = 0; a < k; a++) {
        const ja = J[row + a];
        if (ja === 0) continue;
        Jtr[a] += ja * ri;
        for (let b = 0; b <= a; b++) JtJ[a * k + b] += ja * J[row + b];
      }
    }
    for (let a = 0; a < k; a++) for (let b = 0; b < a; b++) JtJ[b * k + a] = JtJ[a * k + b];
    // Converged when the residuals are nearly orthogonal to every Jacobian column
    // (MINPACK's gtol): no single direction can lower the sum of squares by more than
    // about sse·cos².
    let cosine = 0;
    for (let a = 0; a < k; a++) if (JtJ[a * k + a] > 0) cosine = Math.max(cosine, Math.abs(Jtr[a]) / Math.sqrt(JtJ[a * k + a] * sse));
    if (cosine <= gtol) break;
    if (mu < 0) {
      let maxDiag = 0;
      for (let a = 0; a < k; a++) maxDiag = Math.max(maxDiag, JtJ[a * k + a]);
      mu = 1e-3 * (maxDiag || 1);
    }
    let accepted = false;
    for (let attempt = 0; attempt < 12 && !accepted; attempt++) {
      const A = Float64Array.from(JtJ);
      for (let a = 0; a < k; a++) A[a * k + a] += mu;
      const g = Float64Array.from(Jtr, (v) => -v);
      const step = solveSpd(A, g, k);
      if (!step) break;
      const xNew = new Float64Array(k);
      for (let a = 0; a < k; a++) xNew[a] = x[a] + step[a];
      const ok = residuals(xNew, rStep);
      const sseNew = ok ? sumSquares(rStep) : Infinity;
      // Gain ratio: actual over predicted reduction.
      let predicted = 0;
      for (let a = 0; a < k; a++) predicted += step[a] * (mu * step[a] - Jtr[a]);
      const rho = (sse - sseNew) / Math.max(1e-300, predicted);
      if (ok && rho > 0) {
        const improvement = sse - sseNew;
        x = xNew;
        [r, rStep] = [rStep, r];
        sse = sseNew;
        mu *= Math.max(1 / 3, 1 - (2 * rho - 1) ** 3);
        nu = 2;
        accepted = true;
        if (improvement <= tol * (sse + tol)) return { x, sse, iterations: iterations + 1 };
      } else {
        mu *= nu;
        nu *= 2;
      }
    }
    if (!accepted) break;
  }
  return { x, sse, iterations };
}

function sumSquares(r: Float64Array): number {
  let s = 0;
  for (let i = 0; i < r.length; i++) s += r[i] * r[i];
  return s;
}
