/**
 * What every strategy promises, run against each of them: valid and reproducible
 * points, pending and failed trials respected, warm starts used, finite spaces exhausted.
 */
import { describe, expect, it } from 'vitest';
import { OrchardError } from '../../core/errors.js';
import { BRANIN } from './benchmark-functions.js';
import { createStrategy } from './index.js';
import type { ParameterRange, ParamValues, Strategy, StrategyName, TrialState } from './index.js';

const MIXED: ParameterRange[] = [
  { name: 'eta', type: 'continuous', min: 0.001, max: 0.5, scaling: 'Logarithmic' },
  { name: 'momentum', type: 'continuous', min: 0.5, max: 0.99, scaling: 'ReverseLogarithmic' },
  { name: 'depth', type: 'integer', min: 2, max: 10, scaling: 'Linear' },
  { name: 'booster', type: 'categorical', values: ['gbtree', 'dart', 'gblinear'] },
];
/** Best at eta = 0.05, momentum = 0.9, depth = 6, booster = dart. */
function mixedObjective(p: ParamValues): number {
  const e = Math.log10(p.eta as number) - Math.log10(0.05);
  const m = Math.log10(1 - (p.momentum as number)) - Math.log10(0.1);
  const d = ((p.depth as number) - 6) / 4;
  return e * e + m * m + d * d + (p.booster === 'dart' ? 0 : 0.5);
}
const DISCRETE: ParameterRange[] = [
  { name: 'depth', type: 'integer', min: 1, max: 3, scaling: 'Linear' },
  { name: 'booster', type: 'categorical', values: ['a', 'b'] },
];

function trial(id: number, params: ParamValues, objective: number | undefined, status: TrialState['status'] = 'completed'): TrialState {
  return { id, params, status, objective, intermediate: [] };
}

function run(strategy: Strategy, n: number, f: (p: ParamValues) => number): TrialState[] {
  const trials: TrialState[] = [];
  for (let i = 0; i < n; i++) {
    const p = strategy.suggest(trials);
    if (!p) break;
    trials.push(trial(i, p, f(p)));
  }
  return trials;
}

function checkValid(p: ParamValues): void {
  expect(Object.keys(p)).toEqual(['eta', 'momentum', 'depth', 'booster']);
  expect(p.eta).toBeGreaterThanOrEqual(0.001);
  expect(p.eta).toBeLessThanOrEqual(0.5);
  expect(p.momentum).toBeGreaterThanOrEqual(0.5);
  expect(p.momentum).toBeLessThanOrEqual(0.99);
  expect(Number.isInteger(p.depth) && (p.depth as number) >= 2 && (p.depth as number) <= 10).toBe(true);
  expect(['gbtree', 'dart', 'gblinear']).toContain(p.booster);
}

const MODELS: StrategyName[] = ['bayesian', 'tpe', 'random', 'hyperband'];

describe.each(MODELS)('%s strategy', (name) => {
  const make = (seed: number, extra: Partial<Parameters<typeof createStrategy>[1]> = {}) =>
    createStrategy(name, { ranges: MIXED, direction: 'minimize', seed, maxTrials: 40, ...extra });

  it('suggests valid points, the same ones for the same seed and other ones for another seed', () => {
    const a = run(make(7), 14, mixedObjective);
    const b = run(make(7), 14, mixedObjective);
    const c = run(make(8), 14, mixedObjective);
    a.forEach((t) => checkValid(t.params));
    expect(b.map((t) => t.params)).toEqual(a.map((t) => t.params));
    expect(c.map((t) => t.params)).not.toEqual(a.map((t) => t.params));
    // A fresh instance asked mid-way gives the same next point: the choice depends on the trials only.
    expect(make(7).suggest(a.slice(0, 13))).toEqual(a[13].params);
  });

  it('does not repeat running, finished or failed points of a finite space, and ends when all are tried', () => {
    const s = createStrategy(name, { ranges: DISCRETE, direction: 'maximize', seed: 1, maxTrials: 10 });
    const trials: TrialState[] = [];
    for (let i = 0; i < 6; i++) {
      const p = s.suggest(trials);
      expect(p).not.toBeNull();
      const status = i === 1 ? 'failed' : i === 2 ? 'running' : 'completed';
      trials.push(trial(i, p!, status === 'completed' ? (p!.depth as number) : undefined, status));
    }
    const keys = trials.map((t) => JSON.stringify(t.params));
    expect(new Set(keys).size).toBe(6);
    expect(s.suggest(trials)).toBeNull();
  });

  it('treats a maximised objective as the mirror of a minimised one', () => {
    const min = run(make(3), 14, mixedObjective);
    const max = run(createStrategy(name, { ranges: MIXED, direction: 'maximize', seed: 3, maxTrials: 40 }), 14, (p) => -mixedObjective(p));
    expect(max.map((t) => t.params)).toEqual(min.map((t) => t.params));
  });
});

