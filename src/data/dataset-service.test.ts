import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { isolatedPgUrl } from '../../test/support/metadata.js';
import { body, codeOf, filesUnder, openHarness, type Harness, type HarnessOptions } from './test-harness.js';

const csv = (rows: number, offset = 0) =>
  `label,x\n${Array.from({ length: rows }, (_, i) => `${(i + offset) % 2},${i + offset}`).join('\n')}\n`;

function backends(): [string, () => HarnessOptions][] {
  return [
    ['sqlite', () => ({})],
    [
      'postgres',
      () => {
        const { url, drop } = isolatedPgUrl();
        return { metadataUrl: url, onCleanup: drop };
      },
    ],
  ];
}

describe.each(backends())('dataset service on %s', (_backend, options) => {
  let h: Harness;
  beforeEach(async () => {
    h = await openHarness(options());
  });
  afterEach(() => h.cleanup());

  const create = (name: string, content = csv(3), extra = {}) =>
    h.service.create({ name, format: 'csv', header: true, body: body(content), ...extra });

  it('versions a name: describe, name@N and versions()', async () => {
    for (let i = 1; i <= 3; i++) expect((await create('cls', csv(i))).version).toBe(i);
    expect(await h.service.describe('cls')).toMatchObject({ version: 3, rowCount: 3 });
    expect(await h.service.describe('cls@2')).toMatchObject({ version: 2, rowCount: 2 });
    expect((await h.service.versions('cls')).map((v) => v.version)).toEqual([1, 2, 3]);
    expect(await codeOf(h.service.describe('cls@4'))).toBe('ORCH_DATASET_NOT_FOUND');
    expect(await codeOf(h.service.describe('nope'))).toBe('ORCH_DATASET_NOT_FOUND');
    expect(await codeOf(h.service.describe('../x'))).toBe('ORCH_DATASET_INVALID_NAME');
    expect(await codeOf(h.service.versions('nope'))).toBe('ORCH_DATASET_NOT_FOUND');
    const described = await h.service.describe('cls@1');
    expect(described.columns.find((c) => c.name === 'x')?.stats).toMatchObject({ min: 0, max: 0, count: 1 });
  });

  it('gives concurrent creates of one name distinct versions', async () => {
    const created = await Promise.all(Array.from({ length: 5 }, (_, i) => create('race', csv(i + 1))));
    expect(created.map((v) => v.version).sort()).toEqual([1, 2, 3, 4, 5]);
    const versions = await h.service.versions('race');
    expect(versions.map((v) => [v.version, v.rowCount]).sort()).toEqual(created.map((v) => [v.version, v.rowCount]).sort());
  });

  it('lists the latest version per name with filters and paging', async () => {
    await create('a_b');
    await create('a_b', csv(5));
    await create('axb', csv(3), { createdBy: 'bob' });
    await h.service.create({ name: 'events', format: 'jsonl', body: body('{"a":1}\n') });
    const all = await h.service.list();
    expect(all.total).toBe(3);
    expect(all.items.map((v) => `${v.name}@${v.version}`)).toEqual(['a_b@2', 'axb@1', 'events@1']);
    expect((await h.service.list({ prefix: 'a_' })).items.map((v) => v.name)).toEqual(['a_b']);
    expect((await h.service.list({ prefix: 'A' })).total).toBe(0);
    expect((await h.service.list({ format: 'jsonl' })).items.map((v) => v.name)).toEqual(['events']);
    expect((await h.service.list({ createdBy: 'bob' })).items.map((v) => v.name)).toEqual(['axb']);
    const versions = await h.service.list({ allVersions: true, limit: 2, offset: 1 });
    expect(versions.total).toBe(4);
    expect(versions.items.map((v) => `${v.name}@${v.version}`)).toEqual(['a_b@1', 'axb@1']);
    expect(await codeOf(h.service.list({ limit: 0 }))).toBe('ORCH_DATASET_INVALID');
  });

  it('soft-deletes, hides, restores, and keeps version numbers increasing', async () => {
    await create('cls', csv(1));
    await create('cls', csv(2));
    await create('cls', csv(3));
    const { deleted, purged } = await h.service.delete('cls@3');
    expect(purged).toBe(false);
    expect(deleted).toEqual([expect.objectContaining({ version: 3, status: 'deleted', deletedAt: expect.any(String) })]);
    expect(await h.service.describe('cls')).toMatchObject({ version: 2 });
    expect(await codeOf(h.service.describe('cls@3'))).toBe('ORCH_DATASET_DELETED');
    expect((await h.service.versions('cls')).map((v) => v.version)).toEqual([1, 2]);
    expect((await h.service.versions('cls', { includeDeleted: true })).map((v) => [v.version, v.status])).toEqual([
      [1, 'ready'], [2, 'ready'], [3, 'deleted'],
    ]);
    expect((await h.service.list({ allVersions: true })).total).toBe(2);
    expect((await h.service.list({ allVersions: true, includeDeleted: true })).total).toBe(3);
    expect(await codeOf(h.service.query('select * from "cls@3"'))).toBe('ORCH_QUERY_UNKNOWN_DATASET');

    expect((await create('cls', csv(4))).version).toBe(4);
    expect((await h.service.restore('cls@3')).map((v) => [v.version, v.status])).toEqual([[3, 'ready']]);
    expect(await h.service.describe('cls@3')).toMatchObject({ status: 'ready', deletedAt: null });

    expect((await h.service.delete('cls')).deleted.map((v) => v.version)).toEqual([1, 2, 3, 4]);
    expect(await codeOf(h.service.describe('cls'))).toBe('ORCH_DATASET_DELETED');
    expect((await h.service.list()).total).toBe(0);
    expect(await codeOf(h.service.query('select * from cls'))).toBe('ORCH_QUERY_UNKNOWN_DATASET');
    expect((await h.service.restore('cls')).map((v) => v.version)).toEqual([1, 2, 3, 4]);
    expect(await h.service.describe('cls')).toMatchObject({ version: 4 });
    expect(await codeOf(h.service.delete('nope'))).toBe('ORCH_DATASET_NOT_FOUND');
  });

  it('purges rows, files and cached copies, soft-deleted versions included', async () => {
    const v1 = await create('cls', csv(1));
    const v2 = await create('cls', csv(2));
    const local = await h.service.localParquet('cls@1');
    expect(existsSync(local.path)).toBe(true);
    await h.service.delete('cls@1');
    const purge = await h.service.delete('cls@1', { purge: true });
    expect(purge).toMatchObject({ purged: true, deleted: [expect.objectContaining({ id: v1.id })] });
    expect(await h.artifacts.head('datasets/cls/1/source.csv')).toBeUndefined();
    expect(await h.artifacts.head('datasets/cls/1/data.parquet')).toBeUndefined();
    expect(existsSync(local.path)).toBe(false);
    expect(await codeOf(h.service.describe('cls@1'))).toBe('ORCH_DATASET_NOT_FOUND');
    expect(await h.service.describe('cls')).toMatchObject({ id: v2.id });

    await h.service.delete('cls', { purge: true });
    expect(await h.artifacts.list('datasets')).toEqual([]);
    expect(await codeOf(h.service.versions('cls'))).toBe('ORCH_DATASET_NOT_FOUND');
    const rows = await h.metadata.db.selectFrom('datasets').select('id').execute();
    expect(rows).toEqual([]);
    expect((await create('cls')).version).toBe(1);
  });

  it('writes a SELECT result as the next version of a dataset, in the query sandbox, and registers nothing on failure', async () => {
    await create('src', csv(10));
    const v1 = await h.service.createFromQuery({ name: 'evens', sql: 'select x, x * 10 as y from src where x % 2 = 0 order by x;', createdBy: 'ana' });
    expect(v1).toMatchObject({ name: 'evens', version: 1, format: 'parquet', rowCount: 5, createdBy: 'ana', tags: { 'orchard:source': 'query' } });
    expect(v1.columns.map((c) => c.name)).toEqual(['x', 'y']);
    const rows = await h.service.query('select x, y from evens order by x');
    expect(rows.rows).toEqual([0, 2, 4, 6, 8].map((x) => ({ x, y: x * 10 })));
    // The result of a join of two versions becomes version 2 of the same name.
    await create('src', csv(4, 100));
    const v2 = await h.service.createFromQuery({ name: 'evens', sql: 'select a.x from "src@1" a join src b on a.label = b.label' });
    expect(v2).toMatchObject({ version: 2, rowCount: 20 });
    // The sandbox: no writes, no files, no unknown datasets; nothing registered.
    expect(await codeOf(h.service.createFromQuery({ name: 'bad', sql: 'insert into src values (1, 2)' }))).toBe('ORCH_QUERY_NOT_READ_ONLY');
    expect(await codeOf(h.service.createFromQuery({ name: 'bad', sql: "select * from read_csv('/etc/passwd')" }))).toBe('ORCH_QUERY_FORBIDDEN');
    expect(await codeOf(h.service.createFromQuery({ name: 'bad', sql: 'select * from nope' }))).toBe('ORCH_QUERY_UNKNOWN_DATASET');
    expect(await codeOf(h.service.createFromQuery({ name: '../bad', sql: 'select 1' }))).toBe('ORCH_DATASET_INVALID_NAME');
    expect(await codeOf(h.service.describe('bad'))).toBe('ORCH_DATASET_NOT_FOUND');
  });

  it('stores a query result once, as written, in the order its ORDER BY asks for', async () => {
    // Enough rows for both DuckDB threads to produce batches: order comes from ORDER BY only.
    await create('big', csv(50_000));
    const sorted = await h.service.createFromQuery({ name: 'sorted', sql: 'select x from big order by x desc' });
    expect(sorted.rowCount).toBe(50_000);
    // The Parquet file the COPY wrote is the version's only object: source and data are one.
    expect(sorted.sourceUri).toBe(sorted.dataUri);
    expect((await h.artifacts.list('datasets/sorted')).map((o) => o.key)).toEqual(['datasets/sorted/1/data.parquet']);
    const first = await h.service.preview('sorted', { limit: 3 });
    expect(first.rows.map((r) => r.x)).toEqual([49_999, 49_998, 49_997]);
    // A purge removes it; nothing is left behind.
    await h.service.delete('sorted', { purge: true });
    expect(await h.artifacts.list('datasets/sorted')).toEqual([]);
  });

  it('previews the first rows', async () => {
    await create('cls', csv(30));
    const preview = await h.service.preview('cls');
    expect(preview.rows).toHaveLength(20);
    expect(preview.rows[0]).toEqual({ label: 0, x: 0 });
    expect(preview.nextPageToken).toBeNull();
    expect((await h.service.preview('cls@1', { limit: 5 })).rows.map((r) => r.x)).toEqual([0, 1, 2, 3, 4]);
    expect((await h.service.preview('cls', { limit: 5000 })).rows).toHaveLength(30);
    expect(await codeOf(h.service.preview('cls', { limit: 0 }))).toBe('ORCH_DATASET_INVALID');
  });

  it('hands out a verified local Parquet copy', async () => {
    await create('cls', csv(7));
    const first = await h.service.localParquet('cls');
    expect(first.path).toBe(path.join(h.workDir, 'cache', 'datasets', `${first.version.id}.parquet`));
    const [again, concurrent] = await Promise.all([h.service.localParquet('cls'), h.service.localParquet('cls@1')]);
    expect(again.path).toBe(first.path);
    expect(concurrent.path).toBe(first.path);
    const instance = await DuckDBInstance.create(':memory:');
    const connection = await instance.connect();
    const reader = await connection.runAndReadAll(`SELECT count(*) FROM read_parquet('${first.path}')`);
    expect(Number(reader.getRows()[0][0])).toBe(7);
    connection.closeSync();
    instance.closeSync();
  });
});

