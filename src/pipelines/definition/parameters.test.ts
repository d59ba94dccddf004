import { describe, expect, it } from 'vitest';
import { OrchardError } from '../../core/errors.js';
import { parseDefinition } from './parse.js';
import { resolveParameters } from './parameters.js';

const def = parseDefinition({
  parameters: {
    rounds: { type: 'integer', default: 20 },
    eta: { type: 'float', default: 0.3 },
    deploy: { type: 'boolean', default: false },
    regions: { type: 'list', default: ['eu'] },
    mode: { type: 'string', enum: ['fast', 'full'] },
  },
  steps: [{ name: 'p', type: 'pass' }],
});

function problems(given: Record<string, unknown>, fromStrings = false) {
  try {
    resolveParameters(def, given, { fromStrings });
  } catch (err) {
    expect(err).toBeInstanceOf(OrchardError);
    expect((err as OrchardError).code).toBe('ORCH_PIPELINE_PARAMETER_INVALID');
    return ((err as OrchardError).details as { errors: Array<{ field: string; message: string }> }).errors;
  }
  throw new Error('expected an error');
}

describe('resolveParameters', () => {
  it('fills defaults and keeps given typed values', () => {
    expect(resolveParameters(def, { mode: 'fast', rounds: 5 })).toEqual({ mode: 'fast', rounds: 5, eta: 0.3, deploy: false, regions: ['eu'] });
    expect(resolveParameters(def, { mode: 'full', eta: 1 }).eta).toBe(1);
  });

  it('types text values with fromStrings: numbers, booleans, JSON and comma lists', () => {
    const got = resolveParameters(def, { mode: 'full', rounds: '20', eta: '1e-2', deploy: 'true', regions: 'eu, us' }, { fromStrings: true });
    expect(got).toEqual({ mode: 'full', rounds: 20, eta: 0.01, deploy: true, regions: ['eu', 'us'] });
    expect(resolveParameters(def, { mode: 'full', regions: '[1, "x"]' }, { fromStrings: true }).regions).toEqual([1, 'x']);
  });

  it('lists unknown names, wrong types, values outside the enum and missing required ones', () => {
    expect(problems({ rounds: 2.5, colour: 'red', deploy: 'yes' }).map((p) => p.field)).toEqual(['parameters.rounds', 'parameters.colour', 'parameters.deploy', 'parameters.mode']);
    expect(problems({ mode: 'slow' })[0].message).toContain('must be one of "fast", "full"');
    expect(problems({ mode: 'fast', rounds: '20' })[0].message).toContain('must be an integer (got "20")');
    expect(problems({ mode: 'fast', rounds: '2.5', deploy: 'maybe', regions: '[1' }, true).map((p) => p.field)).toEqual(['parameters.rounds', 'parameters.deploy', 'parameters.regions']);
    expect(problems({}).map((p) => p.message)).toEqual(["parameters.mode: is required (a string): the parameter has no default"]);
  });

  it('gives each run its own copy of a default', () => {
    const a = resolveParameters(def, { mode: 'fast' });
    (a.regions as string[]).push('ap');
    expect(resolveParameters(def, { mode: 'fast' }).regions).toEqual(['eu']);
  });
});

describe('resolveParameters and inherited names', () => {
  it('treats constructor and __proto__ as unknown parameters', () => {
    expect(() => resolveParameters(def, JSON.parse('{"mode": "fast", "constructor": 1, "__proto__": 2}'))).toThrow(/no parameter 'constructor'.*no parameter '__proto__'/);
  });
});
