import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDuckDB, sqlString, type DuckDBSession } from './duckdb-session.js';
import { mebibytes } from './ingest.js';
import { columnsPerQuery, parquetColumnHints, profileColumns, readSchema } from './stats.js';
import { profileTable, valueCountColumns } from './table-profile.js';

const round = (value: number | null) => (value === null ? null : Number(value.toPrecision(12)));
type Profile = Awaited<ReturnType<typeof profileColumns>>;
/**
 * Moments are summed in parallel, in no fixed order: equal to 12 digits. Top values are
 * compared apart: among values tied in count, which ones `approx_top_k` offers is arbitrary.
 */
const comparable = (profile: Profile) =>
  profile.columns.map((c) => ({ ...c, stats: { ...c.stats, mean: round(c.stats.mean), stddev: round(c.stats.stddev), topValues: [] } }));

describe('column statistics', () => {
  let dir: string;
  let session: DuckDBSession;
  let file: string;
  let short: string;

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'orchard-stats-'));
    file = path.join(dir, 'data.parquet');
    session = await openDuckDB({ memoryLimit: '256MB' });
    // Skewed low-cardinality columns (so top values have no ties), non-finite floats,
    // NULLs, and a high-cardinality column, over several row groups.
    const write = (target: string, rows: number, rowGroup: number) => session.connection.run(`COPY (
      SELECT floor(sqrt(i % 10000))::INTEGER AS lo,
             'c' || ((i * i) % 13) AS s,
             i % 5 = 0 AS b,
             CASE WHEN i % 50 = 0 THEN 'nan'::DOUBLE WHEN i % 50 = 1 THEN 'inf'::DOUBLE ELSE (i % 9) * 0.5 * (i % 4) END AS f,
             CASE WHEN i % 10 = 0 THEN NULL ELSE sin(i) * 1000 END AS hi,
             DATE '2024-01-01' + ((i * 7) % 11)::INTEGER AS d,
             NULL::DOUBLE AS empty
      FROM range(${rows}) t(i)) TO ${sqlString(target)} (FORMAT parquet, ROW_GROUP_SIZE ${rowGroup})`);
    await write(file, 100_000, 8192);
    // As short as a table profiled from value counts.
    short = path.join(dir, 'short.parquet');
    await write(short, 10_000, 2048);
  });
  afterAll(() => {
    session.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it("reads dictionary counts and min/max from the file's footer", async () => {
    const hints = await parquetColumnHints(session.connection, file);
    expect(hints.get('lo')?.distinctBound).toBeLessThanOrEqual(10_000);
    expect(hints.get('s')?.distinctBound).toBeGreaterThanOrEqual(13);
    expect(hints.get('hi')?.distinctBound ?? Infinity).toBeGreaterThan(10_000);
    expect(hints.get('lo')?.min).toBe(0);
    expect(hints.get('lo')?.max).toBe(99);
  });

  it('gives the same statistics counted value by value as in two scans', async () => {
    const source = `read_parquet(${sqlString(file)})`;
    const schema = await readSchema(session.connection, source);
    const plain = await profileColumns(session.connection, source, schema);
    const hinted = await profileColumns(session.connection, source, schema, { parquetPath: file });
    // Top values from two scans come from approx_top_k's candidates, which can miss the true top.
    expect(comparable(hinted)).toEqual(comparable(plain));
    const lo = hinted.columns.find((c) => c.name === 'lo')!.stats;
    // floor(sqrt(i % 10000)) = k for 2k + 1 of every 10,000 values of i: 99 is the most frequent.
    expect(lo.distinct).toBe(100);
    expect(lo.topValues.map((t) => t.value)).toEqual([99, 98, 97, 96, 95]);
    expect(lo.topValues[0].count).toBe(199 * 10);
    const f = hinted.columns.find((c) => c.name === 'f')!.stats;
    // 0, 0.5, 1, …, 12 without repeats, plus NaN and +Infinity.
    const finite = new Set(Array.from({ length: 9 * 4 }, (_, k) => (k % 9) * 0.5 * Math.floor(k / 9)));
    expect(f.distinct).toBe(finite.size + 2);
    expect(lo.histogram!.reduce((n, bin) => n + bin.count, 0)).toBe(100_000);
    const hi = hinted.columns.find((c) => c.name === 'hi')!.stats;
    expect(hi.nulls).toBe(10_000);
    expect(hi.histogram!.reduce((n, bin) => n + bin.count, 0)).toBe(90_000);
  });

  it('gives the same statistics from value counts as in grouped scans', async () => {
    const source = `read_parquet(${sqlString(short)})`;
    const schema = await readSchema(session.connection, source);
    const scanned = await profileColumns(session.connection, source, schema, { parquetPath: short });
    // Value counts for the numeric and boolean columns, one query per type (3 columns at
    // most); the text and the date go through grouped scans.
    expect(valueCountColumns(10_000, 8)).toBe(3);
    const counted = await profileTable(session.connection, source, schema, { rows: 10_000, memoryMiB: 8, parquetPath: short });
    expect(counted.rowCount).toBe(10_000);
    expect(comparable(counted)).toEqual(comparable(scanned));
    // Columns that grouped scans count value by value (dictionary-encoded, few distinct
    // values) get the same top values, ties included; 'hi' holds 9,000 values, each once,
    // of which approx_top_k offers any five.
    const top = (profile: Profile, name: string) => profile.columns.find((c) => c.name === name)!.stats.topValues;
    for (const name of ['lo', 's', 'b', 'f', 'd', 'empty']) expect(top(counted, name), name).toEqual(top(scanned, name));
    expect(top(counted, 'hi').map((t) => t.count)).toEqual([1, 1, 1, 1, 1]);
    const f = counted.columns.find((c) => c.name === 'f')!.stats;
    expect(f.topValues.every((t) => typeof t.value === 'number' && Number.isFinite(t.value))).toBe(true);
  });

  it('profiles a wide, short table of sparse counts as grouped scans do', async () => {
    const wide = path.join(dir, 'wide.parquet');
    await writeBagOfWords(session, wide, { documents: 1000, words: 2000, seed: 11 });
    const source = `read_parquet(${sqlString(wide)})`;
    const schema = await readSchema(session.connection, source);
    const scanned = await profileColumns(session.connection, source, schema, { parquetPath: wide, columnsPerQuery: 32 });
    const counted = await profileTable(session.connection, source, schema, { rows: 1000, memoryMiB: 256, parquetPath: wide });
    expect(counted.columns).toHaveLength(2001);
    expect(comparable(counted)).toEqual(comparable(scanned));
    // Every word column is dictionary-encoded: exact top values, ties in the same order.
    expect(counted.columns.slice(1).map((c) => c.stats.topValues)).toEqual(scanned.columns.slice(1).map((c) => c.stats.topValues));
    // The document number is distinct on every row: any five values, each once.
    expect(counted.columns[0].stats.topValues.map((t) => t.count)).toEqual([1, 1, 1, 1, 1]);
    const word = counted.columns[1].stats;
    expect(word.count + word.nulls).toBe(1000);
    expect(word.histogram!.reduce((n, bin) => n + bin.count, 0)).toBe(word.count);
  }, 60_000);
});

