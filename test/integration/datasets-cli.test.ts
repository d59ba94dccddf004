import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backends } from '../support/backends.js';
import { Orchard } from '../../src/sdk/index.js';
import { cli, startServer, type RunningServer } from '../support/server.js';
import { codeOf } from '../support/refusals.js';

/** 1,000 rows, SageMaker layout: label first, no header; _c1 is 0..999. */
function writeClassification(dir: string): string {
  const file = path.join(dir, 'cls.csv');
  const lines: string[] = [];
  for (let i = 0; i < 1000; i++) lines.push(`${i % 2},${i},${(i * 0.5).toFixed(1)},${i % 7 === 0 ? '' : (i % 13) / 10}`);
  fs.writeFileSync(file, lines.join('\n') + '\n');
  return file;
}

function rawGet(server: RunningServer, rawPath: string): Promise<{ status: number; body: string }> {
  const { hostname, port } = new URL(server.url);
  return new Promise((resolve, reject) => {
    const req = http.request({ host: hostname, port, path: rawPath, headers: { authorization: `Bearer ${server.adminToken}` } }, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}


describe.each(backends)('datasets through the CLI on $name', (backend) => {
  let server: RunningServer;
  let teardown: () => Promise<void>;
  let dir: string;
  let admin: { url: string; token: string };

  beforeAll(async () => {
    const b = await backend.setup();
    teardown = b.teardown;
    server = await startServer(b.env);
    admin = { url: server.url, token: server.adminToken };
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'orchard-cli-'));
  });
  afterAll(async () => {
    await server?.stop();
    await teardown?.();
  });

  it('writes the generated admin token to <home>/admin-token, mode 0600', () => {
    const file = path.join(server.home, 'admin-token');
    expect(fs.readFileSync(file, 'utf8').trim()).toBe(server.adminToken);
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
  });

  it('creates versions, describes them, previews and queries', async () => {
    const file = writeClassification(dir);
    const v1 = await cli(['datasets', 'create', 'cls', '--file', file, '--format', 'csv', '--no-header', '--json'], admin);
    expect(v1.code, v1.stderr + v1.stdout).toBe(0);
    expect(v1.json).toMatchObject({ name: 'cls', version: 1, rowCount: 1000, format: 'csv', header: false });
    // Repeated commands through the SDK (the requests the CLI sends), each command and flag through the CLI once.
    const sdk = new Orchard(admin);
    expect(await sdk.datasets.create({ name: 'cls', file })).toMatchObject({ name: 'cls', version: 2 });

    const latest = await cli(['datasets', 'describe', 'cls', '--json'], admin);
    expect(latest.json).toMatchObject({ name: 'cls', version: 2, rowCount: 1000 });
    const d = await sdk.datasets.describe('cls@1');
    expect(d.version).toBe(1);
    expect(d.columns.map((c: { name: string }) => c.name)).toEqual(['_c0', '_c1', '_c2', '_c3']);
    const c1 = d.columns[1];
    expect(c1.stats).toMatchObject({ count: 1000, nulls: 0, min: 0, max: 999 });
    expect(c1.stats.mean).toBeCloseTo(499.5, 6);
    expect(c1.stats.stddev).toBeCloseTo(288.8194, 3);
    expect(c1.stats.histogram!.reduce((s: number, b: { count: number }) => s + b.count, 0)).toBe(1000);
    expect(d.columns[3].stats.nulls).toBe(143);
    expect(d.columns[0].stats.topValues.map((t: { count: number }) => t.count)).toEqual([500, 500]);

    const preview = await cli(['datasets', 'preview', 'cls', '--limit', '3', '--json'], admin);
    expect(preview.json.rows).toEqual([
      { _c0: 0, _c1: 0, _c2: 0, _c3: null },
      { _c0: 1, _c1: 1, _c2: 0.5, _c3: 0.1 },
      { _c0: 0, _c1: 2, _c2: 1, _c3: 0.2 },
    ]);

    const q = await cli(['datasets', 'query', 'select _c0 as label, count(*) as n from cls group by 1 order by 1', '--json'], admin);
    expect(q.code).toBe(0);
    expect(q.json.columns.map((c: { name: string }) => c.name)).toEqual(['label', 'n']);
    expect(q.json.rows).toEqual([{ label: 0, n: 500 }, { label: 1, n: 500 }]);

    const page1 = await cli(['datasets', 'query', 'select _c1 from "cls@1" order by _c1', '--page-size', '400', '--json'], admin);
    expect(page1.json.rows).toHaveLength(400);
    expect(page1.json.nextPageToken).toBeTruthy();
    const page2 = await sdk.datasets.query('select _c1 from "cls@1" order by _c1', { pageSize: 400, pageToken: page1.json.nextPageToken });
    const page3 = await cli(['datasets', 'query', 'select _c1 from "cls@1" order by _c1', '--page-size', '400', '--page-token', page2.nextPageToken!, '--json'], admin);
    expect(page3.json.rows).toHaveLength(200);
    expect(page3.json.rows[0]._c1).toBe(800);
    expect(page3.json.nextPageToken).toBeNull();

    const human = await cli(['datasets', 'list'], admin);
    expect(human.code).toBe(0);
    expect(human.stdout).toContain('cls');
  });

  it('lists with filters, deletes softly, restores and purges', async () => {
    const file = writeClassification(dir);
    const sdk = new Orchard(admin);
    await sdk.datasets.create({ name: 'other-set', file });
    const filtered = await cli(['datasets', 'list', '--prefix', 'oth', '--json'], admin);
    expect(filtered.json.items.map((d: { name: string }) => d.name)).toEqual(['other-set']);

    expect((await cli(['datasets', 'delete', 'other-set', '--json'], admin)).code).toBe(0);
    // What the deletion did, through the SDK (list, query and describe are the CLI's above and in the other cases).
    expect((await sdk.datasets.list()).items.map((d) => d.name)).not.toContain('other-set');
    const gone = await cli(['datasets', 'describe', 'other-set', '--json'], admin);
    expect(gone.code).not.toBe(0);
    expect(gone.json.code).toMatch(/^ORCH_DATASET_(NOT_FOUND|DELETED)$/);
    expect(await codeOf(sdk.datasets.query('select count(*) from "other-set"'))).toMatch(/^ORCH_/);

    expect((await cli(['datasets', 'restore', 'other-set', '--json'], admin)).code).toBe(0);
    expect((await sdk.datasets.describe('other-set')).version).toBe(1);

    const purged = await cli(['datasets', 'delete', 'other-set', '--purge', '--json'], admin);
    expect(purged.json.purged).toBe(true);
    const all = await cli(['datasets', 'list', '--include-deleted', '--all-versions', '--json'], admin);
    expect(all.json.items.map((d: { name: string }) => d.name)).not.toContain('other-set');
  });

  it('refuses bad input with stable codes and registers nothing', async () => {
    const bad: Array<[string, string, string]> = [
      ['quotes.csv', 'a,b\n"unbalanced,1\n2,3\n', 'ORCH_DATASET_MALFORMED'],
      ['ragged.csv', '1,2,3\n4,5\n6,7,8\n', 'ORCH_DATASET_MALFORMED'],
      ['nul.csv', '1,2\n3,\u00004\n', 'ORCH_DATASET_NUL_BYTE'],
      ['empty.csv', '', 'ORCH_DATASET_EMPTY'],
    ];
    // The CLI's refusal (exit code, the error as JSON) once; the other refusals through the SDK,
    // the same upload the CLI makes, without a process each.
    const sdk = new Orchard(admin);
    for (const [i, [name, content, code]] of bad.entries()) {
      const file = path.join(dir, name);
      fs.writeFileSync(file, content);
      if (i === 0) {
        const res = await cli(['datasets', 'create', 'bad-one', '--file', file, '--json'], admin);
        expect(res.code, name).not.toBe(0);
        expect(res.json.code, name).toBe(code);
      } else expect(await codeOf(sdk.datasets.create({ name: 'bad-one', file })), name).toBe(code);
    }
    const latin1 = path.join(dir, 'latin1.csv');
    fs.writeFileSync(latin1, Buffer.from([0x61, 0x2c, 0x62, 0x0a, 0xe9, 0x2c, 0x31, 0x0a]));
    expect(await codeOf(sdk.datasets.create({ name: 'bad-one', file: latin1 }))).toBe('ORCH_DATASET_INVALID_UTF8');
    const headerOnly = path.join(dir, 'header.csv');
    fs.writeFileSync(headerOnly, 'a,b,c\n');
    expect(await codeOf(sdk.datasets.create({ name: 'bad-one', file: headerOnly, header: true }))).toBe('ORCH_DATASET_NO_ROWS');
    const dup = path.join(dir, 'dup.csv');
    fs.writeFileSync(dup, 'a,b,a\n1,2,3\n');
    expect(await codeOf(sdk.datasets.create({ name: 'bad-one', file: dup, header: true }))).toBe('ORCH_DATASET_DUPLICATE_COLUMN');
    // Refused by name before the body is read (the server drops that connection): the SDK sends
    // each upload on a connection of its own, so the next one is not cut off with it.
    const good = writeClassification(dir);
    for (const name of ['../x', 'a/b', '%2e%2e', 'x'.repeat(129)]) {
      expect(await codeOf(sdk.datasets.create({ name, file: good })), name).toMatch(/^ORCH_(DATASET_INVALID_NAME|API_NOT_FOUND|API_BAD_REQUEST)$/);
    }
    const all = await sdk.datasets.list({ includeDeleted: true, allVersions: true });
    expect(all.items.map((d) => d.name)).not.toContain('bad-one');
  });

  it('keeps SQL read-only and inside the named datasets', async () => {
    const refused = [
      "insert into cls values (1,2,3,4)",
      'create table t as select 1',
      "copy (select 1) to '/tmp/orchard-pwned.csv'",
      "attach '/tmp/orchard-x.db' as x",
      'install httpfs',
      "select * from read_csv('/etc/passwd')",
      "select * from '/etc/passwd'",
      "select * from read_parquet('https://example.com/x.parquet')",
      "select getenv('HOME')",
      'select 1; select 2',
    ];
    // The CLI's refusal once; the rest through the SDK (the same request the CLI sends).
    const res = await cli(['datasets', 'query', refused[0], '--json'], admin);
    expect(res.code).not.toBe(0);
    expect(res.json.code).toMatch(/^ORCH_QUERY_/);
    const sdk = new Orchard(admin);
    for (const sql of refused.slice(1)) expect(await codeOf(sdk.datasets.query(sql)), sql).toMatch(/^ORCH_QUERY_/);
    expect(fs.existsSync('/tmp/orchard-pwned.csv')).toBe(false);
  });

  it('pages through a 10-million-row result without materialising it', async () => {
    // The server's paging, through the SDK (the request `datasets query --page-size` sends, the CLI's above).
    const page = await new Orchard(admin).datasets.query('select a._c1 * 10000 + b._c1 as k from cls a cross join "cls@1" b', { pageSize: 1000 });
    expect(page.rows).toHaveLength(1000);
    expect(page.nextPageToken).toBeTruthy();
  });

  it('leaves nothing behind when an upload is cut off midway', async () => {
    const url = new URL('/api/v1/datasets/cut-off/versions?format=csv', server.url);
    await new Promise<void>((resolve) => {
      const req = http.request(url, { method: 'POST', headers: { authorization: `Bearer ${server.adminToken}`, 'content-type': 'text/csv', 'content-length': '1000000' } });
      req.on('error', () => resolve());
      req.on('response', (res) => {
        res.resume();
        resolve();
      });
      req.write('1,2,3\n'.repeat(10_000), () => setTimeout(() => req.destroy(), 100));
    });
    const uploads = path.join(server.home, 'work', 'uploads');
    const leftovers = () => (fs.existsSync(uploads) ? fs.readdirSync(uploads) : []);
    for (let i = 0; i < 100 && leftovers().length > 0; i++) await new Promise((r) => setTimeout(r, 50));
    expect(leftovers()).toEqual([]);
    const all = await new Orchard(admin).datasets.list({ includeDeleted: true, allVersions: true });
    expect(all.items.map((d) => d.name)).not.toContain('cut-off');
  });

  it('creates a dataset from an object put in the artifact store', async () => {
    const file = writeClassification(dir);
    const put = await cli(['artifacts', 'put', 'imports/cls.csv', '--file', file, '--json'], admin);
    expect(put.code, put.stdout).toBe(0);
    expect(put.json).toMatchObject({ key: 'imports/cls.csv', size: fs.statSync(file).size });
    const listed = await cli(['artifacts', 'list', '--prefix', 'imports', '--json'], admin);
    expect(listed.json.items.map((a: { key: string }) => a.key)).toEqual(['imports/cls.csv']);
    const out = path.join(dir, 'roundtrip.csv');
    expect((await cli(['artifacts', 'get', 'imports/cls.csv', '--out', out], admin)).code).toBe(0);
    expect(fs.readFileSync(out)).toEqual(fs.readFileSync(file));

    const ds = await cli(['datasets', 'create', 'imported', '--from-artifact', 'imports/cls.csv', '--format', 'csv', '--json'], admin);
    expect(ds.code, ds.stdout).toBe(0);
    expect(ds.json).toMatchObject({ name: 'imported', version: 1, rowCount: 1000 });

    const system = await cli(['artifacts', 'put', 'datasets/imported/1/data.parquet', '--file', file, '--json'], admin);
    expect(system.json.code).toBe('ORCH_ARTIFACT_INVALID_KEY');
    for (const key of ['%2e%2e/%2e%2e/etc/passwd', 'a/%00b', '.orchard/meta/x.json']) {
      // Sent verbatim: fetch's URL parser would resolve the dot segments itself.
      const res = await rawGet(server, `/api/v1/artifacts/${key}`);
      expect(res.status, key).toBe(400);
      expect(JSON.parse(res.body).code).toBe('ORCH_ARTIFACT_INVALID_KEY');
    }
    expect((await cli(['artifacts', 'delete', 'imports/cls.csv', '--json'], admin)).code).toBe(0);
    expect((await new Orchard(admin).datasets.describe('imported')).rowCount).toBe(1000);
  });

  it('creates a dataset version from a SELECT over datasets, through the CLI and the HTTP API', async () => {
    const file = writeClassification(dir);
    const sdk = new Orchard({ url: server.url, token: server.adminToken });
    expect((await sdk.datasets.create({ name: 'ctas_src', file })).rowCount).toBe(1000);
    const made = await cli(['datasets', 'create', 'odd', '--from-query', 'select _c1 as n, _c2 from ctas_src where _c1 % 2 = 1', '--tag', 'team=ml', '--json'], admin);
    expect(made.code, made.stdout + made.stderr).toBe(0);
    expect(made.json).toMatchObject({ name: 'odd', version: 1, format: 'parquet', rowCount: 500, tags: { team: 'ml', 'orchard:source': 'query' } });
    expect((await sdk.datasets.query('select count(*) as c, sum(n) as s from odd')).rows).toEqual([{ c: 500, s: 250000 }]);

    const res = await fetch(`${server.url}/api/v1/datasets/from-query`, {
      method: 'POST',
      headers: { authorization: `Bearer ${server.adminToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'odd', sql: 'select n from odd where n < 100' }),
    });
    expect(res.status).toBe(201);
    expect(await res.json()).toMatchObject({ name: 'odd', version: 2, rowCount: 50 });
    expect(await sdk.datasets.createFromQuery({ name: 'odd', sql: 'select n from "odd@2" where n < 10' })).toMatchObject({ version: 3, rowCount: 5 });

    // The server's refusal through the SDK (the create command's CLI refusal is the bad files' case);
    // --from-query with --file is the command line's own check.
    expect(await codeOf(sdk.datasets.createFromQuery({ name: 'odd', sql: "copy ctas_src to '/tmp/x.csv'" }))).toBe('ORCH_QUERY_NOT_READ_ONLY');
    const both = await cli(['datasets', 'create', 'odd', '--from-query', 'select 1', '--file', file], admin);
    expect(both.code).not.toBe(0);
    expect((await sdk.datasets.describe('odd')).version).toBe(3);
  });

  it('separates 401 from 403 and honours roles and revocation', async () => {
    const created = await cli(['users', 'create', 'vic', '--role', 'viewer', '--json'], admin);
    expect(created.json).toMatchObject({ name: 'vic', role: 'viewer' });
    const tok = await cli(['tokens', 'create', '--user', 'vic', '--name', 'laptop', '--json'], admin);
    expect(tok.json.token).toMatch(/^orch_/);
    const viewer = { url: server.url, token: tok.json.token as string };

    // The viewer's reads and refused writes through the SDK (the requests the CLI sends); the CLI's
    // refusal of a caller without a token once.
    const asViewer = new Orchard(viewer);
    expect((await asViewer.datasets.list()).items.map((d) => d.name)).toContain('cls');
    expect(await codeOf(asViewer.datasets.create({ name: 'nope', file: writeClassification(dir) }))).toBe('ORCH_AUTH_FORBIDDEN');
    expect(await codeOf(asViewer.users.list())).toBe('ORCH_AUTH_FORBIDDEN');

    expect(await codeOf(new Orchard({ url: server.url, token: 'orch_wrong' }).datasets.list())).toBe('ORCH_AUTH_INVALID_TOKEN');
    expect((await cli(['datasets', 'list', '--json'], { url: server.url })).json.code).toBe('ORCH_AUTH_MISSING_TOKEN');

    const mine = await cli(['tokens', 'list', '--json'], viewer);
    expect(mine.json.items.map((t: { name: string }) => t.name)).toEqual(['laptop']);
    expect(JSON.stringify(mine.json)).not.toContain(viewer.token);
    expect((await cli(['tokens', 'revoke', tok.json.id, '--json'], admin)).code).toBe(0);
    expect(await codeOf(new Orchard(viewer).datasets.list())).toBe('ORCH_AUTH_INVALID_TOKEN');
  });
});
