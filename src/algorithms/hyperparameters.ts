/**
 * Hyperparameter validation. SageMaker hands every hyperparameter to the algorithm as a
 * string (`"num_round": "100"`), so each value is parsed per its declared type, checked
 * against its range, and defaults are filled in. This is the only place it happens: the
 * training service resolves a request once and stores the typed result with the job.
 */
import { errorOfProblems, type OrchardError, type RequestProblem } from '../core/errors.js';
import type { Algorithm, HyperparameterSpec, Hyperparameters } from './algorithm.js';

/** A value as given by a user, an API call or `hyperparameters.json`. */
export type HyperparameterInput = string | number | boolean;

/** What can be wrong with one hyperparameter of a request. */
export type HyperparameterProblemCode = 'ORCH_HYPERPARAMETER_UNKNOWN' | 'ORCH_HYPERPARAMETER_MISSING' | 'ORCH_HYPERPARAMETER_INVALID';

/** One problem of a request's hyperparameters; `field` is the hyperparameter's name. */
export interface HyperparameterProblem extends RequestProblem {
  code: HyperparameterProblemCode;
  /** The name, and the range or values allowed. */
  details: Record<string, unknown>;
}

/** The hyperparameters of an algorithm, or the algorithm itself. */
export type HyperparameterSchema = readonly HyperparameterSpec[] | Pick<Algorithm, 'hyperparameters' | 'checkHyperparameters'>;

/**
 * Every problem of `given` against `schema`, and the values that did resolve. Unknown
 * names come first (in the order given), then the declared parameters in schema order.
 */
export function checkHyperparameters(schema: HyperparameterSchema, given: Record<string, HyperparameterInput>): { values: Hyperparameters; problems: HyperparameterProblem[] } {
  const specs = 'hyperparameters' in schema ? schema.hyperparameters : schema;
  const byName = new Map(specs.map((s) => [s.name, s]));
  const problems: HyperparameterProblem[] = [];
  const known = specs.map((s) => s.name);
  for (const name of Object.keys(given)) {
    if (byName.has(name)) continue;
    problems.push({ field: name, code: 'ORCH_HYPERPARAMETER_UNKNOWN', message: `Unknown hyperparameter "${name}"; known: ${known.join(', ')}`, details: { name, known } });
  }
  const values: Hyperparameters = {};
  for (const spec of specs) {
    const raw = Object.hasOwn(given, spec.name) ? given[spec.name] : undefined;
    if (raw === undefined || raw === '') {
      if (spec.default !== undefined) values[spec.name] = spec.default;
      else if (spec.required) {
        problems.push({ field: spec.name, code: 'ORCH_HYPERPARAMETER_MISSING', message: `Hyperparameter "${spec.name}" is required (${describeRange(spec)})`, details: { name: spec.name } });
      }
      continue;
    }
    const value = parseValue(spec, raw);
    if (value === INVALID) problems.push(invalid(spec, raw));
    else values[spec.name] = value;
  }
  // Cross-field rules see only the values that resolved, so a bad value is reported once.
  if ('checkHyperparameters' in schema && typeof schema.checkHyperparameters === 'function') {
    for (const p of schema.checkHyperparameters(values)) problems.push({ field: p.field, code: 'ORCH_HYPERPARAMETER_INVALID', message: p.message, details: { name: p.field, ...p.details } });
  }
  return { values, problems };
}

/**
 * Parses and validates `given` against an algorithm's hyperparameters (or a schema): the
 * one place a request's hyperparameters are resolved. SageMaker hands them over as
 * strings; the result is typed, with defaults filled in, and is what the job stores and
 * the algorithm's `train` receives.
 *
 * - integer: whole numbers only (`"10"`, `10`, `"1e3"`); continuous: finite numbers;
 *   categorical: one of `values`; boolean: `true`/`false`/`1`/`0` (case-insensitive).
 * - min/max are inclusive unless the spec says `minInclusive: false` / `maxInclusive: false`.
 * - Every problem is reported at once: the error has the code of the first problem
 *   (`ORCH_HYPERPARAMETER_UNKNOWN`, `_MISSING` or `_INVALID`), that problem's details
 *   (`{ name, min, max }` or `{ name, values }`), and `details.errors`, one
 *   `{ field, code, message }` per problem.
 *
 * @example
 * resolveHyperparameters(getAlgorithm('xgboost'), { num_round: '100', eta: '0.1' })
 */
export function resolveHyperparameters(schema: HyperparameterSchema, given: Record<string, HyperparameterInput>): Hyperparameters {
  const { values, problems } = checkHyperparameters(schema, given);
  if (problems.length > 0) throw hyperparameterError(problems);
  return values;
}

/** One error for all the problems of a request (see {@link resolveHyperparameters}). */
export function hyperparameterError(problems: readonly HyperparameterProblem[]): OrchardError {
  return errorOfProblems(problems);
}

/** A human-readable allowed range, e.g. `an integer in [1, 10]` or `one of a, b`. */
export function describeRange(spec: HyperparameterSpec): string {
  switch (spec.type) {
    case 'categorical':
      return `one of ${spec.values.join(', ')}${spec.pattern ? ` or ${spec.patternDescription ?? `a value matching ${spec.pattern}`}` : ''}`;
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

/** What parseValue answers for a value outside the spec. */
const INVALID = Symbol('invalid');

function invalid(spec: HyperparameterSpec, raw: HyperparameterInput): HyperparameterProblem {
  const details: Record<string, unknown> = { name: spec.name, value: raw };
  if (spec.type === 'categorical') details.values = spec.values;
  else if (spec.type === 'boolean') details.values = ['true', 'false'];
  else {
    details.min = spec.min ?? null;
    details.max = spec.max ?? null;
  }
  return { field: spec.name, code: 'ORCH_HYPERPARAMETER_INVALID', message: `Hyperparameter "${spec.name}" must be ${describeRange(spec)}; got ${JSON.stringify(raw)}`, details };
}

function parseNumber(raw: HyperparameterInput): number {
  if (typeof raw === 'number') return raw;
  if (typeof raw === 'boolean') return NaN;
  const s = raw.trim();
  // Number('') is 0 and Number('0x10') is 16: accept decimal notation only.
  if (!/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(s)) return NaN;
  return Number(s);
}

function parseValue(spec: HyperparameterSpec, raw: HyperparameterInput): number | string | boolean | typeof INVALID {
  switch (spec.type) {
    case 'boolean': {
      if (typeof raw === 'boolean') return raw;
      const s = String(raw).trim().toLowerCase();
      if (s === 'true' || s === '1') return true;
      if (s === 'false' || s === '0') return false;
      return INVALID;
    }
    case 'categorical': {
      const s = String(raw).trim();
      return spec.values.includes(s) || (spec.pattern !== undefined && new RegExp(spec.pattern).test(s)) ? s : INVALID;
    }
    case 'integer': {
      const n = parseNumber(raw);
      if (!Number.isSafeInteger(n)) return INVALID;
      if ((spec.min !== undefined && n < spec.min) || (spec.max !== undefined && n > spec.max)) return INVALID;
      return n;
    }
    case 'continuous': {
      const n = parseNumber(raw);
      if (!Number.isFinite(n)) return INVALID;
      const minInc = spec.minInclusive ?? true;
      const maxInc = spec.maxInclusive ?? true;
      if (spec.min !== undefined && (minInc ? n < spec.min : n <= spec.min)) return INVALID;
      if (spec.max !== undefined && (maxInc ? n > spec.max : n >= spec.max)) return INVALID;
      return n;
    }
  }
}
