/**
 * What an expression refers to and which type it has, at check time: every `Get` path is
 * followed through the parameters' types and the steps' declared outputs, so a reference
 * to a missing parameter, step or output property, and a type mismatch, are found before
 * a definition is stored.
 */
import {
  COMPARISON_OPERATORS,
  EXECUTION_FIELDS,
  EXPRESSION_ROOTS,
  NUMERIC_OPERATORS,
  StepOutputs,
  type PipelineParameterSpec,
  type StepType,
} from '../../contracts/pipeline-definition.contract.js';
import { type Json, type Problems, type StepInfo, type ValueType, isObject } from './types.js';

/** What a reference is checked against: the definition's parameters and steps, and the step it is written in. */
export interface RefContext {
  parameters: Record<string, PipelineParameterSpec>;
  steps: ReadonlyMap<string, StepInfo>;
  /** The step the expression is written in. */
  from: StepInfo;
  /** The parallel and for-each steps whose bodies hold `from`. */
  ancestors: ReadonlySet<string>;
  problems: Problems;
}

const ANY: Json = {};
const schemaType = (schema: Json): ValueType => ({ kind: 'schema', schema });
const PARAMETER_SCHEMAS: Record<string, Json> = {
  string: { type: 'string' },
  integer: { type: 'integer' },
  float: { type: 'number' },
  boolean: { type: 'boolean' },
  list: { type: 'array', items: ANY },
};

/** `{"Get": …}` or `{"Join": …}` (well formed or not: a malformed one is reported by {@link typeOfExpression}). */
export function looksLikeExpression(value: unknown): value is Json {
  return isObject(value) && (Object.hasOwn(value, 'Get') || Object.hasOwn(value, 'Join'));
}

/** The type of an expression, or undefined when it is malformed or refers to nothing (reported). */
export function typeOfExpression(expr: Json, field: string, ctx: RefContext): ValueType | undefined {
  const keys = Object.keys(expr);
  if (keys.length !== 1) {
    ctx.problems.add(field, `an expression has exactly one key, Get or Join (found ${keys.join(', ')})`);
    return undefined;
  }
  if (keys[0] === 'Get') {
    if (typeof expr.Get !== 'string' || expr.Get === '') {
      ctx.problems.add(`${field}.Get`, 'must be a path such as "Steps.train.modelArtifact" or "Parameters.rounds"');
      return undefined;
    }
    return typeOfPath(expr.Get, `${field}.Get`, ctx);
  }
  const join = expr.Join;
  if (!isObject(join) || !Array.isArray(join.values) || Object.keys(join).some((k) => k !== 'on' && k !== 'values')) {
    ctx.problems.add(`${field}.Join`, 'must be {"on": "<separator>", "values": [ … ]}');
    return undefined;
  }
  if (join.on !== undefined && typeof join.on !== 'string') ctx.problems.add(`${field}.Join.on`, 'must be a string');
  join.values.forEach((v, i) => scanExpressions(v, `${field}.Join.values[${i}]`, ctx));
  return schemaType({ type: 'string' });
}

/** Checks every expression inside any JSON value (a pass step's output, a payload). */
export function scanExpressions(value: unknown, field: string, ctx: RefContext): void {
  if (looksLikeExpression(value)) {
    typeOfExpression(value, field, ctx);
  } else if (Array.isArray(value)) {
    value.forEach((v, i) => scanExpressions(v, `${field}[${i}]`, ctx));
  } else if (isObject(value)) {
    for (const [k, v] of Object.entries(value)) scanExpressions(v, `${field}.${k}`, ctx);
  }
}

function typeOfPath(path: string, field: string, ctx: RefContext): ValueType | undefined {
  const [root, ...rest] = path.split('.');
  switch (root) {
    case 'Parameters': {
      const spec = rest[0] !== undefined && Object.hasOwn(ctx.parameters, rest[0]) ? ctx.parameters[rest[0]] : undefined;
      if (!spec) {
        ctx.problems.add(field, rest[0] === undefined ? 'names no parameter (Parameters.<name>)' : `refers to the parameter '${rest[0]}', which the definition does not declare`);
        return undefined;
      }
      return walkSchema(PARAMETER_SCHEMAS[spec.type] ?? ANY, rest.slice(1), `Parameters.${rest[0]}`, field, ctx);
    }
    case 'Steps':
      return typeOfStepPath(rest, field, ctx);
    case 'Execution':
      if (rest.length !== 1 || !(EXECUTION_FIELDS as readonly string[]).includes(rest[0])) {
        ctx.problems.add(field, `Execution has ${EXECUTION_FIELDS.map((f) => `Execution.${f}`).join(', ')}`);
        return undefined;
      }
      return schemaType({ type: rest[0] === 'version' ? 'integer' : 'string' });
    case 'Item':
    case 'Index':
      if (ctx.from.forEach === null) {
        ctx.problems.add(field, `${root} is defined only inside a for-each body`);
        return undefined;
      }
      if (root === 'Index' && rest.length) {
        ctx.problems.add(field, 'Index is a number: it has no properties');
        return undefined;
      }
      return schemaType(root === 'Index' ? { type: 'integer' } : ANY);
    default:
      ctx.problems.add(field, `'${path}' starts with neither of ${EXPRESSION_ROOTS.join(', ')}`);
      return undefined;
  }
}

