import { DuckDBTypeId, type DuckDBConnection } from '@duckdb/node-api';
import { sqlIdent } from './duckdb-session.js';
import { toJsonValue, type JsonValue } from './row-values.js';
import {
  TOP_K,
  binExpr,
  byCountThenValue,
  columnsPerQuery,
  histogram,
  kindOf,
  numberOrNull,
  profileColumns,
  statValue,
  topValue,
  type SchemaColumn,
} from './stats.js';
import type { ColumnStats, DatasetColumn } from './types.js';

/**
 * Rows up to which a table's numeric and boolean columns are profiled from their value
 * counts rather than in grouped scans (`profileColumns`). Counting costs more per value
 * (each becomes a row of the UNPIVOT and a probe of the counts' hash table) but nothing per
 * column and query, so it wins on short tables, however wide, and loses on long ones: in
 * CPU, 10k rows × 10 doubles 0.29 → 0.16 s, 10k × 200 3.96 → 1.85 s, but 100k × 10 doubles
 * 0.52 → 0.89 s and 100k × 100 mostly-zero counts 0.85 → 1.49 s.
 */
const SHORT_ROWS = 10_000;
/**
 * Values (rows × columns) one value-count query reads per MiB of the memory limit. The
 * counts are a plain GROUP BY, which spills; this bounds the temp table they land in and
 * the work lost to a query that does spill. 246 MiB (a 2,001-column ingest) reads a
 * 1,000-row table in two queries.
 */
const CELLS_PER_MIB = 4096;
/**
 * Candidates for the top values read per column: the most frequent first, ties in text
 * order (which is `byCountThenValue`'s for integers), so a column with fewer tied values
 * than this gets exactly the top values of a column counted value by value.
 */
const TOP_CANDIDATES = 64;
const COUNTS_TABLE = '__orchard_counts';

/**
 * Columns per value-count query for a table of `rows` rows profiled under `memoryMiB`; 0
 * for a table too long to be profiled that way.
 */
export function valueCountColumns(rows: number, memoryMiB: number): number {
  if (rows > SHORT_ROWS) return 0;
  return Math.max(1, Math.floor((memoryMiB * CELLS_PER_MIB) / Math.max(1, rows)));
}

/**
 * Profiles every column of `source`, a table of `rows` rows, under `memoryMiB` of DuckDB
 * memory. A short table's numeric and boolean columns are profiled from their value
 * counts: one UNPIVOT of many columns of one type into (column, value) pairs, grouped
 * into counts per column and value, from which the counts, distinct counts, top values,
 * histograms and moments all follow in small queries. Each query over a wide Parquet
 * file reads its whole footer and sets up its aggregates per column, a few milliseconds
 * whatever the rows, which the grouped scans paid twice per group of 4 to 32 columns.
 * The other columns, and every column of a longer table, go through `profileColumns`.
 * `oneRowGroup`: the file holds the table in one row group, so the counts run on one thread.
 */
export async function profileTable(
  connection: DuckDBConnection,
  source: string,
  columns: SchemaColumn[],
  options: { rows: number; memoryMiB: number; parquetPath?: string; oneRowGroup?: boolean },
): Promise<{ rowCount: number; columns: DatasetColumn[] }> {
  const perQuery = valueCountColumns(options.rows, options.memoryMiB);
  const counted = new Map<SchemaColumn, DatasetColumn>();
  if (perQuery > 0) {
    // A table in one row group is scanned by one thread; a second would only split and merge
    // the counts' hash table (about a sixth more CPU on 2,001 × 1,000, in the same time).
    const threads = options.oneRowGroup ? await connection.runAndReadAll("SELECT current_setting('threads')") : undefined;
    if (threads) await connection.run('SET threads=1');
    try {
      for (const chunk of chunksOfOneType(columns.filter(countsValues), perQuery)) {
        const profiled = await profileByValueCounts(connection, source, chunk, options.rows);
        chunk.forEach((column, i) => counted.set(column, profiled[i]));
      }
    } finally {
      if (threads) await connection.run(`SET threads=${Number(threads.getRows()[0][0])}`);
      await connection.run(`DROP TABLE IF EXISTS ${COUNTS_TABLE}`);
    }
  }
  const rest = columns.filter((column) => !counted.has(column));
  if (rest.length === 0 && columns.length > 0) {
    return { rowCount: options.rows, columns: columns.map((column) => counted.get(column)!) };
  }
  const grouped = await profileColumns(connection, source, rest, {
    parquetPath: options.parquetPath,
    columnsPerQuery: columnsPerQuery(options.rows, options.memoryMiB),
  });
  const others = new Map(rest.map((column, i) => [column, grouped.columns[i]]));
  return { rowCount: grouped.rowCount, columns: columns.map((column) => counted.get(column) ?? others.get(column)!) };
}

/** Numeric and boolean columns: their values group and compare as themselves. */
function countsValues(column: SchemaColumn): boolean {
  const kind = kindOf(column.type);
  return kind === 'numeric' || kind === 'boolean';
}

/** Columns of the same DuckDB type (UNPIVOT's value column has one type), at most `size` at a time. */
function chunksOfOneType(columns: SchemaColumn[], size: number): SchemaColumn[][] {
  const byType = new Map<string, SchemaColumn[]>();
  for (const column of columns) {
    const key = column.type.toString();
    const same = byType.get(key);
    if (same) same.push(column);
    else byType.set(key, [column]);
  }
  const chunks: SchemaColumn[][] = [];
  for (const same of byType.values()) {
    for (let start = 0; start < same.length; start += size) chunks.push(same.slice(start, start + size));
  }
  return chunks;
}

