import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Orchard } from '../../src/sdk/index.js';
import { backends, TEST_ATTEMPTS_DIR } from '../support/backends.js';
import { S3RVER_CREDENTIALS } from '../support/s3-server.js';
import { cli, startServer, type RunningServer } from '../support/server.js';

describe.each(backends)('crawlers through the CLI on $name', (backend) => {
  let server: RunningServer;
  let teardown: () => Promise<void>;
  let admin: { url: string; token: string };
  let root: string;
  let outside: string;
  let source: string;
  /** Puts a file under the crawler's source: into the allowed folder, or into the S3 bucket. */
  let put: (rel: string, content: string) => Promise<void>;
  let s3: S3Client | undefined;
  const onS3 = backend.name.includes('S3');

  beforeAll(async () => {
    const b = await backend.setup();
    teardown = b.teardown;
    const base = fs.mkdtempSync(path.join(os.tmpdir(), 'orchard-crawl-'));
    root = path.join(base, 'allowed');
    outside = path.join(base, 'outside');
    fs.mkdirSync(path.join(root, 'landing'), { recursive: true });
    fs.mkdirSync(outside, { recursive: true });
    fs.writeFileSync(path.join(outside, 'secret.csv'), 'id,amount\n1,2\n');
    server = await startServer({ ...b.env, ORCHARD_ATTEMPTS_DIR: TEST_ATTEMPTS_DIR, ORCHARD_CRAWLER_ROOTS: root });
    admin = { url: server.url, token: server.adminToken };
    if (onS3) {
      const bucket = new URL(b.env.ORCHARD_ARTIFACTS_URL).hostname;
      s3 = new S3Client({ endpoint: b.env.ORCHARD_S3_ENDPOINT, region: 'us-east-1', forcePathStyle: true, credentials: S3RVER_CREDENTIALS });
      source = `s3://${bucket}/landing/`;
      put = async (rel, content) => {
        await s3!.send(new PutObjectCommand({ Bucket: bucket, Key: `landing/${rel}`, Body: content }));
      };
    } else {
      source = pathToFileURL(path.join(root, 'landing')).href;
      put = async (rel, content) => {
        const file = path.join(root, 'landing', rel);
        fs.mkdirSync(path.dirname(file), { recursive: true });
        fs.writeFileSync(file, content);
      };
    }
  });
  afterAll(async () => {
    s3?.destroy();
    await server?.stop();
    await teardown?.();
  });

  const crawl = async (name: string) => {
    const res = await cli(['crawlers', 'run', name, '--wait', '--json'], admin);
    expect(res.code, res.stdout + res.stderr).toBe(0);
    return res.json;
  };

  it('turns Hive-partitioned CSV files into a dataset with the partitions as columns', async () => {
    await put('dt=2024-01-01/region=eu/a.csv', 'id,amount\n1,10\n2,20\n3,30\n');
    await put('dt=2024-01-01/region=us/b.csv', 'id,amount\n4,40\n5,50\n');
    await put('dt=2024-01-02/region=eu/c.csv', 'id,amount\n6,60\n7,70\n');
    await put('_SUCCESS', '');
    const created = await cli(['crawlers', 'create', 'sales', '--from', source, '--json'], admin);
    expect(created.code, created.stdout + created.stderr).toBe(0);
    expect(created.json).toMatchObject({ name: 'sales', dataset: 'sales', state: 'Ready', currentVersion: null, format: null });

    const run = await crawl('sales');
    expect(run).toMatchObject({ status: 'Completed', dataset: 'sales@1', newFiles: 3, rejectedFiles: [], filesSeen: 3 });
    expect(run.schemaChanges.map((c: { column: string; change: string }) => `${c.change} ${c.column}`)).toEqual(['added id', 'added amount', 'added dt', 'added region']);

    const sdk = new Orchard(admin);
    const ds = await sdk.datasets.describe('sales@1');
    expect(ds.rowCount).toBe(7);
    expect(ds.columns.map((c) => c.name)).toEqual(['id', 'amount', 'dt', 'region']);
    const byRegion = await sdk.datasets.query('SELECT region, dt, sum(amount) AS total FROM sales GROUP BY region, dt ORDER BY region, dt');
    expect(byRegion.rows.map((r) => [r.region, r.dt, Number(r.total)])).toEqual([
      ['eu', '2024-01-01', 60],
      ['eu', '2024-01-02', 130],
      ['us', '2024-01-01', 90],
    ]);
  });

  it('adds only a new file on a rerun, into a version holding every row', async () => {
    await put('dt=2024-01-03/region=us/d.csv', 'id,amount\n8,80\n9,90\n');
    const run = await crawl('sales');
    expect(run).toMatchObject({ status: 'Completed', dataset: 'sales@2', newVersion: true, newFiles: 1, schemaChanges: [], rejectedFiles: [] });
    const ds = await new Orchard(admin).datasets.describe('sales@2');
    expect(ds.rowCount).toBe(9);
    expect(ds.tags).toMatchObject({ crawler: 'sales' });
  });

  it('makes no new version when nothing is new', async () => {
    const run = await crawl('sales');
    expect(run).toMatchObject({ status: 'Completed', dataset: 'sales@2', newVersion: false, newFiles: 0, filesSeen: 4 });
    expect((await new Orchard(admin).datasets.versions('sales')).map((v) => v.version)).toEqual([1, 2]);
  });

  it('records an added column and a widened type, and rejects unusable files without failing the crawl', async () => {
    await put('dt=2024-01-04/region=eu/e.csv', 'id,amount,discount\n10,1.5,0.1\n11,2.5,0.2\n');
    await put('dt=2024-01-04/region=eu/broken.csv', 'id,amount\n12,1\n13,2,3,4\n');
    await put('dt=2024-01-04/region=eu/words.csv', 'id,amount\n12,hello\n13,world\n');
    await put('notes.txt', 'not data');
    if (!onS3) fs.symlinkSync(path.join(outside, 'secret.csv'), path.join(root, 'landing', 'leak.csv'));
    const run = await crawl('sales');
    expect(run).toMatchObject({ status: 'Completed', dataset: 'sales@3', newVersion: true, newFiles: 1 });
    expect(run.schemaChanges).toEqual([
      { column: 'amount', change: 'retyped', from: 'BIGINT', to: 'DOUBLE' },
      { column: 'discount', change: 'added', from: null, to: 'DOUBLE' },
    ]);
    const reasons = Object.fromEntries(run.rejectedFiles.map((f: { path: string; reason: string }) => [f.path, f.reason]));
    expect(Object.keys(reasons).sort()).toEqual(['dt=2024-01-04/region=eu/broken.csv', 'dt=2024-01-04/region=eu/words.csv', ...(onS3 ? [] : ['leak.csv']), 'notes.txt']);
    expect(reasons['dt=2024-01-04/region=eu/broken.csv']).toMatch(/unparseable as csv/);
    expect(reasons['dt=2024-01-04/region=eu/words.csv']).toMatch(/column 'amount' is VARCHAR here but DOUBLE in the table/);
    expect(reasons['notes.txt']).toMatch(/unknown format/);
    if (!onS3) expect(reasons['leak.csv']).toMatch(/leaves the allowed roots/);
    expect(run.rejectedTotal).toBe(onS3 ? 3 : 4);

    const sdk = new Orchard(admin);
    const ds = await sdk.datasets.describe('sales@3');
    expect(ds.rowCount).toBe(11);
    const sums = await sdk.datasets.query('SELECT sum(amount) AS amount, count(discount) AS discounts FROM "sales@3"');
    expect(Number(sums.rows[0].amount)).toBeCloseTo(454, 6);
    expect(Number(sums.rows[0].discounts)).toBe(2);

    // Rejected files are not read again until they change.
    const again = await crawl('sales');
    expect(again).toMatchObject({ dataset: 'sales@3', newVersion: false, newFiles: 0, rejectedFiles: [] });
    const described = await cli(['crawlers', 'describe', 'sales', '--json'], admin);
    expect(described.json).toMatchObject({ state: 'Ready', currentVersion: 3, files: { included: 5, rejected: onS3 ? 3 : 4 } });
    const history = await cli(['crawlers', 'runs', 'sales', '--json'], admin);
    expect(history.json.items.map((r: { run: number; newFiles: number }) => [r.run, r.newFiles])).toEqual([
      [5, 0],
      [4, 1],
      [3, 0],
      [2, 1],
      [1, 3],
    ]);
    const one = await cli(['crawlers', 'runs', 'sales', '4', '--json'], admin);
    expect(one.json).toMatchObject({ run: 4, dataset: 'sales@3', rejectedTotal: onS3 ? 3 : 4 });
  });

  it('refuses sources outside what the admin allows, with the setting named', async () => {
    const cases: Array<[string, string, RegExp]> = [
      ['out1', pathToFileURL(outside).href, /ORCHARD_CRAWLER_ROOTS/],
      ['out2', `${pathToFileURL(root).href}/../outside`, /'\.\.'/],
      ['out3', 's3://someone-elses-bucket/data/', /ORCHARD_CRAWLER_BUCKETS/],
    ];
    for (const [name, from, message] of cases) {
      const res = await cli(['crawlers', 'create', name, '--from', from, '--json'], admin);
      expect(res.code, from).not.toBe(0);
      expect(res.json.code, from).toBe('ORCH_CRAWLER_SOURCE_FORBIDDEN');
      expect(res.json.message, from).toMatch(message);
    }
    const exists = await cli(['crawlers', 'create', 'sales', '--from', source, '--json'], admin);
    expect(exists.json.code).toBe('ORCH_CRAWLER_EXISTS');
    const several = await cli(['crawlers', 'create', '9lives', '--from', 'ftp://x/y', '--json'], admin);
    expect(several.json.code).toBe('ORCH_CRAWLER_INVALID');
    expect(several.json.details.errors.map((e: { field: string }) => e.field)).toEqual(['source', 'dataset']);
    expect((await cli(['crawlers', 'describe', 'nope', '--json'], admin)).json.code).toBe('ORCH_CRAWLER_NOT_FOUND');
    expect((await cli(['crawlers', 'run', 'nope', '--json'], admin)).json.code).toBe('ORCH_CRAWLER_NOT_FOUND');
  });

  it('lists and deletes crawlers; the dataset stays', async () => {
    const listed = await cli(['crawlers', 'list', '--json'], admin);
    expect(listed.json.items.map((c: { name: string }) => c.name)).toEqual(['sales']);
    expect((await cli(['crawlers', 'delete', 'sales', '--json'], admin)).code).toBe(0);
    expect((await cli(['crawlers', 'describe', 'sales', '--json'], admin)).json.code).toBe('ORCH_CRAWLER_NOT_FOUND');
    expect((await new Orchard(admin).datasets.describe('sales')).version).toBe(3);
  });
});
