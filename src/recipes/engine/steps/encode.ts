/** Category encodings: one_hot, ordinal, target_encode. */
import { sqlString } from '../../../data/duckdb-session.js';
import { type Value, categoryKey, kindOf, sqlDouble } from '../values.js';
import type { StepDef } from './types.js';
import { id, ONE, ZERO, index, typeOf, replaceCols, replaceSql, replaceJs, keySql, needKind, isNumeric, isCategorical, sortCategories, unknownGuard, unknownCategory, fitProblem, categoriesOf } from './helpers.js';

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

export const one_hot: StepDef<EncodeOpt, OneHotParams> = {
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

export const ordinal: StepDef<EncodeOpt, CategoriesParams> = {
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

export const target_encode: StepDef<TargetEncodeOpt, TargetEncodeParams> = {
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
