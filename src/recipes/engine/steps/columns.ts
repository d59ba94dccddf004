/** Column steps: select, drop, rename, cast. */
import { sqlString } from '../../../data/duckdb-session.js';
import { type Col, type Value, NUMBER_TEXT_SQL, dateText, isIntegerType, kindOf, parseDateText, parseNumberText } from '../values.js';
import type { StepDef } from './types.js';
import { id, index, typeOf, replaceCols, replaceSql, replaceJs, num } from './helpers.js';

interface ColumnsOpt {
  columns: string[];
}

export const select: StepDef<ColumnsOpt, null> = {
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

export const drop: StepDef<ColumnsOpt, null> = {
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

export const rename: StepDef<RenameOpt, null> = {
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

export const cast: StepDef<CastOpt, null> = {
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