function typeOfStepPath(rest: string[], field: string, ctx: RefContext): ValueType | undefined {
  const [name, ...props] = rest;
  const target = name === undefined ? undefined : ctx.steps.get(name);
  if (!target) {
    ctx.problems.add(field, name === undefined ? 'names no step (Steps.<name>)' : `refers to the step '${name}', which the definition does not have`);
    return undefined;
  }
  if (target.name === ctx.from.name) {
    ctx.problems.add(field, `the step '${name}' refers to itself`);
    return undefined;
  }
  if (ctx.ancestors.has(target.name)) {
    ctx.problems.add(field, `refers to '${name}', which contains this step (a cycle: it ends only after its body)`);
    return undefined;
  }
  if (target.forEach !== null && !ctx.ancestors.has(target.forEach)) {
    ctx.problems.add(field, `refers to '${name}', which is inside the body of the for-each '${target.forEach}': only steps of that body can refer to it (use Steps.${target.forEach}.results)`);
    return undefined;
  }
  if (props.length === 0) return { kind: 'step', stepType: target.type };
  return walkSchema(StepOutputs[target.type] as unknown as Json, props, `Steps.${name}`, field, ctx);
}

/** Follows property names (and list indexes) through a schema; a `{}` schema is any value, and so is everything below it. */
function walkSchema(schema: Json, props: string[], base: string, field: string, ctx: RefContext): ValueType | undefined {
  let current = schema;
  let path = base;
  for (const prop of props) {
    if (current.type === undefined && current.anyOf === undefined) return schemaType(ANY);
    const properties = isObject(current.properties) ? current.properties : undefined;
    if (current.type === 'object' && properties && Object.hasOwn(properties, prop)) {
      current = properties[prop] as Json;
    } else if (current.type === 'object' && isObject(current.additionalProperties)) {
      current = current.additionalProperties;
    } else if (current.type === 'array' && /^\d+$/.test(prop)) {
      current = isObject(current.items) ? current.items : ANY;
    } else {
      const has = current.type === 'object' && properties ? ` (it has ${Object.keys(properties).join(', ') || 'no properties'})` : ` (it is ${describeSchema(current)})`;
      ctx.problems.add(field, `${path} has no property '${prop}'${has}`);
      return undefined;
    }
    path = `${path}.${prop}`;
  }
  return schemaType(current);
}

// ---- types and their compatibility -----------------------------------------------------------

/** Whether a value of type `actual` may stand where `expected` is declared (an integer is a number). */
export function compatible(actual: ValueType, expected: Json, stepTypes: readonly StepType[] = []): boolean {
  if (isAny(expected)) return true;
  if (actual.kind === 'step') return stepTypes.includes(actual.stepType);
  if (isAny(actual.schema)) return true;
  if (Array.isArray(expected.anyOf)) return expected.anyOf.some((s) => compatible(actual, s as Json));
  const a = actual.schema.type;
  if (expected.type === 'number') return a === 'number' || a === 'integer';
  return a === expected.type;
}

export const isAny = (schema: Json): boolean => schema.type === undefined && schema.anyOf === undefined && schema.const === undefined;

const ARTICLE: Record<string, string> = { string: 'a string', integer: 'an integer', number: 'a number', boolean: 'a boolean', array: 'a list', object: 'an object', null: 'null' };

export function describeSchema(schema: Json): string {
  if (Array.isArray(schema.anyOf)) return schema.anyOf.map((s) => describeSchema(s as Json)).join(' or ');
  if (typeof schema.type === 'string') return ARTICLE[schema.type] ?? schema.type;
  return 'any value';
}

export function describeType(t: ValueType): string {
  return t.kind === 'step' ? `a whole step (step:${t.stepType})` : describeSchema(t.schema);
}

