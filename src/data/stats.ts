import { DuckDBTypeId, type DuckDBConnection, type DuckDBType } from '@duckdb/node-api';
import { sqlIdent, sqlString } from './duckdb-session.js';
import { toJsonValue, type JsonValue } from './row-values.js';
import type { ColumnStats, DatasetColumn } from './types.js';

/** A column as read from the Parquet schema. */
export interface SchemaColumn {
  name: string;
  type: DuckDBType;
}

export type Kind = 'numeric' | 'temporal' | 'string' | 'boolean' | 'other';

export const TOP_K = 5;
export const HISTOGRAM_BINS = 20;
/**
 * Columns per aggregate query. The histogram and top-value states cannot spill, so a
 * wide group ran out of memory under the ingest limit; Parquet is columnar, so a scan
 * of 4 columns reads only those and smaller groups cost little extra I/O. On a 2 GB
 * table of 29 doubles, groups of 4 instead of 8 took 25 MiB less at the same speed.
 */
const COLUMNS_PER_QUERY = 4;

/**
 * Columns per query for a table of `rows` rows profiled under `memoryMiB`. Each query reads
 * the file's whole footer and sets up its aggregates, a few milliseconds a query on a wide
 * file whatever its rows: 2,001 columns of 1,000 rows took 6.4 s of CPU in groups of 4 and
 * 3.7 s in groups of 32. A group needs about 4 MiB a column however few its rows (groups of
 * 16 ran out of 64 MiB, 8 did not), so a table of up to 100k rows gets a group of one column
 * per 8 MiB, 4 to 32; a longer table keeps groups of 4, which the 2 GB ingest's memory
 * figure was measured with.
 */
export function columnsPerQuery(rows: number, memoryMiB: number): number {
  if (rows > 100_000) return COLUMNS_PER_QUERY;
  return Math.max(COLUMNS_PER_QUERY, Math.min(32, Math.floor(memoryMiB / 8)));
}

/**
 * Below this HyperLogLog estimate the distinct count is computed exactly: the
 * estimate can be off by a quarter on a few hundred values, and a wrong number of
 * classes in a label column is misleading; the exact hash table stays small.
 */
const EXACT_DISTINCT_MAX = 100_000;
/**
 * A column whose Parquet row groups are all dictionary-encoded with at most this many
 * distinct values in total is counted value by value in the first scan (`histogram`):
 * its exact distinct count, top values and histogram need no second scan.
 */
const EXACT_VALUES_MAX = 10_000;
/** Longest string kept in min/max/top values (metadata stays small on wide text). */
const MAX_STRING_STAT = 256;

const NUMERIC = new Set<DuckDBTypeId>([
  DuckDBTypeId.TINYINT, DuckDBTypeId.SMALLINT, DuckDBTypeId.INTEGER, DuckDBTypeId.BIGINT, DuckDBTypeId.HUGEINT,
  DuckDBTypeId.UTINYINT, DuckDBTypeId.USMALLINT, DuckDBTypeId.UINTEGER, DuckDBTypeId.UBIGINT, DuckDBTypeId.UHUGEINT,
  DuckDBTypeId.FLOAT, DuckDBTypeId.DOUBLE, DuckDBTypeId.DECIMAL,
]);
const TEMPORAL = new Set<DuckDBTypeId>([
  DuckDBTypeId.DATE, DuckDBTypeId.TIME, DuckDBTypeId.TIME_TZ, DuckDBTypeId.TIME_NS, DuckDBTypeId.TIMESTAMP,
  DuckDBTypeId.TIMESTAMP_S, DuckDBTypeId.TIMESTAMP_MS, DuckDBTypeId.TIMESTAMP_NS, DuckDBTypeId.TIMESTAMP_TZ,
]);
const STRING = new Set<DuckDBTypeId>([DuckDBTypeId.VARCHAR, DuckDBTypeId.ENUM, DuckDBTypeId.UUID]);

export function kindOf(type: DuckDBType): Kind {
  if (NUMERIC.has(type.typeId)) return 'numeric';
  if (TEMPORAL.has(type.typeId)) return 'temporal';
  if (STRING.has(type.typeId)) return 'string';
  if (type.typeId === DuckDBTypeId.BOOLEAN) return 'boolean';
  return 'other';
}

