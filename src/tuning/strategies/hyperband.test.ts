import { describe, expect, it } from 'vitest';
import { bracketOf } from './hyperband.js';
import { createStrategy } from './index.js';
import type { Strategy, TrialState } from './index.js';

const ranges = [{ name: 'lr', type: 'continuous' as const, min: 1e-3, max: 1, scaling: 'Logarithmic' as const }];
const SEED = 11;

function running(id: number, values: number[]): TrialState {
  return { id, params: { lr: 0.1 }, status: 'running', intermediate: values.map((value, i) => ({ step: i + 1, value })) };
}

/** Trial ids that hash into `bracket` of `brackets`. */
function idsIn(bracket: number, brackets: number, count: number): number[] {
  const ids: number[] = [];
  for (let id = 0; ids.length < count; id++) if (bracketOf(id, brackets, 3) === bracket) ids.push(id);
  return ids;
}

describe('hyperband (asynchronous successive halving)', () => {
  const make = (maxResource?: number): Strategy =>
    createStrategy('hyperband', { ranges, direction: 'maximize', seed: SEED, maxTrials: 50, hyperband: { minResource: 1, maxResource, reductionFactor: 3 } });

  it('keeps the best third at each rung of a bracket and never takes a promotion back', () => {
    const s = make(9);
    const [a, b, c, d] = idsIn(0, 3, 4);
    const ta = running(a, [0.5]);
    // Alone at rung 1: promoted.
    expect(s.shouldStop!(ta, [ta])).toBe(false);
    const tb = running(b, [0.9]);
    expect(s.shouldStop!(tb, [ta, tb])).toBe(false);
    // Third arrival, worst of three: only ⌊3/3⌋ = 1 goes on.
    const tc = running(c, [0.1]);
    expect(s.shouldStop!(tc, [ta, tb, tc])).toBe(true);
    // a was promoted when it arrived; later arrivals do not revoke that.
    expect(s.shouldStop!(ta, [ta, tb, tc])).toBe(false);
    // Between rungs nothing new is decided; at rung 3 the comparison is among those that reached it.
    const tb3 = running(b, [0.9, 0.9, 0.95]);
    const td3 = running(d, [0.8, 0.85, 0.6]);
    expect(s.shouldStop!(tb3, [ta, tb3, tc])).toBe(false);
    expect(s.shouldStop!(td3, [ta, tb3, tc, td3])).toBe(true);
  });

  it('decides the same when the strategy is rebuilt with another seed for every call', () => {
    const [a, b, c] = idsIn(0, 3, 3);
    const trials = [running(a, [0.5]), running(b, [0.9]), running(c, [0.1])];
    const fresh = (seed: number) =>
      createStrategy('hyperband', { ranges, direction: 'maximize', seed, maxTrials: 50, hyperband: { minResource: 1, maxResource: 9 } });
    // a arrived first and passed; later, better arrivals at its rung do not stop it.
    expect(fresh(1).shouldStop!(trials[0], trials)).toBe(false);
    expect(fresh(2).shouldStop!(trials[2], trials)).toBe(true);
    expect(fresh(3).shouldStop!(trials[0], [...trials, running(idsIn(0, 3, 4)[3], [0.99])])).toBe(false);
  });

  it('compares only within a bracket; the last bracket runs every trial to the end', () => {
    const s = make(9);
    const [strong] = idsIn(1, 3, 1);
    const [x, y, z] = idsIn(2, 3, 3);
    const ts = running(strong, [0.99, 0.99, 0.99, 0.99]);
    const tx = running(x, [0.1, 0.1, 0.1, 0.1, 0.1]);
    expect(s.shouldStop!(tx, [ts, tx, running(y, [0.9]), running(z, [0.9])])).toBe(false);
  });

  it('brackets take trials roughly in proportion to Hyperband’s configuration counts', () => {
    const counts = [0, 0, 0];
    for (let id = 0; id < 1700; id++) counts[bracketOf(id, 3, 3)]++;
    // n_s = 9, 5, 3 of 17.
    expect(counts[0] / 1700).toBeCloseTo(9 / 17, 1);
    expect(counts[2] / 1700).toBeCloseTo(3 / 17, 1);
  });

  it('without maxResource uses one bracket until a trial completes, then learns it', () => {
    const s = make();
    const first = running(0, [0.9]);
    const second = running(1, [0.95]);
    expect(s.shouldStop!(first, [first])).toBe(false);
    expect(s.shouldStop!(second, [first, second])).toBe(false);
    // Fewer than η at the rung: only a new best goes on (Optuna's rule).
    const third = running(2, [0.1]);
    expect(s.shouldStop!(third, [first, second, third])).toBe(true);
    const done: TrialState = { ...running(3, [0.5, 0.5, 0.5]), status: 'completed', objective: 0.5 };
    // Max resource is now 3: the rung at 3 is the end, so nothing reaching it is stopped.
    const late = running(4, [0.01, 0.01, 0.01]);
    expect(s.shouldStop!(late, [first, second, third, done, late])).toBe(false);
  });

  it('proposes points by random search or, if asked, TPE over completed trials', () => {
    const tpe = createStrategy('hyperband', { ranges, direction: 'maximize', seed: 1, maxTrials: 50, hyperband: { sampler: 'tpe' } });
    const trials: TrialState[] = [];
    for (let i = 0; i < 15; i++) {
      const p = tpe.suggest(trials)!;
      const lr = p.lr as number;
      trials.push({ id: i, params: p, status: 'completed', objective: -Math.abs(Math.log10(lr) + 2), intermediate: [] });
    }
    expect(trials.every((t) => (t.params.lr as number) >= 1e-3 && (t.params.lr as number) <= 1)).toBe(true);
  });
});
