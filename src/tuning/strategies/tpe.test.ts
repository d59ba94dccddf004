import { describe, expect, it } from 'vitest';
import { ParzenEstimator, observationWeights } from './parzen-estimator.js';
import { RandomSource } from './random-source.js';
import { SearchSpace } from './search-space.js';
import { tpeGamma } from './tpe.js';

const space = new SearchSpace([
  { name: 'x', type: 'continuous', min: 0, max: 10, scaling: 'Linear' },
  { name: 'n', type: 'integer', min: 1, max: 100, scaling: 'Logarithmic' },
  { name: 'c', type: 'categorical', values: ['a', 'b', 'c'] },
]);
const points = [
  [0.1, 0.2, 0.1],
  [0.15, 0.5, 0.1],
  [0.8, 0.9, 0.5],
].map((p) => space.snap(Float64Array.from(p)));

describe('TPE pieces as Optuna defines them', () => {
  it('splits off the best γ(n) = min(⌈n/10⌉, 25) and ramps down old observations past 25', () => {
    expect([1, 10, 11, 100, 251, 1000].map(tpeGamma)).toEqual([1, 1, 2, 10, 25, 25]);
    expect(Array.from(observationWeights(3))).toEqual([1, 1, 1]);
    const w = observationWeights(30);
    expect(w[0]).toBeCloseTo(1 / 30, 12);
    expect(w[4]).toBeCloseTo(1, 12);
    expect(Array.from(w.subarray(5))).toEqual(new Array(25).fill(1));
  });

  it('is a proper density on the continuous axis and a distribution on integer and categorical ones', () => {
    const px = new ParzenEstimator(space, [0], points);
    let mass = 0;
    const steps = 4000;
    for (let i = 0; i < steps; i++) mass += Math.exp(px.logPdf([Float64Array.from([(i + 0.5) / steps, 0, 0])])[0]) / steps;
    expect(mass).toBeCloseTo(1, 3);
    const pn = new ParzenEstimator(space, [1], points);
    let total = 0;
    for (let v = 1; v <= 100; v++) total += Math.exp(pn.logPdf([Float64Array.from([0, space.unitOf(1, v), 0])])[0]);
    expect(total).toBeCloseTo(1, 9);
    const pc = new ParzenEstimator(space, [2], points);
    const probs = ['a', 'b', 'c'].map((c) => Math.exp(pc.logPdf([Float64Array.from([0, 0, space.unitOf(2, c)])])[0]));
    expect(probs.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
    // Two of three observations chose 'a': prior 1/(n+1) spread over values, then normalised per kernel.
    expect(probs[0]).toBeGreaterThan(probs[1]);
    expect(probs[1]).toBeGreaterThan(probs[2] - 1e-12);
  });

  it('samples near the observations, within the range', () => {
    const pe = new ParzenEstimator(space, [0, 1, 2], points);
    const draws = pe.sample(new RandomSource(3), 2000);
    const near = draws.filter((u) => u[0] < 0.3).length / draws.length;
    // Two of four kernels (three points and the wide prior) sit at x ≈ 1–1.5.
    expect(near).toBeGreaterThan(0.4);
    expect(draws.every((u) => u[0] >= 0 && u[0] <= 1)).toBe(true);
    expect(draws.every((u) => Number.isInteger(space.valueAt(1, u[1])))).toBe(true);
  });
});
