import type { DuckDBConnection } from '@duckdb/node-api';

let duckdbModule: Promise<typeof import('@duckdb/node-api')> | undefined;
/**
 * The DuckDB addon, loaded on first use: it costs a worker about a third of its start-up
 * time and memory, and a worker that only trains never needs it.
 */
export function loadDuckDB(): Promise<typeof import('@duckdb/node-api')> {
  duckdbModule ??= import('@duckdb/node-api');
  return duckdbModule;
}

/**
 * Resource limits for every embedded DuckDB: two threads and a memory limit keep a
 * multi-GB ingest or a heavy query from starving the server; DuckDB spills to
 * `temp_directory` beyond the limit.
 */
export const DUCKDB_THREADS = 2;
/** User queries (joins, sorts) get more room before they spill. */
export const QUERY_MEMORY_LIMIT = '256MB';
/** Longest CSV line / JSON record accepted. */
export const MAX_LINE_BYTES = 4 * 1024 * 1024;
/**
 * Ingest memory by input format. CSV streams to Parquet with a read buffer and row
 * groups sized to match, so 64 MB keeps the whole server under 300 MB resident on a
 * 2 GB upload (bench/RESULTS.md). DuckDB's JSON reader allocates 32 MB buffers of its
 * own, and outside Parquet files bring row groups of any size: both get more room.
 */
export const INGEST_MEMORY_LIMIT: Readonly<Record<'csv' | 'jsonl' | 'parquet' | 'text', string>> = {
  csv: '64MB',
  jsonl: '128MB',
  parquet: '128MB',
  text: '64MB',
};

/** Freed memory DuckDB's allocator may keep after a task before it returns it to the system. */
export const ALLOCATOR_FLUSH_THRESHOLD = '16MB';

export interface DuckDBSessionOptions {
  /** Where DuckDB may spill; created by DuckDB on demand. */
  tempDirectory?: string;
  /** DuckDB's memory_limit. @default QUERY_MEMORY_LIMIT */
  memoryLimit?: string;
}

/** A private in-memory DuckDB with one connection. */
export interface DuckDBSession {
  readonly connection: DuckDBConnection;
  /** Runs statements that return nothing of interest, in order. */
  exec(...statements: string[]): Promise<void>;
  close(): void;
}

/**
 * Opens a fresh in-memory DuckDB. Extensions are never installed or loaded on
 * demand (`autoinstall/autoload_known_extensions=false`): the built-in parquet and
 * json readers are all we use, and fetching code from the network at query time is
 * exactly what a locked-down engine must not do.
 */
export async function openDuckDB(options: DuckDBSessionOptions = {}): Promise<DuckDBSession> {
  const config: Record<string, string> = {
    threads: String(DUCKDB_THREADS),
    memory_limit: options.memoryLimit ?? QUERY_MEMORY_LIMIT,
    autoinstall_known_extensions: 'false',
    autoload_known_extensions: 'false',
    // DuckDB's allocator keeps up to 128 MiB of freed memory by default; the server runs
    // one engine after another (a query's COPY, then its result's statistics), and what one
    // kept would sit under the next one's peak.
    allocator_flush_threshold: ALLOCATOR_FLUSH_THRESHOLD,
  };
  if (options.tempDirectory) config.temp_directory = options.tempDirectory;
  const { DuckDBInstance } = await loadDuckDB();
  const instance = await DuckDBInstance.create(':memory:', config);
  let connection: DuckDBConnection;
  try {
    connection = await instance.connect();
  } catch (err) {
    instance.closeSync();
    throw err;
  }
  return {
    connection,
    async exec(...statements: string[]) {
      for (const statement of statements) await connection.run(statement);
    },
    close() {
      connection.closeSync();
      instance.closeSync();
    },
  };
}

/** A SQL string literal: `'…'` with quotes doubled. */
export function sqlString(value: string): string {
  return `'${value.replaceAll("'", "''")}'`;
}

/** A quoted SQL identifier: `"…"` with quotes doubled. */
export function sqlIdent(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

/** A DuckDB list of string literals, e.g. for `allowed_paths`. */
export function sqlStringList(values: string[]): string {
  return `[${values.map(sqlString).join(', ')}]`;
}

/** Statements that keep the listed directories/files readable once external access is off. */
export function allowStatements(allowed: { directories?: string[]; paths?: string[] }): string[] {
  const statements: string[] = [];
  if (allowed.directories?.length) statements.push(`SET allowed_directories=${sqlStringList(allowed.directories)}`);
  if (allowed.paths?.length) statements.push(`SET allowed_paths=${sqlStringList(allowed.paths)}`);
  return statements;
}

/**
 * Statements that shut a session off from the outside world (files, URLs,
 * extensions) except what {@link allowStatements} allowed, and forbid any later
 * statement from changing a setting back (`lock_configuration`).
 */
export const LOCKDOWN_STATEMENTS: readonly string[] = [
  'SET enable_external_access=false',
  'SET autoinstall_known_extensions=false',
  'SET autoload_known_extensions=false',
  'SET lock_configuration=true',
];
