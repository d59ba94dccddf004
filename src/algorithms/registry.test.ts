import { afterEach, describe, expect, it } from 'vitest';
import { OrchardError } from '../core/errors.js';
import type { Algorithm } from './algorithm.js';
import { BUILTIN_ALGORITHMS, getAlgorithm, listAlgorithms, registerAlgorithm, registerBuiltins, unregisterAlgorithm } from './index.js';

const fake: Algorithm = {
  name: 'test-fake',
  version: '0.0.1',
  description: 'fake',
  hyperparameters: [],
  metrics: [],
  inputContentTypes: ['text/csv'],
  requiredChannels: ['train'],
  optionalChannels: [],
  train: async () => {},
  load: async () => ({ numFeatures: 0, predict: () => ({ values: new Float32Array(0), outputsPerRow: 1 }) }),
};

afterEach(() => {
  unregisterAlgorithm('test-fake');
});

describe('algorithm registry', () => {
  it('registers, gets and lists', () => {
    registerAlgorithm(fake);
    expect(getAlgorithm('test-fake')).toBe(fake);
    expect(listAlgorithms().map((a) => a.name)).toContain('test-fake');
  });

  it('refuses a name registered twice', () => {
    registerAlgorithm(fake);
    expect(() => registerAlgorithm({ ...fake })).toThrow(expect.objectContaining({ code: 'ORCH_ALGORITHM_EXISTS' }));
  });

  it('names the known algorithms for an unknown one', () => {
    registerBuiltins();
    try {
      getAlgorithm('xgbost');
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(OrchardError);
      expect((err as OrchardError).code).toBe('ORCH_ALGORITHM_UNKNOWN');
      expect((err as OrchardError).message).toContain('xgboost');
    }
  });

  it('registers the built-ins once, idempotently', () => {
    registerBuiltins();
    registerBuiltins();
    for (const a of BUILTIN_ALGORITHMS) expect(getAlgorithm(a.name)).toBe(a);
    expect(getAlgorithm('xgboost').requiredChannels).toEqual(['train']);
  });
});
