import { describe, expect, it } from 'vitest';
// The contract's own type: a change to the budget's shape breaks this file's type-check.
import type { AutomlBudget } from '../../../src/contracts/index.js';
import { readBudget } from './automl-budget-model';

const spent: AutomlBudget = { featureEngineeringSeconds: 6, tuningSeconds: 81, finalizeEstimateSeconds: 18.4, finalizeSeconds: 15, totalSeconds: 102, finalizeDegraded: [] };

describe("the AutoML job page's Budget panel", () => {
  it('is absent on a job from before the budget was recorded', () => {
    expect(readBudget({ maxRuntimeSeconds: 120 })).toBeNull();
  });

  it('gives each phase its seconds and share of the budget, the estimate apart', () => {
    const b = readBudget({ maxRuntimeSeconds: 120, budget: spent })!;
    expect(b.rows.map((r) => [r.phase, r.seconds, r.share === null ? null : Math.round(r.share * 100)])).toEqual([
      ['Feature engineering', 6, 5],
      ['Tuning', 81, 68],
      ['Finalize (estimated)', 18.4, 15],
      ['Finalize', 15, 13],
      ['Total', 102, 85],
    ]);
    expect(b.rows.filter((r) => r.estimate).map((r) => r.phase)).toEqual(['Finalize (estimated)']);
    expect(b.overSeconds).toBeNull();
    expect(b.finalizeOverEstimate).toBe(false);
    expect(b.leftOut).toEqual([]);
  });

  it('a running job: phases not ended have no seconds, and the finalize has left nothing out yet', () => {
    const b = readBudget({ maxRuntimeSeconds: 120, budget: { featureEngineeringSeconds: 6 } })!;
    expect(b.rows.map((r) => r.seconds)).toEqual([6, null, null, null, null]);
    expect(b.rows.slice(1).every((r) => r.share === null)).toBe(true);
    expect(b.leftOut).toBeNull();
    expect(b.overSeconds).toBeNull();
  });

  it('says when the job ran over, the finalize took longer than expected, and what it left out', () => {
    const leftOut = ['scored the best 4 of 7 candidates (by their training metric)', "no ensemble: the budget's time ran out"];
    const b = readBudget({ maxRuntimeSeconds: 60, budget: { ...spent, tuningSeconds: 40, finalizeEstimateSeconds: 10, finalizeSeconds: 21.5, totalSeconds: 66.54, finalizeDegraded: leftOut } })!;
    expect(b.overSeconds).toBe(6.5);
    expect(b.finalizeOverEstimate).toBe(true);
    expect(b.leftOut).toEqual(leftOut);
  });
});
