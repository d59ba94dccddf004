import { randomBytes } from 'node:crypto';
import { rm } from 'node:fs/promises';
import path from 'node:path';
import type { DuckDBConnection } from '@duckdb/node-api';
import { OrchardError, isOrchardError } from '../core/index.js';
import { errorMessage, scrubMessage, stripErrorType } from './duckdb-errors.js';
import { LOCKDOWN_STATEMENTS, allowStatements, loadDuckDB, openDuckDB, sqlIdent, sqlString } from './duckdb-session.js';
import { rowToJson } from './row-values.js';
import type { QueryResult } from './types.js';

/** @default 60 s */

/** A table name in a query bound to a local Parquet file. */
export interface TableBinding {
  /** The name exactly as the query wrote it (`cls`, `cls@3`). */
  name: string;
  path: string;
}

/** One page of one query: what to run, over which files, within which limits. */
export interface ExecuteOptions {
  tables: TableBinding[];
  /** A single SELECT, already checked. */
  sql: string;
  limit: number;
  offset: number;
  /** Scratch root; DuckDB spills under `<workDir>/tmp/`. */
  workDir: string;
  timeoutMs: number;
}

/**
 * Runs one checked SELECT in a fresh in-memory DuckDB that can read only the
 * bound Parquet files: each is exposed as a view under the name the query used,
 * then external access is switched off and the configuration locked. The query is
 * wrapped in `LIMIT limit+1 OFFSET offset`, so DuckDB produces at most one row
 * beyond the page (which tells whether there is a next page) however large the
 * full result would be. The connection is interrupted after `timeoutMs`.
 */
export async function executeSelect(options: ExecuteOptions): Promise<{ result: QueryResult; more: boolean }> {
  const wrapped = `SELECT * FROM (\n${options.sql}\n) LIMIT ${options.limit + 1} OFFSET ${options.offset}`;
  return inSandbox(options, [], [], (connection) => runPage(connection, wrapped, options.limit));
}

/** A checked SELECT written whole to a Parquet file (`datasets create --from-query`). */
export interface CopyOptions {
  tables: TableBinding[];
  /** A single SELECT, already checked. */
  sql: string;
  /** The Parquet file to write; the only path the session may write. */
  output: string;
  workDir: string;
  timeoutMs: number;
}

/**
 * Athena's CTAS inside the query sandbox: the same locked session as {@link executeSelect},
 * with the output file as the one extra allowed path, and DuckDB's own `COPY … TO` writing
 * the result as it is produced (row groups stream to disk, joins and sorts spill under
 * the memory limit), so a result of any size is written in bounded memory. The file is
 * written as ingest writes a dataset's Parquet copy (zstd, 32k-row groups), so it is
 * stored as it is. Rows follow the query's ORDER BY; without one their order is
 * unspecified (as in Athena): keeping the scan's order would make DuckDB buffer
 * batches from both threads, which costs 150 MB more on a 2 GB result. The COPY runs on
 * one thread: a second thread's Parquet writer and batches cost another 45 MB on a 2 GB
 * result, and here bounded memory goes before speed (a plain copy was no slower on one
 * thread; a heavy join or sort is). DuckDB's cache of the Parquet pages it reads is off:
 * a copy reads each page once, and with the cache the server grew through the whole
 * copy of a 2 GB table (to 287 MiB, against a flat 250 without). Returns the number of rows written.
 */
export async function copySelectToParquet(options: CopyOptions): Promise<number> {
  const copy = `COPY (SELECT * FROM (\n${options.sql}\n)) TO ${sqlString(options.output)} (FORMAT parquet, COMPRESSION zstd, ROW_GROUP_SIZE 32768)`;
  return inSandbox(options, [options.output], ['SET preserve_insertion_order=false', 'SET threads=1', 'SET enable_external_file_cache=false'], async (connection) => {
    // prepare() refuses several statements, as in runPage.
    const prepared = await connection.prepare(copy);
    const reader = await prepared.runAndReadAll();
    return Number(reader.getRows()[0]?.[0] ?? 0);
  });
}

/**
 * A Parquet file's rows as CSV without a header, in column order (what the built-in
 * algorithms read), streamed by DuckDB on one thread so rows keep their order.
 */
