import { describe, expect, it } from 'vitest';
import { fitHyperparameters, GaussianProcess, marginalLikelihoodObjective } from './gaussian-process.js';
import { minimizeLbfgs } from './lbfgs.js';
import { cholesky, choleskyInverse, solveLower, solveUpperT } from './linalg.js';
import { RandomSource } from './random-source.js';

function randomSpd(n: number, rng: RandomSource): Float64Array {
  const b = Float64Array.from({ length: n * n }, () => rng.normal());
  const a = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) {
    let s = i === j ? n : 0;
    for (let k = 0; k < n; k++) s += b[i * n + k] * b[j * n + k];
    a[i * n + j] = s;
  }
  return a;
}

describe('linear algebra', () => {
  it('factors, solves and inverts a positive-definite matrix', () => {
    const n = 12;
    const a = randomSpd(n, new RandomSource(3));
    const l = cholesky(a, n)!;
    const inv = choleskyInverse(l, n);
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) {
      let s = 0;
      for (let k = 0; k < n; k++) s += a[i * n + k] * inv[k * n + j];
      expect(s).toBeCloseTo(i === j ? 1 : 0, 10);
    }
    const b = Float64Array.from({ length: n }, (_, i) => i - 3);
    const x = solveUpperT(l, n, solveLower(l, n, b, new Float64Array(n)), new Float64Array(n));
    for (let i = 0; i < n; i++) {
      let s = 0;
      for (let k = 0; k < n; k++) s += a[i * n + k] * x[k];
      expect(s).toBeCloseTo(b[i], 10);
    }
  });

  it('refuses a matrix that is not positive definite', () => {
    expect(cholesky(Float64Array.from([1, 2, 2, 1]), 2)).toBeNull();
  });
});

describe('L-BFGS', () => {
  it('finds the minimum of the Rosenbrock function', () => {
    const r = minimizeLbfgs(
      (x, g) => {
        g[0] = -2 * (1 - x[0]) - 400 * x[0] * (x[1] - x[0] * x[0]);
        g[1] = 200 * (x[1] - x[0] * x[0]);
        return (1 - x[0]) ** 2 + 100 * (x[1] - x[0] * x[0]) ** 2;
      },
      Float64Array.from([-1.2, 1]),
      { maxIterations: 200, gradientTolerance: 1e-8, relativeTolerance: 0 },
    );
    expect(r.x[0]).toBeCloseTo(1, 4);
    expect(r.x[1]).toBeCloseTo(1, 4);
  });
});

function sample(n: number, d: number, f: (x: Float64Array) => number, seed: number) {
  const rng = new RandomSource(seed);
  const x = Float64Array.from({ length: n * d }, () => rng.uniform());
  const y = Float64Array.from({ length: n }, (_, i) => f(x.subarray(i * d, (i + 1) * d)));
  return { x, y };
}

describe('Gaussian process', () => {
  it('has the gradient of its objective right (finite differences)', () => {
    const { x, y } = sample(15, 3, (p) => Math.sin(6 * p[0]) + p[1], 5);
    const fg = marginalLikelihoodObjective(x, 15, 3, y);
    const v = Float64Array.from([0.3, -0.5, 1.2, 0.1, -0.7]);
    const g = new Float64Array(5);
    fg(v, g);
    for (let i = 0; i < 5; i++) {
      const h = 1e-5;
      const vp = Float64Array.from(v);
      const vm = Float64Array.from(v);
      vp[i] += h;
      vm[i] -= h;
      const numeric = (fg(vp, new Float64Array(5)) - fg(vm, new Float64Array(5))) / (2 * h);
      expect(g[i]).toBeCloseTo(numeric, 5);
    }
  });

  it('learns long length scales for irrelevant inputs (ARD) and predicts held-out points', () => {
    const f = (p: ArrayLike<number>) => Math.sin(6 * p[0]) + 0.5 * Math.cos(4 * p[1]);
    const { x, y } = sample(40, 3, f, 11);
    const hyper = fitHyperparameters(x, 40, 3, y);
    expect(hyper.lengthScales[2]).toBeGreaterThan(2 * Math.max(hyper.lengthScales[0], hyper.lengthScales[1]));
    const gp = new GaussianProcess(x, 40, 3, y, hyper);
    const rng = new RandomSource(99);
    let sq = 0;
    let spread = 0;
    for (let i = 0; i < 50; i++) {
      const p = [rng.uniform(), rng.uniform(), rng.uniform()];
      sq += (gp.predict(p).mean - f(p)) ** 2;
      spread += f(p) ** 2;
    }
    expect(sq / spread).toBeLessThan(0.02);
    // Near-certain at a training point, uncertain far from the data.
    expect(gp.predict(x.subarray(0, 3)).variance).toBeLessThan(1e-3);
    expect(gp.predict([2, 2, 0.5]).variance).toBeGreaterThan(0.5 * hyper.signalVariance);
  });

  it('copes with repeated points', () => {
    const x = Float64Array.from([0.5, 0.5, 0.5, 0.5, 0.1, 0.9]);
    const y = Float64Array.from([1, 1, -1]);
    const gp = new GaussianProcess(x, 3, 2, y, { lengthScales: Float64Array.from([0.3, 0.3]), signalVariance: 1, noiseVariance: 1e-12 });
    expect(gp.predict([0.5, 0.5]).mean).toBeCloseTo(1, 3);
  });
});
