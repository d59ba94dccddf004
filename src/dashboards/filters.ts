import { OrchardError, errorOfProblems, type RequestProblem } from '../core/index.js';
import type { AppliedFilter, DashboardFilter } from '../contracts/dashboard.contract.js';
import { sqlIdent, sqlString } from '../data/index.js';
import { isDay } from './definition.js';

/**
 * Filters become SQL by wrapping a chart's SELECT, never by editing it: every column name
 * is a quoted identifier and every value a quoted literal (or a number JavaScript printed),
 * and the result still goes through the dataset query sandbox like any query.
 */

/** DuckDB's numeric type names, as result columns report them. */
const NUMERIC = /^(TINYINT|SMALLINT|INTEGER|BIGINT|HUGEINT|UTINYINT|USMALLINT|UINTEGER|UBIGINT|UHUGEINT|FLOAT|DOUBLE|REAL|DECIMAL)/i;

export function isNumericType(type: string): boolean {
  return NUMERIC.test(type);
}

/** The alias the wrapped SELECT is read through. */
const INNER = sqlIdent('chart');

/** Removes one trailing `;` (and whitespace): the SELECT becomes a subquery. */
export function stripSemicolon(sql: string): string {
  return sql.trim().replace(/;\s*$/, '').trim();
}

/** The chart's SELECT as a subquery; the newlines keep a trailing `--` comment inside it. */
function subquery(sql: string): string {
  return `(\n${stripSemicolon(sql)}\n) AS ${INNER}`;
}

/** A SELECT that returns no rows but the chart's columns. */
export function schemaSql(sql: string): string {
  return `SELECT * FROM ${subquery(sql)} LIMIT 0`;
}

