import { describe, expect, it } from 'vitest';
import { createStrategy } from './index.js';
import type { ParamValues, TrialState } from './index.js';

const ranges = [
  { name: 'booster', type: 'categorical' as const, values: ['gbtree', 'dart'] },
  { name: 'depth', type: 'integer' as const, min: 3, max: 5, scaling: 'Linear' as const },
];
const t = (id: number, params: ParamValues, status: TrialState['status'] = 'completed'): TrialState => ({
  id,
  params,
  status,
  objective: status === 'completed' ? id : undefined,
  intermediate: [],
});

describe('grid search', () => {
  it('walks every combination in order, the first parameter slowest, then stops', () => {
    const s = createStrategy('grid', { ranges, direction: 'maximize', seed: 0, maxTrials: 100 });
    const trials: TrialState[] = [];
    for (let p = s.suggest(trials); p; p = s.suggest(trials)) trials.push(t(trials.length, p, trials.length === 2 ? 'failed' : 'completed'));
    expect(trials.map((x) => `${x.params.booster}/${x.params.depth}`)).toEqual([
      'gbtree/3', 'gbtree/4', 'gbtree/5', 'dart/3', 'dart/4', 'dart/5',
    ]);
    expect(s.suggest(trials)).toBeNull();
  });

  it('fills gaps and skips what a running trial or a warm-start parent already covers', () => {
    const parent = [t(0, { booster: 'gbtree', depth: 3 })];
    const s = createStrategy('grid', { ranges, direction: 'maximize', seed: 0, maxTrials: 100, warmStart: parent });
    expect(s.suggest([])).toEqual({ booster: 'gbtree', depth: 4 });
    expect(s.suggest([t(0, { booster: 'gbtree', depth: 4 }, 'running'), t(1, { booster: 'dart', depth: 3 })])).toEqual({ booster: 'gbtree', depth: 5 });
  });
});
