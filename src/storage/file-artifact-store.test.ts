import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, readdir, realpath, rm, stat, symlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { setImmediate as tick } from 'node:timers/promises';
import { pathToFileURL } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ArtifactStore } from './artifact-store.js';
import { describeArtifactStoreContract, expectCode, readAll, sha256 } from './artifact-store.contract.js';
import { createFileArtifactStore } from './file-artifact-store.js';
import { openArtifactStore } from './open-artifact-store.js';

async function tempDir(): Promise<string> {
  return realpath(await mkdtemp(path.join(os.tmpdir(), 'orchard-fas-')));
}

/** Files (not folders) under `dir`, as sorted '/'-paths relative to it. */
async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries
    .filter((e) => !e.isDirectory())
    .map((e) => path.relative(dir, path.join(e.parentPath, e.name)).split(path.sep).join('/'))
    .sort();
}

describeArtifactStoreContract('file', async () => {
  const root = await tempDir();
  return {
    store: await createFileArtifactStore(pathToFileURL(root).href),
    cleanup: () => rm(root, { recursive: true, force: true }),
    raw: {
      list: () => filesUnder(root),
      write: (p, content) => writeFile(path.join(root, p), content),
      remove: (p) => rm(path.join(root, p), { force: true }),
    },
  };
});

