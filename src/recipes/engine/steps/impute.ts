/** Missing values: impute. */
import { sqlString } from '../../../data/duckdb-session.js';
import { type Col, kindOf, sqlDouble } from '../values.js';
import type { StepDef } from './types.js';
import { id, index, typeOf, replaceCols, replaceSql, replaceJs, num, needKind, isNumeric, fitProblem } from './helpers.js';

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

export const impute: StepDef<ImputeOpt, ImputeParams> = {
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
