import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Kysely, Migrator, sql, type MigrationProvider } from 'kysely';
import { OrchardError } from '../../core/errors.js';
import { SchemeRegistry } from '../scheme-registry.js';
import { migrations } from './migrations.js';
import type { Database } from './schema.js';

export type Dialect = 'sqlite' | 'postgres';

/** The metadata database: a typed Kysely handle plus what differs between dialects. */
export interface MetadataStore {
  readonly db: Kysely<Database>;
  readonly dialect: Dialect;
  /** True when `err` is a unique-constraint violation (a lost insert race). */
  isUniqueViolation(err: unknown): boolean;
  close(): Promise<void>;
}

/** How long a SQLite store waits for another connection's write lock. */
const SQLITE_BUSY_TIMEOUT_MS = 5000;

type Opened = { db: Kysely<Database>; dialect: Dialect; schema?: string };

// Drivers load inside the openers, so a SQLite deployment never loads pg and vice versa.
const METADATA_STORES = new SchemeRegistry<Opened>('metadata store')
  .register('sqlite:', openSqlite)
  .register('postgres:', openPostgres, { shown: 'postgres://' })
  .register('postgresql:', openPostgres, { shown: 'postgresql://' });

/**
 * Opens the metadata store named by URL and brings its schema up to date.
 * `sqlite:<file>` (or `sqlite::memory:`) and `postgres://user@host:port/db?schema=name`.
 *
 * @throws OrchardError `ORCH_CONFIG_UNKNOWN_SCHEME` for any other scheme, listing the known ones.
 */
export async function openMetadataStore(url: string): Promise<MetadataStore> {
  const { db, dialect, schema } = await METADATA_STORES.open(url);
  try {
    await (dialect === 'sqlite' ? migrateSqlite(db) : migrate(db, schema));
  } catch (err) {
    await db.destroy();
    throw err;
  }
  return {
    db,
    dialect,
    isUniqueViolation: (err) => isUniqueViolation(dialect, err),
    close: () => db.destroy(),
  };
}

async function openSqlite(url: string): Promise<Opened> {
  const file = url.slice('sqlite:'.length).replace(/^\/\/(?=\/)/, '');
  const { default: Sqlite } = await import('better-sqlite3');
  const { SqliteDialect } = await import('kysely');
  if (file !== ':memory:') fs.mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
  const database = new Sqlite(file);
  database.pragma('journal_mode = WAL');
  database.pragma(`busy_timeout = ${SQLITE_BUSY_TIMEOUT_MS}`);
  database.pragma('foreign_keys = ON');
  database.pragma('synchronous = NORMAL');
  return { db: new Kysely<Database>({ dialect: new SqliteDialect({ database }) }), dialect: 'sqlite' };
}

async function openPostgres(url: string): Promise<Opened> {
  const { default: pg } = await import('pg');
  const { PostgresDialect } = await import('kysely');
  const parsed = new URL(url);
  const schema = parsed.searchParams.get('schema');
  parsed.searchParams.delete('schema');
  // As libpq does: no user in the URL means the operating-system user.
  if (!parsed.username && !process.env.PGUSER) parsed.username = os.userInfo().username;
  if (schema !== null && !/^[a-z_][a-z0-9_]{0,62}$/.test(schema)) {
    throw new OrchardError('ORCH_CONFIG_INVALID', { message: `Invalid PostgreSQL schema name '${schema}'` });
  }
  if (schema) {
    const admin = new pg.Client({ connectionString: parsed.href });
    await connectOrExplain(admin, parsed);
    try {
      await admin.query(`CREATE SCHEMA IF NOT EXISTS "${schema}"`).catch((err: { code?: string }) => {
        // Two processes creating the schema at once: IF NOT EXISTS does not cover the
        // race, and the loser gets a unique violation on the catalog. The schema exists.
        if (err?.code !== UNIQUE_VIOLATION && err?.code !== DUPLICATE_SCHEMA) throw err;
      });
    } finally {
      await admin.end();
    }
  }
  const pool = new pg.Pool({
    connectionString: parsed.href,
    max: 10,
    ...(schema ? { options: `-c search_path="${schema}"` } : {}),
  });
  // An idle client that loses its server must not crash the process.
  pool.on('error', () => undefined);
  const probe = await pool.connect().catch((cause) => {
    void pool.end();
    throw unavailable(parsed, cause);
  });
  probe.release();
  return { db: new Kysely<Database>({ dialect: new PostgresDialect({ pool }) }), dialect: 'postgres', schema: schema ?? undefined };
}