/**
 * A bag of words: a document number, then `words` counts, most of them zero and a few NULL,
 * from a seeded generator, written as ingest writes a table this wide (one row group).
 */
async function writeBagOfWords(session: DuckDBSession, file: string, shape: { documents: number; words: number; seed: number }): Promise<void> {
  let state = shape.seed >>> 0;
  const rand = () => (state = (Math.imul(state, 1664525) + 1013904223) >>> 0) / 2 ** 32;
  const csv = `${file}.csv`;
  const lines = [['doc', ...Array.from({ length: shape.words }, (_, j) => `w${j}`)].join(',')];
  for (let i = 0; i < shape.documents; i++) {
    const row: Array<number | string> = [i];
    for (let j = 0; j < shape.words; j++) {
      const r = rand();
      row.push(r < 0.002 ? '' : r < 0.04 ? 1 + Math.floor(rand() * rand() * 8) : 0);
    }
    lines.push(row.join(','));
  }
  fs.writeFileSync(csv, `${lines.join('\n')}\n`);
  await session.connection.run(
    `COPY (SELECT * FROM read_csv(${sqlString(csv)}, header=true)) TO ${sqlString(file)} (FORMAT parquet, COMPRESSION zstd, ROW_GROUP_SIZE 1024)`,
  );
  fs.rmSync(csv);
}

describe('profile groups', () => {
  it('reads a short table in groups sized by the memory limit, a long one in groups of 4', () => {
    expect(columnsPerQuery(1000, 64)).toBe(8);
    expect(columnsPerQuery(1000, 246)).toBe(30);
    expect(columnsPerQuery(1000, 4096)).toBe(32);
    expect(columnsPerQuery(1000, 16)).toBe(4);
    expect(columnsPerQuery(100_001, 4096)).toBe(4);
  });

  it('counts the values of a short table in queries of about 4,096 values a MiB, never a long one', () => {
    expect(valueCountColumns(1000, 246)).toBe(1007);
    expect(valueCountColumns(10_000, 64)).toBe(26);
    expect(valueCountColumns(10_000, 2)).toBe(1);
    expect(valueCountColumns(10_001, 4096)).toBe(0);
  });

  it("reads DuckDB's memory setting in MiB", () => {
    expect(mebibytes('61.0 MiB')).toBe(61);
    expect(mebibytes('1.5 GiB')).toBe(1536);
    expect(mebibytes('512.0 KiB')).toBe(0.5);
    expect(mebibytes('unlimited')).toBe(64);
  });
});
