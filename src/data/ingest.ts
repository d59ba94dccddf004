import path from 'node:path';
import type { DuckDBConnection } from '@duckdb/node-api';
import { OrchardError, isOrchardError } from '../core/index.js';
import { assertUniqueColumnNames, readFirstCsvRecord } from './csv-header.js';
import { errorMessage, isConversionError, isSniffError, mapReadError } from './duckdb-errors.js';
import { INGEST_MEMORY_LIMIT, MAX_LINE_BYTES, allowStatements, openDuckDB, sqlIdent, sqlString } from './duckdb-session.js';
import { readSchema } from './stats.js';
import { profileTable } from './table-profile.js';
import { copyTextToParquet } from './text-format.js';
import type { DatasetColumn, DatasetFormat } from './types.js';

/**
 * DuckDB's CSV reader sizes its read buffer from max_line_size (16x by default,
 * 64 MB here), which alone would exceed the ingest memory limit with two threads;
 * twice the line limit is the smallest buffer that still holds any allowed line.
 */
const CSV_BUFFER_BYTES = 2 * MAX_LINE_BYTES;
const PARQUET_ROW_GROUP = 32_768;
/** Values a row group holds at most: 32k rows of 32 columns; a wider table gets fewer rows a group. */
const ROW_GROUP_CELLS = PARQUET_ROW_GROUP * 32;

/** Columns past which an ingest gets more memory (see `ingestMemoryLimit`). */
const WIDE_FROM = 64;

/**
 * DuckDB's memory limit for ingesting a table `columns` wide: the format's limit, plus
 * 96 KB a column past 64. DuckDB's CSV sniffer and Parquet writer hold buffers per
 * column, so a fixed limit caps a dataset's width (a 64 MB CSV ingest failed at ~400
 * columns, 2,000 needed about 190 MB); narrow tables keep the limit the 2 GB ingest's
 * memory figure was measured with. At most 2 GB.
 */
export function ingestMemoryLimit(format: DatasetFormat, columns: number): string {
  const base = Number.parseInt(INGEST_MEMORY_LIMIT[format], 10);
  const extra = Math.ceil((Math.max(0, columns - WIDE_FROM) * 96) / 1024);
  return `${Math.min(2048, base + extra)}MB`;
}

/** Rows per Parquet row group for a table of `columns` columns (at least 1,024: DuckDB's vector is 2,048). */
export function rowGroupRows(columns: number): number {
  return Math.max(1024, Math.min(PARQUET_ROW_GROUP, Math.floor(ROW_GROUP_CELLS / Math.max(1, columns))));
}

/** A validated upload on local disk and where its Parquet copy goes. */
export interface ConvertInput {
  format: DatasetFormat;
  /** CSV only. */
  header: boolean;
  /** The validated upload on local disk. */
  sourcePath: string;
  /** Where to write the Parquet copy. */
  parquetPath: string;
  /** Private scratch folder holding both files; DuckDB may read and write only here. */
  scratchDir: string;
}

/** What the Parquet copy holds: its row count and profiled columns. */
export interface ConvertResult {
  rowCount: number;
  columns: DatasetColumn[];
}

/**
 * Converts a validated upload to Parquet (zstd) with DuckDB, then reads the
 * schema back from the Parquet and profiles every column. Runs in a private
 * in-memory DuckDB that may touch only `scratchDir`.
 */
export async function convertToParquet(input: ConvertInput): Promise<ConvertResult> {
  const width = input.format === 'csv' ? await checkCsvHeader(input) : 0;
  const session = await openDuckDB({ tempDirectory: path.join(input.scratchDir, 'duckdb'), memoryLimit: ingestMemoryLimit(input.format, width) });
  try {
    // Only our own statements run here (the file is data, never SQL), so the
    // configuration stays unlocked. The copy keeps insertion order (DuckDB's
    // default): the Parquet rows stay in file order, which time series, previews
    // and paging rely on; the statistics below switch it off.
    await session.exec(...allowStatements({ directories: [input.scratchDir + path.sep] }), 'SET enable_external_access=false');
    try {
      if (input.format === 'parquet') await widenFor(session.connection, input.sourcePath, 'parquet');
      await copyWithRetry(session.connection, input);
    } catch (err) {
      throw mapReadError(err, input.format, [input.sourcePath, input.parquetPath, input.scratchDir], MAX_LINE_BYTES);
    }
    return await profile(session.connection, input);
  } catch (err) {
    if (isOrchardError(err)) throw err;
    throw new OrchardError('ORCH_INTERNAL', { message: 'The dataset could not be profiled', cause: err });
  } finally {
    session.close();
  }
}

