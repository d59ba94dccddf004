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
  /** One column per class of the target; undefined: when the target is text. */
  per_class?: boolean;
}
interface TargetEncodeParams {
  /** The target's mean (per_class: unused, 0). */
  prior: number;
  /**
   * Per column: category -> [full-data encoding, out-of-fold encoding for fold 0 … folds-1].
   * Per class: each of those slots is one value per class, so `(1 + folds) × classes`
   * values, slot after slot.
   */
  encodings: Record<string, Record<string, number[]>>;
  /** Per class: the target's classes (sorted), their shares, and each column's output names. */
  classes?: string[];
  priors?: number[];
  names?: Record<string, string[]>;
}

/** The most classes a per-class target encoding makes columns for. */
const MAX_CLASSES = 100;

/** The fold of a row for out-of-fold encoding: a hash of its row number and the seed. */
function foldSql(o: TargetEncodeOpt): string {
  return `CAST(hash("__orch_row", CAST(${Math.trunc(o.seed)} AS BIGINT)) % ${o.folds} AS INTEGER)`;
}

function targetSql(target: string, type: string): string {
  return kindOf(type) === 'boolean' ? `CAST(CAST(${id(target)} AS INTEGER) AS DOUBLE)` : `CAST(${id(target)} AS DOUBLE)`;
}

/** Per class when asked, else when the target is text. */
function perClass(o: TargetEncodeOpt, targetType: string): boolean {
  return o.per_class ?? kindOf(targetType) === 'string';
}

/** Sums and counts per fold: `s[f]` (per class: `s[f * classes + j]`), `n[f]`. */
interface FoldStats {
  s: number[];
  n: number[];
}

/**
 * The smoothed encodings of one category from its per-fold stats, slot after slot (full
 * data, then out of fold for each fold): `(sum + smoothing · prior) / (count + smoothing)`.
 */
function encodeStats(st: FoldStats, all: FoldStats, width: number, folds: number, m: number): number[] {
  const total = (x: FoldStats, j: number) => {
    let s = 0;
    for (let f = 0; f < folds; f++) s += x.s[f * width + j];
    return s;
  };
  const count = (x: FoldStats) => x.n.reduce((a, b) => a + b, 0);
  const n = count(st);
  const nAll = count(all);
  const out: number[] = [];
  for (let j = 0; j < width; j++) out.push((total(st, j) + (m * total(all, j)) / nAll) / (n + m));
  for (let f = 0; f < folds; f++) {
    const rest = n - st.n[f];
    const restAll = nAll - all.n[f];
    for (let j = 0; j < width; j++) {
      const prior = restAll > 0 ? (total(all, j) - all.s[f * width + j]) / restAll : total(all, j) / nAll;
      out.push(rest + m > 0 ? (total(st, j) - st.s[f * width + j] + m * prior) / (rest + m) : prior);
    }
  }
  return out;
}

