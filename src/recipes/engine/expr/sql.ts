/** The SQL emitter: an expression as a DuckDB condition, every name quoted and every literal re-encoded. */
import { sqlIdent, sqlString } from '../../../data/duckdb-session.js';
import { kindOf, parseDateText, sqlDouble } from '../values.js';
import { type EKind, textKind } from './check.js';
import type { Expr } from './parse.js';

/** The expression as SQL over the columns (name -> type), literals re-encoded. */
export function exprToSql(e: Expr, types: ReadonlyMap<string, string>): string {
  const kindOfExpr = (x: Expr): EKind => {
    if (x.t === 'col') return kindOf(types.get(x.name)!);
    if (x.t === 'str') return textKind(x.v);
    if (x.t === 'num' || x.t === 'neg' || x.t === 'bin') return 'number';
    if (x.t === 'null') return 'null';
    return 'boolean';
  };
  const sql = (x: Expr, asDate = false): string => {
    switch (x.t) {
      case 'num':
        return sqlDouble(x.v);
      case 'str':
        if (asDate) return `epoch_ms(CAST(${parseDateText(x.v)} AS BIGINT))`;
        return sqlString(x.v);
      case 'bool':
        return x.v ? 'TRUE' : 'FALSE';
      case 'null':
        return 'NULL';
      case 'col': {
        const k = kindOf(types.get(x.name)!);
        if (k === 'number') return `CAST(${sqlIdent(x.name)} AS DOUBLE)`;
        if (k === 'date') return `CAST(${sqlIdent(x.name)} AS TIMESTAMP)`;
        return sqlIdent(x.name);
      }
      case 'neg':
        return `(- ${sql(x.e)})`;
      case 'not':
        return `(NOT ${sql(x.e)})`;
      case 'bin':
        if (x.op === '/' || x.op === '%') return `(${sql(x.l)} ${x.op} NULLIF(${sql(x.r)}, CAST(0 AS DOUBLE)))`;
        return `(${sql(x.l)} ${x.op} ${sql(x.r)})`;
      case 'logic':
        return `(${sql(x.l)} ${x.op.toUpperCase()} ${sql(x.r)})`;
      case 'isnull':
        return `(${sql(x.e)} IS ${x.negate ? 'NOT ' : ''}NULL)`;
      case 'cmp': {
        const dates = kindOfExpr(x.l) === 'date' || kindOfExpr(x.r) === 'date';
        return `(${sql(x.l, dates)} ${x.op === '!=' ? '<>' : x.op} ${sql(x.r, dates)})`;
      }
      case 'in': {
        const dates = kindOfExpr(x.e) === 'date';
        return `(${sql(x.e, dates)} ${x.negate ? 'NOT ' : ''}IN (${x.list.map((i) => sql(i, dates)).join(', ')}))`;
      }
    }
  };
  return sql(e);
}