/** The type of a literal JSON value. */
export function typeOfLiteral(value: unknown): ValueType {
  if (Array.isArray(value)) return schemaType({ type: 'array', items: ANY });
  if (value === null) return schemaType({ type: 'null' });
  if (typeof value === 'number') return schemaType({ type: Number.isInteger(value) ? 'integer' : 'number' });
  if (typeof value === 'object') return schemaType({ type: 'object' });
  return schemaType({ type: typeof value });
}

// ---- conditions --------------------------------------------------------------------------------

const NUMBER: Json = { type: 'number' };
const BOOLEAN: Json = { type: 'boolean' };

/** Checks a condition: its operators, its references, and that comparisons compare like with like. */
export function checkCondition(cond: unknown, field: string, ctx: RefContext): void {
  if (typeof cond === 'boolean') return;
  if (looksLikeExpression(cond)) {
    const t = typeOfExpression(cond, field, ctx);
    if (t && !compatible(t, BOOLEAN)) ctx.problems.add(field, `a condition must be a boolean, and ${labelOf(cond)} is ${describeType(t)}`);
    return;
  }
  const keys = isObject(cond) ? Object.keys(cond) : [];
  if (!isObject(cond) || keys.length !== 1) {
    ctx.problems.add(field, `must be a condition: one of ${[...COMPARISON_OPERATORS, 'in', 'and', 'or', 'not'].join(', ')}, true, false or a Get to a boolean`);
    return;
  }
  const op = keys[0];
  const arg = cond[op];
  const at = `${field}.${op}`;
  if (op === 'and' || op === 'or') {
    if (!Array.isArray(arg) || arg.length === 0) ctx.problems.add(at, 'must be a non-empty list of conditions');
    else arg.forEach((c, i) => checkCondition(c, `${at}[${i}]`, ctx));
  } else if (op === 'not') {
    checkCondition(arg, at, ctx);
  } else if (op === 'in' || (COMPARISON_OPERATORS as readonly string[]).includes(op)) {
    if (!Array.isArray(arg) || arg.length !== 2) {
      ctx.problems.add(at, 'must be a list of two operands');
      return;
    }
    const types = arg.map((v, i) => operandType(v, `${at}[${i}]`, ctx));
    checkOperands(op, types, arg.map(labelOf), at, ctx);
  } else {
    ctx.problems.add(field, `unknown operator '${op}' (expected ${[...COMPARISON_OPERATORS, 'in', 'and', 'or', 'not'].join(', ')})`);
  }
}

function operandType(value: unknown, field: string, ctx: RefContext): ValueType | undefined {
  if (looksLikeExpression(value)) return typeOfExpression(value, field, ctx);
  scanExpressions(value, field, ctx);
  return typeOfLiteral(value);
}

/** How a message names an operand: its Get path, or the value as written. */
function labelOf(value: unknown): string {
  if (isObject(value) && typeof value.Get === 'string') return value.Get;
  if (isObject(value) && Object.hasOwn(value, 'Join')) return 'the Join';
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 40 ? `${text.slice(0, 37)}...` : text;
}

/** Comparable classes: numbers with numbers, and so on; undefined for any value. */
function classOf(t: ValueType): string | undefined {
  if (t.kind === 'step') return 'step';
  if (isAny(t.schema)) return undefined;
  return t.schema.type === 'integer' ? 'number' : String(t.schema.type);
}

function checkOperands(op: string, types: (ValueType | undefined)[], labels: string[], at: string, ctx: RefContext): void {
  const [a, b] = types;
  if ((NUMERIC_OPERATORS as readonly string[]).includes(op)) {
    types.forEach((t, i) => {
      if (t && !compatible(t, NUMBER)) ctx.problems.add(`${at}[${i}]`, `'${op}' compares numbers, and ${labels[i]} is ${describeType(t)}`);
    });
  } else if (op === 'in') {
    if (b && classOf(b) !== undefined && classOf(b) !== 'array') ctx.problems.add(`${at}[1]`, `'in' needs a list as its second operand, and ${labels[1]} is ${describeType(b)}`);
  } else if (a && b) {
    const [ca, cb] = [classOf(a), classOf(b)];
    if (ca !== undefined && cb !== undefined && ca !== cb && ca !== 'null' && cb !== 'null') {
      ctx.problems.add(at, `'${op}' compares ${labels[0]} (${describeType(a)}) with ${labels[1]} (${describeType(b)})`);
    }
  }
}