export const target_encode: StepDef<TargetEncodeOpt, TargetEncodeParams> = {
  needsTarget: true,
  validate(o) {
    o.only('columns', 'smoothing', 'folds', 'seed', 'per_class');
    return {
      columns: o.columns(),
      smoothing: o.number('smoothing', 10, { min: 0 }),
      folds: o.number('folds', 5, { integer: true, min: 2, max: 100 }),
      seed: o.number('seed', 0, { integer: true, min: 0 }),
      per_class: o.raw.per_class === undefined ? undefined : o.boolean('per_class', false),
    };
  },
  reads: (o) => o.columns,
  check(o, cols, target, problem) {
    needKind(cols, o.columns, isCategorical, 'target_encode encodes text, whole numbers and booleans', problem);
    if (target) {
      const t = typeOf(cols, target);
      if (t && t !== '?' && !isNumeric(t) && !(isCategorical(t) && perClass(o, t))) {
        problem(`the target ${JSON.stringify(target)} is ${t}; target_encode needs a numeric or boolean target, or a text one (one column per class)`);
      }
    }
  },
  async fit(o, ctx) {
    const target = ctx.target!;
    const targetType = typeOf(ctx.cols, target);
    const classes = perClass(o, targetType);
    const fold = foldSql(o);
    const m = o.smoothing;
    // Per class: one count per (fold, class); else one sum per fold.
    let labels: string[] = [];
    let width = 1;
    const classKey = kindOf(targetType) === 'string' ? id(target) : `CAST(${id(target)} AS VARCHAR)`;
    const y = targetSql(target, targetType);
    if (classes) {
      const found = await ctx.query(`SELECT DISTINCT ${classKey} FROM ${ctx.src} WHERE ${id(target)} IS NOT NULL LIMIT ${MAX_CLASSES + 1}`);
      if (found.length > MAX_CLASSES) throw fitProblem(ctx.field, `the target ${JSON.stringify(target)} has more than ${MAX_CLASSES} classes; a per-class target encoding makes one column per class`);
      labels = sortCategories(found.map((r) => String(r[0])), targetType);
      width = labels.length;
    }
    const classAt = new Map(labels.map((k, j) => [k, j]));
    const add = (st: FoldStats, f: number, k: unknown, s: unknown, n: number) => {
      if (classes) st.s[f * width + classAt.get(String(k))!] += n;
      else st.s[f] += Number(s);
      st.n[f] += n;
    };
    const blank = (): FoldStats => ({ s: new Array(o.folds * width).fill(0), n: new Array(o.folds).fill(0) });
    // Each query's rows: [key…, fold, class or sum, count].
    const measure = classes ? `${classKey}, count(*)` : `sum(${y}), count(*)`;
    const by = classes ? `, ${classKey}` : '';
    const all = blank();
    for (const [f, k, n] of await ctx.query(`SELECT ${fold} AS f, ${measure} FROM ${ctx.src} WHERE ${id(target)} IS NOT NULL GROUP BY f${by}`)) {
      add(all, Number(f), k, k, Number(n));
    }
    if (all.n.every((n) => n === 0)) throw fitProblem(ctx.field, `the target ${JSON.stringify(target)} has no values to encode with`);
    const encodings: TargetEncodeParams['encodings'] = {};
    for (const name of o.columns) {
      const c = ctx.cols[index(ctx.cols, name)];
      const rows = await ctx.query(
        `SELECT ${keySql(c)} AS k, ${fold} AS f, ${measure} FROM ${ctx.src} WHERE ${id(name)} IS NOT NULL AND ${id(target)} IS NOT NULL GROUP BY k, f${by}`,
      );
      const stats = new Map<string, FoldStats>();
      for (const [k, f, v, n] of rows) {
        const key = String(k);
        let st = stats.get(key);
        if (!st) stats.set(key, (st = blank()));
        add(st, Number(f), v, v, Number(n));
      }
      const out: Record<string, number[]> = {};
      for (const key of sortCategories([...stats.keys()], c.type)) out[key] = encodeStats(stats.get(key)!, all, width, o.folds, m);
      encodings[name] = out;
    }
    const nAll = all.n.reduce((a, b) => a + b, 0);
    const sums = Array.from({ length: width }, (_, j) => all.s.reduce((acc, v, i) => (i % width === j ? acc + v : acc), 0));
    if (!classes) return { prior: sums[0] / nAll, encodings };
    const taken = new Set(ctx.cols.filter((col) => !o.columns.includes(col.name)).map((col) => col.name.toLowerCase()));
    const names = Object.fromEntries(o.columns.map((name) => [name, oneHotNames(name, labels, taken)]));
    return { prior: 0, encodings, classes: labels, priors: sums.map((s) => s / nAll), names };
  },
  columns(o, p, cols, target) {
    return replaceCols(cols, o.columns, (c) => {
      if (p?.names) return p.names[c.name].map((name) => ({ name, type: 'DOUBLE', from: c.name }));
      if (!p && target !== undefined && perClass(o, typeOf(cols, target))) return [{ name: `${c.name}_`, type: '?', from: c.name, dynamic: true }];
      return [{ name: c.name, type: 'DOUBLE', from: c.name }];
    });
  },
  sql(o, p, cols, env) {
    const setup: string[] = [];
    const joins: string[] = [];
    const width = p.classes?.length ?? 1;
    const priors = p.priors ?? [p.prior];
    const vs = Array.from({ length: width }, (_, j) => `v${j}`);
    const table = (k: number) => `__orch_te_${env.id}_${k}`;
    const fold = `(CASE WHEN ${env.inFit} THEN ${foldSql(o)} ELSE -1 END)`;
    o.columns.forEach((name, k) => {
      setup.push(`CREATE OR REPLACE TEMP TABLE ${id(table(k))} (k VARCHAR, f INTEGER, ${vs.map((v) => `${v} DOUBLE`).join(', ')})`);
      const rows: string[] = [];
      for (const [key, values] of Object.entries(p.encodings[name])) {
        for (let slot = 0; slot * width < values.length; slot++) {
          rows.push(`(${sqlString(key)}, ${slot - 1}, ${values.slice(slot * width, (slot + 1) * width).map(sqlDouble).join(', ')})`);
        }
      }
      for (let i = 0; i < rows.length; i += 1000) setup.push(`INSERT INTO ${id(table(k))} VALUES ${rows.slice(i, i + 1000).join(', ')}`);
      const c = cols[index(cols, name)];
      const key = kindOf(c.type) === 'string' ? `s.${id(name)}` : `CAST(s.${id(name)} AS VARCHAR)`;
      joins.push(`LEFT JOIN ${id(table(k))} AS ${id(`t${k}`)} ON ${id(`t${k}`)}.k = ${key} AND ${id(`t${k}`)}.f = ${fold}`);
    });
    const set = new Set(o.columns);
    const items = [...env.hidden.map((h) => `s.${h}`)];
    for (const c of cols) {
      if (!set.has(c.name)) {
        items.push(`s.${id(c.name)}`);
        continue;
      }
      const t = id(`t${o.columns.indexOf(c.name)}`);
      const out = p.names?.[c.name] ?? [c.name];
      out.forEach((n, j) => items.push(`COALESCE(${t}.${vs[j]}, ${sqlDouble(priors[j])}) AS ${id(n)}`));
    }
    return { setup, reorders: true, sql: `SELECT ${items.join(', ')} FROM ${env.src} AS s ${joins.join(' ')}` };
  },
  js(o, p, cols) {
    const width = p.classes?.length ?? 1;
    const priors = p.priors ?? [p.prior];
    return replaceJs(cols, o.columns, (c) => {
      const map = new Map(Object.entries(p.encodings[c.name]).map(([k, v]) => [k, v.slice(0, width)]));
      return (v) => {
        const key = categoryKey(v);
        return key === null ? priors : (map.get(key) ?? priors);
      };
    });
  },
};
