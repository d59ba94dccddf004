/**
 * A plain numeric shard's features as a CSV file the worker writes before it starts the
 * shard's process: the runner then reads numbers from a file and never loads DuckDB (the
 * addon's load and an instance's start cost a process about 0.3 s of CPU), and the worker,
 * whose DuckDB is loaded once, writes the shard's output Parquet from its predictions.
 */
import { createReadStream } from 'node:fs';
import { sqlIdent, sqlString, type DuckDBSession } from '../../data/duckdb-session.js';

/** DuckDB column types read as numbers without a check (anything else is checked row by row). */
export const NUMERIC = /^(DOUBLE|FLOAT|REAL|DECIMAL.*|BIGINT|INTEGER|SMALLINT|TINYINT|HUGEINT|UBIGINT|UINTEGER|USMALLINT|UTINYINT|BOOLEAN)$/;

/** The rows `[rowStart, rowStart + rowCount)` of the input Parquet. */
export function shardSource(input: string, rowStart: number, rowCount: number): string {
  return `(SELECT * FROM read_parquet(${sqlString(input)}) LIMIT ${rowCount} OFFSET ${rowStart})`;
}

/**
 * Writes the shard's features as CSV (no header, one row a line, doubles, `nan` for a
 * missing value) when every feature column is numeric; false (nothing written) when one
 * is not, which leaves the reading and its row-numbered errors to the runner.
 */
export async function writeShardFeatures(db: DuckDBSession, source: string, features: string[], file: string): Promise<boolean> {
  const types = await (await db.connection.run(`DESCRIBE ${source}`)).getRowObjects();
  const typeOf = new Map(types.map((r) => [String(r.column_name), String(r.column_type)]));
  if (!features.every((c) => NUMERIC.test(typeOf.get(c) ?? ''))) return false;
  const select = `SELECT ${features.map((c) => `CAST(${sqlIdent(c)} AS DOUBLE)`).join(', ')} FROM ${source}`;
  await db.exec(`COPY (${select}) TO ${sqlString(file)} (FORMAT csv, HEADER false, NULLSTR 'nan')`);
  return true;
}

/** One CSV field as a number: DuckDB's `inf`/`-inf` spellings, and `nan` or anything else not a number as NaN. */
function parseField(text: string): number {
  if (text === '') return NaN;
  const x = Number(text);
  if (!Number.isNaN(x)) return x;
  const t = text.toLowerCase();
  if (t === 'inf' || t === '+inf' || t === 'infinity' || t === '+infinity') return Infinity;
  if (t === '-inf' || t === '-infinity') return -Infinity;
  return NaN;
}

/**
 * The rows of a file {@link writeShardFeatures} wrote, `batchRows` at a time, as row-major
 * float32 features (`f` a row). Each batch is a fresh array, filled up to `rows`.
 */
export async function* readFeatureRows(file: string, f: number, batchRows: number): AsyncGenerator<{ features: Float32Array; rows: number }> {
  let batch = new Float32Array(batchRows * f);
  let filled = 0;
  let rest = '';
  const take = (line: string) => {
    const base = filled * f;
    let from = 0;
    for (let c = 0; c < f; c++) {
      const comma = c === f - 1 ? line.length : line.indexOf(',', from);
      batch[base + c] = parseField(line.slice(from, comma < 0 ? line.length : comma));
      from = comma + 1;
    }
    filled++;
  };
  for await (const chunk of createReadStream(file, { encoding: 'utf8', highWaterMark: 1 << 20 })) {
    const text = rest + (chunk as string);
    let start = 0;
    for (let end = text.indexOf('\n', start); end >= 0; end = text.indexOf('\n', start)) {
      take(text.slice(start, end));
      start = end + 1;
      if (filled === batchRows) {
        yield { features: batch, rows: filled };
        batch = new Float32Array(batchRows * f);
        filled = 0;
      }
    }
    rest = text.slice(start);
  }
  if (rest !== '') take(rest);
  if (filled > 0) yield { features: batch, rows: filled };
}