/** One column of a chunk, with the SQL expressions its statistics are computed on. */
interface Plan {
  column: SchemaColumn;
  kind: Kind;
  /** The value as grouped and compared (nested and binary types as text). */
  value: string;
  /** The value as a double, NULL where not finite (numeric columns). */
  finite: string;
  /** Counted value by value in the first scan (few distinct values, known from the file's metadata). */
  exact: boolean;
  /** A FLOAT or DOUBLE column, whose NaN and infinities are counted apart. */
  isFloat: boolean;
  /** The file's own min/max of the column: the histogram's bins, checked against the scan's min/max. */
  metaRange?: [number, number];
}

/** What a Parquet file's footer says about a column, over all its row groups. */
interface ColumnMeta {
  /** An upper bound of its distinct values when every row group records a dictionary's count. */
  distinctBound: number | null;
  min: number | null;
  max: number | null;
}

type Row = Record<string, JsonValue>;

/** The columns of a SQL table expression, with DuckDB's types. */
export async function readSchema(connection: DuckDBConnection, source: string): Promise<SchemaColumn[]> {
  const prepared = await connection.prepare(`SELECT * FROM ${source} LIMIT 0`);
  try {
    return Array.from({ length: prepared.columnCount }, (_, i) => ({
      name: prepared.columnName(i),
      type: prepared.columnType(i),
    }));
  } finally {
    prepared.destroySync();
  }
}

/**
 * Profiles every column of `source` (a SQL table expression such as
 * `read_parquet('…')`) in two scans per group of columns rather than one query
 * per statistic: the first computes counts, a HyperLogLog distinct estimate,
 * min/max/mean/stddev and top-value candidates (`approx_top_k`); the second
 * counts those candidates exactly, computes exact distinct counts for
 * low-cardinality columns and the equal-width histograms, all against the first
 * scan's results held in a one-row temp table.
 */
export async function profileColumns(
  connection: DuckDBConnection,
  source: string,
  columns: SchemaColumn[],
  options: { parquetPath?: string; columnsPerQuery?: number } = {},
): Promise<{ rowCount: number; columns: DatasetColumn[] }> {
  const meta = options.parquetPath ? await parquetColumnHints(connection, options.parquetPath) : new Map<string, ColumnMeta>();
  const out: DatasetColumn[] = [];
  let rowCount = 0;
  if (columns.length === 0) {
    rowCount = Number((await readOneRow(connection, `SELECT count(*) AS n FROM ${source}`)).n);
  }
  const size = options.columnsPerQuery ?? COLUMNS_PER_QUERY;
  for (let start = 0; start < columns.length; start += size) {
    const plans = columns.slice(start, start + size).map((column) => planFor(column, meta.get(column.name)));
    const done = await profileGroup(connection, source, plans);
    rowCount = done.rowCount;
    out.push(...done.columns);
  }
  await connection.run('DROP TABLE IF EXISTS __orchard_stats');
  return { rowCount, columns: out };
}

/**
 * Profiles one group of columns; a group whose aggregate states do not fit the
 * memory limit (wide text columns) is split in half until single columns remain.
 */
async function profileGroup(connection: DuckDBConnection, source: string, plans: Plan[]): Promise<{ rowCount: number; columns: DatasetColumn[] }> {
  try {
    const first = await firstScan(connection, source, plans);
    const rowCount = Number(first.n);
    const second = await secondScan(connection, source, plans, first);
    return { rowCount, columns: plans.map((plan, i) => assemble(plan, i, rowCount, first, second)) };
  } catch (err) {
    if (plans.length === 1 || !/Out of Memory/i.test(String((err as Error)?.message))) throw err;
    const half = Math.ceil(plans.length / 2);
    const a = await profileGroup(connection, source, plans.slice(0, half));
    const b = await profileGroup(connection, source, plans.slice(half));
    return { rowCount: a.rowCount, columns: [...a.columns, ...b.columns] };
  }
}

/**
 * Per-column statistics from a Parquet footer: DuckDB's writer records each
 * dictionary-encoded row group's distinct count, and min/max everywhere. Used only as
 * hints: an exact count's bound, and histogram bins that are checked after the scan.
 */