describe('dataset service failure handling', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await openHarness({ store: 'memory' });
  });
  afterAll(() => h.cleanup());

  it('removes the row and the files already written when storing fails', async () => {
    (h.memory as NonNullable<Harness['memory']>).faults.failPut = /data\.parquet$/;
    try {
      expect(await codeOf(h.service.create({ name: 'cls', format: 'csv', body: body('1,2\n') }))).toBe(
        'ORCH_ARTIFACT_WRITE_FAILED',
      );
    } finally {
      delete (h.memory as NonNullable<Harness['memory']>).faults.failPut;
    }
    expect(await h.artifacts.list()).toEqual([]);
    expect(await h.metadata.db.selectFrom('datasets').select('id').execute()).toEqual([]);
    expect(await filesUnder(path.join(h.workDir, 'uploads'))).toEqual([]);
    expect((await h.service.create({ name: 'cls', format: 'csv', body: body('1,2\n') })).version).toBe(1);
  });
});

describe('local Parquet copies', () => {
  it('refuses a stored copy whose checksum does not match and caches nothing', async () => {
    const h = await openHarness();
    try {
      await h.service.create({ name: 'cls', format: 'csv', body: body('1,2\n3,4\n') });
      const stored = path.join(h.root, 'artifacts', 'datasets', 'cls', '1', 'data.parquet');
      expect(existsSync(stored)).toBe(true);
      await writeFile(stored, Buffer.alloc((await import('node:fs')).statSync(stored).size, 1));
      expect(await codeOf(h.service.localParquet('cls'))).toBe('ORCH_ARTIFACT_CHECKSUM_MISMATCH');
      expect(await filesUnder(path.join(h.workDir, 'cache'))).toEqual([]);
    } finally {
      await h.cleanup();
    }
  });
});
