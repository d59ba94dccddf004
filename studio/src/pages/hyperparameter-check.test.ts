import { describe, expect, it } from 'vitest';
import { BUILTIN_ALGORITHMS, describeRange, resolveHyperparameters } from '../../../src/algorithms/index.js';
import { checkHyperparameter } from './hyperparameter-check';

/**
 * The training form checks values before sending them; it must agree with the server's
 * validation, or a user sees a form that refuses what the API accepts (or the reverse).
 */
describe('the form agrees with the server on hyperparameter values', () => {
  const samples = ['', '0', '1', '-1', '0.5', '1.5', '2', '10', '256', '257', '1e3', 'abc', 'true', 'reg:squarederror', 'binary:logistic', 'auc', '100001'];
  for (const algorithm of BUILTIN_ALGORITHMS) {
    it(`${algorithm.name}`, () => {
      for (const base of algorithm.hyperparameters) {
        if (base.type === 'boolean') continue;
        const spec = { ...base, range: describeRange(base) };
        const required = Object.fromEntries(algorithm.hyperparameters.filter((s) => s.required && s.name !== spec.name).map((s) => [s.name, validValue(s)]));
        for (const value of samples) {
          let serverOk = true;
          try {
            resolveHyperparameters(algorithm.hyperparameters, { ...required, ...(value === '' ? {} : { [spec.name]: value }) });
          } catch {
            serverOk = false;
          }
          const clientOk = checkHyperparameter(spec, value) === undefined;
          expect(clientOk, `${algorithm.name}.${spec.name}=${JSON.stringify(value)}`).toBe(serverOk);
        }
      }
    });
  }
});

function validValue(spec: (typeof BUILTIN_ALGORITHMS)[number]['hyperparameters'][number]): string {
  if (spec.type === 'categorical') return spec.values[0];
  if (spec.type === 'boolean') return 'true';
  return String(spec.default ?? spec.min ?? 1);
}