export async function parquetColumnHints(connection: DuckDBConnection, parquetPath: string): Promise<Map<string, ColumnMeta>> {
  const reader = await connection.runAndReadAll(
    `SELECT path_in_schema, count(*) = count(stats_distinct_count) AS counted, sum(stats_distinct_count)::DOUBLE AS bound,
       min(TRY_CAST(stats_min_value AS DOUBLE)) AS mn, max(TRY_CAST(stats_max_value AS DOUBLE)) AS mx
     FROM parquet_metadata(${sqlString(parquetPath)}) GROUP BY path_in_schema`,
  );
  const meta = new Map<string, ColumnMeta>();
  for (const [name, counted, bound, min, max] of reader.getRows()) {
    meta.set(String(name), {
      distinctBound: counted === true && typeof bound === 'number' ? bound : null,
      min: typeof min === 'number' && Number.isFinite(min) ? min : null,
      max: typeof max === 'number' && Number.isFinite(max) ? max : null,
    });
  }
  return meta;
}

function planFor(column: SchemaColumn, meta: ColumnMeta | undefined): Plan {
  // Qualified: the second scan joins the stats table, whose column names could clash.
  const q = `t.${sqlIdent(column.name)}`;
  const kind = kindOf(column.type);
  // Non-finite floats are left out of the moments and histogram. A CASE that maps them
  // to NULL (which aggregates skip) costs a tenth of a FILTER clause on every aggregate:
  // measured 4.8 s against 41 s for 29 columns x 9M rows. Integers and decimals are
  // always finite and need no CASE at all.
  const isFloat = column.type.typeId === DuckDBTypeId.FLOAT || column.type.typeId === DuckDBTypeId.DOUBLE;
  const finite = isFloat ? `CASE WHEN isfinite(${q}) THEN ${q}::DOUBLE END` : `${q}::DOUBLE`;
  const exact = kind !== 'other' && meta?.distinctBound != null && meta.distinctBound <= EXACT_VALUES_MAX;
  const metaRange: [number, number] | undefined =
    kind === 'numeric' && !exact && meta?.min != null && meta.max != null && meta.max > meta.min ? [meta.min, meta.max] : undefined;
  return { column, kind, value: kind === 'other' ? `${q}::VARCHAR` : q, finite, exact, isFloat, metaRange };
}

/** A double as SQL, parsed as written (a bare literal would be a DECIMAL first). */
function doubleLiteral(value: number): string {
  return `'${String(value)}'::DOUBLE`;
}

/** The equal-width bin of a numeric value between `min` and `max` (SQL), NULL for NULL. */
export function binExpr(finite: string, min: string, max: string): string {
  // least() skips NULL arguments, so a NULL value must not reach it (it would land in the last bin).
  const scaled = `floor((${finite} - ${min}) / (${max} - ${min}) * ${HISTOGRAM_BINS})`;
  return `CASE WHEN ${finite} IS NOT NULL THEN least(${scaled}, ${HISTOGRAM_BINS - 1})::INTEGER END`;
}

async function firstScan(connection: DuckDBConnection, source: string, plans: Plan[]): Promise<Row> {
  const exprs = ['count(*) AS n'];
  plans.forEach((p, i) => {
    exprs.push(`count(${p.value}) AS c${i}`);
    // DuckDB's histogram() of a DOUBLE that holds NaN collapses into one NaN entry: non-finite
    // floats are counted apart, as distinct values only.
    if (p.exact && p.isFloat) exprs.push(`histogram(${p.finite}) AS e${i}`, `count(DISTINCT CASE WHEN NOT isfinite(${p.value}) THEN ${p.value} END) AS nf${i}`);
    else if (p.exact) exprs.push(`histogram(${p.value}) AS e${i}`);
    else exprs.push(`approx_count_distinct(${p.value}) AS d${i}`, `approx_top_k(${p.value}, ${TOP_K}) AS k${i}`);
    if (p.metaRange) exprs.push(`histogram(${binExpr(p.finite, doubleLiteral(p.metaRange[0]), doubleLiteral(p.metaRange[1]))}) AS hm${i}`);
    if (p.kind === 'numeric') {
      const v = p.finite;
      exprs.push(`min(${v}) AS mn${i}`, `max(${v}) AS mx${i}`, `avg(${v}) AS av${i}`, `stddev_samp(${v}) AS sd${i}`);
    } else if (p.kind === 'temporal') {
      exprs.push(`min(${p.value}) AS mn${i}`, `max(${p.value}) AS mx${i}`);
    } else if (p.kind === 'string') {
      exprs.push(`left(min(${p.value}::VARCHAR), ${MAX_STRING_STAT}) AS mn${i}`);
      exprs.push(`left(max(${p.value}::VARCHAR), ${MAX_STRING_STAT}) AS mx${i}`);
    }
  });
  await connection.run(`CREATE OR REPLACE TEMP TABLE __orchard_stats AS SELECT ${exprs.join(', ')} FROM ${source} AS t`);
  return readOneRow(connection, 'SELECT * FROM __orchard_stats');
}

