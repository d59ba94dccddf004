/**
 * Hyperparameter validation. SageMaker hands every hyperparameter to the algorithm as a
 * string (`"num_round": "100"`), so each value is parsed per its declared type, checked
 * against its range, and defaults are filled in.
 */
import { OrchardError } from '../core/errors.js';
import type { HyperparameterSpec, Hyperparameters } from './algorithm.js';

/** A value as given by a user, an API call or `hyperparameters.json`. */
export type HyperparameterInput = string | number | boolean;

/**
 * Parses and validates `given` against `specs`.
 *
 * - integer: whole numbers only (`"10"`, `10`, `"1e3"`); continuous: finite numbers;
 *   categorical: one of `values`; boolean: `true`/`false`/`1`/`0` (case-insensitive).
 * - min/max are inclusive unless the spec says `minInclusive: false` / `maxInclusive: false`.
 * - Unknown names → `ORCH_HYPERPARAMETER_UNKNOWN`; a required parameter not given →
 *   `ORCH_HYPERPARAMETER_MISSING`; a bad value → `ORCH_HYPERPARAMETER_INVALID` (details
 *   `{ name, min, max }` or `{ name, values }`).
 *
 * @example
 * resolveHyperparameters(xgboost.hyperparameters, { num_round: '100', eta: '0.1' })
 */
export function resolveHyperparameters(
  specs: readonly HyperparameterSpec[],
  given: Record<string, HyperparameterInput>,
): Hyperparameters {
  const byName = new Map(specs.map((s) => [s.name, s]));
  for (const name of Object.keys(given)) {
    if (!byName.has(name)) {
      const known = specs.map((s) => s.name);
      throw new OrchardError('ORCH_HYPERPARAMETER_UNKNOWN', {
        message: `Unknown hyperparameter "${name}"; known: ${known.join(', ')}`,
        details: { name, known },
      });
    }
  }
  const out: Hyperparameters = {};
  for (const spec of specs) {
    const raw = Object.hasOwn(given, spec.name) ? given[spec.name] : undefined;
    if (raw === undefined || raw === '') {
      if (spec.default !== undefined) out[spec.name] = spec.default;
      else if (spec.required) {
        throw new OrchardError('ORCH_HYPERPARAMETER_MISSING', {
          message: `Hyperparameter "${spec.name}" is required (${describeRange(spec)})`,
          details: { name: spec.name },
        });
      }
      continue;
    }
    out[spec.name] = parseValue(spec, raw);
  }
  return out;
}

/** A human-readable allowed range, e.g. `an integer in [1, 10]` or `one of a, b`. */
export function describeRange(spec: HyperparameterSpec): string {
  switch (spec.type) {
    case 'categorical':
      return `one of ${spec.values.join(', ')}`;
    case 'boolean':
      return 'true or false';
    case 'integer':
      return `an integer ${interval(spec.min, spec.max, true, true)}`;
    case 'continuous':
      return `a number ${interval(spec.min, spec.max, spec.minInclusive ?? true, spec.maxInclusive ?? true)}`;
  }
}

function interval(min: number | undefined, max: number | undefined, minInc: boolean, maxInc: boolean): string {
  if (min === undefined && max === undefined) return '(any value)';
  const lo = min === undefined ? '(-inf' : `${minInc ? '[' : '('}${min}`;
  const hi = max === undefined ? '+inf)' : `${max}${maxInc ? ']' : ')'}`;
  return `in ${lo}, ${hi}`;
}

function invalid(spec: HyperparameterSpec, raw: HyperparameterInput): never {
  const details: Record<string, unknown> = { name: spec.name, value: raw };
  if (spec.type === 'categorical') details.values = spec.values;
  else if (spec.type === 'boolean') details.values = ['true', 'false'];
  else {
    details.min = spec.min ?? null;
    details.max = spec.max ?? null;
  }
  throw new OrchardError('ORCH_HYPERPARAMETER_INVALID', {
    message: `Hyperparameter "${spec.name}" must be ${describeRange(spec)}; got ${JSON.stringify(raw)}`,
    details,
  });
}

function parseNumber(raw: HyperparameterInput): number {
  if (typeof raw === 'number') return raw;
  if (typeof raw === 'boolean') return NaN;
  const s = raw.trim();
  // Number('') is 0 and Number('0x10') is 16: accept decimal notation only.
  if (!/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(s)) return NaN;
  return Number(s);
}

function parseValue(spec: HyperparameterSpec, raw: HyperparameterInput): number | string | boolean {
  switch (spec.type) {
    case 'boolean': {
      if (typeof raw === 'boolean') return raw;
      const s = String(raw).trim().toLowerCase();
      if (s === 'true' || s === '1') return true;
      if (s === 'false' || s === '0') return false;
      return invalid(spec, raw);
    }
    case 'categorical': {
      const s = String(raw).trim();
      if (!spec.values.includes(s)) return invalid(spec, raw);
      return s;
    }
    case 'integer': {
      const n = parseNumber(raw);
      if (!Number.isSafeInteger(n)) return invalid(spec, raw);
      if ((spec.min !== undefined && n < spec.min) || (spec.max !== undefined && n > spec.max)) invalid(spec, raw);
      return n;
    }
    case 'continuous': {
      const n = parseNumber(raw);
      if (!Number.isFinite(n)) return invalid(spec, raw);
      const minInc = spec.minInclusive ?? true;
      const maxInc = spec.maxInclusive ?? true;
      if (spec.min !== undefined && (minInc ? n < spec.min : n <= spec.min)) invalid(spec, raw);
      if (spec.max !== undefined && (maxInc ? n > spec.max : n >= spec.max)) invalid(spec, raw);
      return n;
    }
  }
}
