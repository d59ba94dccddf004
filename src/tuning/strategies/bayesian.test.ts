import { describe, expect, it } from 'vitest';
import { initialDesignSize } from './bayesian.js';
import { BRANIN, HARTMANN6 } from './benchmark-functions.js';
import { createStrategy } from './index.js';
import type { TrialState } from './index.js';
import type { BenchmarkFunction } from './benchmark-functions.js';

function bestAfter(f: BenchmarkFunction, seed: number, n: number): number {
  const s = createStrategy('bayesian', { ranges: f.ranges, direction: 'minimize', seed, maxTrials: n });
  const trials: TrialState[] = [];
  for (let i = 0; i < n; i++) {
    const p = s.suggest(trials)!;
    trials.push({ id: i, params: p, status: 'completed', objective: f.evaluate(p), intermediate: [] });
  }
  return Math.min(...trials.map((t) => t.objective!)) - f.minimum;
}

describe('Bayesian optimisation', () => {
  it('sizes the initial design by the number of parameters and the budget', () => {
    expect(initialDesignSize(2, 100)).toBe(5);
    expect(initialDesignSize(6, 100)).toBe(9);
    expect(initialDesignSize(20, 100)).toBe(10);
    expect(initialDesignSize(6, 6)).toBe(3);
  });

  it('gets close to the minimum of Branin in 30 evaluations', () => {
    // Random search is typically ~1 away after 30 points, Optuna's TPE ~0.5.
    for (const seed of [0, 1]) expect(bestAfter(BRANIN, seed, 30)).toBeLessThan(0.05);
  });

  it('makes progress on the 6-dimensional Hartmann function', () => {
    expect(bestAfter(HARTMANN6, 0, 30)).toBeLessThan(1.5);
  });
});