async function connectOrExplain(client: { connect(): Promise<unknown> }, url: URL): Promise<void> {
  try {
    await client.connect();
  } catch (cause) {
    throw unavailable(url, cause);
  }
}

function unavailable(url: URL, cause: unknown): OrchardError {
  return new OrchardError('ORCH_METADATA_UNAVAILABLE', {
    message: `Cannot connect to PostgreSQL at ${url.hostname}:${url.port || 5432}${url.pathname}`,
    cause,
  });
}

/** PostgreSQL's invalid_schema_name, unique_violation and duplicate_schema. */
const INVALID_SCHEMA_NAME = '3F000';
/** PostgreSQL errors of a catalog read racing another schema's DDL (see `migrate`). */
const CATALOG_RACE_CODES = new Set([INVALID_SCHEMA_NAME, '42703', '42P01']);
const UNIQUE_VIOLATION = '23505';
const DUPLICATE_SCHEMA = '42P06';
const MIGRATE_ATTEMPTS = 40;

/**
 * Kysely takes no migration lock on SQLite, so two processes opening a fresh file at once
 * would both run the migrations (and the second fail on "table already exists"). Holding
 * SQLite's write lock throughout makes the second wait (busy_timeout) and then find them
 * applied. The migrator runs on this same connection: SQLite stores have one.
 */
async function migrateSqlite(db: Kysely<Database>): Promise<void> {
  // Wait for the lock here, asleep: better-sqlite3's busy_timeout waits synchronously,
  // which would stall the event loop of a process whose other store holds the lock.
  await sql`pragma busy_timeout = 0`.execute(db);
  try {
    for (let waited = 0; ; waited += 20) {
      try {
        await sql`begin immediate`.execute(db);
        break;
      } catch (err) {
        if ((err as { code?: string }).code !== 'SQLITE_BUSY' || waited >= SQLITE_BUSY_TIMEOUT_MS) throw err;
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    }
  } finally {
    await sql.raw(`pragma busy_timeout = ${SQLITE_BUSY_TIMEOUT_MS}`).execute(db);
  }
  try {
    await migrate(db, undefined);
  } catch (err) {
    await sql`rollback`.execute(db).catch(() => undefined);
    throw err;
  }
  await sql`commit`.execute(db);
}

async function migrate(db: Kysely<Database>, schema: string | undefined): Promise<void> {
  const provider: MigrationProvider = { getMigrations: async () => migrations };
  // The migrator's own tables must live in the chosen schema too, or it finds another
  // schema's bookkeeping tables and skips creating its own.
  const migrator = new Migrator({ db, provider, ...(schema ? { migrationTableSchema: schema } : {}) });
  for (let attempt = 1; ; attempt++) {
    const { error } = await migrator.migrateToLatest();
    if (!error) return;
    // The migrator looks at every table of every schema in the database (by schema
    // name); a schema dropped by someone else at that moment fails the look with
    // invalid_schema_name, and a table another schema's migration is altering can fail
    // its column lookup (pg_get_serial_sequence) with undefined_column or
    // undefined_table. Nothing was changed then (a migration runs in a transaction):
    // look again.
    const code = (error as { code?: unknown }).code;
    if (typeof code === 'string' && CATALOG_RACE_CODES.has(code) && attempt < MIGRATE_ATTEMPTS) {
      await new Promise((resolve) => setTimeout(resolve, Math.min(250, 20 * attempt)));
      continue;
    }
    throw new OrchardError('ORCH_METADATA_UNAVAILABLE', { message: 'Metadata migration failed', cause: error });
  }
}

function isUniqueViolation(dialect: Dialect, err: unknown): boolean {
  const e = err as { code?: string } | undefined;
  if (!e) return false;
  return dialect === 'postgres' ? e.code === '23505' : e.code === 'SQLITE_CONSTRAINT_UNIQUE' || e.code === 'SQLITE_CONSTRAINT_PRIMARYKEY';
}
