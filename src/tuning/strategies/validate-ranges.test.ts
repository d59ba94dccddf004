import { describe, expect, it } from 'vitest';
import { OrchardError } from '../../core/errors.js';
import type { ParameterRange, StrategyName } from './types.js';
import { validateRanges } from './validate-ranges.js';

function failure(ranges: unknown, strategy: StrategyName = 'bayesian'): OrchardError {
  try {
    validateRanges(ranges as ParameterRange[], strategy);
  } catch (err) {
    expect(err).toBeInstanceOf(OrchardError);
    expect((err as OrchardError).code).toBe('ORCH_TUNING_INVALID');
    expect((err as OrchardError).status).toBe(400);
    return err as OrchardError;
  }
  throw new Error('expected ORCH_TUNING_INVALID');
}

const eta = (over: Record<string, unknown>) => [{ name: 'eta', type: 'continuous', min: 0.01, max: 0.5, scaling: 'Linear', ...over }];

describe('validateRanges', () => {
  it('accepts SageMaker-style ranges', () => {
    expect(() =>
      validateRanges(
        [
          { name: 'eta', type: 'continuous', min: 0.01, max: 0.5, scaling: 'Logarithmic' },
          { name: 'momentum', type: 'continuous', min: 0, max: 0.99, scaling: 'ReverseLogarithmic' },
          { name: 'max_depth', type: 'integer', min: 2, max: 10, scaling: 'Auto' },
          { name: 'booster', type: 'categorical', values: ['gbtree', 'dart'] },
        ],
        'bayesian',
      ),
    ).not.toThrow();
  });

  it('names the parameter in each complaint', () => {
    expect(failure(eta({ min: 0.5, max: 0.5 })).message).toMatch(/eta.*min \(0.5\) must be less than max/);
    expect(failure(eta({ min: 0, scaling: 'Logarithmic' })).message).toMatch(/eta: Logarithmic scaling needs min > 0/);
    expect(failure(eta({ max: 1, scaling: 'ReverseLogarithmic' })).message).toMatch(/eta: ReverseLogarithmic.*max < 1/);
    expect(failure(eta({ min: -0.1, scaling: 'ReverseLogarithmic' })).details).toMatchObject({ parameter: 'eta' });
    expect(failure(eta({ min: Number.NaN })).message).toMatch(/eta: min and max must be finite/);
    expect(failure(eta({ scaling: 'Cubic' })).message).toMatch(/eta: scaling must be one of/);
    expect(failure([{ name: 'd', type: 'integer', min: 1.5, max: 4, scaling: 'Linear' }]).message).toMatch(/d: an integer range needs integer bounds/);
    expect(failure([{ name: 'd', type: 'integer', min: 1, max: 4, scaling: 'ReverseLogarithmic' }]).message).toMatch(/d: ReverseLogarithmic.*continuous/);
    expect(failure([{ name: 'b', type: 'categorical', values: [] }]).message).toMatch(/b: a categorical range needs at least one value/);
    expect(failure([{ name: 'b', type: 'categorical', values: ['x', 'x'] }]).message).toMatch(/b: categorical value "x" is repeated/);
    expect(failure([{ name: 'b', type: 'categorical', values: [1] }]).message).toMatch(/b: categorical values must be strings/);
    expect(failure([{ name: 'b', type: 'boolean' }]).message).toMatch(/b: type must be continuous, integer or categorical/);
  });

  it('refuses empty, duplicated or unnamed ranges and too many of them', () => {
    expect(failure([]).message).toMatch(/At least one parameter range/);
    expect(failure(undefined).message).toMatch(/At least one parameter range/);
    expect(failure([...eta({}), ...eta({})]).message).toMatch(/eta has more than one range/);
    expect(failure([{ type: 'continuous', min: 0, max: 1, scaling: 'Linear' }]).message).toMatch(/non-empty name/);
    const many = Array.from({ length: 31 }, (_, i) => ({ name: `p${i}`, type: 'continuous', min: 0, max: 1, scaling: 'Linear' }));
    expect(failure(many).message).toMatch(/At most 30/);
  });

  it('grid search takes only integer and categorical ranges', () => {
    expect(failure(eta({}), 'grid').message).toMatch(/eta: grid search needs integer or categorical/);
    expect(() => validateRanges([{ name: 'd', type: 'integer', min: 1, max: 3, scaling: 'Linear' }], 'grid')).not.toThrow();
    expect(failure(eta({}), 'annealing' as StrategyName).message).toMatch(/Unknown strategy/);
  });
});
