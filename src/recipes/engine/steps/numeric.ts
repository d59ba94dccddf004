/** Numeric transforms: scale, bucketize, log, power. */
import { logOffset, powerOf, yeoJohnson, fitYeoJohnsonLambda } from '../math.js';
import { type Col, sqlDouble } from '../values.js';
import type { SqlEnv, RowFn, StepDef } from './types.js';
import { NAN, index, replaceCols, replaceSql, replaceJs, num, numSql, needKind, isNumeric } from './helpers.js';

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

export const scale: StepDef<ScaleOpt, AffineParams> = {
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

export const bucketize: StepDef<BucketizeOpt, BucketizeParams> = {
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

export const log: StepDef<LogOpt, null> = {
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

export const power: StepDef<PowerOpt, PowerParams> = {
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
