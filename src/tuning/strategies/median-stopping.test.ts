import { describe, expect, it } from 'vitest';
import { medianStoppingRule } from './index.js';
import type { TrialState } from './index.js';

function curve(id: number, values: number[], status: TrialState['status'] = 'completed'): TrialState {
  return {
    id,
    params: {},
    status,
    objective: status === 'completed' ? values[values.length - 1] : undefined,
    intermediate: values.map((value, i) => ({ step: i + 1, value })),
  };
}

describe('median stopping rule', () => {
  // Validation AUC over rounds: completed trials' running averages at step 4 are 0.7, 0.75 and 0.8.
  const completed = [curve(0, [0.6, 0.7, 0.75, 0.75, 0.8]), curve(1, [0.7, 0.75, 0.75, 0.8, 0.85]), curve(2, [0.75, 0.8, 0.8, 0.85, 0.9])];

  it('stops a trial whose best so far is below the median of running averages at its step', () => {
    const slow = curve(3, [0.6, 0.65, 0.68, 0.7], 'running');
    expect(medianStoppingRule(slow, [...completed, slow], 'maximize')).toBe(true);
    const good = curve(4, [0.6, 0.7, 0.74, 0.76], 'running');
    expect(medianStoppingRule(good, [...completed, good], 'maximize')).toBe(false);
  });

  it('uses the best value so far, not the latest', () => {
    const dip = curve(5, [0.6, 0.76, 0.7, 0.7], 'running');
    expect(medianStoppingRule(dip, [...completed, dip], 'maximize')).toBe(false);
  });

  it('mirrors for a minimised objective', () => {
    const loss = (t: TrialState) => ({ ...t, objective: t.objective === undefined ? undefined : -t.objective, intermediate: t.intermediate.map((p) => ({ ...p, value: -p.value })) });
    const slow = loss(curve(3, [0.6, 0.65, 0.68, 0.7], 'running'));
    expect(medianStoppingRule(slow, [...completed.map(loss), slow], 'minimize')).toBe(true);
  });

  it('waits for enough completed trials and enough reports', () => {
    const slow = curve(3, [0.1, 0.1, 0.1, 0.1], 'running');
    expect(medianStoppingRule(slow, [completed[0], completed[1], slow], 'maximize')).toBe(false);
    const early = curve(3, [0.1, 0.1], 'running');
    expect(medianStoppingRule(early, [...completed, early], 'maximize')).toBe(false);
    expect(medianStoppingRule(early, [...completed, early], 'maximize', { minReports: 2 })).toBe(true);
    expect(medianStoppingRule({ ...slow, status: 'completed' }, [...completed], 'maximize')).toBe(false);
  });
});