async function secondScan(connection: DuckDBConnection, source: string, plans: Plan[], first: Row): Promise<Row> {
  const exprs: string[] = [];
  plans.forEach((p, i) => {
    if (p.exact) return;
    const candidates = first[`k${i}`];
    if (Array.isArray(candidates) && candidates.length > 0) {
      // Position of the value among the candidates, counted per position in one pass.
      exprs.push(`histogram(list_position(s.k${i}, ${p.value})) AS t${i}`);
    }
    if (Number(first[`d${i}`]) <= EXACT_DISTINCT_MAX) exprs.push(`count(DISTINCT ${p.value}) AS x${i}`);
    const [min, max] = [first[`mn${i}`], first[`mx${i}`]];
    if (p.kind === 'numeric' && typeof min === 'number' && typeof max === 'number' && max > min && !metaBinsHold(p, first, i)) {
      exprs.push(`histogram(${binExpr(p.finite, `s.mn${i}`, `s.mx${i}`)}) AS h${i}`);
    }
  });
  if (exprs.length === 0) return {};
  return readOneRow(connection, `SELECT ${exprs.join(', ')} FROM ${source} AS t, __orchard_stats AS s`);
}

/** The first scan's bins from the file's min/max are the right ones when the scan found the same min/max. */
function metaBinsHold(p: Plan, first: Row, i: number): boolean {
  return p.metaRange !== undefined && first[`mn${i}`] === p.metaRange[0] && first[`mx${i}`] === p.metaRange[1];
}

async function readOneRow(connection: DuckDBConnection, sql: string): Promise<Row> {
  const reader = await connection.runAndReadAll(sql);
  const names = reader.columnNames();
  const types = reader.columnTypes();
  const values = reader.getRows()[0] ?? [];
  const row: Row = {};
  names.forEach((name, i) => {
    row[name] = toJsonValue(values[i] ?? null, types[i], toJsonValue);
  });
  return row;
}

function assemble(plan: Plan, i: number, rowCount: number, first: Row, second: Row): DatasetColumn {
  if (plan.exact) return assembleExact(plan, i, rowCount, first);
  const count = Number(first[`c${i}`] ?? 0);
  const exact = second[`x${i}`];
  const distinct = Math.min(count, Number(exact ?? first[`d${i}`] ?? 0));
  const numeric = plan.kind === 'numeric';
  const bins = metaBinsHold(plan, first, i) ? first[`hm${i}`] : second[`h${i}`];
  const stats: ColumnStats = {
    count,
    nulls: rowCount - count,
    distinct,
    min: statValue(first[`mn${i}`]),
    max: statValue(first[`mx${i}`]),
    mean: numeric ? numberOrNull(first[`av${i}`]) : null,
    stddev: numeric ? numberOrNull(first[`sd${i}`]) : null,
    topValues: topValues(first[`k${i}`], second[`t${i}`]),
    histogram: numeric ? histogram(first[`mn${i}`], first[`mx${i}`], count, bins) : null,
  };
  return { name: plan.column.name, type: plan.column.type.toString(), stats };
}

