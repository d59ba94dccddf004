/**
 * The step catalogue. Each kind says, for one step: its options (validated, defaults
 * filled), the columns it reads, its output columns, how it fits (aggregate queries over
 * the rows reaching it), its SQL (one SELECT over the previous step's relation) and its
 * online function over one row (null for the steps that drop or route rows, which act in
 * batch only). The SQL and the row function compute the same float64 numbers: plain
 * arithmetic is written identically on both sides, and everything else (logarithms,
 * powers, sines, hashing, text parsing) runs through the functions of math.ts on both.
 */
import { OrchardError } from '../../core/errors.js';
import { sqlIdent, sqlString } from '../../data/duckdb-session.js';
import { type Expr, checkExpr, exprColumns, exprToSql, parseExpr, ExprError } from './expr.js';
import type { StepKind } from './index.js';
import { CYCLE, DATE_PARTS, type DatePart, type TfidfParams, cyclic, datePart, logOffset, powerOf, smoothIdf, tfidfVector, yeoJohnson, fitYeoJohnsonLambda } from './math.js';
import type { Options } from './options.js';
import { type ScalarSpec, tfidfFunction } from './udf.js';
import {
  type Col,
  type Value,
  NUMBER_TEXT_SQL,
  categoryKey,
  compareKeys,
  dateText,
  isIntegerType,
  kindOf,
  parseDateText,
  parseNumberText,
  sqlDouble,
} from './values.js';

/** The most categories `one_hot` and `ordinal` accept per column. */
export const MAX_CATEGORIES = 1000;

export interface FitContext {
  /** A relation holding the rows this step is fitted on, with the columns before it. */
  src: string;
  cols: Col[];
  target?: string;
  /** Runs a query; rows of plain JS values (BIGINT as number). */
  query(sql: string): Promise<unknown[][]>;
  /** A query's DOUBLE columns, each written `COALESCE(x, 'NaN'::DOUBLE)`, as float64 arrays without the missing values. */
  numbers(sql: string): Promise<Float64Array[]>;
  field: string;
}

export interface SqlEnv {
  /** The previous relation. */
  src: string;
  /** Hidden bookkeeping columns carried along (`__orch_row`, …), already quoted. */
  hidden: string[];
  /** SQL condition: this row is one the recipe was fitted on and `fitRows` was asked. */
  inFit: string;
  /** A short unique id for this step's helper names. */
  id: string;
  target?: string;
}

export interface SqlPart {
  sql: string;
  /** Statements to run before the query (lookup tables). */
  setup?: string[];
  functions?: ScalarSpec[];
  /** The step does not keep row order (joins, windows): the output sorts by row number. */
  reorders?: boolean;
  /** Hidden columns after this step (when it adds one). */
  hidden?: string[];
}

export type RowFn = (row: Value[]) => Value[];

/** A column after a step; `from` names the column of the previous step it derives from. */
export interface OutCol extends Col {
  from?: string;
  /** Only in check mode: a family of columns known after fit (`color_…` of one_hot), named by prefix. */
  dynamic?: boolean;
}

export interface StepDef<O = unknown, P = unknown> {
  validate(o: Options): O;
  /** Columns of the previous step this one reads. */
  reads(o: O, cols: Col[], target: string | undefined): string[];
  /** Kind checks and other static problems, reported through `problem`. */
  check?(o: O, cols: Col[], target: string | undefined, problem: (message: string) => void): void;
  /** Rows routed or dropped (filter, dedupe, split): batch only, skipped online; may read the target. */
  batchOnly?: boolean;
  /** Reads the target (allowed) and needs one. */
  needsTarget?: boolean | ((o: O) => boolean);
  fit?(o: O, ctx: FitContext): Promise<P>;
  /** Output columns; `p` is undefined in check mode (before fit). */
  columns(o: O, p: P | undefined, cols: Col[]): OutCol[];
  sql(o: O, p: P, cols: Col[], env: SqlEnv): SqlPart;
  js(o: O, p: P, cols: Col[]): RowFn | null;
}

// ---------------------------------------------------------------- helpers

const id = sqlIdent;
const ONE = 'CAST(1 AS DOUBLE)';
const ZERO = 'CAST(0 AS DOUBLE)';
const NAN = "CAST('NaN' AS DOUBLE)";

function index(cols: Col[], name: string): number {
  const i = cols.findIndex((c) => c.name === name);
  if (i < 0) throw new OrchardError('ORCH_RECIPE_COLUMN_MISSING', { message: `No column ${JSON.stringify(name)}`, details: { column: name } });
  return i;
}

function typeOf(cols: Col[], name: string): string {
  return cols.find((c) => c.name === name)?.type ?? '';
}

/** Columns in place: each named column replaced by what `f` gives, the others passed on. */
function replaceCols(cols: Col[], names: readonly string[], f: (c: Col) => OutCol[]): OutCol[] {
  const set = new Set(names);
  return cols.flatMap((c) => (set.has(c.name) ? f(c) : [{ name: c.name, type: c.type, from: c.name }]));
}

/** The SELECT list for columns in place: each named column's expressions, the others as they are. */
function replaceSql(env: SqlEnv, cols: Col[], names: readonly string[], f: (c: Col) => Array<[string, string]>, from = env.src, where?: string): string {
  const set = new Set(names);
  const items = [...env.hidden];
  for (const c of cols) {
    if (set.has(c.name)) for (const [name, expr] of f(c)) items.push(`${expr} AS ${id(name)}`);
    else items.push(id(c.name));
  }
  return `SELECT ${items.join(', ')} FROM ${from}${where ? ` WHERE ${where}` : ''}`;
}

