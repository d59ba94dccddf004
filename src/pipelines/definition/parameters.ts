/** Pipeline parameters: their declarations (checked with the definition) and a run's values. */
import { type RequestProblem, errorOfProblems } from '../../core/errors.js';
import { PARAMETER_NAME_PATTERN, PIPELINE_PARAMETER_TYPES, type PipelineDefinition, type PipelineParameterSpec, type PipelineParameterType } from '../../contracts/pipeline-definition.contract.js';
import { type Problems, isObject } from './types.js';

const NAME = new RegExp(PARAMETER_NAME_PATTERN);
const SPEC_FIELDS = ['type', 'default', 'enum', 'description'];

/** Whether a value is of a parameter type (an integer is a float too). */
export function hasParameterType(type: PipelineParameterType, value: unknown): boolean {
  switch (type) {
    case 'string':
      return typeof value === 'string';
    case 'integer':
      return typeof value === 'number' && Number.isSafeInteger(value);
    case 'float':
      return typeof value === 'number' && Number.isFinite(value);
    case 'boolean':
      return typeof value === 'boolean';
    case 'list':
      return Array.isArray(value);
  }
}

const TYPE_NAMES: Record<PipelineParameterType, string> = { string: 'a string', integer: 'an integer', float: 'a number', boolean: 'true or false', list: 'a list' };

/** Checks the `parameters` block; answers the well-formed declarations. */
export function checkParameterSpecs(raw: unknown, problems: Problems): Record<string, PipelineParameterSpec> {
  const out: Record<string, PipelineParameterSpec> = {};
  if (raw === undefined) return out;
  if (!isObject(raw)) {
    problems.add('parameters', 'must be an object of name -> {type, default?, enum?, description?}');
    return out;
  }
  for (const [name, spec] of Object.entries(raw)) {
    const field = `parameters.${name}`;
    if (!NAME.test(name)) {
      problems.add(field, `the name does not match ${PARAMETER_NAME_PATTERN}`);
      continue;
    }
    if (!isObject(spec)) {
      problems.add(field, 'must be an object {type, default?, enum?, description?}');
      continue;
    }
    for (const key of Object.keys(spec)) if (!SPEC_FIELDS.includes(key)) problems.add(`${field}.${key}`, `unknown field (expected ${SPEC_FIELDS.join(', ')})`);
    if (spec.description !== undefined && typeof spec.description !== 'string') problems.add(`${field}.description`, 'must be a string');
    const type = spec.type as PipelineParameterType;
    if (!(PIPELINE_PARAMETER_TYPES as readonly unknown[]).includes(type)) {
      problems.add(`${field}.type`, `must be one of ${PIPELINE_PARAMETER_TYPES.join(', ')}`);
      continue;
    }
    if (spec.enum !== undefined) {
      if (!Array.isArray(spec.enum) || spec.enum.length === 0) {
        problems.add(`${field}.enum`, 'must be a non-empty list');
      } else {
        spec.enum.forEach((v, i) => {
          if (!hasParameterType(type, v)) problems.add(`${field}.enum[${i}]`, `must be ${TYPE_NAMES[type]}, as the parameter's type says`);
        });
      }
    }
    if (spec.default !== undefined) {
      if (!hasParameterType(type, spec.default)) {
        problems.add(`${field}.default`, `must be ${TYPE_NAMES[type]}, as the parameter's type says`);
      } else if (Array.isArray(spec.enum) && !spec.enum.some((v) => sameValue(v, spec.default))) {
        problems.add(`${field}.default`, 'must be one of the enum values');
      }
    }
    out[name] = spec as PipelineParameterSpec;
  }
  return out;
}

const sameValue = (a: unknown, b: unknown): boolean => JSON.stringify(a) === JSON.stringify(b);

/** A value given as text (`--param rounds=20`) in the parameter's type, or undefined when it cannot be. */
function fromString(type: PipelineParameterType, text: string): unknown {
  const t = text.trim();
  switch (type) {
    case 'string':
      return text;
    case 'integer':
      return /^[+-]?\d+$/.test(t) ? Number(t) : undefined;
    case 'float':
      return t !== '' && Number.isFinite(Number(t)) ? Number(t) : undefined;
    case 'boolean':
      return t === 'true' ? true : t === 'false' ? false : undefined;
    case 'list':
      if (t.startsWith('[')) {
        try {
          const parsed: unknown = JSON.parse(t);
          return Array.isArray(parsed) ? parsed : undefined;
        } catch {
          return undefined;
        }
      }
      return t === '' ? [] : t.split(',').map((s) => s.trim());
  }
}

/**
 * A run's parameters: defaults filled, given values checked against their types (with
 * `fromStrings`, text is converted first: `'20'` -> 20, `'true'` -> true, lists from JSON
 * or `a,b,c`). Unknown names, wrong types, values outside the enum and missing required
 * parameters are one ORCH_PIPELINE_PARAMETER_INVALID listing each.
 */
export function resolveParameters(def: PipelineDefinition, given: Record<string, unknown>, opts: { fromStrings?: boolean } = {}): Record<string, unknown> {
  const problems: RequestProblem[] = [];
  const add = (field: string, message: string) => problems.push({ field, code: 'ORCH_PIPELINE_PARAMETER_INVALID', message: `${field}: ${message}` });
  const specs = def.parameters ?? {};
  const out: Record<string, unknown> = {};
  for (const [name, raw] of Object.entries(given ?? {})) {
    const spec = Object.hasOwn(specs, name) ? specs[name] : undefined;
    const field = `parameters.${name}`;
    if (!spec) {
      const known = Object.keys(specs);
      add(field, `the pipeline has no parameter '${name}' (${known.length ? `it has ${known.join(', ')}` : 'it declares none'})`);
      continue;
    }
    const value = opts.fromStrings && typeof raw === 'string' ? fromString(spec.type, raw) : raw;
    if (value === undefined || !hasParameterType(spec.type, value)) {
      add(field, `must be ${TYPE_NAMES[spec.type]} (got ${JSON.stringify(raw)})`);
      continue;
    }
    if (spec.enum && !spec.enum.some((v) => sameValue(v, value))) {
      add(field, `must be one of ${spec.enum.map((v) => JSON.stringify(v)).join(', ')} (got ${JSON.stringify(value)})`);
      continue;
    }
    out[name] = value;
  }
  for (const [name, spec] of Object.entries(specs)) {
    if (Object.hasOwn(out, name) || Object.hasOwn(given ?? {}, name)) continue;
    if (spec.default === undefined) add(`parameters.${name}`, `is required (${TYPE_NAMES[spec.type]}): the parameter has no default`);
    else out[name] = structuredClone(spec.default);
  }
  if (problems.length) throw errorOfProblems(problems);
  return out;
}
