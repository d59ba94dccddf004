/** Row steps, batch only: dedupe, filter, split. */
import { type Expr, checkExpr, exprColumns, exprToSql, parseExpr, ExprError } from '../expr/index.js';
import { sqlDouble } from '../values.js';
import type { StepDef } from './types.js';
import { id } from './helpers.js';

interface DedupeOpt {
  columns?: string[];
}

export const dedupe: StepDef<DedupeOpt, null> = {
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

export const filter: StepDef<FilterOpt, null> = {
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

interface SplitOpt {
  train: number;
  validation: number;
  test: number;
  method: 'random' | 'stratified' | 'time';
  seed: number;
  column?: string;
}

export const split: StepDef<SplitOpt, null> = {
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
