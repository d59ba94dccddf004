/**
 * Expressions at run time: `Get` paths resolved against a scope (the run's parameters,
 * the finished steps' outputs, the execution, the current for-each item), `Join`, and
 * conditions. The definition was checked when stored, so a failure here is about the
 * run's values (a path with no value, a comparison of a string), never the syntax.
 */
import { OrchardError } from '../../core/errors.js';
import { ISO_DURATION_PATTERN, NUMERIC_OPERATORS } from '../../contracts/pipeline-definition.contract.js';
import { isObject } from './types.js';

/** What expressions read at run time. */
export interface Scope {
  parameters: Record<string, unknown>;
  steps: Record<string, { type: string; status: string; outputs: Record<string, unknown> }>;
  execution: { id: string; pipeline: string; version: number; startTime: string };
  item?: unknown;
  index?: number;
}

const isGet = (v: unknown): v is { Get: string } => isObject(v) && typeof v.Get === 'string' && Object.keys(v).length === 1;
const isJoin = (v: unknown): v is { Join: { on?: string; values: unknown[] } } =>
  isObject(v) && Object.keys(v).length === 1 && isObject(v.Join) && Array.isArray(v.Join.values);

const noValue = (path: string, why: string) =>
  new OrchardError('ORCH_PIPELINE_INVALID', { message: `{"Get": "${path}"}: ${why}`, details: { path } });

/** Follows property names (and list indexes) below a value. */
function walk(value: unknown, props: string[], base: string, fullPath: string): unknown {
  let current = value;
  let at = base;
  for (const prop of props) {
    if (Array.isArray(current) && /^\d+$/.test(prop)) current = current[Number(prop)];
    else if (isObject(current) && Object.hasOwn(current, prop)) current = current[prop];
    else throw noValue(fullPath, `${at} has no value '${prop}'`);
    at = `${at}.${prop}`;
    if (current === undefined) throw noValue(fullPath, `${at} has no value`);
  }
  return current;
}

/**
 * The value of one `Get` path. `Steps.<s>` alone is the whole step:
 * `{ step, type, status, outputs }`.
 */
export function resolvePath(path: string, scope: Scope): unknown {
  const [root, ...rest] = path.split('.');
  switch (root) {
    case 'Parameters': {
      const [name, ...props] = rest;
      if (name === undefined || !Object.hasOwn(scope.parameters, name)) throw noValue(path, `the run has no parameter '${name ?? ''}'`);
      return walk(scope.parameters[name], props, `Parameters.${name}`, path);
    }
    case 'Steps': {
      const [name, ...props] = rest;
      const step = name !== undefined && Object.hasOwn(scope.steps, name) ? scope.steps[name] : undefined;
      if (!step) throw noValue(path, `the step '${name ?? ''}' has not run in this execution`);
      if (props.length === 0) return { step: name, type: step.type, status: step.status, outputs: step.outputs };
      return walk(step.outputs, props, `Steps.${name}`, path);
    }
    case 'Execution':
      return walk(scope.execution, rest, 'Execution', path);
    case 'Item':
      if (scope.item === undefined) throw noValue(path, 'there is no current item (Item is defined inside a for-each body)');
      return walk(scope.item, rest, 'Item', path);
    case 'Index':
      if (scope.index === undefined || rest.length) throw noValue(path, 'there is no current index (Index is defined inside a for-each body)');
      return scope.index;
    default:
      throw noValue(path, 'unknown root');
  }
}

function joinText(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'string') return value;
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}

/** Deep-resolves every Get and Join in a JSON value; anything else is copied as it is. */
export function resolveValue(value: unknown, scope: Scope): unknown {
  if (isGet(value)) return structuredClone(resolvePath(value.Get, scope));
  if (isJoin(value)) {
    const parts = value.Join.values.flatMap((v) => {
      const resolved = resolveValue(v, scope);
      return Array.isArray(resolved) ? resolved.map(joinText) : [joinText(resolved)];
    });
    return parts.join(value.Join.on ?? '');
  }
  if (Array.isArray(value)) return value.map((v) => resolveValue(v, scope));
  if (isObject(value)) return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, resolveValue(v, scope)]));
  return value;
}

