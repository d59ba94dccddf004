/**
 * `npm run bench -- profile-wide [--shape sparse|long] [--rows N] [--columns N] [--repeat 3]`:
 * the CPU a dataset version's column profile costs, in process, as ingest runs it (a fresh
 * DuckDB per profile, the ingest's memory limit for the table's width, two threads).
 * `grouped` is the profile in grouped scans (`profileColumns`, groups sized by
 * `columnsPerQuery`), as every table was profiled before; `table` is `profileTable`, what
 * ingest runs now (value counts for a short table's numeric and boolean columns). Runs
 * alternate, each in a fresh session whose opening is not counted. Shapes: `sparse` is a bag of words (a document number, then word counts from a
 * seeded generator, 3 % non-zero; 1,000 × 2,001 by default); `long` is a narrow table of
 * doubles (1M × 10 by default). Figures are process CPU seconds (all threads) and wall
 * seconds, medians.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { openDuckDB, sqlIdent, sqlString, type DuckDBSession } from '../src/data/duckdb-session.js';
import { ingestMemoryLimit, mebibytes, rowGroupRows } from '../src/data/ingest.js';
import { columnsPerQuery, profileColumns, readSchema } from '../src/data/stats.js';
import { profileTable } from '../src/data/table-profile.js';
import { emit, median } from './support.js';
import { numberArg } from './serve-support.js';

function stringArg(args: string[], name: string, fallback: string): string {
  const i = args.indexOf(name);
  return i >= 0 ? String(args[i + 1]) : fallback;
}

/** A bag of words from a seeded generator, written as ingest writes a table this wide. */
async function writeSparse(session: DuckDBSession, file: string, rows: number, columns: number): Promise<void> {
  let state = 7;
  const rand = () => (state = (Math.imul(state, 1664525) + 1013904223) >>> 0) / 2 ** 32;
  const csv = `${file}.csv`;
  const out = fs.createWriteStream(csv);
  out.write(['doc', ...Array.from({ length: columns - 1 }, (_, j) => `w${j}`)].join(',') + '\n');
  for (let i = 0; i < rows; i++) {
    const row: number[] = [i];
    for (let j = 1; j < columns; j++) row.push(rand() < 0.03 ? 1 + Math.floor(rand() * rand() * 8) : 0);
    if (!out.write(row.join(',') + '\n')) await new Promise<void>((r) => out.once('drain', () => r()));
  }
  await new Promise<void>((resolve, reject) => out.end((err?: Error | null) => (err ? reject(err) : resolve())));
  await session.connection.run(
    `COPY (SELECT * FROM read_csv(${sqlString(csv)}, header=true)) TO ${sqlString(file)} (FORMAT parquet, COMPRESSION zstd, ROW_GROUP_SIZE ${rowGroupRows(columns)})`,
  );
  fs.rmSync(csv);
}

/** Doubles from a multiplicative hash of (row, column): deterministic, few repeats. */
async function writeLong(session: DuckDBSession, file: string, rows: number, columns: number): Promise<void> {
  const exprs = Array.from({ length: columns }, (_, j) => `((i * 2654435761 + ${j * 40503 + 1}) % 1000003) / 1000003.0 * 100 AS ${sqlIdent(`x${j}`)}`);
  await session.connection.run(
    `COPY (SELECT ${exprs.join(', ')} FROM range(${rows}) t(i)) TO ${sqlString(file)} (FORMAT parquet, COMPRESSION zstd, ROW_GROUP_SIZE ${rowGroupRows(columns)})`,
  );
}

/**
 * One profile as ingest runs it (schema, row count, statistics) in a fresh session; CPU and
 * wall seconds from after the session opens to the profile's end.
 */
async function profileOnce(file: string, width: number, how: 'grouped' | 'table'): Promise<{ cpu: number; wall: number; columns: number }> {
  const session = await openDuckDB({ memoryLimit: ingestMemoryLimit('csv', width) });
  try {
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    const c = session.connection;
    const source = `read_parquet(${sqlString(file)})`;
    const schema = await readSchema(c, source);
    await c.run('SET preserve_insertion_order=false');
    await c.run('SET enable_external_file_cache=false');
    const rows = Number((await c.runAndReadAll(`SELECT count(*) FROM ${source}`)).getRows()[0][0]);
    const memory = await c.runAndReadAll("SELECT value FROM duckdb_settings() WHERE name = 'memory_limit'");
    const memoryMiB = mebibytes(String(memory.getRows()[0]?.[0] ?? ''));
    const profile =
      how === 'grouped'
        ? await profileColumns(c, source, schema, { parquetPath: file, columnsPerQuery: columnsPerQuery(rows, memoryMiB) })
        : await profileTable(c, source, schema, { parquetPath: file, rows, memoryMiB, oneRowGroup: rows <= rowGroupRows(schema.length) });
    const used = process.cpuUsage(cpu0);
    return { cpu: (used.user + used.system) / 1e6, wall: (performance.now() - t0) / 1000, columns: profile.columns.length };
  } finally {
    session.close();
  }
}

export async function run(args: string[]): Promise<void> {
  const shape = stringArg(args, '--shape', 'sparse');
  const rows = numberArg(args, '--rows', shape === 'long' ? 1_000_000 : 1000);
  const columns = numberArg(args, '--columns', shape === 'long' ? 10 : 2001);
  const repeat = numberArg(args, '--repeat', 3);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'orchard-profile-bench-'));
  try {
    const file = path.join(dir, 'table.parquet');
    const writer = await openDuckDB({ memoryLimit: '1GB' });
    try {
      await (shape === 'long' ? writeLong : writeSparse)(writer, file, rows, columns);
    } finally {
      writer.close();
    }
    const runs: Record<'grouped' | 'table', Array<{ cpu: number; wall: number }>> = { grouped: [], table: [] };
    for (let r = 0; r < repeat; r++) {
      for (const how of ['grouped', 'table'] as const) runs[how].push(await profileOnce(file, columns, how));
    }
    for (const how of ['grouped', 'table'] as const) {
      emit({
        bench: 'profile-wide',
        shape,
        rows,
        columns,
        profile: how,
        cpu_s: Number(median(runs[how].map((x) => x.cpu)).toFixed(3)),
        wall_s: Number(median(runs[how].map((x) => x.wall)).toFixed(3)),
        cpu_runs: runs[how].map((x) => Number(x.cpu.toFixed(3))),
        load: os.loadavg()[0].toFixed(1),
      });
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