type Row = JsonValue[];

/**
 * Profiles columns of one type from their value counts. UNPIVOT leaves NULLs out, so a
 * column's count is its values' and its nulls the rest of `rows`. Non-finite floats count
 * as values and distinct values but stay out of the moments, histogram and top values, as
 * in `profileColumns`. The mean is Σ value·count / count over the finite values (the same
 * sum as `avg` on integers) and the standard deviation the two-pass sample one.
 */
async function profileByValueCounts(connection: DuckDBConnection, source: string, columns: SchemaColumn[], rows: number): Promise<DatasetColumn[]> {
  const type = columns[0].type;
  const numeric = kindOf(type) === 'numeric';
  const isFloat = type.typeId === DuckDBTypeId.FLOAT || type.typeId === DuckDBTypeId.DOUBLE;
  // Short positional names: the pairs' name column stays inline, and any column name is safe.
  const select = columns.map((column, i) => `${sqlIdent(column.name)} AS c${i}`).join(', ');
  const names = columns.map((_, i) => `c${i}`).join(', ');
  await connection.run(
    `CREATE OR REPLACE TEMP TABLE ${COUNTS_TABLE} AS
     SELECT substr(name, 2)::INTEGER AS col, value, n FROM (
       SELECT name, value, count(*) AS n FROM (UNPIVOT (SELECT ${select} FROM ${source}) ON ${names} INTO NAME name VALUE value) GROUP BY ALL)`,
  );
  const finite = !numeric ? 'NULL::DOUBLE' : isFloat ? 'CASE WHEN isfinite(value) THEN value::DOUBLE END' : 'value::DOUBLE';
  // One row per column with values: counts and moments, the histogram's bins (from the
  // counts, binned as `profileColumns` bins) and the top candidates (a top-N aggregate).
  const profiled = await readRows(
    connection,
    `WITH v AS (SELECT col, value, n, ${finite} AS f FROM ${COUNTS_TABLE}),
     m AS (SELECT col, sum(n)::BIGINT AS c, count(*) AS d, min(f) AS mn, max(f) AS mx,
             sum(n) FILTER (WHERE f IS NOT NULL)::BIGINT AS k, sum(f * n) / sum(n) FILTER (WHERE f IS NOT NULL) AS av FROM v GROUP BY col),
     s AS (SELECT col, sum(v.n * (v.f - m.av) * (v.f - m.av)) AS ss FROM v JOIN m USING (col) GROUP BY col),
     b AS (SELECT col, list({bin: bin, n: n}) AS bins FROM (
             SELECT v.col, ${binExpr('v.f', 'm.mn', 'm.mx')} AS bin, sum(v.n)::BIGINT AS n
             FROM v JOIN m USING (col) WHERE m.mx > m.mn AND v.f IS NOT NULL GROUP BY ALL) GROUP BY col),
     t AS (SELECT col, min_by({value: value, n: n}, (-n, value::VARCHAR), ${TOP_CANDIDATES}) AS top FROM v
             ${isFloat ? 'WHERE isfinite(value)' : ''} GROUP BY col)
     SELECT m.col, m.c, m.d, m.mn, m.mx, m.av, CASE WHEN m.k > 1 THEN sqrt(s.ss / (m.k - 1)) END AS sd, b.bins, t.top
     FROM m LEFT JOIN s USING (col) LEFT JOIN b USING (col) LEFT JOIN t USING (col)`,
  );
  const out: DatasetColumn[] = columns.map((column) => ({ name: column.name, type: column.type.toString(), stats: emptyStats(rows) }));
  for (const [col, c, d, mn, mx, av, sd, bins, top] of profiled) {
    const i = Number(col);
    const count = Number(c);
    const stats: ColumnStats = {
      count,
      nulls: rows - count,
      distinct: Number(d),
      min: statValue(mn),
      max: statValue(mx),
      mean: numeric ? numberOrNull(av) : null,
      stddev: numeric ? numberOrNull(sd) : null,
      topValues: topValues(top),
      histogram: numeric ? histogram(mn, mx, count, binCounts(bins)) : null,
    };
    out[i] = { ...out[i], stats };
  }
  return out;
}

/** A column with no values at all (UNPIVOT gave it no pairs). */
function emptyStats(rows: number): ColumnStats {
  return { count: 0, nulls: rows, distinct: 0, min: null, max: null, mean: null, stddev: null, topValues: [], histogram: null };
}

/** `[{bin, n}]` as bin -> count. */
function binCounts(bins: JsonValue): Map<number, number> {
  const out = new Map<number, number>();
  for (const entry of Array.isArray(bins) ? bins : []) {
    if (entry && typeof entry === 'object' && !Array.isArray(entry)) out.set(Number(entry.bin), Number(entry.n));
  }
  return out;
}

/** The top candidates `[{value, n}]`, most frequent first as `profileColumns` orders them. */
function topValues(candidates: JsonValue): ColumnStats['topValues'] {
  const top: ColumnStats['topValues'] = [];
  for (const entry of Array.isArray(candidates) ? candidates : []) {
    if (entry && typeof entry === 'object' && !Array.isArray(entry)) top.push({ value: topValue(entry.value ?? null), count: Number(entry.n) });
  }
  return top.sort(byCountThenValue).slice(0, TOP_K);
}

async function readRows(connection: DuckDBConnection, sql: string): Promise<Row[]> {
  const reader = await connection.runAndReadAll(sql);
  const types = reader.columnTypes();
  return reader.getRows().map((values) => values.map((value, i) => toJsonValue(value ?? null, types[i], toJsonValue)));
}
