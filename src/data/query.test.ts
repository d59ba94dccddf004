import { createReadStream, existsSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { executeSelect } from './query.js';
import { body, codeOf, errorOf, openHarness, writeParquet, type Harness } from './test-harness.js';

describe('dataset queries', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await openHarness();
    await h.service.create({ name: 'cls', format: 'csv', header: true, body: body('label,x\n1,0.5\n0,1.5\n1,2.5\n') });
    await h.service.create({ name: 'cls', format: 'csv', header: true, body: body('label,x\n1,1\n0,2\n1,3\n0,4\n1,5\n') });
    const nums = Array.from({ length: 4000 }, (_, i) => `${i}`).join('\n');
    await h.service.create({ name: 'nums', format: 'csv', body: body(`${nums}\n`) });
    const types = path.join(h.root, 'types.parquet');
    await writeParquet(
      types,
      `SELECT 9007199254740993::BIGINT AS big, 42::BIGINT AS small, 12.34::DECIMAL(10,2) AS dec, 'nan'::DOUBLE AS nan,
              DATE '2024-02-29' AS d, TIMESTAMP '2024-02-29 12:34:56.789' AS ts, '\\x01\\x02'::BLOB AS bin,
              [1, 2] AS list, {'a': 1, 'b': 'x'} AS struct, true AS flag, NULL::VARCHAR AS nothing`,
    );
    await h.service.create({ name: 'types', format: 'parquet', body: createReadStream(types) });
    await h.service.create({ name: 'gone', format: 'csv', body: body('1\n') });
    await h.service.delete('gone');
  });
  afterAll(() => h.cleanup());

  it('runs a SELECT and returns typed columns and JSON-safe rows', async () => {
    const result = await h.service.query('select label, count(*) as n, avg(x) as mean from cls group by label order by label');
    expect(result.columns).toEqual([
      { name: 'label', type: 'BIGINT' },
      { name: 'n', type: 'BIGINT' },
      { name: 'mean', type: 'DOUBLE' },
    ]);
    expect(result.rows).toEqual([{ label: 0, n: 2, mean: 3 }, { label: 1, n: 3, mean: 3 }]);
    expect(result.nextPageToken).toBeNull();
  });

  it('converts every kind of value to JSON', async () => {
    const { rows } = await h.service.query('select * from types');
    expect(rows).toEqual([
      {
        big: '9007199254740993', small: 42, dec: 12.34, nan: null, d: '2024-02-29', ts: '2024-02-29T12:34:56.789Z',
        bin: Buffer.from([1, 2]).toString('base64'), list: [1, 2], struct: { a: 1, b: 'x' }, flag: true, nothing: null,
      },
    ]);
    expect(JSON.parse(JSON.stringify(rows))).toEqual(rows);
  });

  it('reads a given version with "name@N" and the latest with the bare name', async () => {
    const { rows } = await h.service.query(
      'select (select count(*) from "cls@1") as v1, (select count(*) from cls) as latest, (select count(*) from "cls@2") as v2;',
    );
    expect(rows).toEqual([{ v1: 3, latest: 5, v2: 5 }]);
  });

  it('treats CTE names as CTEs, not datasets', async () => {
    const { rows } = await h.service.query(
      'with t as (select * from cls), nums as (select 7 as i) select (select count(*) from t) as n, (select i from nums) as i',
    );
    expect(rows).toEqual([{ n: 5, i: 7 }]);
  });

  it('pages through a result with opaque tokens', async () => {
    const sql = 'select _c0 as i from nums order by i desc';
    const seen: number[] = [];
    let token: string | undefined;
    let pages = 0;
    do {
      const page = await h.service.query(sql, { pageSize: 1500, pageToken: token });
      seen.push(...page.rows.map((r) => r.i as number));
      token = page.nextPageToken ?? undefined;
      pages++;
    } while (token);
    expect(pages).toBe(3);
    expect(seen).toEqual(Array.from({ length: 4000 }, (_, i) => 3999 - i));
  });

  it('reads only one page of a 16-million-row result', async () => {
    const sql = 'select a._c0 as a, b._c0 as b from nums a cross join nums b';
    const first = await h.service.query(sql, { pageSize: 100 });
    expect(first.rows).toHaveLength(100);
    expect(first.nextPageToken).toEqual(expect.any(String));
    const second = await h.service.query(sql, { pageSize: 100, pageToken: first.nextPageToken ?? undefined });
    expect(second.rows).toHaveLength(100);
    expect(second.nextPageToken).not.toBe(first.nextPageToken);
    expect((await h.service.query('select count(*) as n from nums a, nums b')).rows).toEqual([{ n: 16_000_000 }]);
  });

  it('refuses page tokens that are forged or belong to another query', async () => {
    const page = await h.service.query('select * from nums', { pageSize: 10 });
    const token = page.nextPageToken as string;
    expect(await codeOf(h.service.query('select * from cls', { pageToken: token }))).toBe('ORCH_QUERY_INVALID');
    for (const bad of ['x', '!!!', Buffer.from('{"o":-1}').toString('base64url')]) {
      expect(await codeOf(h.service.query('select * from nums', { pageToken: bad }))).toBe('ORCH_QUERY_INVALID');
    }
    expect(await codeOf(h.service.query('select 1', { pageSize: 0 }))).toBe('ORCH_QUERY_INVALID');
  });

  it.each([
    ['insert into cls values (1, 2)'],
    ['create table t as select 1'],
    ['copy cls to \'/tmp/orchard-x.csv\''],
    ['copy (select 1) to \'/tmp/orchard-x.parquet\' (format parquet)'],
    ["attach '/tmp/orchard-x.db'"],
    ['install httpfs'],
    ['load httpfs'],
    ['set enable_external_access=true'],
    ['pragma version'],
    ['pragma database_list'],
    ['select 1; select 2'],
    ['select * from cls; drop table cls'],
    ['update cls set x = 1'],
    ['delete from cls'],
    ['checkpoint'],
  ])('refuses statements other than one SELECT: %s', async (sql) => {
    expect(await codeOf(h.service.query(sql))).toBe('ORCH_QUERY_NOT_READ_ONLY');
  });

  it.each([
    ["select * from read_csv('/etc/passwd')"],
    ["select * from read_csv_auto('/etc/passwd')"],
    ["select * from '/etc/passwd'"],
    ['select * from "/etc/passwd"'],
    ["select * from read_parquet('https://example.com/x.parquet')"],
    ["select * from 'https://example.com/x.parquet'"],
    ["select getenv('HOME')"],
    ["select current_setting('allowed_paths')"],
    ["select * from glob('/*')"],
    ["select * from read_text('/etc/passwd')"],
    ["select * from cls where label in (select length(content) from read_blob('/etc/passwd'))"],
    ["with x as (select * from read_json('/etc/hosts')) select * from x"],
    ["select * from query('select 42')"],
    ["select * from query_table('cls')"],
    ['select * from duckdb_settings()'],
    ['select * from range(10)'],
    ['select * from main.cls'],
    ['select * from memory.main.cls'],
    ['show tables'],
    ["select * from json_execute_serialized_sql(json_serialize_sql('select 1'))"],
    ["select sum(x) over () from cls where exists (select * from sniff_csv('/etc/passwd'))"],
  ])('refuses reading anything but datasets: %s', async (sql) => {
    const error = await errorOf(h.service.query(sql));
    expect(error.code, error.message).toBe('ORCH_QUERY_FORBIDDEN');
  });

  it('names an unknown or deleted dataset', async () => {
    const error = await errorOf(h.service.query('select * from nope'));
    expect(error.code).toBe('ORCH_QUERY_UNKNOWN_DATASET');
    expect(error.message).toContain("'nope'");
    expect(await codeOf(h.service.query('select * from "cls@9"'))).toBe('ORCH_QUERY_UNKNOWN_DATASET');
    expect(await codeOf(h.service.query('select * from gone'))).toBe('ORCH_QUERY_UNKNOWN_DATASET');
  });

  it('reports syntax and binding errors without server paths', async () => {
    expect(await codeOf(h.service.query('selec 1'))).toBe('ORCH_QUERY_INVALID');
    expect(await codeOf(h.service.query(''))).toBe('ORCH_QUERY_INVALID');
    expect(await codeOf(h.service.query("select 1) union all (select * from read_csv('/etc/passwd')"))).toBe(
      'ORCH_QUERY_INVALID',
    );
    const error = await errorOf(h.service.query('select nosuch from cls'));
    expect(error.code).toBe('ORCH_QUERY_FAILED');
    expect(error.message).not.toContain(h.root);
    expect(error.message).not.toContain('.parquet');
  });

  it('allows a trailing comment and DESCRIBE of a dataset', async () => {
    expect((await h.service.query('select 1 as one -- the answer')).rows).toEqual([{ one: 1 }]);
    const described = await h.service.query('describe cls');
    expect(described.rows.map((r) => r.column_name)).toEqual(['label', 'x']);
  });
});

