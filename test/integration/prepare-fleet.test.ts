import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Orchard } from '../../src/sdk/index.js';
import { fleetBackend } from '../support/backends.js';
import { S3RVER_CREDENTIALS } from '../support/s3-server.js';
import { cli, startServer, startWorkerProcess, type RunningServer } from '../support/server.js';

/** A small table with categories and missing values (header first). */
function rawCsv(count: number): string {
  const colors = ['red', 'green', 'blue'];
  const lines = ['y,color,size,x'];
  for (let i = 0; i < count; i++) {
    const color = i % 7 === 3 ? '' : colors[i % 3];
    const size = i % 5 === 1 ? '' : String((i * 37) % 100 / 10);
    const x = (((i * 53) % 200) - 100) / 50;
    lines.push([x > 0 || color === 'red' ? 1 : 0, color, size, x].join(','));
  }
  return lines.join('\n') + '\n';
}

const RECIPE = `target: y
steps:
  - impute:
      columns: [size]
      strategy: mean
  - one_hot:
      columns: [color]
  - scale:
      columns: [size, x]
      method: standard
`;

const SPLIT_RECIPE = `target: y
steps:
  - one_hot:
      columns: [color]
  - impute:
      columns: [size]
      strategy: median
  - split:
      train: 0.6
      validation: 0.2
      test: 0.2
      seed: 7
`;

