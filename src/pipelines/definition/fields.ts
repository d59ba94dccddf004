/**
 * Checks a value against a field's declared JSON Schema (the contract's), reporting each
 * problem at its own path. An expression may stand anywhere a value may (its type must
 * fit the declaration), except in literal fields (names, nested steps, common fields).
 */
import type { StepType } from '../../contracts/pipeline-definition.contract.js';
import { type RefContext, compatible, describeSchema, describeType, isAny, looksLikeExpression, scanExpressions, typeOfExpression } from './expression-types.js';
import { type Json, Problems, isObject } from './types.js';

export interface FieldOptions {
  /** No expression allowed here (or below). */
  literal?: boolean;
  /** A whole step of these types may stand here (`{"Get": "Steps.<s>"}`). */
  stepTypes?: readonly StepType[];
}

export function checkValue(value: unknown, schema: Json, field: string, ctx: RefContext, opts: FieldOptions = {}): void {
  if (looksLikeExpression(value)) {
    if (opts.literal) {
      ctx.problems.add(field, 'takes a value as written, not an expression');
      return;
    }
    const t = typeOfExpression(value, field, ctx);
    const what = typeof value.Get === 'string' ? value.Get : 'the Join';
    if (t && !compatible(t, schema, opts.stepTypes)) ctx.problems.add(field, `expects ${describeExpected(schema, opts)}, and ${what} is ${describeType(t)}`);
    return;
  }
  if (value === undefined) return;
  if (Array.isArray(schema.anyOf)) {
    checkUnion(value, schema.anyOf as Json[], field, ctx, opts);
    return;
  }
  if (schema.const !== undefined) {
    if (value !== schema.const) ctx.problems.add(field, `must be ${JSON.stringify(schema.const)}`);
    return;
  }
  switch (schema.type) {
    case 'object':
      checkObject(value, schema, field, ctx, opts);
      return;
    case 'array':
      checkArray(value, schema, field, ctx, opts);
      return;
    case 'string':
      checkString(value, schema, field, ctx);
      return;
    case 'integer':
    case 'number':
      checkNumber(value, schema, field, ctx);
      return;
    case 'boolean':
      if (typeof value !== 'boolean') ctx.problems.add(field, 'must be true or false');
      return;
    default:
      if (isAny(schema) && !opts.literal) scanExpressions(value, field, ctx);
  }
}

function describeExpected(schema: Json, opts: FieldOptions): string {
  const steps = opts.stepTypes?.length ? ` or a whole ${opts.stepTypes.join(' / ')} step` : '';
  return describeSchema(schema) + steps;
}

function checkUnion(value: unknown, branches: Json[], field: string, ctx: RefContext, opts: FieldOptions): void {
  for (const branch of branches) {
    const trial = new Problems();
    checkValue(value, branch, field, { ...ctx, problems: trial }, opts);
    if (trial.list.length === 0) return;
  }
  ctx.problems.add(field, `must be ${describeSchema({ anyOf: branches })}`);
}

function checkObject(value: unknown, schema: Json, field: string, ctx: RefContext, opts: FieldOptions): void {
  if (!isObject(value)) {
    ctx.problems.add(field, 'must be an object');
    return;
  }
  const properties = (isObject(schema.properties) ? schema.properties : {}) as Record<string, Json>;
  for (const key of (schema.required as string[] | undefined) ?? []) {
    if (value[key] === undefined) ctx.problems.add(`${field}.${key}`, 'is required');
  }
  const keys = Object.keys(value);
  if (typeof schema.maxProperties === 'number' && keys.length > schema.maxProperties) ctx.problems.add(field, `has more than ${schema.maxProperties} entries`);
  if (typeof schema.minProperties === 'number' && keys.length < schema.minProperties) ctx.problems.add(field, `needs at least ${schema.minProperties} entr${schema.minProperties === 1 ? 'y' : 'ies'}`);
  for (const key of keys) {
    const sub = Object.hasOwn(properties, key) ? properties[key] : isObject(schema.additionalProperties) ? schema.additionalProperties : undefined;
    if (sub) checkValue(value[key], sub, `${field}.${key}`, ctx, { literal: opts.literal });
    else if (schema.additionalProperties === false) ctx.problems.add(`${field}.${key}`, `unknown field (expected ${Object.keys(properties).join(', ')})`);
  }
}

function checkArray(value: unknown, schema: Json, field: string, ctx: RefContext, opts: FieldOptions): void {
  if (!Array.isArray(value)) {
    ctx.problems.add(field, 'must be a list');
    return;
  }
  if (typeof schema.minItems === 'number' && value.length < schema.minItems) ctx.problems.add(field, `needs at least ${schema.minItems} item${schema.minItems === 1 ? '' : 's'}`);
  if (typeof schema.maxItems === 'number' && value.length > schema.maxItems) ctx.problems.add(field, `has more than ${schema.maxItems} items`);
  const items = isObject(schema.items) ? schema.items : {};
  value.forEach((v, i) => checkValue(v, items, `${field}[${i}]`, ctx, { literal: opts.literal }));
}

function checkString(value: unknown, schema: Json, field: string, ctx: RefContext): void {
  if (typeof value !== 'string') {
    ctx.problems.add(field, 'must be a string');
    return;
  }
  if (Array.isArray(schema.enum)) {
    if (!schema.enum.includes(value)) ctx.problems.add(field, `must be one of ${schema.enum.join(', ')} (got '${value}')`);
    return;
  }
  if (typeof schema.minLength === 'number' && value.length < schema.minLength) ctx.problems.add(field, schema.minLength === 1 ? 'must not be empty' : `must be at least ${schema.minLength} characters`);
  if (typeof schema.maxLength === 'number' && value.length > schema.maxLength) ctx.problems.add(field, `must be at most ${schema.maxLength} characters`);
  if (typeof schema.pattern === 'string' && !new RegExp(schema.pattern).test(value)) ctx.problems.add(field, `'${value.slice(0, 80)}' does not match ${schema.pattern}`);
}

function checkNumber(value: unknown, schema: Json, field: string, ctx: RefContext): void {
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    ctx.problems.add(field, `must be ${schema.type === 'integer' ? 'an integer' : 'a number'}`);
    return;
  }
  if (schema.type === 'integer' && !Number.isInteger(value)) ctx.problems.add(field, `must be an integer (got ${value})`);
  if (typeof schema.minimum === 'number' && value < schema.minimum) ctx.problems.add(field, `must be at least ${schema.minimum} (got ${value})`);
  if (typeof schema.maximum === 'number' && value > schema.maximum) ctx.problems.add(field, `must be at most ${schema.maximum} (got ${value})`);
  if (typeof schema.exclusiveMinimum === 'number' && value <= schema.exclusiveMinimum) ctx.problems.add(field, `must be more than ${schema.exclusiveMinimum} (got ${value})`);
}