export async function copyParquetToCsv(options: { parquet: string; output: string; workDir: string; timeoutMs: number }): Promise<void> {
  const tables = [{ name: 'source_rows', path: options.parquet }];
  await inSandbox({ tables, workDir: options.workDir, timeoutMs: options.timeoutMs }, [options.output], ['SET threads=1', 'SET preserve_insertion_order=true'], async (connection) => {
    await connection.run(`COPY (SELECT * FROM source_rows) TO ${sqlString(options.output)} (FORMAT csv, HEADER false)`);
  });
}

/**
 * A fresh in-memory DuckDB that can read only the bound Parquet files (each a view
 * under the name the query used) and `extraPaths`, with external access then switched
 * off and `settings` applied before the configuration is locked; `run` is interrupted after `timeoutMs`, and the
 * session and its spill folder are gone afterwards.
 */
async function inSandbox<T>(
  options: { tables: TableBinding[]; workDir: string; timeoutMs: number },
  extraPaths: string[],
  settings: string[],
  run: (connection: DuckDBConnection) => Promise<T>,
): Promise<T> {
  const spill = path.join(options.workDir, 'tmp', `query-${randomBytes(8).toString('hex')}`);
  const session = await openDuckDB({ tempDirectory: spill });
  const paths = options.tables.map((t) => t.path);
  try {
    await session.exec(...allowStatements({ paths: [...paths, ...extraPaths] }));
    for (const table of options.tables) {
      await session.connection.run(
        `CREATE VIEW ${sqlIdent(table.name)} AS SELECT * FROM read_parquet(${sqlString(table.path)})`,
      );
    }
    await session.exec(...settings, ...LOCKDOWN_STATEMENTS);
    return await withTimeout(session.connection, options.timeoutMs, () => run(session.connection));
  } catch (err) {
    throw mapQueryError(err, [...paths, ...extraPaths, options.workDir]);
  } finally {
    session.close();
    await rm(spill, { recursive: true, force: true });
  }
}

async function runPage(
  connection: DuckDBConnection,
  sql: string,
  limit: number,
): Promise<{ result: QueryResult; more: boolean }> {
  // prepare() refuses several statements, so text that escapes the wrapper's
  // parentheses cannot smuggle in a second statement.
  const prepared = await connection.prepare(sql);
  try {
    if (prepared.statementType !== (await loadDuckDB()).StatementType.SELECT) {
      throw new OrchardError('ORCH_QUERY_NOT_READ_ONLY');
    }
    const reader = await prepared.runAndReadAll();
    const names = reader.deduplicatedColumnNames();
    const types = reader.columnTypes();
    const rows = reader.getRows();
    const more = rows.length > limit;
    return {
      result: {
        columns: names.map((name, i) => ({ name, type: types[i].toString() })),
        rows: rows.slice(0, limit).map((values) => rowToJson(names, types, values)),
        nextPageToken: null,
      },
      more,
    };
  } finally {
    prepared.destroySync();
  }
}

class QueryTimeout extends Error {}

async function withTimeout<T>(connection: DuckDBConnection, ms: number, run: () => Promise<T>): Promise<T> {
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    connection.interrupt();
  }, ms);
  try {
    return await run();
  } catch (err) {
    if (timedOut) throw new QueryTimeout();
    throw err;
  } finally {
    clearTimeout(timer);
  }
}

function mapQueryError(err: unknown, paths: string[]): OrchardError {
  if (isOrchardError(err)) return err;
  if (err instanceof QueryTimeout) {
    return new OrchardError('ORCH_QUERY_TIMEOUT', { message: 'The query took too long and was stopped' });
  }
  const raw = errorMessage(err);
  const message = scrubMessage(stripErrorType(raw), paths);
  if (/^Permission Error/i.test(raw)) {
    return new OrchardError('ORCH_QUERY_FORBIDDEN', { message: `Not allowed: ${message}`, cause: err });
  }
  if (/Cannot prepare multiple statements/i.test(raw)) {
    return new OrchardError('ORCH_QUERY_NOT_READ_ONLY', { message: 'Only a single SELECT statement is allowed' });
  }
  if (/^Parser Error/i.test(raw)) {
    return new OrchardError('ORCH_QUERY_INVALID', { message: `Invalid SQL: ${message}`, cause: err });
  }
  return new OrchardError('ORCH_QUERY_FAILED', { message: `The query failed: ${message}`, cause: err });
}
