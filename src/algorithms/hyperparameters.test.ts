import { describe, expect, it } from 'vitest';
import { OrchardError } from '../core/errors.js';
import type { HyperparameterSpec } from './algorithm.js';
import { checkHyperparameters, resolveHyperparameters } from './hyperparameters.js';

const specs: HyperparameterSpec[] = [
  { name: 'num_round', type: 'integer', required: true, min: 1, max: 1000, description: '' },
  { name: 'eta', type: 'continuous', default: 0.3, min: 0, max: 1, description: '' },
  { name: 'subsample', type: 'continuous', default: 1, min: 0, max: 1, minInclusive: false, description: '' },
  { name: 'objective', type: 'categorical', values: ['a', 'b'], default: 'a', description: '' },
  { name: 'normalize', type: 'boolean', default: false, description: '' },
  { name: 'seed', type: 'integer', description: '' },
];

function error(fn: () => unknown): OrchardError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(OrchardError);
    return err as OrchardError;
  }
  throw new Error('expected an error');
}

describe('resolveHyperparameters', () => {
  it('parses strings per type and fills defaults', () => {
    expect(resolveHyperparameters(specs, { num_round: '10', eta: '0.1', objective: 'b', normalize: 'True' })).toEqual({
      num_round: 10,
      eta: 0.1,
      subsample: 1,
      objective: 'b',
      normalize: true,
    });
    expect(resolveHyperparameters(specs, { num_round: 5, normalize: '0', eta: '1e-2' })).toMatchObject({ num_round: 5, normalize: false, eta: 0.01 });
    expect(resolveHyperparameters(specs, { num_round: '1e3' }).num_round).toBe(1000);
  });

  it('refuses unknown names, listing the known ones', () => {
    const e = error(() => resolveHyperparameters(specs, { num_round: '1', etaa: '0.1' }));
    expect(e.code).toBe('ORCH_HYPERPARAMETER_UNKNOWN');
    expect(e.message).toContain('etaa');
    expect(e.message).toContain('eta, subsample');
  });

  it('refuses a missing required parameter', () => {
    const e = error(() => resolveHyperparameters(specs, { eta: '0.1' }));
    expect(e.code).toBe('ORCH_HYPERPARAMETER_MISSING');
    expect(e.message).toContain('num_round');
  });

  it.each([
    ['num_round', '1.5'],
    ['num_round', '0'],
    ['num_round', '1001'],
    ['num_round', 'ten'],
    ['num_round', '0x10'],
    ['eta', '1.01'],
    ['eta', '-0.1'],
    ['eta', 'NaN'],
    ['eta', 'Infinity'],
    ['subsample', '0'],
    ['objective', 'c'],
    ['normalize', 'yes'],
  ])('refuses %s=%s, naming the parameter and its range', (name, value) => {
    const e = error(() => resolveHyperparameters(specs, { num_round: '10', [name]: value }));
    expect(e.code).toBe('ORCH_HYPERPARAMETER_INVALID');
    expect(e.message).toContain(name);
    expect(e.details?.name).toBe(name);
  });

  it('states the range in message and details', () => {
    const e = error(() => resolveHyperparameters(specs, { num_round: '10', eta: '2' }));
    expect(e.message).toContain('[0, 1]');
    expect(e.details).toMatchObject({ name: 'eta', min: 0, max: 1 });
    const x = error(() => resolveHyperparameters(specs, { num_round: '10', subsample: '0' }));
    expect(x.message).toContain('(0, 1]');
    const c = error(() => resolveHyperparameters(specs, { num_round: '10', objective: 'z' }));
    expect(c.details).toMatchObject({ name: 'objective', values: ['a', 'b'] });
    expect(c.message).toContain('one of a, b');
  });

  it('leaves optional parameters without a default unset', () => {
    expect(resolveHyperparameters(specs, { num_round: '1' })).not.toHaveProperty('seed');
    expect(resolveHyperparameters(specs, { num_round: '1', seed: '7' }).seed).toBe(7);
  });

  it('reports every problem at once: the code and details of the first, all in details.errors', () => {
    const e = error(() => resolveHyperparameters(specs, { max_depth_x: '1', eta: '2', objective: 'z' }));
    expect(e.code).toBe('ORCH_HYPERPARAMETER_UNKNOWN');
    expect(e.details).toMatchObject({ name: 'max_depth_x' });
    expect(e.details?.errors).toEqual([
      { field: 'max_depth_x', code: 'ORCH_HYPERPARAMETER_UNKNOWN', message: expect.stringContaining('max_depth_x') },
      { field: 'num_round', code: 'ORCH_HYPERPARAMETER_MISSING', message: expect.stringContaining('num_round') },
      { field: 'eta', code: 'ORCH_HYPERPARAMETER_INVALID', message: expect.stringContaining('[0, 1]') },
      { field: 'objective', code: 'ORCH_HYPERPARAMETER_INVALID', message: expect.stringContaining('one of a, b') },
    ]);
    for (const name of ['max_depth_x', 'num_round', 'eta', 'objective']) expect(e.message).toContain(name);
  });

  it('keeps the message of a single problem as it is, with a one-entry list', () => {
    const e = error(() => resolveHyperparameters(specs, { num_round: '10', eta: '2' }));
    expect(e.message).toBe('Hyperparameter "eta" must be a number in [0, 1]; got "2"');
    expect(e.details?.errors).toEqual([{ field: 'eta', code: 'ORCH_HYPERPARAMETER_INVALID', message: e.message }]);
  });

  it('takes an algorithm as well as its schema, and checks without throwing', () => {
    expect(resolveHyperparameters({ hyperparameters: specs }, { num_round: '3' })).toMatchObject({ num_round: 3, eta: 0.3 });
    const { values, problems } = checkHyperparameters(specs, { num_round: '3', eta: 'x' });
    expect(values).toMatchObject({ num_round: 3 });
    expect(values).not.toHaveProperty('eta');
    expect(problems.map((p) => p.field)).toEqual(['eta']);
  });
});