/**
 * Profiles a Parquet file the platform wrote itself (a query's result, a job's output):
 * no conversion, only the schema and the column statistics, read in place.
 */
export async function profileParquet(input: { parquetPath: string; scratchDir: string }): Promise<ConvertResult> {
  // The platform's own files have 32k-row groups: the CSV limit is room enough.
  const session = await openDuckDB({ tempDirectory: path.join(input.scratchDir, 'duckdb'), memoryLimit: INGEST_MEMORY_LIMIT.csv });
  try {
    await session.exec(...allowStatements({ paths: [input.parquetPath], directories: [input.scratchDir + path.sep] }), 'SET enable_external_access=false');
    await widenFor(session.connection, input.parquetPath, 'csv');
    return await profile(session.connection, { format: 'parquet', header: false, sourcePath: input.parquetPath, parquetPath: input.parquetPath, scratchDir: input.scratchDir });
  } catch (err) {
    if (isOrchardError(err)) throw err;
    throw mapReadError(err, 'parquet', [input.parquetPath, input.scratchDir], MAX_LINE_BYTES);
  } finally {
    session.close();
  }
}

/** Reads the schema back from the Parquet copy and profiles it. */
async function profile(connection: DuckDBConnection, input: ConvertInput): Promise<ConvertResult> {
  const parquet = `read_parquet(${sqlString(input.parquetPath)})`;
  const schema = await readSchema(connection, parquet);
  // Aggregates do not care about row order; letting DuckDB drop it saves memory. Each
  // group of columns is read twice; keeping the file's pages in DuckDB's cache for the
  // second scan saved no time and raised a lone profile's peak by up to 40 MB.
  await connection.run('SET preserve_insertion_order=false');
  await connection.run('SET enable_external_file_cache=false');
  const count = await connection.runAndReadAll(`SELECT count(*) FROM ${parquet}`);
  const rows = Number(count.getRows()[0][0]);
  if (rows === 0) throw noRows(input.format);
  const memory = await connection.runAndReadAll("SELECT value FROM duckdb_settings() WHERE name = 'memory_limit'");
  const memoryMiB = mebibytes(String(memory.getRows()[0]?.[0] ?? ''));
  // Ingest's copy has row groups of rowGroupRows(width) rows, the platform's own files 32k or more.
  return profileTable(connection, parquet, schema, { parquetPath: input.parquetPath, rows, memoryMiB, oneRowGroup: rows <= rowGroupRows(schema.length) });
}

/** DuckDB's setting as it shows it (`61.0 MiB`, `1.9 GiB`) in MiB; 64 when it cannot be read. */
export function mebibytes(setting: string): number {
  const m = /^([\d.]+)\s*(KiB|MiB|GiB|TiB|KB|MB|GB|TB)$/i.exec(setting.trim());
  if (!m) return 64;
  const unit = m[2].toLowerCase();
  const scale = unit.startsWith('k') ? 1 / 1024 : unit.startsWith('m') ? 1 : unit.startsWith('g') ? 1024 : 1024 * 1024;
  return Number(m[1]) * scale;
}

function noRows(format: DatasetFormat): OrchardError {
  return new OrchardError('ORCH_DATASET_NO_ROWS', {
    message: format === 'csv' ? 'The file has a header but no rows' : 'The file has no rows',
  });
}

/**
 * With a header, DuckDB would rename a repeated column silently: check it first.
 * Returns the first record's width (0 when it could not be read whole).
 */
async function checkCsvHeader(input: ConvertInput): Promise<number> {
  const first = await readFirstCsvRecord(input.sourcePath, MAX_LINE_BYTES);
  if (!first.complete) return 0;
  if (input.header) assertUniqueColumnNames(first.fields);
  return first.fields.length;
}

/** Raises the session's memory limit for a Parquet file as wide as `file` (its footer's leaf columns). */
async function widenFor(connection: DuckDBConnection, file: string, base: DatasetFormat): Promise<void> {
  const reader = await connection.runAndReadAll(`SELECT count(*) FROM parquet_schema(${sqlString(file)}) WHERE num_children IS NULL`);
  const width = Number(reader.getRows()[0][0]);
  if (width > WIDE_FROM) await connection.run(`SET memory_limit='${ingestMemoryLimit(base, width)}'`);
}

/**
 * Types are inferred from a sample of rows; a value later in the file that does not
 * fit (a `1.5` in a column sampled as integers) fails the conversion. One retry
 * with the whole file as the sample fixes that at the cost of an extra read.
 */
