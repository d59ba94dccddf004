import type { DuckDBConnection, DuckDBType } from '@duckdb/node-api';
import { loadDuckDB } from '../../data/duckdb-session.js';
import { type DatePart, type TfidfParams, cyclic, datePart, hashedCounts, logOffset, powerOf, tfidfVector, yeoJohnson } from './math.js';
import { dateText, parseDateText } from './values.js';

/**
 * The engine's scalar functions inside DuckDB: thin loops over math.ts, the functions the
 * online transform calls, so batch and online results are the same bits. A NULL argument
 * gives NULL, and so does a function answering null.
 */
export interface ScalarSpec {
  name: string;
  params: Array<'DOUBLE' | 'VARCHAR' | 'BOOLEAN' | 'INTEGER'>;
  returns: 'DOUBLE' | 'VARCHAR' | 'DOUBLE[]';
  fn: (...args: never[]) => unknown;
}

/** The fixed functions every recipe session has. */
export const BASE_FUNCTIONS: ScalarSpec[] = [
  { name: 'orch_log', params: ['DOUBLE', 'DOUBLE'], returns: 'DOUBLE', fn: (x: number, offset: number) => logOffset(x, offset) },
  { name: 'orch_yj', params: ['DOUBLE', 'DOUBLE'], returns: 'DOUBLE', fn: (x: number, lambda: number) => yeoJohnson(x, lambda) },
  { name: 'orch_pow', params: ['DOUBLE', 'DOUBLE'], returns: 'DOUBLE', fn: (x: number, p: number) => powerOf(x, p) },
  {
    name: 'orch_cyclic',
    params: ['DOUBLE', 'DOUBLE', 'BOOLEAN'],
    returns: 'DOUBLE',
    fn: (value: number, period: number, cos: boolean) => cyclic(value, period, cos),
  },
  { name: 'orch_num_text', params: ['DOUBLE'], returns: 'VARCHAR', fn: (x: number) => String(x) },
  { name: 'orch_date_text', params: ['DOUBLE', 'BOOLEAN'], returns: 'VARCHAR', fn: (ms: number, dateOnly: boolean) => dateText(ms, dateOnly) },
  { name: 'orch_date_ms', params: ['VARCHAR'], returns: 'DOUBLE', fn: (text: string) => parseDateText(text) },
  { name: 'orch_date_part', params: ['DOUBLE', 'VARCHAR'], returns: 'DOUBLE', fn: (ms: number, part: string) => datePart(ms, part as DatePart) },
  {
    name: 'orch_buckets',
    params: ['VARCHAR', 'INTEGER', 'BOOLEAN'],
    returns: 'VARCHAR',
    fn: (text: string, features: number, lowercase: boolean) => [...hashedCounts(text, features, lowercase).keys()].join(','),
  },
];

/** A per-step function computing a TF-IDF vector with learned idf. */
export function tfidfFunction(name: string, params: TfidfParams): ScalarSpec {
  const buffer = new Float64Array(params.features);
  return { name, params: ['VARCHAR'], returns: 'DOUBLE[]', fn: (text: string) => Array.from(tfidfVector(text, params, buffer)) };
}

export async function registerFunctions(connection: DuckDBConnection, specs: readonly ScalarSpec[]): Promise<void> {
  const duck = await loadDuckDB();
  const typeOf = (t: ScalarSpec['params'][number] | ScalarSpec['returns']): DuckDBType => {
    switch (t) {
      case 'DOUBLE':
        return duck.DOUBLE;
      case 'VARCHAR':
        return duck.VARCHAR;
      case 'BOOLEAN':
        return duck.BOOLEAN;
      case 'INTEGER':
        return duck.INTEGER;
      case 'DOUBLE[]':
        return duck.LIST(duck.DOUBLE);
    }
  };
  for (const spec of specs) {
    const fn = spec.fn as (...args: unknown[]) => unknown;
    const list = spec.returns === 'DOUBLE[]';
    connection.registerScalarFunction(
      duck.DuckDBScalarFunction.create({
        name: spec.name,
        returnType: typeOf(spec.returns),
        parameterTypes: spec.params.map(typeOf),
        mainFunction: (_info, input, output) => {
          const vectors = spec.params.map((_, i) => input.getColumnVector(i));
          const args: unknown[] = new Array(vectors.length);
          for (let row = 0; row < input.rowCount; row++) {
            let missing = false;
            for (let i = 0; i < vectors.length; i++) {
              const v = vectors[i].getItem(row);
              if (v === null) missing = true;
              args[i] = typeof v === 'bigint' ? Number(v) : v;
            }
            if (missing) {
              output.setItem(row, null);
              continue;
            }
            const result = fn(...args);
            if (result === null || result === undefined || (typeof result === 'number' && Number.isNaN(result))) {
              output.setItem(row, null);
            } else if (list) {
              output.setItem(row, duck.listValue(result as number[]));
            } else {
              output.setItem(row, result as never);
            }
          }
          output.flush();
        },
      }),
    );
  }
}
