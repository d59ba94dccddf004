import type { DuckDBInstance } from '@duckdb/node-api';
import { OrchardError } from '../core/index.js';
import { QUERY_MEMORY_LIMIT, DUCKDB_THREADS, loadDuckDB } from './duckdb-session.js';

/** Longest SQL text accepted. */
export const MAX_SQL_LENGTH = 100_000;

/**
 * Functions a query may not call, as expressions or as table sources: anything
 * that reads files, URLs, the environment, settings or the catalog, runs SQL
 * given as a string, or changes engine state. The locked-down engine refuses file
 * and network access anyway; this list is the second line of defence and keeps
 * settings (which hold server paths) out of reach.
 */
const DENIED_FUNCTIONS = new Set([
  'getenv', 'current_setting', 'getvariable', 'write_log', 'sleep_ms', 'pg_sleep',
  'query', 'query_table', 'glob', 'sniff_csv', 'summary', 'checkpoint', 'force_checkpoint',
  'json_execute_serialized_sql', 'json_serialize_plan', 'which_secret', 'sql_auto_complete',
  'check_peg_parser', 'truncate_duckdb_logs', 'nextval', 'currval', 'setseed',
  'test_all_types', 'test_vector_types', 'repeat_row', 'seq_scan', 'icu_calendar_names', 'pg_timezone_names',
]);
const DENIED_PREFIXES = [
  'read_', 'parquet_', 'duckdb_', 'pragma_', 'json_execute', 'enable_', 'disable_', 'arrow_', 'load_',
  'iceberg_', 'delta_', 'ducklake_', 'postgres_', 'mysql_', 'sqlite_', 'st_read', 'excel', 'httpfs', 's3_', 'gcs_', 'azure_',
];

/** Table sources a query may use besides dataset names. */
const ALLOWED_TABLE_REFS = new Set(['BASE_TABLE', 'JOIN', 'SUBQUERY', 'EMPTY', 'EXPRESSION_LIST', 'PIVOT', 'SHOW_REF']);

type Json = Record<string, unknown>;

function forbidden(message: string): OrchardError {
  return new OrchardError('ORCH_QUERY_FORBIDDEN', { message });
}

function isDenied(name: string): boolean {
  const lower = name.toLowerCase();
  return DENIED_FUNCTIONS.has(lower) || DENIED_PREFIXES.some((prefix) => lower.startsWith(prefix));
}

/**
 * Parses SQL without running it, in a DuckDB that can reach nothing outside
 * itself. DuckDB's `json_serialize_sql` serialises SELECT statements only, which
 * is the read-only check; the SQL text is bound as a parameter, never spliced.
 */
export class SqlParser {
  private instance: Promise<DuckDBInstance> | null = null;

  /** The statements of `sql` as DuckDB's JSON syntax tree. */
  async parse(sql: string): Promise<Json[]> {
    const instance = await this.open();
    const connection = await instance.connect();
    try {
      const reader = await connection.runAndReadAll('SELECT json_serialize_sql($1::VARCHAR) AS ast', [sql]);
      const parsed = JSON.parse(String(reader.getRows()[0][0])) as Json;
      if (parsed.error === true) throw parseError(String(parsed.error_message ?? 'unknown parse error'));
      const statements = parsed.statements;
      if (!Array.isArray(statements) || statements.length !== 1) {
        throw new OrchardError('ORCH_QUERY_NOT_READ_ONLY', {
          message: 'Only a single SELECT statement is allowed (the text holds several)',
        });
      }
      return statements as Json[];
    } finally {
      connection.closeSync();
    }
  }

  async close(): Promise<void> {
    const instance = this.instance;
    this.instance = null;
    if (instance) (await instance.catch(() => null))?.closeSync();
  }

  private open(): Promise<DuckDBInstance> {
    // A failed start is not cached: the next query tries again.
    this.instance ??= loadDuckDB().then(({ DuckDBInstance }) => DuckDBInstance.create(':memory:', {
      threads: String(DUCKDB_THREADS),
      memory_limit: QUERY_MEMORY_LIMIT,
      enable_external_access: 'false',
      autoinstall_known_extensions: 'false',
      autoload_known_extensions: 'false',
      lock_configuration: 'true',
    })).catch((err: unknown) => {
      this.instance = null;
      throw err;
    });
    return this.instance;
  }
}

