import { randomBytes } from 'node:crypto';
import { mkdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { OrchardError, isOrchardError } from '../../core/errors.js';
import { errorMessage, scrubMessage, stripErrorType } from '../../data/duckdb-errors.js';
import { DUCKDB_THREADS, LOCKDOWN_STATEMENTS, allowStatements, openDuckDB, sqlIdent, sqlString } from '../../data/duckdb-session.js';
import { UNKNOWN_CATEGORY_MARK, unknownCategory } from './steps/index.js';
import { BASE_FUNCTIONS, type ScalarSpec, registerFunctions } from './udf.js';
import { type Col, normalSql, normalType } from './values.js';

/** Memory for a recipe's DuckDB: medians and quantiles of many columns hold their values; beyond it DuckDB spills. */
export const RECIPE_MEMORY_LIMIT = '1GB';

export interface RecipeSession {
  /** Runs a statement that returns nothing of interest. */
  exec(sql: string): Promise<void>;
  /** Rows as plain JS values (BIGINT as number, lists as arrays). */
  query(sql: string): Promise<unknown[][]>;
  /**
   * A query's DOUBLE columns as float64 arrays, missing values left out. The query writes
   * a missing value as NaN (`COALESCE(x, 'NaN'::DOUBLE)`), which the engine never keeps
   * as a value: DuckDB then hands over whole vectors without a validity mask to test.
   */
  numbers(sql: string): Promise<Float64Array[]>;
  /** Runs a COPY; returns the rows written. */
  copy(sql: string): Promise<number>;
  functions(specs: readonly ScalarSpec[]): Promise<void>;
  /** Column names and types of a Parquet file. */
  describe(parquetPath: string): Promise<Col[]>;
  close(): Promise<void>;
}

/**
 * A private DuckDB for one fit or apply: the engine's scalar functions registered, the
 * input file and the output/scratch folders the only things it may touch once locked
 * (`lock()`), spills under the scratch folder, interrupted when `signal` aborts.
 */
export async function openRecipeSession(opts: {
  scratchDir: string;
  readPaths: string[];
  writeDirs: string[];
  threads?: number;
  signal?: AbortSignal;
}): Promise<RecipeSession & { lock(): Promise<void> }> {
  opts.signal?.throwIfAborted();
  const spill = path.join(opts.scratchDir, `recipe-${randomBytes(6).toString('hex')}`);
  await mkdir(spill, { recursive: true });
  const session = await openDuckDB({ tempDirectory: spill, memoryLimit: RECIPE_MEMORY_LIMIT });
  const connection = session.connection;
  const onAbort = () => connection.interrupt();
  opts.signal?.addEventListener('abort', onAbort);
  const scrub = [...opts.readPaths, ...opts.writeDirs, opts.scratchDir];
  const guard = async <T>(run: () => Promise<T>): Promise<T> => {
    opts.signal?.throwIfAborted();
    try {
      return await run();
    } catch (err) {
      if (opts.signal?.aborted) throw opts.signal.reason ?? err;
      throw mapError(err, scrub);
    }
  };
  try {
    const threads = Math.max(1, Math.floor(opts.threads ?? DUCKDB_THREADS));
    await session.exec(`SET threads=${threads}`, 'SET preserve_insertion_order=true');
    await registerFunctions(connection, BASE_FUNCTIONS);
  } catch (err) {
    session.close();
    throw err;
  }
  return {
    exec: (sql) => guard(async () => void (await connection.run(sql))),
    query: (sql) =>
      guard(async () => {
        const reader = await connection.runAndReadAll(sql);
        return reader.getRowsJS().map((row) => row.map(plain));
      }),
    numbers: (sql) =>
      guard(async () => {
        // All chunks fetched at once, copied into one typed array per column: no JS value
        // per row, no round trip per chunk. NULLs are left out.
        const result = await connection.run(sql);
        const chunks = await result.fetchAllChunks();
        const width = result.columnCount;
        const total = chunks.reduce((a, c) => a + c.rowCount, 0);
        const out = Array.from({ length: width }, () => new Float64Array(total));
        const count = new Array<number>(width).fill(0);
        for (const chunk of chunks) {
          for (let j = 0; j < width; j++) {
            const vector = chunk.getColumnVector(j);
            const target = out[j];
            let n = count[j];
            // A DOUBLE vector's values as a Float64Array: read directly when the client
            // exposes them (NULLs arrive as NaN, see below); item by item otherwise.
            const items = (vector as unknown as { items?: unknown }).items;
            if (items instanceof Float64Array && items.length === chunk.rowCount) {
              for (let i = 0; i < items.length; i++) {
                const v = items[i];
                if (v === v) target[n++] = v;
              }
            } else {
              for (let i = 0; i < chunk.rowCount; i++) {
                const v = vector.getItem(i);
                if (v !== null && !Number.isNaN(Number(v))) target[n++] = Number(v);
              }
            }
            count[j] = n;
          }
        }
        return out.map((a, j) => a.subarray(0, count[j]));
      }),
    copy: (sql) =>
      guard(async () => {
        const reader = await connection.runAndReadAll(sql);
        return Number(reader.getRows()[0]?.[0] ?? 0);
      }),
    functions: (specs) => guard(() => registerFunctions(connection, specs)),
    describe: (parquetPath) =>
      guard(async () => {
        const reader = await connection.runAndReadAll(`DESCRIBE SELECT * FROM read_parquet(${sqlString(parquetPath)})`);
        return reader.getRowsJS().map((r) => ({ name: String(r[0]), type: String(r[1]) }));
      }),
    lock: () =>
      guard(async () => {
        for (const s of allowStatements({ paths: opts.readPaths, directories: [...opts.writeDirs, spill] })) await connection.run(s);
        for (const s of LOCKDOWN_STATEMENTS) await connection.run(s);
      }),
    async close() {
      opts.signal?.removeEventListener('abort', onAbort);
      session.close();
      await rm(spill, { recursive: true, force: true });
    },
  };
}

function plain(v: unknown): unknown {
  if (typeof v === 'bigint') return Number(v);
  if (Array.isArray(v)) return v.map(plain);
  return v;
}

function mapError(err: unknown, paths: string[]): OrchardError {
  if (isOrchardError(err)) return err;
  const raw = errorMessage(err);
  const unknown = UNKNOWN_CATEGORY_MARK.exec(raw);
  if (unknown) return unknownCategory(unknown[1], unknown[2].replace(/\s*$/, ''));
  const message = scrubMessage(stripErrorType(raw), paths);
  if (/Out of Memory/i.test(raw)) {
    return new OrchardError('ORCH_RECIPE_INVALID', { message: `The recipe ran out of memory: ${message}`, cause: err });
  }
  return new OrchardError('ORCH_INTERNAL', { message: `The recipe failed: ${message}`, cause: err });
}

/**
 * The first relation of a recipe: the input file's columns as the recipe reads them
 * (whole numbers BIGINT, other numbers DOUBLE with NaN missing, '' text missing), each
 * row numbered by its position in the file (`__orch_row`). A column whose type differs
 * from the one the recipe was fitted with is converted (`TRY_CAST`: what does not convert
 * is missing).
 */
export function baseSelect(parquetPath: string, wanted: Col[], actual: Col[]): string {
  const items = ['file_row_number AS "__orch_row"'];
  for (const col of wanted) {
    const have = actual.find((c) => c.name === col.name);
    if (!have) continue;
    let expr = normalSql(col.name, have.type);
    if (normalType(have.type) !== normalType(col.type)) expr = `TRY_CAST(${expr} AS ${normalType(col.type)})`;
    items.push(`${expr} AS ${sqlIdent(col.name)}`);
  }
  return `SELECT ${items.join(', ')} FROM read_parquet(${sqlString(parquetPath)}, file_row_number = true)`;
}

/** The columns of {@link baseSelect}. */
export function baseColumns(wanted: Col[], actual: Col[]): Col[] {
  return wanted.filter((c) => actual.some((a) => a.name === c.name)).map((c) => ({ name: c.name, type: normalType(c.type) }));
}
