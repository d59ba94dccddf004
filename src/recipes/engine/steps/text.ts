/** Text features: tfidf. */
import { type TfidfParams, smoothIdf, tfidfVector } from '../math.js';
import { tfidfFunction } from '../udf.js';
import { kindOf } from '../values.js';
import type { StepDef } from './types.js';
import { id, replaceCols, replaceSql, replaceJs, needKind } from './helpers.js';

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

export const tfidf: StepDef<TfidfOpt, TfidfFit> = {
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
