import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveConfig } from '../core/index.js';
import { allowSource, openSource } from './source.js';

let dir: string;
let root: string;
let config: ReturnType<typeof resolveConfig>;

beforeAll(() => {
  dir = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'orchard-sources-')));
  root = path.join(dir, 'root');
  fs.mkdirSync(path.join(root, 'in', 'dt=1'), { recursive: true });
  fs.mkdirSync(path.join(dir, 'outside'));
  fs.writeFileSync(path.join(root, 'in', 'dt=1', 'a.csv'), 'a\n1\n');
  fs.writeFileSync(path.join(dir, 'outside', 'secret.csv'), 'a\n1\n');
  fs.symlinkSync(path.join(dir, 'outside'), path.join(root, 'escape'));
  fs.symlinkSync(path.join(dir, 'outside', 'secret.csv'), path.join(root, 'in', 'leak.csv'));
  config = resolveConfig({ home: path.join(dir, 'home'), crawlerRoots: [root], crawlerBuckets: ['landing-zone'], artifactsUrl: 's3://orchard-store/platform' });
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const codeOf = (p: Promise<unknown>) => p.then(() => 'ok', (err: { code?: string }) => err.code);

describe('crawler sources', () => {
  it('allows a folder under the roots and refuses escapes by .., links or absence of roots', async () => {
    expect(await allowSource(pathToFileURL(path.join(root, 'in')).href, config)).toMatchObject({ kind: 'file', dir: path.join(root, 'in') });
    expect(await codeOf(allowSource(pathToFileURL(path.join(dir, 'outside')).href, config))).toBe('ORCH_CRAWLER_SOURCE_FORBIDDEN');
    expect(await codeOf(allowSource(`${pathToFileURL(root).href}/../outside`, config))).toBe('ORCH_CRAWLER_SOURCE_FORBIDDEN');
    expect(await codeOf(allowSource(`${pathToFileURL(root).href}/%2e%2e/outside`, config))).toBe('ORCH_CRAWLER_SOURCE_FORBIDDEN');
    expect(await codeOf(allowSource(pathToFileURL(path.join(root, 'escape')).href, config))).toBe('ORCH_CRAWLER_SOURCE_FORBIDDEN');
    expect(await codeOf(allowSource(pathToFileURL(path.join(root, 'missing')).href, config))).toBe('ORCH_CRAWLER_SOURCE_NOT_FOUND');
    // Whether something exists outside the roots is not told.
    expect(await codeOf(allowSource(pathToFileURL(path.join(dir, 'nothing')).href, config))).toBe('ORCH_CRAWLER_SOURCE_FORBIDDEN');
    const noRoots = resolveConfig({ home: path.join(dir, 'home') });
    await expect(allowSource(pathToFileURL(path.join(root, 'in')).href, noRoots)).rejects.toThrow(/ORCHARD_CRAWLER_ROOTS/);
    expect(await codeOf(allowSource('ftp://host/x', config))).toBe('ORCH_CRAWLER_INVALID');
  });

  it('allows the artifact bucket outside the store folder and the listed buckets only', async () => {
    expect(await allowSource('s3://orchard-store/landing', config)).toEqual({ kind: 's3', url: 's3://orchard-store/landing/', bucket: 'orchard-store', prefix: 'landing/' });
    expect(await allowSource('s3://landing-zone', config)).toMatchObject({ bucket: 'landing-zone', prefix: '' });
    await expect(allowSource('s3://other-bucket/x', config)).rejects.toThrow(/ORCHARD_CRAWLER_BUCKETS/);
    expect(await codeOf(allowSource('s3://orchard-store/platform/datasets', config))).toBe('ORCH_CRAWLER_SOURCE_FORBIDDEN');
    expect(await codeOf(allowSource('s3://orchard-store/', config))).toBe('ORCH_CRAWLER_SOURCE_FORBIDDEN');
    expect(await codeOf(allowSource('s3://orchard-store/a//b', config))).toBe('ORCH_CRAWLER_INVALID');
  });

  it('lists a folder with links leaving the roots marked, and folder links not followed', async () => {
    const source = await allowSource(pathToFileURL(root).href, config);
    const reader = await openSource(source, config);
    const files = [];
    for await (const page of reader.list(1)) files.push(...page);
    expect(files.map((f) => [f.path, f.problem ?? null]).sort()).toEqual([
      ['in/dt=1/a.csv', null],
      ['in/leak.csv', expect.stringMatching(/leaves the allowed roots/)],
    ]);
    await expect(reader.fetch(files.find((f) => f.path === 'in/leak.csv')!, dir)).rejects.toMatchObject({ code: 'ORCH_CRAWLER_SOURCE_FORBIDDEN' });
  });
});
