import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { setImmediate as tick } from 'node:timers/promises';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ArtifactStore } from './artifact-store.js';

/**
 * Direct access to what a store keeps, by path relative to the store root
 * (`a/b` for data, `.orchard/meta/a/b.json` for records, `.orchard/tmp/…`).
 * Lets the suite corrupt content and check that a failed write left nothing.
 */
export interface RawStoreAccess {
  /** Every file or object under the store root, sorted. */
  list(): Promise<string[]>;
  write(path: string, content: Buffer): Promise<void>;
  remove(path: string): Promise<void>;
}

/** What a factory gives the suite: a fresh, empty store per test. */
export interface ArtifactStoreHarness {
  store: ArtifactStore;
  cleanup(): Promise<void>;
  /** When absent, the cases that need it are skipped (and say so). */
  raw?: RawStoreAccess;
  /** Why there is no raw access, shown on each case skipped for it. */
  noRawReason?: string;
}

/**
 * The behaviour every `ArtifactStore` implementation must have. Call it from the
 * implementation's test file; `factory` runs before each case.
 *
 * @example
 * describeArtifactStoreContract('file', async () => {
 *   const dir = await mkdtemp(...);
 *   return { store: await createFileArtifactStore(pathToFileURL(dir).href), cleanup: () => rm(dir, ...) };
 * });
 */