function parseError(message: string): OrchardError {
  if (/only select statements/i.test(message)) {
    return new OrchardError('ORCH_QUERY_NOT_READ_ONLY', {
      message: 'Only a single SELECT statement is allowed (no INSERT, CREATE, COPY, ATTACH, SET, PRAGMA, …)',
    });
  }
  return new OrchardError('ORCH_QUERY_INVALID', { message: `Invalid SQL: ${message.slice(0, 500)}` });
}

/**
 * Walks a parsed SELECT and returns the names of the tables it reads, as written
 * (CTE names excluded). Throws `ORCH_QUERY_FORBIDDEN` for table functions
 * (`read_csv(…)`, `glob(…)`, `range(…)`…), qualified names (`main.t`,
 * `other_db.t`), time travel, catalog listings (`SHOW TABLES`) and denied
 * functions anywhere in an expression.
 */
export function collectTableNames(statement: Json): string[] {
  const found = new Set<string>();
  walk(statement, new Set(), found);
  return [...found];
}

function walk(node: unknown, scope: ReadonlySet<string>, found: Set<string>): void {
  if (Array.isArray(node)) {
    for (const item of node) walk(item, scope, found);
    return;
  }
  if (node === null || typeof node !== 'object') return;
  const obj = node as Json;
  const inner = withCtes(obj, scope);
  if (typeof obj.class === 'string') checkExpression(obj);
  else if (isTableRef(obj)) checkTableRef(obj, inner, found);
  for (const value of Object.values(obj)) {
    if (value !== null && typeof value === 'object') walk(value, inner, found);
  }
}

/** A query node's WITH names are visible to everything inside it (recursive CTEs included). */
function withCtes(obj: Json, scope: ReadonlySet<string>): ReadonlySet<string> {
  const map = (obj.cte_map as Json | undefined)?.map;
  if (!Array.isArray(map) || map.length === 0) return scope;
  const inner = new Set(scope);
  for (const entry of map as Json[]) inner.add(String(entry.key).toLowerCase());
  return inner;
}

/** Table references carry an alias and a sample clause; expressions carry a class; query nodes carry modifiers. */
function isTableRef(obj: Json): boolean {
  return typeof obj.type === 'string' && 'alias' in obj && 'sample' in obj && !('modifiers' in obj);
}

function checkExpression(obj: Json): void {
  if (obj.class === 'PARAMETER') {
    throw new OrchardError('ORCH_QUERY_INVALID', { message: 'Query parameters ($1, ?) are not supported' });
  }
  const name = obj.function_name;
  if (typeof name === 'string' && isDenied(name)) {
    throw forbidden(`The function ${name}() is not allowed: a query may read only datasets by name`);
  }
}

function checkTableRef(ref: Json, scope: ReadonlySet<string>, found: Set<string>): void {
  const type = String(ref.type);
  if (type === 'TABLE_FUNCTION') {
    const fn = (ref.function as Json | undefined)?.function_name;
    throw forbidden(`Table functions${typeof fn === 'string' ? ` such as ${fn}()` : ''} are not allowed: a query may read only datasets by name`);
  }
  if (!ALLOWED_TABLE_REFS.has(type)) throw forbidden(`This kind of table source (${type}) is not allowed`);
  if (type === 'SHOW_REF' && !ref.query) throw forbidden('SHOW of the catalog is not allowed; DESCRIBE or SUMMARIZE a query instead');
  if (type !== 'BASE_TABLE') return;
  const name = String(ref.table_name ?? '');
  if (ref.schema_name || ref.catalog_name) {
    throw forbidden(`Qualified table names are not allowed: name a dataset directly (e.g. "${name}")`);
  }
  if (ref.at_clause) throw forbidden('AT (time travel) is not supported; use "name@version"');
  if (!scope.has(name.toLowerCase())) found.add(name);
}
