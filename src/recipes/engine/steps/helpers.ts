/** Helpers the step kinds share: columns in place, numbers and category keys in SQL, kind checks, categories. */
import { OrchardError } from '../../../core/errors.js';
import { sqlIdent, sqlString } from '../../../data/duckdb-session.js';
import { type Col, type Value, compareKeys, isIntegerType, kindOf } from '../values.js';
import type { FitContext, SqlEnv, RowFn, OutCol } from './types.js';

/** The most categories `one_hot` and `ordinal` accept per column. */
export const MAX_CATEGORIES = 1000;

export const id = sqlIdent;
export const ONE = 'CAST(1 AS DOUBLE)';
export const ZERO = 'CAST(0 AS DOUBLE)';
export const NAN = "CAST('NaN' AS DOUBLE)";

export function index(cols: Col[], name: string): number {
  const i = cols.findIndex((c) => c.name === name);
  if (i < 0) throw new OrchardError('ORCH_RECIPE_COLUMN_MISSING', { message: `No column ${JSON.stringify(name)}`, details: { column: name } });
  return i;
}

export function typeOf(cols: Col[], name: string): string {
  return cols.find((c) => c.name === name)?.type ?? '';
}

/** Columns in place: each named column replaced by what `f` gives, the others passed on. */
export function replaceCols(cols: Col[], names: readonly string[], f: (c: Col) => OutCol[]): OutCol[] {
  const set = new Set(names);
  return cols.flatMap((c) => (set.has(c.name) ? f(c) : [{ name: c.name, type: c.type, from: c.name }]));
}

/** The SELECT list for columns in place: each named column's expressions, the others as they are. */
export function replaceSql(env: SqlEnv, cols: Col[], names: readonly string[], f: (c: Col) => Array<[string, string]>, from = env.src, where?: string): string {
  const set = new Set(names);
  const items = [...env.hidden];
  for (const c of cols) {
    if (set.has(c.name)) for (const [name, expr] of f(c)) items.push(`${expr} AS ${id(name)}`);
    else items.push(id(c.name));
  }
  return `SELECT ${items.join(', ')} FROM ${from}${where ? ` WHERE ${where}` : ''}`;
}

/** The row function for columns in place. */
export function replaceJs(cols: Col[], names: readonly string[], f: (c: Col) => (v: Value, row: Value[]) => Value[]): RowFn {
  const set = new Set(names);
  const parts = cols.map((c, i) => (set.has(c.name) ? { i, f: f(c) } : { i, f: null }));
  return (row) => {
    const out: Value[] = [];
    for (const p of parts) {
      if (p.f) for (const v of p.f(row[p.i], row)) out.push(v);
      else out.push(row[p.i]);
    }
    return out;
  };
}

export function num(v: Value): number | null {
  if (v === null) return null;
  if (typeof v === 'boolean') return v ? 1 : 0;
  return v as number;
}

/** A column's value as float64 in SQL. */
export function numSql(c: Col): string {
  return kindOf(c.type) === 'boolean' ? `CAST(CAST(${id(c.name)} AS INTEGER) AS DOUBLE)` : `CAST(${id(c.name)} AS DOUBLE)`;
}

/** A column's value as the category key text in SQL (text, whole numbers, booleans). */
export function keySql(c: Col): string {
  return kindOf(c.type) === 'string' ? id(c.name) : `CAST(${id(c.name)} AS VARCHAR)`;
}

export function needKind(cols: Col[], names: string[], allowed: (type: string) => boolean, what: string, problem: (m: string) => void): void {
  for (const name of names) {
    const type = typeOf(cols, name);
    if (type && type !== '?' && !allowed(type)) problem(`column ${JSON.stringify(name)} is ${type}; ${what}`);
  }
}

export const isNumeric = (t: string) => kindOf(t) === 'number' || kindOf(t) === 'boolean';
export const isCategorical = (t: string) => kindOf(t) === 'string' || kindOf(t) === 'boolean' || isIntegerType(t);

export function sortCategories(keys: string[], type: string): string[] {
  if (isIntegerType(type)) return keys.sort((a, b) => Number(a) - Number(b));
  return keys.sort(compareKeys);
}

/** Calls `error()` in SQL with a message the engine maps back to ORCH_RECIPE_UNKNOWN_CATEGORY. */
export function unknownGuard(c: Col, known: string[]): string {
  const key = keySql(c);
  const list = known.length ? known.map(sqlString).join(', ') : 'NULL';
  return `(CASE WHEN ${key} IS NOT NULL AND ${key} NOT IN (${list}) THEN error(concat('orch-unknown-category', chr(31), ${sqlString(c.name)}, chr(31), ${key})) ELSE TRUE END)`;
}

export const UNKNOWN_CATEGORY_MARK = /orch-unknown-category\x1f([^\x1f]*)\x1f(.*)$/s;

export function unknownCategory(column: string, value: string): OrchardError {
  return new OrchardError('ORCH_RECIPE_UNKNOWN_CATEGORY', {
    message: `Unknown category ${JSON.stringify(value)} in column ${JSON.stringify(column)} (not seen when the recipe was fitted)`,
    details: { column, value },
  });
}

export function fitProblem(field: string, message: string): OrchardError {
  return new OrchardError('ORCH_RECIPE_INVALID', { message: `${field}: ${message}`, details: { errors: [{ field, code: 'ORCH_RECIPE_INVALID', message: `${field}: ${message}` }] } });
}

/** The distinct non-missing keys of a column with their counts. */
export async function categoriesOf(ctx: FitContext, c: Col): Promise<string[]> {
  const rows = await ctx.query(`SELECT DISTINCT ${keySql(c)} FROM ${ctx.src} WHERE ${id(c.name)} IS NOT NULL LIMIT ${MAX_CATEGORIES + 1}`);
  if (rows.length > MAX_CATEGORIES) {
    throw fitProblem(ctx.field, `column ${JSON.stringify(c.name)} has more than ${MAX_CATEGORIES} categories; use target_encode or tfidf for it`);
  }
  return sortCategories(rows.map((r) => String(r[0])), c.type);
}