export function describeArtifactStoreContract(
  name: string,
  factory: () => Promise<ArtifactStoreHarness>,
): void {
  describe(`ArtifactStore contract: ${name}`, () => {
    let h: ArtifactStoreHarness;
    let store: ArtifactStore;
    beforeEach(async () => {
      h = await factory();
      store = h.store;
    });
    afterEach(async () => {
      await store.close();
      await h.cleanup();
    });
    const withRaw = (title: string, body: (raw: RawStoreAccess) => Promise<void>) =>
      it(title, async (ctx) => {
        if (!h.raw) return ctx.skip(h.noRawReason ?? 'the harness gives no raw access to this backend');
        await body(h.raw);
      });

    it('stores Buffer, string and stream bodies and returns their info', async () => {
      const bytes = Buffer.from('hello, orchard');
      const info = await store.put('a/buf.bin', bytes);
      expect(info).toEqual({ key: 'a/buf.bin', size: bytes.length, sha256: sha256(bytes), createdAt: expect.any(String) });
      expect(new Date(info.createdAt).toISOString()).toBe(info.createdAt);
      expect(await store.head('a/buf.bin')).toEqual(info);
      expect(await readAll(await store.get('a/buf.bin'))).toEqual(bytes);

      const text = await store.put('a/text.txt', 'grüße ✓');
      expect(text.size).toBe(Buffer.byteLength('grüße ✓'));
      expect((await readAll(await store.get('a/text.txt'))).toString('utf8')).toBe('grüße ✓');

      const chunks = [Buffer.from('one '), Buffer.from('two '), Buffer.from('three')];
      const streamed = await store.put('a/stream.bin', Readable.from(chunks));
      expect(streamed.sha256).toBe(sha256(Buffer.concat(chunks)));
      expect(await readAll(await store.get('a/stream.bin'))).toEqual(Buffer.concat(chunks));
    });

    it('stores empty content as a valid object', async () => {
      const info = await store.put('empty', Buffer.alloc(0));
      expect(info).toMatchObject({ size: 0, sha256: sha256(Buffer.alloc(0)) });
      expect((await readAll(await store.get('empty'))).length).toBe(0);
      expect(await store.put('empty-stream', Readable.from([]))).toMatchObject({ size: 0 });
      expect((await store.list()).map((i) => i.key)).toEqual(['empty', 'empty-stream']);
    });

    it('streams a large body produced lazily, and reads it back verified', async () => {
      const { stream, digest, size } = generated(6 * 1024 * 1024 + 123);
      const info = await store.put('big/blob.bin', stream, { expectedSize: size });
      expect(info).toMatchObject({ size, sha256: digest() });
      const back = createHash('sha256');
      for await (const chunk of await store.get('big/blob.bin')) back.update(chunk as Buffer);
      expect(back.digest('hex')).toBe(digest());
    });

    it('normalises keys and accepts unusual but valid characters', async () => {
      const info = await store.put('a//b/./c', 'x');
      expect(info.key).toBe('a/b/c');
      expect(await store.head('a/b/c')).toMatchObject({ key: 'a/b/c' });
      expect((await readAll(await store.get('a//b/c'))).toString()).toBe('x');
      expect((await store.put('dir/ä b+c (1).txt', 'y')).key).toBe('dir/ä b+c (1).txt');
      expect((await readAll(await store.get('dir/%C3%A4%20b+c%20(1).txt'))).toString()).toBe('y');
    });

    it('refuses invalid keys on every method', async () => {
      const bad = ['../x', 'a/../../x', '/etc/passwd', '%2e%2e/x', 'a\\b', 'a\0b', '.orchard/meta/x', '.Orchard/meta/x', ''];
      for (const key of bad) {
        await expectCode(store.put(key, 'x'), 'ORCH_ARTIFACT_INVALID_KEY', key);
        await expectCode(store.get(key), 'ORCH_ARTIFACT_INVALID_KEY', key);
        await expectCode(store.head(key), 'ORCH_ARTIFACT_INVALID_KEY', key);
        await expectCode(store.delete(key), 'ORCH_ARTIFACT_INVALID_KEY', key);
        if (key === '') continue; // the empty prefix means "everything"
        await expectCode(store.list(key), 'ORCH_ARTIFACT_INVALID_KEY', key);
        await expectCode(store.deletePrefix(key), 'ORCH_ARTIFACT_INVALID_KEY', key);
      }
      expect(await store.list()).toEqual([]);
    });

    it('treats an absent key as absent, and deletes idempotently', async () => {
      expect(await store.head('nope')).toBeUndefined();
      await expectCode(store.get('nope'), 'ORCH_ARTIFACT_NOT_FOUND');
      await store.delete('nope');
      await store.put('k', 'v');
      await store.delete('k');
      await store.delete('k');
      expect(await store.head('k')).toBeUndefined();
      await expectCode(store.get('k'), 'ORCH_ARTIFACT_NOT_FOUND');
      expect(await store.list()).toEqual([]);
    });

    it('replaces an object on overwrite', async () => {
      await store.put('m/model.bin', 'first version');
      const second = await store.put('m/model.bin', 'v2');
      expect(await store.head('m/model.bin')).toEqual(second);
      expect((await readAll(await store.get('m/model.bin'))).toString()).toBe('v2');
      expect(await store.list('m')).toEqual([second]);
    });

    it('lets a key turn from a folder into an object and back after deletes', async () => {
      await store.put('p/q', '1');
      await store.delete('p/q');
      await store.put('p', '2');
      expect((await readAll(await store.get('p'))).toString()).toBe('2');
      await store.delete('p');
      await store.put('p/q', '3');
      expect((await store.list()).map((i) => i.key)).toEqual(['p/q']);
    });

    it('copies an object inside the store with its size and sha256, replacing the target', async () => {
      const body = Buffer.from('a model archive');
      const source = await store.put('jobs/j1/output/model.tar.gz', body);
      await store.put('models/m/ä b (1).tar.gz', 'an older object');
      const copy = await store.copy('jobs/j1/output/model.tar.gz', 'models//m/ä b (1).tar.gz', { expectedSha256: source.sha256 });
      expect(copy).toEqual({ key: 'models/m/ä b (1).tar.gz', size: body.length, sha256: source.sha256, createdAt: expect.any(String) });
      expect(await store.head('models/m/ä b (1).tar.gz')).toEqual(copy);
      expect(await readAll(await store.get('models/m/ä b (1).tar.gz'))).toEqual(body);
      // The source is untouched, and a copy onto itself writes nothing.
      expect(await store.head('jobs/j1/output/model.tar.gz')).toEqual(source);
      expect(await store.copy('jobs/j1/output/model.tar.gz', 'jobs/j1/output/model.tar.gz')).toEqual(source);
    });

    it('refuses a copy of an absent source, or of one that changed since it was looked at, writing nothing', async () => {
      await expectCode(store.copy('missing', 'target'), 'ORCH_ARTIFACT_NOT_FOUND');
      const first = await store.put('src', 'first');
      await store.put('src', 'second');
      const err = await expectCode(store.copy('src', 'target', { expectedSha256: first.sha256 }), 'ORCH_ARTIFACT_CHECKSUM_MISMATCH');
      expect(err.message).toMatch(/changed/);
      expect(await store.head('target')).toBeUndefined();
      expect((await store.list()).map((i) => i.key)).toEqual(['src']);
    });

    it('accepts matching expectedSize and expectedSha256', async () => {
      const body = Buffer.from('checked');
      const info = await store.put('ok', body, { expectedSize: body.length, expectedSha256: sha256(body).toUpperCase() });
      expect(info.sha256).toBe(sha256(body));
    });

    withRaw('fails a write whose size or sha256 differs from the expectation, leaving nothing', async (raw) => {
      const before = await raw.list();
      const body = Buffer.from('twelve bytes');
      const cases = [
        { expectedSize: body.length + 1 },
        { expectedSize: body.length - 1 },
        { expectedSha256: sha256(Buffer.from('other')) },
      ];
      for (const options of cases) {
        const err = await expectCode(store.put('exp/x', Readable.from([body]), options), 'ORCH_ARTIFACT_WRITE_FAILED');
        expect(err.message).toMatch(/expectedSize|expectedSha256/);
        expect(await store.head('exp/x')).toBeUndefined();
        await expectCode(store.get('exp/x'), 'ORCH_ARTIFACT_NOT_FOUND');
        expect(await raw.list()).toEqual(before);
      }
    });

    it('keeps the previous object when an overwrite fails its expectation', async () => {
      const old = await store.put('keep', 'old content');
      await expectCode(store.put('keep', 'new content', { expectedSha256: sha256(Buffer.from('x')) }), 'ORCH_ARTIFACT_WRITE_FAILED');
      expect(await store.head('keep')).toEqual(old);
      expect((await readAll(await store.get('keep'))).toString()).toBe('old content');
    });

    withRaw('fails a write whose body stream errors midway, leaving nothing', async (raw) => {
      const before = await raw.list();
      const body = new Readable({ read() {} });
      const put = store.put('broken/x', body);
      body.push(Buffer.alloc(64 * 1024, 1));
      await tick();
      body.destroy(new Error('network reset'));
      const err = await expectCode(put, 'ORCH_ARTIFACT_WRITE_FAILED');
      expect(err.message).toContain('network reset');
      expect(await store.head('broken/x')).toBeUndefined();
      expect(await store.list()).toEqual([]);
      expect(await raw.list()).toEqual(before);
    });

    withRaw('keeps each record at .orchard/meta/<key>.json and counts an object without one as absent', async (raw) => {
      await store.put('r/one', '1');
      await store.put('r/two', '2');
      expect(await raw.list()).toEqual(['.orchard/meta/r/one.json', '.orchard/meta/r/two.json', 'r/one', 'r/two']);
      await raw.remove('.orchard/meta/r/one.json');
      expect(await store.head('r/one')).toBeUndefined();
      await expectCode(store.get('r/one'), 'ORCH_ARTIFACT_NOT_FOUND');
      expect((await store.list()).map((i) => i.key)).toEqual(['r/two']);
      await raw.remove('r/two');
      await expectCode(store.get('r/two'), 'ORCH_ARTIFACT_NOT_FOUND');
    });

    withRaw('fails the read stream with ORCH_ARTIFACT_CHECKSUM_MISMATCH when stored bytes were changed', async (raw) => {
      await store.put('t/model.bin', 'the real model bytes');
      await raw.write('t/model.bin', Buffer.from('the fake model bytes')); // same size
      await expect(readAll(await store.get('t/model.bin'))).rejects.toMatchObject({ code: 'ORCH_ARTIFACT_CHECKSUM_MISMATCH' });
      // verify: false hands out the stored bytes as they are.
      expect((await readAll(await store.get('t/model.bin', { verify: false }))).toString()).toBe('the fake model bytes');

      await raw.write('t/model.bin', Buffer.from('the real model bytes, and more'));
      await expect(readAll(await store.get('t/model.bin'))).rejects.toMatchObject({ code: 'ORCH_ARTIFACT_CHECKSUM_MISMATCH' });
      await raw.write('t/model.bin', Buffer.from('short'));
      await expect(readAll(await store.get('t/model.bin'))).rejects.toMatchObject({ code: 'ORCH_ARTIFACT_CHECKSUM_MISMATCH' });
    });

    it('lists by folder prefix, sorted, without its own records', async () => {
      for (const key of ['b', 'ab/x', 'a/y/z', 'a/x']) await store.put(key, key);
      const keys = async (prefix?: string) => (await store.list(prefix)).map((i) => i.key);
      expect(await keys()).toEqual(['a/x', 'a/y/z', 'ab/x', 'b']);
      expect(await keys('')).toEqual(['a/x', 'a/y/z', 'ab/x', 'b']);
      expect(await keys('a')).toEqual(['a/x', 'a/y/z']);
      expect(await keys('a/')).toEqual(['a/x', 'a/y/z']);
      expect(await keys('a/y')).toEqual(['a/y/z']);
      expect(await keys('a/x')).toEqual([]); // an object is not a folder
      expect(await keys('nothing')).toEqual([]);
      const all = await store.list();
      expect(all.every((i) => !i.key.startsWith('.orchard'))).toBe(true);
      expect(all[0]).toEqual(await store.head('a/x'));
    });

    it('deletes everything under a folder prefix and nothing else', async () => {
      for (const key of ['a/x', 'a/y/z', 'ab/x', 'b']) await store.put(key, key);
      await store.deletePrefix('a');
      expect((await store.list()).map((i) => i.key)).toEqual(['ab/x', 'b']);
      await expectCode(store.get('a/y/z'), 'ORCH_ARTIFACT_NOT_FOUND');
      await store.deletePrefix('a'); // again: nothing to do
      await store.put('x', 'object x');
      await store.deletePrefix('x'); // an object is not a folder
      await store.deletePrefix('x.json'); // nor is its record (where a store keeps one beside it)
      expect((await store.list()).map((i) => i.key)).toEqual(['ab/x', 'b', 'x']);
      expect((await readAll(await store.get('x'))).toString()).toBe('object x');
      await store.deletePrefix('');
      expect(await store.list()).toEqual([]);
      await store.put('after', 'still works');
      expect((await store.list()).map((i) => i.key)).toEqual(['after']);
    });

    withRaw('leaves no data behind after deletes', async (raw) => {
      for (const key of ['a/x', 'a/y/z', 'b']) await store.put(key, key);
      await store.delete('b');
      await store.deletePrefix('a');
      expect((await raw.list()).filter((p) => !p.startsWith('.orchard/tmp/'))).toEqual([]);
    });

    it('keeps one whole content when two puts to the same key race', async () => {
      const size = 3 * 1024 * 1024;
      const a = generated(size, 1);
      const b = generated(size, 2);
      const [ia, ib] = await Promise.all([store.put('race', a.stream), store.put('race', b.stream)]);
      expect(ia.sha256).toBe(a.digest());
      expect(ib.sha256).toBe(b.digest());
      const info = await store.head('race');
      expect([a.digest(), b.digest()]).toContain(info?.sha256);
      const content = await readAll(await store.get('race'));
      expect(sha256(content)).toBe(info?.sha256);
    });

    it('closes', async () => {
      await store.put('c', 'x');
      await expect(store.close()).resolves.toBeUndefined();
    });
  });
}

