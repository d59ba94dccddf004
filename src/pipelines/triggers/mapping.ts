/**
 * How a trigger turns what fired it into a pipeline's parameters: fixed values (`--param
 * k=v`) and fields of the event (`--map k=field`), both checked against the pipeline's
 * declared parameters when the trigger is created.
 */
import { OrchardError, errorOfProblems, type RequestProblem } from '../../core/index.js';
import { TRIGGER_EVENT_FIELDS, type TriggerKind } from '../../contracts/pipeline-trigger.contract.js';
import { resolveParameters, type PipelineDefinition } from '../definition/index.js';

const UNITS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** The shortest interval a crawler trigger may run its crawler at. */
export const MIN_EVERY_MS = 10_000;

/** `30s`, `5m`, `1h`, `1d` in milliseconds; at least 10 s. */
export function parseEvery(text: string): number {
  const m = /^(\d{1,6})([smhd])$/.exec(text.trim());
  const ms = m ? Number(m[1]) * UNITS[m[2]] : NaN;
  if (!m || !(ms >= MIN_EVERY_MS)) {
    throw new OrchardError('ORCH_TRIGGER_INVALID', { message: `Invalid interval '${text}': a whole number and a unit (s, m, h, d), at least 10s, e.g. 5m`, details: { field: 'every', every: text } });
  }
  return ms;
}

/**
 * Checks fixed values and mapped names against the pipeline's latest definition: every name
 * must be a declared parameter, fixed values must have its type, mapped fields must be fields
 * of the kind's event. Every problem is listed at once.
 */
export function checkMapping(def: PipelineDefinition, kind: TriggerKind, fixed: Record<string, unknown>, map: Record<string, string>): void {
  const specs = def.parameters ?? {};
  const known = Object.keys(specs);
  const problems: RequestProblem[] = [];
  const undeclared = (field: string, name: string) =>
    problems.push({ field, code: 'ORCH_PIPELINE_PARAMETER_INVALID', message: `${field}: the pipeline has no parameter '${name}' (${known.length ? `it has ${known.join(', ')}` : 'it declares none'})` });
  for (const name of Object.keys(fixed)) if (!Object.hasOwn(specs, name)) undeclared(`parameters.${name}`, name);
  for (const [name, field] of Object.entries(map)) {
    if (!Object.hasOwn(specs, name)) undeclared(`map.${name}`, name);
    if (Object.hasOwn(fixed, name)) problems.push({ field: `map.${name}`, code: 'ORCH_TRIGGER_INVALID', message: `map.${name}: '${name}' is given both a fixed value and an event field` });
    if (!TRIGGER_EVENT_FIELDS[kind].includes(field)) {
      problems.push({ field: `map.${name}`, code: 'ORCH_TRIGGER_INVALID', message: `map.${name}: a ${kind} trigger's event has no field '${field}' (it has ${TRIGGER_EVENT_FIELDS[kind].join(', ')})` });
    }
  }
  if (problems.length) throw errorOfProblems(problems);
  // The fixed values' types, checked as `start` will check them (only the declared ones given here).
  const given = Object.fromEntries(Object.entries(specs).filter(([name]) => Object.hasOwn(fixed, name)));
  resolveParameters({ ...def, parameters: given }, fixed, { fromStrings: true });
}

/**
 * The parameters of one firing: the fixed values, then each mapped event field. Mapped
 * values go as text (a version 3 as '3'), so `start` types them by the definition as it
 * types the CLI's `--param`.
 */
export function mapParameters(fixed: Record<string, unknown>, map: Record<string, string>, event: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...fixed };
  for (const [name, field] of Object.entries(map)) {
    const value = event[field];
    if (value === undefined || value === null) continue;
    out[name] = typeof value === 'string' ? value : typeof value === 'object' ? JSON.stringify(value) : String(value);
  }
  return out;
}
