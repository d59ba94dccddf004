import { describe, expect, it } from 'vitest';
import { createStrategy } from './index.js';
import type { TrialState } from './index.js';

describe('random search', () => {
  it('draws log-scaled parameters uniformly in log space, reproducibly by position', () => {
    const s = createStrategy('random', {
      ranges: [{ name: 'lr', type: 'continuous', min: 1e-4, max: 1, scaling: 'Logarithmic' }],
      direction: 'minimize',
      seed: 42,
      maxTrials: 1000,
    });
    const trials: TrialState[] = [];
    for (let i = 0; i < 400; i++) trials.push({ id: i, params: s.suggest(trials)!, status: 'running', intermediate: [] });
    const logs = trials.map((x) => Math.log10(x.params.lr as number)).sort((a, b) => a - b);
    // Quartiles of U(−4, 0).
    expect(logs[100]).toBeCloseTo(-3, 0);
    expect(logs[200]).toBeCloseTo(-2, 0);
    expect(logs[300]).toBeCloseTo(-1, 0);
    // The 101st point depends only on the seed and the position, not on earlier outcomes.
    const other = trials.slice(0, 100).map((x) => ({ ...x, status: 'completed' as const, objective: 1 }));
    expect(s.suggest(other)).toEqual(trials[100].params);
  });
});