/** Reads a stream to the end; rejects with the stream's error. */
export async function readAll(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as string));
  return Buffer.concat(chunks);
}

export function sha256(bytes: Buffer): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** Asserts that `promise` rejects with an error of `code`, and returns that error. */
export async function expectCode(promise: Promise<unknown>, code: string, label?: string): Promise<Error> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e as Error & { code?: string },
  );
  expect(err, `expected ${code}${label === undefined ? '' : ` for ${JSON.stringify(label)}`}`).toMatchObject({ code });
  return err as Error;
}

/**
 * A stream of `size` pseudo-random bytes made 64 KiB at a time (never held whole),
 * yielding to the event loop between chunks so that concurrent writers interleave.
 */
export function generated(size: number, seed = 7): { stream: Readable; size: number; digest(): string } {
  const hash = createHash('sha256');
  let digest: string | undefined;
  async function* chunks() {
    let state = seed;
    for (let sent = 0; sent < size; ) {
      const chunk = Buffer.allocUnsafe(Math.min(64 * 1024, size - sent));
      for (let i = 0; i < chunk.length; i++) {
        state = (state * 1103515245 + 12345) >>> 0; // LCG: cheap, deterministic bytes
        chunk[i] = state >>> 24;
      }
      hash.update(chunk);
      sent += chunk.length;
      yield chunk;
      await tick();
    }
    digest = hash.digest('hex');
  }
  return {
    stream: Readable.from(chunks(), { objectMode: false }),
    size,
    digest: () => {
      if (digest === undefined) throw new Error('the stream has not been read to the end');
      return digest;
    },
  };
}