describe('preparation on the fleet: recipes and crawlers run by orchard worker processes, PostgreSQL + S3 + Redis', () => {
  let server: RunningServer;
  let workers: Array<Awaited<ReturnType<typeof startWorkerProcess>>> = [];
  let teardown: () => Promise<void>;
  let admin: { url: string; token: string };
  let dir: string;
  let s3: S3Client;
  let bucket: string;

  beforeAll(async () => {
    const fleet = await fleetBackend();
    teardown = fleet.teardown;
    server = await startServer({ ...fleet.env, ORCHARD_WORKERS: '0' });
    workers = [await startWorkerProcess(fleet.env)];
    admin = { url: server.url, token: server.adminToken };
    bucket = new URL(fleet.env.ORCHARD_ARTIFACTS_URL).hostname;
    s3 = new S3Client({ endpoint: fleet.env.ORCHARD_S3_ENDPOINT, region: 'us-east-1', forcePathStyle: true, credentials: S3RVER_CREDENTIALS });
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'orchard-prepare-fleet-'));
    fs.writeFileSync(path.join(dir, 'raw.csv'), rawCsv(60));
    fs.writeFileSync(path.join(dir, 'recipe.yaml'), RECIPE);
    fs.writeFileSync(path.join(dir, 'split.yaml'), SPLIT_RECIPE);
    const res = await cli(['datasets', 'create', 'raw', '--file', path.join(dir, 'raw.csv'), '--header', '--json'], admin);
    expect(res.code, res.stdout + res.stderr).toBe(0);
  });
  afterAll(async () => {
    s3?.destroy();
    for (const w of workers) await w.stop();
    await server?.stop();
    await teardown?.();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it('fits a recipe and applies it on the workers; the output dataset has every row and the encoded columns', async () => {
    expect((await cli(['recipes', 'create', 'prep', '--file', path.join(dir, 'recipe.yaml'), '--json'], admin)).code).toBe(0);
    const fit = await cli(['recipes', 'fit', 'prep', '--dataset', 'raw', '--json'], admin);
    expect(fit.code, fit.stdout + fit.stderr).toBe(0);
    expect(fit.json).toMatchObject({ recipe: 'prep', version: 1, status: 'Completed', dataset: { dataset: 'raw', version: 1 }, target: 'y', numFeatures: 5 });

    const res = await cli(['recipes', 'apply', 'prep@1', '--dataset', 'raw', '--output', 'prepared', '--wait', '--json'], admin);
    expect(res.code, res.stdout + res.stderr).toBe(0);
    expect(res.json).toMatchObject({ dataset: 'prepared@1', recipe: 'prep@1', source: 'raw@1', status: 'Completed', rows: { all: 60 } });
    const sdk = new Orchard(admin);
    const out = await sdk.datasets.describe('prepared@1');
    expect(out.rowCount).toBe(60);
    expect(out.columns.map((c) => c.name)).toEqual(['y', 'color_blue', 'color_green', 'color_red', 'size', 'x']);
    expect(fit.json.outputColumns.map((c: { name: string }) => c.name)).toEqual(out.columns.map((c) => c.name));
    expect(out.tags).toMatchObject({ recipeFit: 'prep@1', sourceDataset: 'raw@1', recipeJob: res.json.job });
    // Imputed and scaled: no missing sizes, the scaled x has a mean of about zero, and each
    // row with a color has one 1 among the encoded columns (the 9 rows without one: all zeros).
    const stats = await sdk.datasets.query('SELECT count(*) AS n, count(size) AS sizes, avg(x) AS mx, sum(color_blue + color_green + color_red) AS ones, sum(y) AS ys FROM prepared');
    expect(Number(stats.rows[0].n)).toBe(60);
    expect(Number(stats.rows[0].sizes)).toBe(60);
    expect(Number(stats.rows[0].ones)).toBe(51);
    expect(Number(stats.rows[0].ys)).toBe(rawCsv(60).trim().split('\n').slice(1).filter((l) => l.startsWith('1,')).length);
    expect(Math.abs(Number(stats.rows[0].mx))).toBeLessThan(1e-6);
  }, 120_000);

  it('applies a split recipe on the workers into one dataset per split', async () => {
    expect((await cli(['recipes', 'create', 'splitter', '--file', path.join(dir, 'split.yaml'), '--json'], admin)).code).toBe(0);
    const fit = await cli(['recipes', 'fit', 'splitter', '--dataset', 'raw', '--json'], admin);
    expect(fit.code, fit.stdout + fit.stderr).toBe(0);
    const res = await cli(['recipes', 'apply', 'splitter', '--dataset', 'raw', '--output', 'parts', '--wait', '--json'], admin);
    expect(res.code, res.stdout + res.stderr).toBe(0);
    expect(res.json).toMatchObject({ status: 'Completed', splits: { train: 'parts-train@1', validation: 'parts-validation@1', test: 'parts-test@1' } });
    expect(res.json.rows.train + res.json.rows.validation + res.json.rows.test).toBe(60);
    expect(res.json.rows.train).toBeGreaterThan(res.json.rows.test);
    const sdk = new Orchard(admin);
    for (const split of ['train', 'validation', 'test']) {
      const v = await sdk.datasets.describe(`parts-${split}@1`);
      expect(v.rowCount).toBe(res.json.rows[split]);
      expect(v.columns.map((c) => c.name)).toEqual(['y', 'color_blue', 'color_green', 'color_red', 'size', 'x']);
      expect(v.tags).toMatchObject({ split, recipeFit: 'splitter@1' });
    }
  }, 120_000);

  it('crawls an s3:// prefix on a worker; a rerun with one new file makes a new version holding every row', async () => {
    const put = (key: string, body: string) => s3.send(new PutObjectCommand({ Bucket: bucket, Key: `landing/${key}`, Body: body }));
    await put('dt=2024-01-01/a.csv', 'id,amount\n1,10\n2,20\n3,30\n');
    await put('dt=2024-01-02/b.csv', 'id,amount\n4,40\n5,50\n');
    const created = await cli(['crawlers', 'create', 'sales', '--from', `s3://${bucket}/landing/`, '--json'], admin);
    expect(created.code, created.stdout + created.stderr).toBe(0);

    const first = await cli(['crawlers', 'run', 'sales', '--wait', '--json'], admin);
    expect(first.code, first.stdout + first.stderr).toBe(0);
    expect(first.json).toMatchObject({ status: 'Completed', dataset: 'sales@1', newFiles: 2, filesSeen: 2, rejectedFiles: [] });
    const sdk = new Orchard(admin);
    const v1 = await sdk.datasets.describe('sales@1');
    expect(v1.rowCount).toBe(5);
    expect(v1.columns.map((c) => c.name)).toEqual(['id', 'amount', 'dt']);

    await put('dt=2024-01-03/c.csv', 'id,amount\n6,60\n7,70\n');
    const second = await cli(['crawlers', 'run', 'sales', '--wait', '--json'], admin);
    expect(second.code, second.stdout + second.stderr).toBe(0);
    expect(second.json).toMatchObject({ status: 'Completed', dataset: 'sales@2', newVersion: true, newFiles: 1, schemaChanges: [], rejectedFiles: [] });
    const v2 = await sdk.datasets.describe('sales@2');
    expect(v2.rowCount).toBe(7);
    expect(v2.tags).toMatchObject({ crawler: 'sales' });
    const sums = await sdk.datasets.query('SELECT dt, sum(amount) AS total FROM "sales@2" GROUP BY dt ORDER BY dt');
    expect(sums.rows.map((r) => [r.dt, Number(r.total)])).toEqual([
      ['2024-01-01', 60],
      ['2024-01-02', 90],
      ['2024-01-03', 130],
    ]);
  }, 120_000);
});