async function copyWithRetry(connection: DuckDBConnection, input: ConvertInput): Promise<void> {
  try {
    await copy(connection, input, false);
  } catch (err) {
    const message = errorMessage(err);
    if (input.format !== 'parquet' && isConversionError(message)) {
      await copy(connection, input, true);
      return;
    }
    if (input.format === 'csv' && isSniffError(message)) await diagnoseCsv(connection, input, err);
    throw err;
  }
}

async function copy(connection: DuckDBConnection, input: ConvertInput, sampleAll: boolean): Promise<void> {
  if (input.format === 'text') return copyTextToParquet(connection, input, { maxLineBytes: MAX_LINE_BYTES, rowGroup: PARQUET_ROW_GROUP });
  let select: string;
  if (input.format === 'csv') {
    const reader = csvReader(input, { sampleAll });
    select = input.header ? `SELECT * FROM ${reader}` : await renamedCsvSelect(connection, reader);
  } else if (input.format === 'jsonl') {
    const sample = sampleAll ? ', sample_size=-1' : '';
    select = `SELECT * FROM read_json(${sqlString(input.sourcePath)}, format='newline_delimited', maximum_object_size=${MAX_LINE_BYTES}${sample})`;
  } else {
    select = `SELECT * FROM read_parquet(${sqlString(input.sourcePath)})`;
  }
  // Row groups of 32k rows (DuckDB's default is 122,880) bound what the writer buffers
  // per thread: part of keeping a 2 GB ingest under 300 MB resident (bench/RESULTS.md).
  const columns = (await readSchema(connection, `(${select})`)).length;
  await connection.run(`COPY (${select}) TO ${sqlString(input.parquetPath)} (FORMAT parquet, COMPRESSION zstd, ROW_GROUP_SIZE ${rowGroupRows(columns)})`);
}

/**
 * A strict, explicit CSV reader: the dialect is fixed (RFC 4180: `,` `"` `"`, no
 * comment lines, no skipped rows) so the sniffer cannot "fix" a ragged file by
 * picking another delimiter; only column types are auto-detected.
 */
function csvReader(input: ConvertInput, opts: { sampleAll?: boolean; columns?: number } = {}): string {
  const options = [
    `header=${input.header}`,
    `delim=','`,
    `quote='"'`,
    `escape='"'`,
    `comment=''`,
    'skip=0',
    'strict_mode=true',
    'null_padding=false',
    'ignore_errors=false',
    `max_line_size=${MAX_LINE_BYTES}`,
    `buffer_size=${CSV_BUFFER_BYTES}`,
  ];
  if (opts.columns !== undefined) {
    const columns = Array.from({ length: opts.columns }, (_, i) => `${sqlString(`c${i}`)}: 'VARCHAR'`);
    options.push('auto_detect=false', `columns={${columns.join(', ')}}`);
  } else {
    options.push('auto_detect=true');
    if (opts.sampleAll) options.push('sample_size=-1');
  }
  return `read_csv(${sqlString(input.sourcePath)}, ${options.join(', ')})`;
}

/** Without a header, columns are named `_c0`, `_c1`, … (SageMaker: target first, so `_c0`). */
async function renamedCsvSelect(connection: DuckDBConnection, reader: string): Promise<string> {
  const described = await connection.runAndReadAll(`DESCRIBE SELECT * FROM ${reader}`);
  const names = described.getRowObjectsJS().map((row) => String(row.column_name));
  const list = names.map((name, i) => `${sqlIdent(name)} AS ${sqlIdent(`_c${i}`)}`);
  return `SELECT ${list.join(', ')} FROM ${reader}`;
}

/**
 * The sniffer reports only "could not detect the dialect" for a broken sample. To
 * tell the user which line is wrong, re-read the file with the dialect and the
 * column count of its first record fixed and all types as text: DuckDB then
 * reports the first ragged row or unterminated quote with its line number.
 */
async function diagnoseCsv(connection: DuckDBConnection, input: ConvertInput, original: unknown): Promise<never> {
  const first = await readFirstCsvRecord(input.sourcePath, MAX_LINE_BYTES);
  const reader = csvReader(input, { columns: Math.max(1, first.fields.length) });
  try {
    await connection.run(`SELECT count(*) FROM ${reader}`);
  } catch (err) {
    throw mapReadError(err, 'csv', [input.sourcePath], MAX_LINE_BYTES);
  }
  throw new OrchardError('ORCH_DATASET_MALFORMED', {
    message: 'The CSV file could not be parsed: its rows do not have a consistent layout',
    cause: original,
  });
}