describe.each(['bayesian', 'tpe'] as StrategyName[])('%s model', (name) => {
  it('finds a better mixed-type optimum than random search in 30 trials (3 seeds)', () => {
    for (let seed = 0; seed < 3; seed++) {
      const best = (s: StrategyName) =>
        Math.min(...run(createStrategy(s, { ranges: MIXED, direction: 'minimize', seed, maxTrials: 30 }), 30, mixedObjective).map((t) => t.objective!));
      expect(best(name)).toBeLessThan(best('random'));
    }
  });

  it('spreads out parallel suggestions while trials are running', () => {
    const s = createStrategy(name, { ranges: BRANIN.ranges, direction: 'minimize', seed: 2, maxTrials: 40 });
    const trials = run(s, 15, BRANIN.evaluate);
    for (let i = 0; i < 4; i++) trials.push(trial(trials.length, s.suggest(trials)!, undefined, 'running'));
    const pending = trials.slice(15).map((t) => [t.params.x1 as number, t.params.x2 as number]);
    for (let i = 0; i < pending.length; i++) {
      for (let j = 0; j < i; j++) {
        expect(Math.hypot(pending[i][0] - pending[j][0], pending[i][1] - pending[j][1])).toBeGreaterThan(1e-3);
      }
    }
  });

  it('starts from the observations of a warm-start parent', () => {
    const parent = run(createStrategy('random', { ranges: MIXED, direction: 'minimize', seed: 5, maxTrials: 20 }), 20, mixedObjective);
    const warm = createStrategy(name, { ranges: MIXED, direction: 'minimize', seed: 6, maxTrials: 10, warmStart: parent });
    const cold = createStrategy(name, { ranges: MIXED, direction: 'minimize', seed: 6, maxTrials: 10 });
    const warmRun = run(warm, 5, mixedObjective);
    const coldRun = run(cold, 5, mixedObjective);
    // The parent's 20 points are enough for the model: no initial design, better points at once.
    expect(warmRun[0].params).not.toEqual(coldRun[0].params);
    const bestParent = Math.min(...parent.map((t) => t.objective!));
    expect(Math.min(...warmRun.map((t) => t.objective!))).toBeLessThan(bestParent + 0.05);
  });

  it('ignores failed trials and non-finite objectives as observations', () => {
    const s = createStrategy(name, { ranges: BRANIN.ranges, direction: 'minimize', seed: 4, maxTrials: 40 });
    const trials = run(s, 12, BRANIN.evaluate);
    const withFailures = [...trials, trial(12, { x1: 0, x2: 0 }, undefined, 'failed'), trial(13, { x1: 1, x2: 1 }, Number.NaN, 'completed')];
    const p = s.suggest(withFailures);
    expect(p).not.toBeNull();
    expect(Number.isFinite(p!.x1 as number) && Number.isFinite(p!.x2 as number)).toBe(true);
  });
});

describe('createStrategy', () => {
  const ranges = BRANIN.ranges;
  const error = (fn: () => unknown) => {
    try {
      fn();
    } catch (err) {
      expect(err).toBeInstanceOf(OrchardError);
      expect((err as OrchardError).code).toBe('ORCH_TUNING_INVALID');
      return (err as OrchardError).message;
    }
    throw new Error('expected ORCH_TUNING_INVALID');
  };

  it('validates the ranges for the strategy and the options', () => {
    expect(error(() => createStrategy('grid', { ranges, direction: 'minimize', seed: 1, maxTrials: 5 }))).toMatch(/x1: grid search/);
    expect(error(() => createStrategy('random', { ranges, direction: 'up' as 'minimize', seed: 1, maxTrials: 5 }))).toMatch(/direction/);
    expect(error(() => createStrategy('random', { ranges, direction: 'minimize', seed: 1.5, maxTrials: 5 }))).toMatch(/seed/);
    expect(error(() => createStrategy('random', { ranges, direction: 'minimize', seed: 1, maxTrials: 0 }))).toMatch(/maxTrials/);
    expect(error(() => createStrategy('hyperband', { ranges, direction: 'minimize', seed: 1, maxTrials: 5, hyperband: { minResource: 10, maxResource: 5 } }))).toMatch(
      /maxResource must be greater than minResource/,
    );
    expect(error(() => createStrategy('hyperband', { ranges, direction: 'minimize', seed: 1, maxTrials: 5, hyperband: { reductionFactor: 1 } }))).toMatch(/reductionFactor/);
    expect(error(() => createStrategy('annealing' as StrategyName, { ranges, direction: 'minimize', seed: 1, maxTrials: 5 }))).toMatch(/Unknown strategy/);
  });
});