/** A column counted value by value: distinct count, top values and histogram from the counts. */
function assembleExact(plan: Plan, i: number, rowCount: number, first: Row): DatasetColumn {
  const count = Number(first[`c${i}`] ?? 0);
  const values = valueCounts(first[`e${i}`]);
  const numeric = plan.kind === 'numeric';
  const [min, max] = [first[`mn${i}`], first[`mx${i}`]];
  let bins: Map<number, number> | undefined;
  if (numeric && typeof min === 'number' && typeof max === 'number' && max > min) {
    bins = new Map();
    for (const { value, count: n } of values) {
      if (typeof value !== 'number' || !Number.isFinite(value)) continue;
      const bin = Math.min(Math.floor(((value - min) / (max - min)) * HISTOGRAM_BINS), HISTOGRAM_BINS - 1);
      bins.set(bin, (bins.get(bin) ?? 0) + n);
    }
  }
  const top = values.map((entry) => ({ value: topValue(entry.value), count: entry.count }));
  top.sort(byCountThenValue);
  const stats: ColumnStats = {
    count,
    nulls: rowCount - count,
    distinct: values.length + Number(first[`nf${i}`] ?? 0),
    min: statValue(min),
    max: statValue(max),
    mean: numeric ? numberOrNull(first[`av${i}`]) : null,
    stddev: numeric ? numberOrNull(first[`sd${i}`]) : null,
    topValues: top.slice(0, TOP_K),
    histogram: numeric ? histogram(min, max, count, bins) : null,
  };
  return { name: plan.column.name, type: plan.column.type.toString(), stats };
}

/** The non-NULL entries of a `histogram(value)` MAP. */
function valueCounts(value: JsonValue | undefined): Array<{ value: JsonValue; count: number }> {
  if (!Array.isArray(value)) return [];
  const out: Array<{ value: JsonValue; count: number }> = [];
  for (const entry of value) {
    if (entry && typeof entry === 'object' && !Array.isArray(entry) && entry.key !== null && entry.key !== undefined) {
      out.push({ value: entry.key, count: Number(entry.value) });
    }
  }
  return out;
}

/** Most frequent first; ties in a stable, readable order. */
export function byCountThenValue(a: { value: unknown; count: number }, b: { value: unknown; count: number }): number {
  return b.count - a.count || String(a.value).localeCompare(String(b.value));
}

export function statValue(value: JsonValue | undefined): number | string | null {
  if (typeof value === 'number') return Number.isFinite(value) ? value : null;
  if (typeof value === 'string') return value.slice(0, MAX_STRING_STAT);
  return null;
}

export function numberOrNull(value: JsonValue | undefined): number | null {
  return typeof value === 'number' && Number.isFinite(value) ? value : null;
}

/** `{key, value}` entries of a DuckDB MAP as converted by {@link toJsonValue}. */
function mapEntries(value: JsonValue | undefined): Map<number, number> {
  const entries = new Map<number, number>();
  if (!Array.isArray(value)) return entries;
  for (const entry of value) {
    // A NULL key (a NULL value, or a non-finite one mapped to NULL) belongs to no bin.
    if (entry && typeof entry === 'object' && !Array.isArray(entry) && entry.key !== null) {
      entries.set(Number(entry.key), Number(entry.value));
    }
  }
  return entries;
}

function topValues(candidates: JsonValue | undefined, counts: JsonValue | undefined): ColumnStats['topValues'] {
  if (!Array.isArray(candidates)) return [];
  const byPosition = mapEntries(counts);
  const top = candidates
    .map((candidate, index) => ({ value: topValue(candidate), count: byPosition.get(index + 1) ?? 0 }))
    .filter((entry) => entry.count > 0);
  top.sort(byCountThenValue);
  return top;
}

export function topValue(value: JsonValue): string | number | boolean | null {
  if (value === null || typeof value === 'number' || typeof value === 'boolean') return value;
  if (typeof value === 'string') return value.slice(0, MAX_STRING_STAT);
  return JSON.stringify(value).slice(0, MAX_STRING_STAT);
}

export function histogram(
  min: JsonValue | undefined,
  max: JsonValue | undefined,
  count: number,
  bins: JsonValue | Map<number, number> | undefined,
): ColumnStats['histogram'] {
  if (typeof min !== 'number' || typeof max !== 'number') return null;
  if (max === min) return [{ lower: min, upper: max, count }];
  const counts = bins instanceof Map ? bins : mapEntries(bins);
  const width = (max - min) / HISTOGRAM_BINS;
  return Array.from({ length: HISTOGRAM_BINS }, (_, k) => ({
    lower: min + k * width,
    upper: k === HISTOGRAM_BINS - 1 ? max : min + (k + 1) * width,
    count: counts.get(k) ?? 0,
  }));
}