/** The row function for columns in place. */
function replaceJs(cols: Col[], names: readonly string[], f: (c: Col) => (v: Value, row: Value[]) => Value[]): RowFn {
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

function num(v: Value): number | null {
  if (v === null) return null;
  if (typeof v === 'boolean') return v ? 1 : 0;
  return v as number;
}

/** A column's value as float64 in SQL. */
function numSql(c: Col): string {
  return kindOf(c.type) === 'boolean' ? `CAST(CAST(${id(c.name)} AS INTEGER) AS DOUBLE)` : `CAST(${id(c.name)} AS DOUBLE)`;
}

/** A column's value as the category key text in SQL (text, whole numbers, booleans). */
function keySql(c: Col): string {
  return kindOf(c.type) === 'string' ? id(c.name) : `CAST(${id(c.name)} AS VARCHAR)`;
}

function needKind(cols: Col[], names: string[], allowed: (type: string) => boolean, what: string, problem: (m: string) => void): void {
  for (const name of names) {
    const type = typeOf(cols, name);
    if (type && type !== '?' && !allowed(type)) problem(`column ${JSON.stringify(name)} is ${type}; ${what}`);
  }
}

const isNumeric = (t: string) => kindOf(t) === 'number' || kindOf(t) === 'boolean';
const isCategorical = (t: string) => kindOf(t) === 'string' || kindOf(t) === 'boolean' || isIntegerType(t);

function sortCategories(keys: string[], type: string): string[] {
  if (isIntegerType(type)) return keys.sort((a, b) => Number(a) - Number(b));
  return keys.sort(compareKeys);
}

/** Calls `error()` in SQL with a message the engine maps back to ORCH_RECIPE_UNKNOWN_CATEGORY. */
function unknownGuard(c: Col, known: string[]): string {
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

function fitProblem(field: string, message: string): OrchardError {
  return new OrchardError('ORCH_RECIPE_INVALID', { message: `${field}: ${message}`, details: { errors: [{ field, code: 'ORCH_RECIPE_INVALID', message: `${field}: ${message}` }] } });
}

/** The distinct non-missing keys of a column with their counts. */
async function categoriesOf(ctx: FitContext, c: Col): Promise<string[]> {
  const rows = await ctx.query(`SELECT DISTINCT ${keySql(c)} FROM ${ctx.src} WHERE ${id(c.name)} IS NOT NULL LIMIT ${MAX_CATEGORIES + 1}`);
  if (rows.length > MAX_CATEGORIES) {
    throw fitProblem(ctx.field, `column ${JSON.stringify(c.name)} has more than ${MAX_CATEGORIES} categories; use target_encode or tfidf for it`);
  }
  return sortCategories(rows.map((r) => String(r[0])), c.type);
}

// ---------------------------------------------------------------- select, drop, rename, cast

interface ColumnsOpt {
  columns: string[];
}

const select: StepDef<ColumnsOpt, null> = {
  validate(o) {
    o.only('columns');
    return { columns: o.columns() };
  },
  reads: (o) => o.columns,
  columns: (o, _p, cols) => o.columns.filter((n) => cols.some((c) => c.name === n)).map((n) => ({ name: n, type: typeOf(cols, n), from: n })),
  sql(o, _p, cols, env) {
    const names = o.columns.filter((n) => cols.some((c) => c.name === n));
    return { sql: `SELECT ${[...env.hidden, ...names.map(id)].join(', ')} FROM ${env.src}` };
  },
  js(o, _p, cols) {
    const at = o.columns.filter((n) => cols.some((c) => c.name === n)).map((n) => index(cols, n));
    return (row) => at.map((i) => row[i]);
  },
};

const drop: StepDef<ColumnsOpt, null> = {
  validate(o) {
    o.only('columns');
    return { columns: o.columns() };
  },
  reads: (o) => o.columns,
  columns: (o, _p, cols) => cols.filter((c) => !o.columns.includes(c.name)).map((c) => ({ ...c, from: c.name })),
  sql(o, _p, cols, env) {
    const keep = cols.filter((c) => !o.columns.includes(c.name)).map((c) => id(c.name));
    return { sql: `SELECT ${[...env.hidden, ...keep].join(', ')} FROM ${env.src}` };
  },
  js(o, _p, cols) {
    const at = cols.flatMap((c, i) => (o.columns.includes(c.name) ? [] : [i]));
    return (row) => at.map((i) => row[i]);
  },
};

interface RenameOpt {
  columns: Record<string, string>;
}

const rename: StepDef<RenameOpt, null> = {
  validate(o) {
    o.only('columns');
    const v = o.raw.columns;
    if (typeof v !== 'object' || v === null || Array.isArray(v) || Object.keys(v).length === 0) {
      o.problem('must map old names to new names, e.g. {"x1": "age"}', `${o.field}.columns`);
      return { columns: {} };
    }
    for (const [from, to] of Object.entries(v)) {
      if (typeof to !== 'string' || to === '') o.problem('must be a non-empty name', `${o.field}.columns.${from}`);
    }
    const targets = Object.values(v);
    const dup = targets.find((t, i) => targets.indexOf(t) !== i);
    if (dup !== undefined) o.problem(`gives two columns the name ${JSON.stringify(dup)}`, `${o.field}.columns`);
    return { columns: v as Record<string, string> };
  },
  reads: (o) => Object.keys(o.columns),
  check(o, cols, _t, problem) {
    const renamed = new Set(Object.keys(o.columns));
    for (const to of Object.values(o.columns)) {
      if (cols.some((c) => c.name === to && !renamed.has(c.name))) problem(`column ${JSON.stringify(to)} exists already`);
    }
  },
  columns: (o, _p, cols) => cols.map((c) => ({ name: o.columns[c.name] ?? c.name, type: c.type, from: c.name })),
  sql(o, _p, cols, env) {
    const items = cols.map((c) => (o.columns[c.name] ? `${id(c.name)} AS ${id(o.columns[c.name])}` : id(c.name)));
    return { sql: `SELECT ${[...env.hidden, ...items].join(', ')} FROM ${env.src}` };
  },
  js: () => (row) => row,
};

const CAST_TARGETS = ['double', 'bigint', 'varchar', 'boolean', 'date', 'timestamp'] as const;
type CastTo = (typeof CAST_TARGETS)[number];
interface CastOpt {
  columns: string[];
  to: CastTo;
}
const CAST_TYPE: Record<CastTo, string> = { double: 'DOUBLE', bigint: 'BIGINT', varchar: 'VARCHAR', boolean: 'BOOLEAN', date: 'DATE', timestamp: 'TIMESTAMP' };
const TRUE_TEXT = ['true', 't', '1', 'yes', 'y'];
const FALSE_TEXT = ['false', 'f', '0', 'no', 'n'];
const MAX_BIGINT = 9223372036854775807;

function castSql(c: Col, to: CastTo): string {
  const x = id(c.name);
  const kind = kindOf(c.type);
  const parsed = `(CASE WHEN regexp_full_match(${x}, ${sqlString(NUMBER_TEXT_SQL)}) THEN TRY_CAST(trim(${x}) AS DOUBLE) END)`;
  const asDouble = kind === 'string' ? parsed : kind === 'boolean' ? `CAST(CAST(${x} AS INTEGER) AS DOUBLE)` : `CAST(${x} AS DOUBLE)`;
  switch (to) {
    case 'double':
      return asDouble;
    case 'bigint':
      return isIntegerType(c.type) ? `CAST(${x} AS BIGINT)` : `TRY_CAST(round(${asDouble}) AS BIGINT)`;
    case 'varchar':
      if (kind === 'string') return x;
      if (kind === 'date') return `orch_date_text(CAST(epoch_ms(CAST(${x} AS TIMESTAMP)) AS DOUBLE), ${c.type === 'DATE' ? 'TRUE' : 'FALSE'})`;
      if (kind === 'number' && !isIntegerType(c.type)) return `orch_num_text(${x})`;
      return `CAST(${x} AS VARCHAR)`;
    case 'boolean':
      if (kind === 'boolean') return x;
      if (kind === 'number') return `(CAST(${x} AS DOUBLE) <> 0)`;
      return `(CASE WHEN lower(trim(${x})) IN (${TRUE_TEXT.map(sqlString).join(', ')}) THEN TRUE WHEN lower(trim(${x})) IN (${FALSE_TEXT.map(sqlString).join(', ')}) THEN FALSE END)`;
    case 'date':
    case 'timestamp': {
      const ts = kind === 'date' ? `CAST(${x} AS TIMESTAMP)` : `make_timestamp(CAST(orch_date_ms(${x}) AS BIGINT) * 1000)`;
      return to === 'date' ? `CAST(${ts} AS DATE)` : ts;
    }
  }
}

function castJs(c: Col, to: CastTo): (v: Value) => Value {
  const kind = kindOf(c.type);
  const asDouble = (v: Value): number | null => {
    if (v === null) return null;
    if (typeof v === 'string') {
      const n = parseNumberText(v);
      return n === null || !Number.isFinite(n) ? null : n;
    }
    return num(v);
  };
  switch (to) {
    case 'double':
      return asDouble;
    case 'bigint':
      return (v) => {
        const d = asDouble(v);
        if (d === null) return null;
        const r = Math.sign(d) * Math.round(Math.abs(d)) + 0; // + 0: no negative zero in a whole number
        return Math.abs(r) >= MAX_BIGINT ? null : r;
      };
    case 'varchar':
      if (kind === 'date') return (v) => (v === null ? null : dateText(v as number, c.type === 'DATE'));
      return (v) => (v === null ? null : String(v));
    case 'boolean':
      if (kind === 'boolean') return (v) => v;
      if (kind === 'number') return (v) => (v === null ? null : v !== 0);
      return (v) => {
        if (v === null) return null;
        const s = String(v).trim().toLowerCase();
        return TRUE_TEXT.includes(s) ? true : FALSE_TEXT.includes(s) ? false : null;
      };
    case 'date':
    case 'timestamp':
      return (v) => {
        if (v === null) return null;
        const ms = kind === 'date' ? (v as number) : parseDateText(v as string);
        if (ms === null) return null;
        return to === 'date' ? Math.floor(ms / 86_400_000) * 86_400_000 : ms;
      };
  }
}

const cast: StepDef<CastOpt, null> = {
  validate(o) {
    o.only('columns', 'to');
    if (o.raw.to === undefined) o.problem(`is required (one of ${CAST_TARGETS.join(', ')})`, `${o.field}.to`);
    return { columns: o.columns(), to: o.string('to', CAST_TARGETS, 'double') };
  },
  reads: (o) => o.columns,
  check(o, cols, _t, problem) {
    for (const name of o.columns) {
      const kind = kindOf(typeOf(cols, name));
      if (typeOf(cols, name) === '?') continue;
      if (kind === 'other') problem(`column ${JSON.stringify(name)} is ${typeOf(cols, name)}, which cast does not convert`);
      if ((o.to === 'double' || o.to === 'bigint') && kind === 'date') problem(`a date column (${JSON.stringify(name)}) does not cast to a number; use date_parts`);
      if ((o.to === 'date' || o.to === 'timestamp') && (kind === 'number' || kind === 'boolean')) problem(`column ${JSON.stringify(name)} is a number; only text and dates cast to ${o.to}`);
      if (o.to === 'boolean' && kind === 'date') problem(`a date column (${JSON.stringify(name)}) does not cast to boolean`);
    }
  },
  columns: (o, _p, cols) => replaceCols(cols, o.columns, (c) => [{ name: c.name, type: CAST_TYPE[o.to], from: c.name }]),
  sql: (o, _p, cols, env) => ({ sql: replaceSql(env, cols, o.columns, (c) => [[c.name, castSql(c, o.to)]]) }),
  js(o, _p, cols) {
    return replaceJs(cols, o.columns, (c) => {
      const f = castJs(c, o.to);
      return (v) => [f(v)];
    });
  },
};

// ---------------------------------------------------------------- impute

interface ImputeOpt {
  columns: string[];
  strategy: 'mean' | 'median' | 'most_frequent' | 'constant';
  value?: string | number | boolean;
}
interface ImputeParams {
  values: Record<string, string | number | boolean>;
}

function imputedType(c: Col): string {
  return isNumeric(c.type) && kindOf(c.type) !== 'boolean' ? 'DOUBLE' : c.type;
}

function literalSql(value: string | number | boolean, type: string): string {
  if (type === 'DOUBLE') return sqlDouble(value as number);
  if (type === 'BOOLEAN') return value ? 'TRUE' : 'FALSE';
  return sqlString(String(value));
}

const impute: StepDef<ImputeOpt, ImputeParams> = {
  validate(o) {
    o.only('columns', 'strategy', 'value');
    const strategy = o.string('strategy', ['mean', 'median', 'most_frequent', 'constant'] as const, 'mean');
    const value = o.raw.value;
    if (value !== undefined && typeof value !== 'string' && typeof value !== 'boolean' && !(typeof value === 'number' && Number.isFinite(value))) {
      o.problem('must be a number, a text or a boolean', `${o.field}.value`);
    }
    if (value !== undefined && strategy !== 'constant') o.problem('is used with strategy "constant" only', `${o.field}.value`);
    return { columns: o.columns(), strategy, value: value as ImputeOpt['value'] };
  },
  reads: (o) => o.columns,
  check(o, cols, _t, problem) {
    if (o.strategy === 'mean' || o.strategy === 'median') {
      needKind(cols, o.columns, (t) => kindOf(t) === 'number', `strategy "${o.strategy}" needs numbers (use most_frequent or constant)`, problem);
    }
    needKind(cols, o.columns, (t) => kindOf(t) !== 'date' && kindOf(t) !== 'other', 'impute fills numbers, text and booleans', problem);
    if (o.strategy === 'constant' && o.value !== undefined) {
      for (const name of o.columns) {
        const kind = kindOf(typeOf(cols, name));
        if (kind === 'number' && typeof o.value !== 'number') problem(`column ${JSON.stringify(name)} is numeric; the value must be a number`);
        if (kind === 'boolean' && typeof o.value !== 'boolean') problem(`column ${JSON.stringify(name)} is boolean; the value must be true or false`);
      }
    }
  },
  async fit(o, ctx) {
    const values: Record<string, string | number | boolean> = {};
    const cols = o.columns.map((n) => ctx.cols[index(ctx.cols, n)]);
    if (o.strategy === 'constant') {
      for (const c of cols) {
        const kind = kindOf(c.type);
        values[c.name] = o.value ?? (kind === 'number' ? 0 : kind === 'boolean' ? false : 'missing_value');
      }
    } else if (o.strategy === 'mean') {
      const [row] = await ctx.query(`SELECT ${cols.map((c) => `avg(CAST(${id(c.name)} AS DOUBLE))`).join(', ')} FROM ${ctx.src}`);
      cols.forEach((c, i) => {
        if (row[i] === null || row[i] === undefined) throw fitProblem(ctx.field, `column ${JSON.stringify(c.name)} has no values to take the mean of`);
        values[c.name] = Number(row[i]);
      });
    } else if (o.strategy === 'median') {
      // One aggregate pass: DuckDB's quantile_cont(x, 0.5) is numpy's median up to the
      // rounding of the midpoint of the two middle values (lo + (hi - lo) / 2 against
      // (lo + hi) / 2), a few units in the last place at most.
      const [row] = await ctx.query(`SELECT ${cols.map((c) => `quantile_cont(CAST(${id(c.name)} AS DOUBLE), 0.5)`).join(', ')} FROM ${ctx.src}`);
      cols.forEach((c, i) => {
        if (row[i] === null || row[i] === undefined) throw fitProblem(ctx.field, `column ${JSON.stringify(c.name)} has no values to take the median of`);
        values[c.name] = Number(row[i]);
      });
    } else {
      for (const c of cols) {
        const expr = kindOf(c.type) === 'number' ? `CAST(${id(c.name)} AS DOUBLE)` : id(c.name);
        const rows = await ctx.query(`SELECT ${expr} AS v, count(*) AS n FROM ${ctx.src} WHERE ${id(c.name)} IS NOT NULL GROUP BY v ORDER BY n DESC, v ASC LIMIT 1`);
        if (rows.length === 0) throw fitProblem(ctx.field, `column ${JSON.stringify(c.name)} has no values to take the most frequent of`);
        const v = rows[0][0];
        values[c.name] = kindOf(c.type) === 'number' ? Number(v) : (v as string | boolean);
      }
    }
    return { values };
  },
  columns: (o, _p, cols) => replaceCols(cols, o.columns, (c) => [{ name: c.name, type: imputedType(c), from: c.name }]),
  sql(o, p, cols, env) {
    return {
      sql: replaceSql(env, cols, o.columns, (c) => {
        const type = imputedType(c);
        const x = type === 'DOUBLE' ? `CAST(${id(c.name)} AS DOUBLE)` : id(c.name);
        return [[c.name, `COALESCE(${x}, ${literalSql(p.values[c.name], type)})`]];
      }),
    };
  },
  js(o, p, cols) {
    return replaceJs(cols, o.columns, (c) => {
      const type = imputedType(c);
      const fill = type === 'DOUBLE' ? Number(p.values[c.name]) : type === 'BOOLEAN' ? Boolean(p.values[c.name]) : String(p.values[c.name]);
      return type === 'DOUBLE' ? (v) => [v === null ? fill : num(v)] : (v) => [v === null ? fill : v];
    });
  },
};

// ---------------------------------------------------------------- dedupe, filter

interface DedupeOpt {
  columns?: string[];
}

const dedupe: StepDef<DedupeOpt, null> = {
  batchOnly: true,
  validate(o) {
    o.only('columns');
    return { columns: o.raw.columns === undefined ? undefined : o.columns() };
  },
  reads: (o, cols) => o.columns ?? cols.map((c) => c.name),
  columns: (_o, _p, cols) => cols.map((c) => ({ ...c, from: c.name })),
  sql(o, _p, cols, env) {
    const keys = (o.columns ?? cols.map((c) => c.name)).map(id);
    return {
      sql: `SELECT * FROM ${env.src} QUALIFY row_number() OVER (PARTITION BY ${keys.join(', ')} ORDER BY "__orch_row") = 1`,
      reorders: true,
    };
  },
  js: () => null,
};

interface FilterOpt {
  expr: string;
  tree?: Expr;
}

const filter: StepDef<FilterOpt, null> = {
  batchOnly: true,
  validate(o) {
    o.only('expr');
    const text = o.raw.expr;
    if (typeof text !== 'string' || text.trim() === '') {
      o.problem('is required: a condition such as "age >= 18 and country = \'NZ\'"', `${o.field}.expr`);
      return { expr: '' };
    }
    try {
      return { expr: text, tree: parseExpr(text) };
    } catch (err) {
      if (!(err instanceof ExprError)) throw err;
      o.problem(`does not parse: ${err.message}`, `${o.field}.expr`);
      return { expr: text };
    }
  },
  reads: (o) => (o.tree ? [...exprColumns(o.tree)] : []),
  check(o, cols, _t, problem) {
    if (!o.tree) return;
    const types = new Map(cols.filter((c) => c.type !== '?').map((c) => [c.name, c.type]));
    // Missing columns are reported as such; columns known after fit are checked then.
    if ([...exprColumns(o.tree)].some((n) => !types.has(n))) return;
    for (const m of checkExpr(o.tree, types)) problem(`expr: ${m}`);
  },
  columns: (_o, _p, cols) => cols.map((c) => ({ ...c, from: c.name })),
  sql(o, _p, cols, env) {
    const tree = o.tree ?? parseExpr(o.expr);
    return { sql: `SELECT * FROM ${env.src} WHERE ${exprToSql(tree, new Map(cols.map((c) => [c.name, c.type])))}` };
  },
  js: () => null,
};

// ---------------------------------------------------------------- one_hot, ordinal

interface EncodeOpt {
  columns: string[];
  unknown: 'error' | 'ignore';
  order?: Record<string, Array<string | number>>;
}
interface CategoriesParams {
  categories: Record<string, string[]>;
}
interface OneHotParams extends CategoriesParams {
  /** Per column: the output column of each category, in the categories' order. */
  names: Record<string, string[]>;
}

/**
 * `<column>_<category>` for each category; DuckDB (and so Parquet readers built on it)
 * compares names without case, so a name equal but for case to an earlier one gets `_2`,
 * `_3`, … added.
 */
function oneHotNames(column: string, categories: string[], taken: Set<string>): string[] {
  return categories.map((k) => {
    let name = `${column}_${k}`;
    for (let i = 2; taken.has(name.toLowerCase()); i++) name = `${column}_${k}_${i}`;
    taken.add(name.toLowerCase());
    return name;
  });
}

const one_hot: StepDef<EncodeOpt, OneHotParams> = {
  validate(o) {
    o.only('columns', 'unknown');
    return { columns: o.columns(), unknown: o.string('unknown', ['error', 'ignore'] as const, 'ignore') };
  },
  reads: (o) => o.columns,
  check: (o, cols, _t, problem) => needKind(cols, o.columns, isCategorical, 'one_hot encodes text, whole numbers and booleans (cast or bucketize it first)', problem),
  async fit(o, ctx) {
    const categories: Record<string, string[]> = {};
    const names: Record<string, string[]> = {};
    const taken = new Set(ctx.cols.filter((c) => !o.columns.includes(c.name)).map((c) => c.name.toLowerCase()));
    for (const name of o.columns) {
      categories[name] = await categoriesOf(ctx, ctx.cols[index(ctx.cols, name)]);
      names[name] = oneHotNames(name, categories[name], taken);
    }
    return { categories, names };
  },
  columns(o, p, cols) {
    return replaceCols(cols, o.columns, (c) =>
      p ? p.names[c.name].map((name) => ({ name, type: 'DOUBLE', from: c.name })) : [{ name: `${c.name}_`, type: '?', from: c.name, dynamic: true }],
    );
  },
  sql(o, p, cols, env) {
    const guards = o.unknown === 'error' ? o.columns.map((n) => unknownGuard(cols[index(cols, n)], p.categories[n])) : [];
    return {
      sql: replaceSql(
        env,
        cols,
        o.columns,
        (c) => p.categories[c.name].map((k, i) => [p.names[c.name][i], `(CASE WHEN ${keySql(c)} = ${sqlString(k)} THEN ${ONE} ELSE ${ZERO} END)`]),
        env.src,
        guards.length ? guards.join(' AND ') : undefined,
      ),
    };
  },
  js(o, p, cols) {
    return replaceJs(cols, o.columns, (c) => {
      const cats = p.categories[c.name];
      const at = new Map(cats.map((k, i) => [k, i]));
      return (v) => {
        const out: Value[] = new Array(cats.length).fill(0);
        const key = categoryKey(v);
        if (key === null) return out;
        const i = at.get(key);
        if (i === undefined) {
          if (o.unknown === 'error') throw unknownCategory(c.name, key);
        } else out[i] = 1;
        return out;
      };
    });
  },
};

const ordinal: StepDef<EncodeOpt, CategoriesParams> = {
  validate(o) {
    o.only('columns', 'unknown', 'order');
    const columns = o.columns();
    const order = o.raw.order;
    if (order !== undefined) {
      if (typeof order !== 'object' || order === null || Array.isArray(order)) o.problem('must map columns to their values in order', `${o.field}.order`);
      else {
        for (const [name, values] of Object.entries(order)) {
          if (!columns.includes(name)) o.problem(`names a column not in columns`, `${o.field}.order.${name}`);
          if (!Array.isArray(values) || values.length === 0 || values.some((v) => typeof v !== 'string' && typeof v !== 'number')) {
            o.problem('must be a non-empty list of values', `${o.field}.order.${name}`);
          }
        }
      }
    }
    return { columns, unknown: o.string('unknown', ['error', 'ignore'] as const, 'ignore'), order: order as EncodeOpt['order'] };
  },
  reads: (o) => o.columns,
  check: (o, cols, _t, problem) => needKind(cols, o.columns, isCategorical, 'ordinal encodes text, whole numbers and booleans', problem),
  async fit(o, ctx) {
    const categories: Record<string, string[]> = {};
    for (const name of o.columns) {
      const given = o.order?.[name];
      categories[name] = given ? given.map(String) : await categoriesOf(ctx, ctx.cols[index(ctx.cols, name)]);
    }
    return { categories };
  },
  columns: (o, _p, cols) => replaceCols(cols, o.columns, (c) => [{ name: c.name, type: 'DOUBLE', from: c.name }]),
  sql(o, p, cols, env) {
    const guards = o.unknown === 'error' ? o.columns.map((n) => unknownGuard(cols[index(cols, n)], p.categories[n])) : [];
    return {
      sql: replaceSql(
        env,
        cols,
        o.columns,
        (c) => {
          const key = keySql(c);
          const whens = p.categories[c.name].map((k, i) => `WHEN ${sqlString(k)} THEN CAST(${i} AS DOUBLE)`).join(' ');
          return [[c.name, `(CASE WHEN ${key} IS NULL THEN NULL ELSE (CASE ${key} ${whens} ELSE CAST(-1 AS DOUBLE) END) END)`]];
        },
        env.src,
        guards.length ? guards.join(' AND ') : undefined,
      ),
    };
  },
  js(o, p, cols) {
    return replaceJs(cols, o.columns, (c) => {
      const at = new Map(p.categories[c.name].map((k, i) => [k, i]));
      return (v) => {
        const key = categoryKey(v);
        if (key === null) return [null];
        const i = at.get(key);
        if (i === undefined && o.unknown === 'error') throw unknownCategory(c.name, key);
        return [i ?? -1];
      };
    });
  },
};

// ---------------------------------------------------------------- scale, bucketize, log, power

interface ScaleOpt {
  columns: string[];
  method: 'standard' | 'minmax' | 'robust';
}
interface AffineParams {
  /** Per column: (x - center) / scale. */
  params: Record<string, { center: number; scale: number }>;
}

function affineSql(env: SqlEnv, cols: Col[], names: string[], p: AffineParams, inner: (c: Col) => string = numSql): string {
  return replaceSql(env, cols, names, (c) => {
    const { center, scale } = p.params[c.name];
    return [[c.name, `((${inner(c)} - ${sqlDouble(center)}) / ${sqlDouble(scale)})`]];
  });
}

function affineJs(cols: Col[], names: string[], p: AffineParams, inner: (v: number) => number | null = (v) => v): RowFn {
  return replaceJs(cols, names, (c) => {
    const { center, scale } = p.params[c.name];
    return (v) => {
      const x = num(v);
      if (x === null) return [null];
      const y = inner(x);
      return [y === null ? null : (y - center) / scale];
    };
  });
}

const nonZero = (s: unknown): number => {
  const n = Number(s);
  return s === null || s === undefined || !Number.isFinite(n) || n === 0 ? 1 : n;
};

const scale: StepDef<ScaleOpt, AffineParams> = {
  validate(o) {
    o.only('columns', 'method');
    return { columns: o.columns(), method: o.string('method', ['standard', 'minmax', 'robust'] as const, 'standard') };
  },
  reads: (o) => o.columns,
  check: (o, cols, _t, problem) => needKind(cols, o.columns, isNumeric, 'scale needs numbers', problem),
  async fit(o, ctx) {
    const cols = o.columns.map((n) => ctx.cols[index(ctx.cols, n)]);
    const aggs = cols.flatMap((c) => {
      const x = numSql(c);
      if (o.method === 'standard') return [`avg(${x})`, `stddev_pop(${x})`];
      if (o.method === 'minmax') return [`min(${x})`, `max(${x})`];
      return [`quantile_cont(${x}, 0.5)`, `quantile_cont(${x}, 0.25)`, `quantile_cont(${x}, 0.75)`];
    });
    const [row] = await ctx.query(`SELECT ${aggs.join(', ')} FROM ${ctx.src}`);
    const params: AffineParams['params'] = {};
    const width = o.method === 'robust' ? 3 : 2;
    cols.forEach((c, i) => {
      const [a, b, d] = row.slice(i * width, i * width + width).map((v) => (v === null ? null : Number(v)));
      if (o.method === 'standard') params[c.name] = { center: a ?? 0, scale: nonZero(b) };
      else if (o.method === 'minmax') params[c.name] = { center: a ?? 0, scale: a === null || b === null ? 1 : nonZero(b - a) };
      else params[c.name] = { center: a ?? 0, scale: b === null || d === null ? 1 : nonZero(d - b) };
    });
    return { params };
  },
  columns: (o, _p, cols) => replaceCols(cols, o.columns, (c) => [{ name: c.name, type: 'DOUBLE', from: c.name }]),
  sql: (o, p, cols, env) => ({ sql: affineSql(env, cols, o.columns, p) }),
  js: (o, p, cols) => affineJs(cols, o.columns, p),
};

interface BucketizeOpt {
  columns: string[];
  edges?: number[];
  quantiles?: number;
}
interface BucketizeParams {
  edges: Record<string, number[]>;
}

const bucketize: StepDef<BucketizeOpt, BucketizeParams> = {
  validate(o) {
    o.only('columns', 'edges', 'quantiles');
    const columns = o.columns();
    const edges = o.raw.edges;
    let quantiles: number | undefined;
    if (edges !== undefined) {
      if (!Array.isArray(edges) || edges.length === 0 || edges.some((e) => typeof e !== 'number' || !Number.isFinite(e))) {
        o.problem('must be a non-empty list of numbers', `${o.field}.edges`);
      } else if (edges.some((e, i) => i > 0 && e <= edges[i - 1])) o.problem('must increase strictly', `${o.field}.edges`);
    }
    if (o.raw.quantiles !== undefined) quantiles = o.number('quantiles', 4, { integer: true, min: 2, max: 1000 });
    if ((edges === undefined) === (quantiles === undefined)) o.problem('needs either edges (a list) or quantiles (a count of buckets)', o.field);
    return { columns, edges: edges as number[] | undefined, quantiles };
  },
  reads: (o) => o.columns,
  check: (o, cols, _t, problem) => needKind(cols, o.columns, isNumeric, 'bucketize needs numbers', problem),
  async fit(o, ctx) {
    const edges: Record<string, number[]> = {};
    if (o.edges) {
      for (const n of o.columns) edges[n] = o.edges;
      return { edges };
    }
    const q = o.quantiles!;
    const probs = Array.from({ length: q - 1 }, (_, i) => (i + 1) / q);
    const cols = o.columns.map((n) => ctx.cols[index(ctx.cols, n)]);
    const [row] = await ctx.query(`SELECT ${cols.map((c) => `quantile_cont(${numSql(c)}, [${probs.map(sqlDouble).join(', ')}])`).join(', ')} FROM ${ctx.src}`);
    cols.forEach((c, i) => {
      const list = (row[i] as unknown[] | null) ?? [];
      const values = list.map(Number).filter((v) => Number.isFinite(v));
      edges[c.name] = [...new Set(values)].sort((a, b) => a - b);
    });
    return { edges };
  },
  columns: (o, _p, cols) => replaceCols(cols, o.columns, (c) => [{ name: c.name, type: 'DOUBLE', from: c.name }]),
  sql(o, p, cols, env) {
    return {
      sql: replaceSql(env, cols, o.columns, (c) => {
        const x = numSql(c);
        const e = p.edges[c.name];
        const whens = e.map((edge, i) => `WHEN ${x} < ${sqlDouble(edge)} THEN CAST(${i} AS DOUBLE)`).join(' ');
        return [[c.name, `(CASE WHEN ${x} IS NULL THEN NULL ${whens} ELSE CAST(${e.length} AS DOUBLE) END)`]];
      }),
    };
  },
  js(o, p, cols) {
    return replaceJs(cols, o.columns, (c) => {
      const e = p.edges[c.name];
      return (v) => {
        const x = num(v);
        if (x === null) return [null];
        let i = 0;
        while (i < e.length && !(x < e[i])) i++;
        return [i];
      };
    });
  },
};

interface LogOpt {
  columns: string[];
  offset: number;
}

const log: StepDef<LogOpt, null> = {
  validate(o) {
    o.only('columns', 'offset');
    return { columns: o.columns(), offset: o.number('offset', 1) };
  },
  reads: (o) => o.columns,
  check: (o, cols, _t, problem) => needKind(cols, o.columns, isNumeric, 'log needs numbers', problem),
  columns: (o, _p, cols) => replaceCols(cols, o.columns, (c) => [{ name: c.name, type: 'DOUBLE', from: c.name }]),
  sql: (o, _p, cols, env) => ({ sql: replaceSql(env, cols, o.columns, (c) => [[c.name, `orch_log(${numSql(c)}, ${sqlDouble(o.offset)})`]]) }),
  js(o, _p, cols) {
    return replaceJs(cols, o.columns, () => (v) => {
      const x = num(v);
      return [x === null ? null : logOffset(x, o.offset)];
    });
  },
};

interface PowerOpt {
  columns: string[];
  method: 'yeo-johnson' | 'exponent';
  exponent?: number;
  standardize: boolean;
}
interface PowerParams extends AffineParams {
  lambdas: Record<string, number>;
}

function powerFn(o: PowerOpt, lambda: number): (x: number) => number | null {
  return o.method === 'exponent' ? (x) => powerOf(x, o.exponent!) : (x) => {
    const y = yeoJohnson(x, lambda);
    return Number.isNaN(y) ? null : y;
  };
}

function powerSql(o: PowerOpt, lambda: number, x: string): string {
  return o.method === 'exponent' ? `orch_pow(${x}, ${sqlDouble(o.exponent!)})` : `orch_yj(${x}, ${sqlDouble(lambda)})`;
}

const power: StepDef<PowerOpt, PowerParams> = {
  validate(o) {
    o.only('columns', 'method', 'exponent', 'standardize');
    const method = o.string('method', ['yeo-johnson', 'exponent'] as const, o.raw.exponent !== undefined ? 'exponent' : 'yeo-johnson');
    const exponent = o.optionalNumber('exponent');
    if (method === 'exponent' && exponent === undefined) o.problem('is required with method "exponent"', `${o.field}.exponent`);
    if (method === 'yeo-johnson' && exponent !== undefined) o.problem('is used with method "exponent" only', `${o.field}.exponent`);
    return { columns: o.columns(), method, exponent, standardize: o.boolean('standardize', method === 'yeo-johnson') };
  },
  reads: (o) => o.columns,
  check: (o, cols, _t, problem) => needKind(cols, o.columns, isNumeric, 'power needs numbers', problem),
  async fit(o, ctx) {
    const lambdas: Record<string, number> = {};
    const params: AffineParams['params'] = {};
    for (const name of o.columns) {
      const c = ctx.cols[index(ctx.cols, name)];
      let lambda = 1;
      if (o.method === 'yeo-johnson') {
        const [values] = await ctx.numbers(`SELECT COALESCE(${numSql(c)}, ${NAN}) FROM ${ctx.src}`);
        lambda = fitYeoJohnsonLambda(values);
      }
      lambdas[name] = lambda;
      if (o.standardize) {
        const y = powerSql(o, lambda, numSql(c));
        const [row] = await ctx.query(`SELECT avg(${y}), stddev_pop(${y}) FROM ${ctx.src}`);
        params[name] = { center: row[0] === null ? 0 : Number(row[0]), scale: nonZero(row[1]) };
      } else params[name] = { center: 0, scale: 1 };
    }
    return { lambdas, params };
  },
  columns: (o, _p, cols) => replaceCols(cols, o.columns, (c) => [{ name: c.name, type: 'DOUBLE', from: c.name }]),
  sql(o, p, cols, env) {
    if (!o.standardize) return { sql: replaceSql(env, cols, o.columns, (c) => [[c.name, powerSql(o, p.lambdas[c.name], numSql(c))]]) };
    return { sql: affineSql(env, cols, o.columns, p, (c) => powerSql(o, p.lambdas[c.name], numSql(c))) };
  },
  js(o, p, cols) {
    if (!o.standardize) {
      return replaceJs(cols, o.columns, (c) => {
        const f = powerFn(o, p.lambdas[c.name]);
        return (v) => {
          const x = num(v);
          return [x === null ? null : f(x)];
        };
      });
    }
    // One function per column: the affine helper takes one inner function, so build per column.
    const fns = new Map(o.columns.map((n) => [n, powerFn(o, p.lambdas[n])]));
    return replaceJs(cols, o.columns, (c) => {
      const f = fns.get(c.name)!;
      const { center, scale: s } = p.params[c.name];
      return (v) => {
        const x = num(v);
        if (x === null) return [null];
        const y = f(x);
        return [y === null ? null : (y - center) / s];
      };
    });
  },
};

// ---------------------------------------------------------------- date_parts

interface DatePartsOpt {
  columns: string[];
  parts: DatePart[];
  cyclic: boolean;
  keep: boolean;
}

function datePartNames(o: DatePartsOpt, c: Col): Array<{ name: string; part: DatePart; trig?: 'sin' | 'cos' }> {
  const out: Array<{ name: string; part: DatePart; trig?: 'sin' | 'cos' }> = [];
  for (const part of o.parts) {
    out.push({ name: `${c.name}_${part}`, part });
    if (o.cyclic && CYCLE[part]) {
      out.push({ name: `${c.name}_${part}_sin`, part, trig: 'sin' });
      out.push({ name: `${c.name}_${part}_cos`, part, trig: 'cos' });
    }
  }
  return out;
}

const PART_SQL: Record<DatePart, string> = {
  year: 'year',
  month: 'month',
  day: 'day',
  weekday: 'isodow',
  hour: 'hour',
  minute: 'minute',
  dayofyear: 'dayofyear',
};

const date_parts: StepDef<DatePartsOpt, null> = {
  validate(o) {
    o.only('columns', 'parts', 'cyclic', 'keep');
    let parts: DatePart[] = ['year', 'month', 'day', 'weekday', 'hour'];
    const raw = o.raw.parts;
    if (raw !== undefined) {
      if (!Array.isArray(raw) || raw.length === 0 || raw.some((p) => !DATE_PARTS.includes(p as DatePart))) {
        o.problem(`must be a non-empty list of ${DATE_PARTS.join(', ')}`, `${o.field}.parts`);
      } else parts = [...new Set(raw as DatePart[])];
    }
    return { columns: o.columns(), parts, cyclic: o.boolean('cyclic', true), keep: o.boolean('keep', false) };
  },
  reads: (o) => o.columns,
  check: (o, cols, _t, problem) => needKind(cols, o.columns, (t) => kindOf(t) === 'date' || kindOf(t) === 'string', 'date_parts needs a date, a timestamp or text holding dates', problem),
  columns(o, _p, cols) {
    return replaceCols(cols, o.columns, (c) => [
      ...(o.keep ? [{ name: c.name, type: c.type, from: c.name }] : []),
      ...datePartNames(o, c).map((d) => ({ name: d.name, type: 'DOUBLE', from: c.name })),
    ]);
  },
  sql(o, _p, cols, env) {
    const ts = (c: Col) =>
      kindOf(c.type) === 'date' ? `CAST(${id(c.name)} AS TIMESTAMP)` : `make_timestamp(CAST(orch_date_ms(${id(c.name)}) AS BIGINT) * 1000)`;
    const tsName = (c: Col) => `__orch_ts_${env.id}_${o.columns.indexOf(c.name)}`;
    const inner = `(SELECT *, ${o.columns.map((n) => `${ts(cols[index(cols, n)])} AS ${id(tsName(cols[index(cols, n)]))}`).join(', ')} FROM ${env.src}) AS ${id(`__orch_${env.id}`)}`;
    return {
      sql: replaceSql(
        env,
        cols,
        o.columns,
        (c) => {
          const t = id(tsName(c));
          const items: Array<[string, string]> = o.keep ? [[c.name, id(c.name)]] : [];
          for (const d of datePartNames(o, c)) {
            let part = `CAST(${PART_SQL[d.part]}(${t}) AS DOUBLE)`;
            if (d.part === 'weekday') part = `(${part} - ${ONE})`;
            if (!d.trig) items.push([d.name, part]);
            else {
              const cycle = CYCLE[d.part]!;
              items.push([d.name, `orch_cyclic(${part} - ${sqlDouble(cycle.start)}, ${sqlDouble(cycle.period)}, ${d.trig === 'cos' ? 'TRUE' : 'FALSE'})`]);
            }
          }
          return items;
        },
        inner,
      ),
    };
  },
  js(o, _p, cols) {
    return replaceJs(cols, o.columns, (c) => {
      const names = datePartNames(o, c);
      return (v) => {
        const out: Value[] = o.keep ? [v] : [];
        for (const d of names) {
          if (v === null) {
            out.push(null);
            continue;
          }
          const part = datePart(v as number, d.part);
          if (!d.trig) out.push(part);
          else {
            const cycle = CYCLE[d.part]!;
            out.push(cyclic(part - cycle.start, cycle.period, d.trig === 'cos'));
          }
        }
        return out;
      };
    });
  },
};

// ---------------------------------------------------------------- tfidf

interface TfidfOpt {
  columns: string[];
  features: number;
  lowercase: boolean;
  sublinear: boolean;
  norm: 'l2' | 'none';
}
interface TfidfFit {
  idf: Record<string, number[]>;
}

function tfidfParams(o: TfidfOpt, idf: number[]): TfidfParams {
  return { features: o.features, lowercase: o.lowercase, sublinear: o.sublinear, norm: o.norm, idf };
}

const tfidf: StepDef<TfidfOpt, TfidfFit> = {
  validate(o) {
    o.only('columns', 'features', 'lowercase', 'sublinear', 'norm');
    return {
      columns: o.columns(),
      features: o.number('features', 128, { integer: true, min: 1, max: 65536 }),
      lowercase: o.boolean('lowercase', true),
      sublinear: o.boolean('sublinear', false),
      norm: o.string('norm', ['l2', 'none'] as const, 'l2'),
    };
  },
  reads: (o) => o.columns,
  check: (o, cols, _t, problem) => needKind(cols, o.columns, (t) => kindOf(t) === 'string', 'tfidf needs text', problem),
  async fit(o, ctx) {
    const idf: Record<string, number[]> = {};
    const [[total]] = await ctx.query(`SELECT count(*) FROM ${ctx.src}`);
    const n = Number(total);
    for (const name of o.columns) {
      const rows = await ctx.query(
        `SELECT b, count(*) FROM (SELECT unnest(string_split(orch_buckets(${id(name)}, ${o.features}, ${o.lowercase ? 'TRUE' : 'FALSE'}), ',')) AS b FROM ${ctx.src} WHERE ${id(name)} IS NOT NULL) WHERE b <> '' GROUP BY b`,
      );
      const df = new Array<number>(o.features).fill(0);
      for (const [b, count] of rows) df[Number(b)] = Number(count);
      idf[name] = df.map((d) => smoothIdf(n, d));
    }
    return { idf };
  },
  columns(o, _p, cols) {
    return replaceCols(cols, o.columns, (c) => Array.from({ length: o.features }, (_, i) => ({ name: `${c.name}_tfidf_${i}`, type: 'DOUBLE', from: c.name })));
  },
  sql(o, p, cols, env) {
    const fn = (k: number) => `orch_tfidf_${env.id}_${k}`;
    const vec = (k: number) => `__orch_vec_${env.id}_${k}`;
    const inner = `(SELECT *, ${o.columns.map((n, k) => `${fn(k)}(COALESCE(${id(n)}, '')) AS ${id(vec(k))}`).join(', ')} FROM ${env.src}) AS ${id(`__orch_${env.id}`)}`;
    return {
      functions: o.columns.map((n, k) => tfidfFunction(fn(k), tfidfParams(o, p.idf[n]))),
      sql: replaceSql(
        env,
        cols,
        o.columns,
        (c) => {
          const v = id(vec(o.columns.indexOf(c.name)));
          return Array.from({ length: o.features }, (_, i) => [`${c.name}_tfidf_${i}`, `${v}[${i + 1}]`] as [string, string]);
        },
        inner,
      ),
    };
  },
  js(o, p, cols) {
    return replaceJs(cols, o.columns, (c) => {
      const params = tfidfParams(o, p.idf[c.name]);
      return (v) => Array.from(tfidfVector(v === null ? '' : String(v), params));
    });
  },
};

// ---------------------------------------------------------------- target_encode

interface TargetEncodeOpt {
  columns: string[];
  smoothing: number;
  folds: number;
  seed: number;
}
interface TargetEncodeParams {
  prior: number;
  /** Per column: category -> [full-data encoding, out-of-fold encoding for fold 0 … folds-1]. */
  encodings: Record<string, Record<string, number[]>>;
}

/** The fold of a row for out-of-fold encoding: a hash of its row number and the seed. */
function foldSql(o: TargetEncodeOpt): string {
  return `CAST(hash("__orch_row", CAST(${Math.trunc(o.seed)} AS BIGINT)) % ${o.folds} AS INTEGER)`;
}

function targetSql(target: string, type: string): string {
  return kindOf(type) === 'boolean' ? `CAST(CAST(${id(target)} AS INTEGER) AS DOUBLE)` : `CAST(${id(target)} AS DOUBLE)`;
}

const target_encode: StepDef<TargetEncodeOpt, TargetEncodeParams> = {
  needsTarget: true,
  validate(o) {
    o.only('columns', 'smoothing', 'folds', 'seed');
    return {
      columns: o.columns(),
      smoothing: o.number('smoothing', 10, { min: 0 }),
      folds: o.number('folds', 5, { integer: true, min: 2, max: 100 }),
      seed: o.number('seed', 0, { integer: true, min: 0 }),
    };
  },
  reads: (o) => o.columns,
  check(o, cols, target, problem) {
    needKind(cols, o.columns, isCategorical, 'target_encode encodes text, whole numbers and booleans', problem);
    if (target) {
      const t = typeOf(cols, target);
      if (t && !isNumeric(t)) problem(`the target ${JSON.stringify(target)} is ${t}; target_encode needs a numeric or boolean target`);
    }
  },
  async fit(o, ctx) {
    const target = ctx.target!;
    const y = targetSql(target, typeOf(ctx.cols, target));
    const fold = foldSql(o);
    const m = o.smoothing;
    const totals = await ctx.query(`SELECT ${fold} AS f, sum(${y}), count(*) FROM ${ctx.src} WHERE ${id(target)} IS NOT NULL GROUP BY f`);
    const foldSum = new Array<number>(o.folds).fill(0);
    const foldCount = new Array<number>(o.folds).fill(0);
    for (const [f, s, n] of totals) {
      foldSum[Number(f)] = Number(s);
      foldCount[Number(f)] = Number(n);
    }
    const sumAll = foldSum.reduce((a, b) => a + b, 0);
    const countAll = foldCount.reduce((a, b) => a + b, 0);
    if (countAll === 0) throw fitProblem(ctx.field, `the target ${JSON.stringify(target)} has no values to encode with`);
    const prior = sumAll / countAll;
    const foldPrior = foldSum.map((s, f) => (countAll - foldCount[f] > 0 ? (sumAll - s) / (countAll - foldCount[f]) : prior));
    const encodings: TargetEncodeParams['encodings'] = {};
    for (const name of o.columns) {
      const c = ctx.cols[index(ctx.cols, name)];
      const rows = await ctx.query(
        `SELECT ${keySql(c)} AS k, ${fold} AS f, sum(${y}), count(*) FROM ${ctx.src} WHERE ${id(name)} IS NOT NULL AND ${id(target)} IS NOT NULL GROUP BY k, f`,
      );
      const stats = new Map<string, { s: number[]; n: number[] }>();
      for (const [k, f, s, n] of rows) {
        const key = String(k);
        let st = stats.get(key);
        if (!st) stats.set(key, (st = { s: new Array(o.folds).fill(0), n: new Array(o.folds).fill(0) }));
        st.s[Number(f)] = Number(s);
        st.n[Number(f)] = Number(n);
      }
      const out: Record<string, number[]> = {};
      for (const key of sortCategories([...stats.keys()], c.type)) {
        const st = stats.get(key)!;
        const s = st.s.reduce((a, b) => a + b, 0);
        const n = st.n.reduce((a, b) => a + b, 0);
        const full = (s + m * prior) / (n + m);
        const oof = st.s.map((sf, f) => {
          const rest = n - st.n[f];
          return rest + m > 0 ? (s - sf + m * foldPrior[f]) / (rest + m) : foldPrior[f];
        });
        out[key] = [full, ...oof];
      }
      encodings[name] = out;
    }
    return { prior, encodings };
  },
  columns: (o, _p, cols) => replaceCols(cols, o.columns, (c) => [{ name: c.name, type: 'DOUBLE', from: c.name }]),
  sql(o, p, cols, env) {
    const setup: string[] = [];
    const joins: string[] = [];
    const table = (k: number) => `__orch_te_${env.id}_${k}`;
    const fold = `(CASE WHEN ${env.inFit} THEN ${foldSql(o)} ELSE -1 END)`;
    o.columns.forEach((name, k) => {
      setup.push(`CREATE OR REPLACE TEMP TABLE ${id(table(k))} (k VARCHAR, f INTEGER, v DOUBLE)`);
      const rows: string[] = [];
      for (const [key, values] of Object.entries(p.encodings[name])) {
        values.forEach((v, i) => rows.push(`(${sqlString(key)}, ${i - 1}, ${sqlDouble(v)})`));
      }
      for (let i = 0; i < rows.length; i += 1000) setup.push(`INSERT INTO ${id(table(k))} VALUES ${rows.slice(i, i + 1000).join(', ')}`);
      const c = cols[index(cols, name)];
      const key = kindOf(c.type) === 'string' ? `s.${id(name)}` : `CAST(s.${id(name)} AS VARCHAR)`;
      joins.push(`LEFT JOIN ${id(table(k))} AS ${id(`t${k}`)} ON ${id(`t${k}`)}.k = ${key} AND ${id(`t${k}`)}.f = ${fold}`);
    });
    const set = new Set(o.columns);
    const items = [...env.hidden.map((h) => `s.${h}`)];
    for (const c of cols) {
      if (set.has(c.name)) items.push(`COALESCE(${id(`t${o.columns.indexOf(c.name)}`)}.v, ${sqlDouble(p.prior)}) AS ${id(c.name)}`);
      else items.push(`s.${id(c.name)}`);
    }
    return { setup, reorders: true, sql: `SELECT ${items.join(', ')} FROM ${env.src} AS s ${joins.join(' ')}` };
  },
  js(o, p, cols) {
    return replaceJs(cols, o.columns, (c) => {
      const map = new Map(Object.entries(p.encodings[c.name]).map(([k, v]) => [k, v[0]]));
      return (v) => {
        const key = categoryKey(v);
        return [key === null ? p.prior : (map.get(key) ?? p.prior)];
      };
    });
  },
};

// ---------------------------------------------------------------- split

interface SplitOpt {
  train: number;
  validation: number;
  test: number;
  method: 'random' | 'stratified' | 'time';
  seed: number;
  column?: string;
}

const split: StepDef<SplitOpt, null> = {
  batchOnly: true,
  needsTarget: (o) => o.method === 'stratified',
  validate(o) {
    o.only('train', 'validation', 'test', 'method', 'seed', 'column');
    if (o.raw.train === undefined) o.problem('is required (the fraction of rows for training, e.g. 0.8)', `${o.field}.train`);
    const train = o.number('train', 1, { min: 0, max: 1, exclusiveMin: true });
    const validation = o.number('validation', 0, { min: 0, max: 1 });
    const test = o.number('test', o.raw.test === undefined ? Math.max(0, 1 - train - validation) : 0, { min: 0, max: 1 });
    if (Math.abs(train + validation + test - 1) > 1e-9) o.problem('train, validation and test must add up to 1', o.field);
    const method = o.string('method', ['random', 'stratified', 'time'] as const, 'random');
    let column: string | undefined;
    if (method === 'time') {
      if (typeof o.raw.column !== 'string' || o.raw.column === '') o.problem('is required with method "time" (the column to order by)', `${o.field}.column`);
      else column = o.raw.column;
    } else if (o.raw.column !== undefined) o.problem('is used with method "time" only', `${o.field}.column`);
    return { train, validation, test, method, seed: o.number('seed', 0, { integer: true, min: 0 }), column };
  },
  reads: (o) => (o.column ? [o.column] : []),
  columns: (_o, _p, cols) => cols.map((c) => ({ ...c, from: c.name })),
  sql(o, _p, _cols, env) {
    const order =
      o.method === 'time' ? `${id(o.column!)} ASC NULLS FIRST, "__orch_row"` : `hash("__orch_row", CAST(${Math.trunc(o.seed)} AS BIGINT)), "__orch_row"`;
    const partition = o.method === 'stratified' ? `PARTITION BY ${id(env.target!)}` : '';
    const rank = `row_number() OVER (${partition} ORDER BY ${order})`;
    const n = `count(*) OVER (${partition})`;
    const a = `round(${n} * ${sqlDouble(o.train)})`;
    const b = `round(${n} * ${sqlDouble(o.train + o.validation)})`;
    return {
      sql: `SELECT *, (CASE WHEN ${rank} <= ${a} THEN 'train' WHEN ${rank} <= ${b} THEN 'validation' ELSE 'test' END) AS "__orch_split" FROM ${env.src}`,
      reorders: true,
      hidden: [...env.hidden, '"__orch_split"'],
    };
  },
  js: () => null,
};

export const STEPS: Record<StepKind, StepDef<never, never>> = {
  select,
  drop,
  rename,
  cast,
  impute,
  dedupe,
  filter,
  one_hot,
  ordinal,
  scale,
  bucketize,
  log,
  power,
  date_parts,
  tfidf,
  target_encode,
  split,
} as unknown as Record<StepKind, StepDef<never, never>>;

export const STEP_KINDS = Object.keys(STEPS) as StepKind[];
