import { describe, expect, it } from 'vitest';
import { OrchardError } from '../core/index.js';
import { parseDatasetRef, validateDatasetName } from './names.js';

function codeOfSync(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (err) {
    return (err as OrchardError).code;
  }
  return undefined;
}

describe('dataset names', () => {
  it('accepts identifier-like names up to 128 characters', () => {
    for (const name of ['a', 'churn_2024', 'My-Data', `a${'b'.repeat(127)}`]) {
      expect(validateDatasetName(name)).toBe(name);
    }
  });

  it.each(['', '../x', 'a/b', '%2e%2e', '..', '.hidden', '1abc', '_x', 'a b', 'a.b', 'a@1', `a${'b'.repeat(128)}`, 'é'])(
    'refuses %j with the rule in the message',
    (name) => {
      let error: OrchardError | undefined;
      try {
        validateDatasetName(name);
      } catch (err) {
        error = err as OrchardError;
      }
      expect(error?.code).toBe('ORCH_DATASET_INVALID_NAME');
      expect(error?.message).toMatch(/starts with a letter.*1-128 characters/);
    },
  );
});

describe('dataset refs', () => {
  it('parses name and name@N', () => {
    expect(parseDatasetRef('cls')).toEqual({ name: 'cls', version: null });
    expect(parseDatasetRef('cls@3')).toEqual({ name: 'cls', version: 3 });
    expect(parseDatasetRef('my-data@12')).toEqual({ name: 'my-data', version: 12 });
  });

  it.each(['cls@0', 'cls@-1', 'cls@1.5', 'cls@', 'cls@01', 'cls@x', '@3', 'a/b@1', 'cls@1@2', 'cls@99999999999'])(
    'refuses %j',
    (ref) => {
      expect(codeOfSync(() => parseDatasetRef(ref))).toBe('ORCH_DATASET_INVALID_NAME');
    },
  );
});