function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((v, i) => deepEqual(v, b[i]));
  if (isObject(a) && isObject(b)) {
    const ka = Object.keys(a);
    return ka.length === Object.keys(b).length && ka.every((k) => Object.hasOwn(b, k) && deepEqual(a[k], b[k]));
  }
  return false;
}

const notACondition = (message: string) => new OrchardError('ORCH_PIPELINE_INVALID', { message: `condition: ${message}` });

/** Evaluates a condition against a scope; a run-time value of the wrong type is an ORCH_PIPELINE_INVALID error. */
export function evaluateCondition(expr: unknown, scope: Scope): boolean {
  if (typeof expr === 'boolean') return expr;
  if (isGet(expr)) {
    const v = resolvePath(expr.Get, scope);
    if (typeof v !== 'boolean') throw notACondition(`${expr.Get} is ${JSON.stringify(v)}, not a boolean`);
    return v;
  }
  if (!isObject(expr) || Object.keys(expr).length !== 1) throw notACondition(`not a condition: ${JSON.stringify(expr)}`);
  const [op] = Object.keys(expr);
  const arg = expr[op];
  switch (op) {
    case 'and':
      return (arg as unknown[]).every((c) => evaluateCondition(c, scope));
    case 'or':
      return (arg as unknown[]).some((c) => evaluateCondition(c, scope));
    case 'not':
      return !evaluateCondition(arg, scope);
  }
  if (!Array.isArray(arg) || arg.length !== 2) throw notACondition(`'${op}' needs two operands`);
  const [a, b] = arg.map((v) => resolveValue(v, scope));
  if ((NUMERIC_OPERATORS as readonly string[]).includes(op)) {
    if (typeof a !== 'number' || typeof b !== 'number') throw notACondition(`'${op}' compares numbers, and got ${JSON.stringify(a)} and ${JSON.stringify(b)}`);
    return op === '>=' ? a >= b : op === '>' ? a > b : op === '<' ? a < b : a <= b;
  }
  if (op === '==') return deepEqual(a, b);
  if (op === '!=') return !deepEqual(a, b);
  if (op === 'in') {
    if (!Array.isArray(b)) throw notACondition(`'in' needs a list as its second operand, and got ${JSON.stringify(b)}`);
    return b.some((v) => deepEqual(a, v));
  }
  throw notACondition(`unknown operator '${op}'`);
}

/** Step names a value refers to (`Steps.<s>…` in any Get, Joins and conditions included), each once, in order of appearance. */
export function referencedSteps(value: unknown): string[] {
  const found = new Set<string>();
  const visit = (v: unknown): void => {
    if (isObject(v) && typeof v.Get === 'string') {
      const [root, name] = v.Get.split('.');
      if (root === 'Steps' && name) found.add(name);
    }
    if (Array.isArray(v)) v.forEach(visit);
    else if (isObject(v)) Object.values(v).forEach(visit);
  };
  visit(value);
  return [...found];
}

const DURATION = new RegExp(ISO_DURATION_PATTERN);
const UNIT_SECONDS: Record<string, number> = { Y: 365 * 86_400, M: 30 * 86_400, W: 7 * 86_400, D: 86_400, H: 3600, TM: 60, S: 1 };

/** An ISO-8601 duration (`P30D`, `PT1H30M`) in milliseconds; a year is 365 days, a month 30. */
export function durationMs(text: string): number {
  if (!DURATION.test(text)) throw new OrchardError('ORCH_PIPELINE_INVALID', { message: `'${text}' is not an ISO-8601 duration (P30D, PT1H, …)` });
  const [date, time = ''] = text.slice(1).split('T');
  let seconds = 0;
  for (const [, n, unit] of date.matchAll(/(\d+)([YMWD])/g)) seconds += Number(n) * UNIT_SECONDS[unit];
  for (const [, n, unit] of time.matchAll(/(\d+(?:\.\d+)?)([HMS])/g)) seconds += Number(n) * UNIT_SECONDS[unit === 'M' ? 'TM' : unit];
  return Math.round(seconds * 1000);
}