describe('the query engine on its own', () => {
  it('cannot read files, URLs or settings even when handed such SQL directly', async () => {
    const h = await openHarness();
    try {
      const { path: parquet } = await (async () => {
        await h.service.create({ name: 'one', format: 'csv', body: body('1\n') });
        return h.service.localParquet('one');
      })();
      const run = (sql: string) =>
        executeSelect({ tables: [{ name: 'one', path: parquet }], sql, limit: 10, offset: 0, workDir: h.workDir, timeoutMs: 10_000 });
      expect((await run('select * from one')).result.rows).toEqual([{ _c0: 1 }]);
      for (const sql of [
        "select * from read_csv('/etc/passwd')",
        "select * from '/etc/passwd'",
        "select * from read_parquet('https://example.com/x.parquet')",
      ]) {
        const error = await errorOf(run(sql));
        expect(['ORCH_QUERY_FORBIDDEN', 'ORCH_QUERY_FAILED']).toContain(error.code);
        expect(error.message).not.toMatch(/root:/);
      }
      expect(await codeOf(run("select 1) to '/tmp/x.csv'; copy (select 1"))).toBe('ORCH_QUERY_INVALID');
      // Text that closes the wrapper's parenthesis and appends statements: prepare() takes one statement only.
      const target = path.join(h.root, 'escaped.csv');
      const escape = `select 1 as a) t; copy (select 2) to '${target}'; select * from (select 1`;
      expect(await codeOf(run(escape))).toBe('ORCH_QUERY_NOT_READ_ONLY');
      expect(existsSync(target)).toBe(false);
    } finally {
      await h.cleanup();
    }
  });

  it('stops a query that runs past the time limit', async () => {
    const h = await openHarness({ queryTimeoutMs: 300 });
    try {
      const nums = Array.from({ length: 3000 }, (_, i) => `${i}`).join('\n');
      await h.service.create({ name: 'n', format: 'csv', body: body(`${nums}\n`) });
      const error = await errorOf(h.service.query('select sum(a._c0 * b._c0 * c._c0) as s from n a, n b, n c'));
      expect(error.code).toBe('ORCH_QUERY_TIMEOUT');
    } finally {
      await h.cleanup();
    }
  });
});