/** Reads a selection sent as JSON text (`?filters=`); absent is no selection. */
export function parseSelection(text: string | undefined): unknown {
  if (text === undefined || text === '') return undefined;
  try {
    return JSON.parse(text);
  } catch {
    throw new OrchardError('ORCH_DASHBOARD_FILTER_INVALID', { message: 'filters must be JSON: {"column": {"from": "YYYY-MM-DD", "to": "YYYY-MM-DD"}} or {"column": ["value", …]}' });
  }
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * The filters in force: each of the dashboard's filters with the viewer's selection for
 * its column, or the definition's default. Refuses a selection for a column the dashboard
 * has no filter on, or of the wrong shape, listing every problem.
 */
export function resolveSelection(filters: readonly DashboardFilter[], selection: unknown): AppliedFilter[] {
  const problems: RequestProblem[] = [];
  const problem = (field: string, message: string) => problems.push({ field, code: 'ORCH_DASHBOARD_FILTER_INVALID', message: `${field}: ${message}` });
  const chosen = selection ?? {};
  if (!isObject(chosen)) {
    throw new OrchardError('ORCH_DASHBOARD_FILTER_INVALID', { message: 'filters must be an object keyed by column' });
  }
  for (const column of Object.keys(chosen)) {
    if (!filters.some((f) => f.column === column)) {
      problem(column, `the dashboard has no filter on this column (its filters: ${filters.map((f) => f.column).join(', ') || 'none'})`);
    }
  }
  const applied = filters.map((filter): AppliedFilter => {
    const pick = Object.hasOwn(chosen, filter.column) ? chosen[filter.column] : undefined;
    if (filter.type === 'date-range') {
      let { from, to } = filter;
      if (pick !== undefined) {
        if (!isObject(pick) || Object.keys(pick).some((k) => k !== 'from' && k !== 'to')) {
          problem(filter.column, 'a date range is {"from": "YYYY-MM-DD", "to": "YYYY-MM-DD"} (either may be left out)');
          return { column: filter.column, type: 'date-range' };
        }
        from = pick.from === undefined || pick.from === null || pick.from === '' ? undefined : String(pick.from);
        to = pick.to === undefined || pick.to === null || pick.to === '' ? undefined : String(pick.to);
        for (const [end, value] of [['from', from], ['to', to]] as const) {
          if (value !== undefined && !isDay(value)) problem(`${filter.column}.${end}`, `'${value.slice(0, 40)}' is not a day written YYYY-MM-DD`);
        }
        if (from && to && isDay(from) && isDay(to) && from > to) problem(`${filter.column}.to`, `${to} is before ${from}`);
      }
      return { column: filter.column, type: 'date-range', ...(from ? { from } : {}), ...(to ? { to } : {}) };
    }
    let values = filter.values;
    if (pick !== undefined) {
      const ok = Array.isArray(pick) && pick.length <= 200 && pick.every((v) => typeof v === 'boolean' || (typeof v === 'number' && Number.isFinite(v)) || (typeof v === 'string' && v.length <= 500));
      if (!ok) {
        problem(filter.column, 'a values selection is a list of at most 200 strings, numbers or booleans');
        return { column: filter.column, type: 'values' };
      }
      values = pick as (string | number | boolean)[];
    }
    return { column: filter.column, type: 'values', ...(values && values.length ? { values: [...new Set(values.map(String))] } : {}) };
  });
  if (problems.length) throw errorOfProblems(problems);
  return applied;
}

/** Whether a filter restricts anything (an open range or an empty list selects every row). */
export function restricts(filter: AppliedFilter): boolean {
  return filter.type === 'date-range' ? Boolean(filter.from || filter.to) : Boolean(filter.values?.length);
}

/** One filter's condition over the wrapped rows; `type` is the column's type in the chart's result. */
export function condition(filter: AppliedFilter, type: string): string {
  const col = sqlIdent(filter.column);
  if (filter.type === 'date-range') {
    // Days compare as dates whatever the column holds (DATE, TIMESTAMP, or text such as
    // '2024-05-01'); a value that is no date matches no range.
    const day = `TRY_CAST(${col} AS DATE)`;
    const parts: string[] = [];
    if (filter.from) parts.push(`${day} >= CAST(${sqlString(filter.from)} AS DATE)`);
    if (filter.to) parts.push(`${day} <= CAST(${sqlString(filter.to)} AS DATE)`);
    return parts.join(' AND ');
  }
  const values = filter.values ?? [];
  if (isNumericType(type)) {
    // A number compares as a number (2 matches 2.0); JavaScript prints a finite number as
    // digits, sign, point and exponent only.
    const numbers = values.map((v) => {
      const n = v.trim() === '' ? Number.NaN : Number(v);
      if (!Number.isFinite(n)) {
        throw new OrchardError('ORCH_DASHBOARD_FILTER_INVALID', { message: `${filter.column}: '${v.slice(0, 40)}' is not a number (the column is ${type})`, details: { column: filter.column } });
      }
      return String(n);
    });
    return `CAST(${col} AS DOUBLE) IN (${numbers.join(', ')})`;
  }
  return `CAST(${col} AS VARCHAR) IN (${values.map(sqlString).join(', ')})`;
}

/**
 * The chart's SELECT restricted by the filters that apply to it: `SELECT * FROM (<sql>)
 * AS "chart" WHERE …`; the SELECT unchanged when none restricts.
 */
export function filteredSql(sql: string, filters: readonly AppliedFilter[], columns: readonly { name: string; type: string }[]): string {
  const conditions = filters.filter(restricts).map((f) => condition(f, columns.find((c) => c.name === f.column)?.type ?? 'VARCHAR'));
  if (conditions.length === 0) return stripSemicolon(sql);
  return `SELECT * FROM ${subquery(sql)} WHERE ${conditions.map((c) => `(${c})`).join(' AND ')}`;
}

/**
 * A histogram of one column over the (filtered) SELECT's rows, computed in the sandbox:
 * `bins` equal-width bins between the column's finite minimum and maximum, every bin
 * present (empty ones count 0), as rows `{lower, upper, count}`. A column with one
 * distinct value is one bin.
 */
export function histogramSql(sql: string, column: string, bins: number): string {
  if (!Number.isInteger(bins) || bins < 1 || bins > 1000) throw new OrchardError('ORCH_DASHBOARD_INVALID', { message: 'bins must be a whole number from 1 to 1000' });
  const n = String(bins);
  return [
    `WITH "h_values" AS (SELECT TRY_CAST(${sqlIdent(column)} AS DOUBLE) AS "v" FROM ${subquery(sql)}),`,
    `"h_finite" AS (SELECT "v" FROM "h_values" WHERE "v" IS NOT NULL AND isfinite("v")),`,
    `"h_range" AS (SELECT min("v") AS "lo", max("v") AS "hi", count(*) AS "n" FROM "h_finite"),`,
    `"h_counts" AS (SELECT coalesce(least(CAST(floor(("v" - "lo") / nullif("hi" - "lo", 0) * ${n}) AS BIGINT), ${n} - 1), 0) AS "i", count(*) AS "c" FROM "h_finite", "h_range" GROUP BY 1),`,
    `"h_index" AS (SELECT unnest(generate_series(0, ${n} - 1)) AS "i")`,
    `SELECT "lo" + "h_index"."i" * ("hi" - "lo") / ${n} AS "lower", CASE WHEN "hi" > "lo" THEN "lo" + ("h_index"."i" + 1) * ("hi" - "lo") / ${n} ELSE "hi" END AS "upper", coalesce("h_counts"."c", 0) AS "count"`,
    `FROM "h_index" CROSS JOIN "h_range" LEFT JOIN "h_counts" ON "h_counts"."i" = "h_index"."i"`,
    `WHERE "n" > 0 AND ("hi" > "lo" OR "h_index"."i" = 0)`,
    `ORDER BY "h_index"."i"`,
  ].join('\n');
}