describe('file artifact store', () => {
  let root: string;
  let outside: string;
  let store: ArtifactStore;
  const tmpFiles = () => readdir(path.join(root, '.orchard', 'tmp'));

  beforeEach(async () => {
    root = await tempDir();
    outside = await tempDir();
    store = await createFileArtifactStore(pathToFileURL(root).href);
  });
  afterEach(async () => {
    await store.close();
    await rm(root, { recursive: true, force: true });
    await rm(outside, { recursive: true, force: true });
  });

  /** A record for `key` as the store would write it, so only the link check stands in the way. */
  async function plantRecord(key: string, content: Buffer): Promise<void> {
    const file = path.join(root, '.orchard', 'meta', `${key}.json`);
    await mkdir(path.dirname(file), { recursive: true });
    const record = { version: 1, key, size: content.length, sha256: sha256(content), createdAt: new Date().toISOString() };
    await writeFile(file, JSON.stringify(record));
  }

  it('refuses keys that pass through a link leaving the root, on get, head, put, list and deletes', async () => {
    const secret = Buffer.from('outside secret');
    await writeFile(path.join(outside, 'secret'), secret);
    await symlink(outside, path.join(root, 'evil'));
    await symlink(path.join(outside, 'secret'), path.join(root, 'leak'));
    await plantRecord('evil/secret', secret);
    await plantRecord('leak', secret);

    await expectCode(store.get('evil/secret'), 'ORCH_ARTIFACT_INVALID_KEY');
    await expectCode(store.get('leak'), 'ORCH_ARTIFACT_INVALID_KEY');
    await expectCode(store.head('evil/secret'), 'ORCH_ARTIFACT_INVALID_KEY');
    await expectCode(store.put('evil/new', 'x'), 'ORCH_ARTIFACT_INVALID_KEY');
    await expectCode(store.put('evil/deeper/new', 'x'), 'ORCH_ARTIFACT_INVALID_KEY');
    await expectCode(store.list('evil'), 'ORCH_ARTIFACT_INVALID_KEY');
    await expectCode(store.delete('evil/secret'), 'ORCH_ARTIFACT_INVALID_KEY');
    await expectCode(store.deletePrefix('evil'), 'ORCH_ARTIFACT_INVALID_KEY');
    expect(await readdir(outside)).toEqual(['secret']);
    expect(await readFile(path.join(outside, 'secret'))).toEqual(secret);
  });

  it('refuses dangling links and links into the reserved folder', async () => {
    await symlink(path.join(outside, 'not-yet'), path.join(root, 'dangling'));
    await expectCode(store.put('dangling/x', 'x'), 'ORCH_ARTIFACT_INVALID_KEY');
    expect(existsSync(path.join(outside, 'not-yet'))).toBe(false);
    await symlink(path.join(root, '.orchard', 'meta'), path.join(root, 'records'));
    await expectCode(store.get('records/x'), 'ORCH_ARTIFACT_INVALID_KEY');
  });

  it('does not follow links inside the record folder when listing', async () => {
    const fake = Buffer.from('fake');
    await writeFile(path.join(outside, 'x.json'), JSON.stringify({ version: 1, key: 'm/x', size: 4, sha256: sha256(fake), createdAt: new Date().toISOString() }));
    await symlink(outside, path.join(root, '.orchard', 'meta', 'm'));
    await store.put('real', 'r');
    expect((await store.list()).map((i) => i.key)).toEqual(['real']);
    await expectCode(store.list('m'), 'ORCH_ARTIFACT_INVALID_KEY');
  });

  it('allows links that stay inside the root', async () => {
    await mkdir(path.join(root, 'real'));
    await symlink(path.join(root, 'real'), path.join(root, 'alias'));
    expect(await store.head('alias/x')).toBeUndefined();
  });

  it('writes into a temp file and renames it into place only when complete', async () => {
    const body = new PassThrough();
    const put = store.put('atomic/model.bin', body);
    body.write(Buffer.alloc(100_000, 3));
    for (let i = 0; i < 20 && (await tmpFiles()).length === 0; i++) await tick();
    expect(await tmpFiles()).toHaveLength(1);
    expect(existsSync(path.join(root, 'atomic', 'model.bin'))).toBe(false);
    expect(await store.head('atomic/model.bin')).toBeUndefined();
    body.end(Buffer.alloc(5, 4));
    expect(await put).toMatchObject({ key: 'atomic/model.bin', size: 100_005 });
    expect(await tmpFiles()).toEqual([]);
    expect((await readFile(path.join(root, 'atomic', 'model.bin'))).length).toBe(100_005);
  });

  it('leaves no temp file after a failed write', async () => {
    const body = new PassThrough();
    const put = store.put('fail/x', body);
    body.write(Buffer.alloc(50_000, 1));
    for (let i = 0; i < 20 && (await tmpFiles()).length === 0; i++) await tick();
    body.destroy(new Error('disk on fire'));
    await expectCode(put, 'ORCH_ARTIFACT_WRITE_FAILED');
    await expectCode(store.put('fail/y', 'abc', { expectedSize: 4 }), 'ORCH_ARTIFACT_WRITE_FAILED');
    expect(await tmpFiles()).toEqual([]);
    expect(existsSync(path.join(root, 'fail'))).toBe(false);
  });

  it('fails cleanly when a record path collides with a folder of records', async () => {
    // 'x' keeps its record at meta/x.json; 'x.json/y' needs meta/x.json/ as a folder.
    await store.put('x', 'one');
    await expectCode(store.put('x.json/y', 'two'), 'ORCH_ARTIFACT_WRITE_FAILED');
    expect((await store.list()).map((i) => i.key)).toEqual(['x']);
    await store.delete('x');
    await store.put('x.json/y', 'two');
    await expectCode(store.put('x', 'one'), 'ORCH_ARTIFACT_WRITE_FAILED');
    expect(existsSync(path.join(root, 'x'))).toBe(false);
    expect((await readAll(await store.get('x.json/y'))).toString()).toBe('two');
  });

  it('copies as a second link to the source\'s file, which a later put or delete of either key leaves alone', async () => {
    await store.put('jobs/j/model.tar.gz', 'first');
    const copy = await store.copy('jobs/j/model.tar.gz', 'models/m/model.tar.gz');
    const inode = async (key: string) => (await stat(path.join(root, key))).ino;
    expect(await inode('models/m/model.tar.gz')).toBe(await inode('jobs/j/model.tar.gz'));
    await store.put('jobs/j/model.tar.gz', 'second');
    expect((await readAll(await store.get('models/m/model.tar.gz'))).toString()).toBe('first');
    await store.copy('jobs/j/model.tar.gz', 'models/n/model.tar.gz');
    await store.delete('jobs/j/model.tar.gz');
    expect((await readAll(await store.get('models/n/model.tar.gz'))).toString()).toBe('second');
    expect(await store.head('models/m/model.tar.gz')).toEqual(copy);
    expect(await tmpFiles()).toEqual([]);
  });

  it('creates the root folder and rejects URLs that are not file URLs', async () => {
    const nested = path.join(root, 'new', 'store');
    const s = await createFileArtifactStore(pathToFileURL(nested).href);
    await s.put('k', 'v');
    expect(existsSync(path.join(nested, 'k'))).toBe(true);
    await expectCode(createFileArtifactStore('/not/a/url'), 'ORCH_CONFIG_INVALID');
    await expectCode(createFileArtifactStore('s3://bucket/x'), 'ORCH_CONFIG_INVALID');
  });
});

describe('openArtifactStore', () => {
  it('opens a file: URL', async () => {
    const root = await tempDir();
    try {
      const store = await openArtifactStore({ artifactsUrl: pathToFileURL(root).href, s3Endpoint: undefined, s3Region: 'us-east-1' });
      expect((await store.put('k', 'v')).size).toBe(1);
      await store.close();
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });

  it('refuses an unknown scheme, listing the known ones', async () => {
    const err = await expectCode(
      openArtifactStore({ artifactsUrl: 'gs://bucket/x', s3Endpoint: undefined, s3Region: 'us-east-1' }),
      'ORCH_CONFIG_UNKNOWN_SCHEME',
    );
    expect(err.message).toContain('gs:');
    expect(err.message).toContain('file:, s3:');
    await expectCode(openArtifactStore({ artifactsUrl: 'not a url', s3Endpoint: undefined, s3Region: 'x' }), 'ORCH_CONFIG_INVALID');
  });
});
