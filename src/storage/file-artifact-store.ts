import { randomUUID } from 'node:crypto';
import type { FileHandle } from 'node:fs/promises';
import { constants as fsConstants } from 'node:fs';
import { copyFile, link, lstat, mkdir, open, readFile, readdir, realpath, rename, rm, rmdir, stat, unlink } from 'node:fs/promises';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { fileURLToPath } from 'node:url';
import { OrchardError } from '../core/index.js';
import type { ArtifactInfo, ArtifactStore, CopyOptions, GetOptions, PutOptions } from './artifact-store.js';
import { KeyedMutex, byInfoKey, copySource, encodeRecord, errorCode, meteredBody, notFound, parseRecord, verifiedStream, writeFailed } from './artifact-io.js';
import { RESERVED_PREFIX, normalizeKey, normalizePrefix } from './keys.js';

/** Temp files older than this are left over from a crashed writer and removed on open. */
const STALE_TEMP_MS = 24 * 60 * 60 * 1000;
/** NAME_MAX on common file systems, less room for the record's `.json` suffix. */
const MAX_SEGMENT_BYTES = 250;

/**
 * Opens an artifact store in a local folder, for `file:///absolute/dir` URLs. The
 * folder is created if missing.
 *
 * Layout: the object `a/b` is the file `<root>/a/b`; its record (size, sha256,
 * createdAt) is `<root>/.orchard/meta/a/b.json`. Writes stream into
 * `<root>/.orchard/tmp/<random>`, are fsynced, then renamed into place (data first,
 * then the record), so a reader never sees a partial object and an object without a
 * record counts as absent.
 *
 * Keys are refused (`ORCH_ARTIFACT_INVALID_KEY`) when an existing component of their
 * path is a symbolic link that leads outside the root or into `.orchard`.
 *
 * @example
 * const store = await createFileArtifactStore('file:///var/lib/orchard/artifacts');
 * await store.put('models/m1/model.tar.gz', fs.createReadStream('model.tar.gz'));
 */
export async function createFileArtifactStore(url: string): Promise<ArtifactStore> {
  const root = await openRoot(url);
  const reserved = path.join(root, RESERVED_PREFIX);
  const metaRoot = path.join(reserved, 'meta');
  const tmpRoot = path.join(reserved, 'tmp');
  await mkdir(metaRoot, { recursive: true });
  await mkdir(tmpRoot, { recursive: true });
  for (const dir of [reserved, metaRoot, tmpRoot]) {
    // Temp files are created here and renamed into the root: a link here would let
    // writes land elsewhere, so the reserved folders must be plain directories.
    const st = await lstat(dir);
    if (!st.isDirectory()) {
      throw new OrchardError('ORCH_CONFIG_INVALID', {
        message: `Artifact store folder ${dir} must be a directory, not a link or file`,
      });
    }
  }
  await removeStaleTemps(tmpRoot);
  // In-process writers of one key commit (data rename + record rename) one at a time,
  // and readers take the record and open the data under the same lock, so they
  // never pair a new record with old data or the reverse.
  const locks = new KeyedMutex();

  /** Validates a key or prefix and returns its data and record paths, checked for links. */
  async function resolve(key: string): Promise<{ data: string; record: string; meta: string }> {
    const segments = key ? key.split('/') : [];
    if (segments.some((s) => Buffer.byteLength(s) > MAX_SEGMENT_BYTES)) {
      throw new OrchardError('ORCH_ARTIFACT_INVALID_KEY', {
        message: `Invalid artifact key: a segment is longer than ${MAX_SEGMENT_BYTES} bytes`,
        details: { key: key.slice(0, 200) },
      });
    }
    const data = path.join(root, ...segments);
    const meta = path.join(metaRoot, ...segments);
    await assertNoEscapingLink(root, data, key, (real) => inside(real, root) && !inside(real, reserved));
    await assertNoEscapingLink(root, meta, key, (real) => inside(real, metaRoot));
    return { data, record: `${meta}.json`, meta };
  }

  async function readInfo(key: string, recordPath: string): Promise<ArtifactInfo | undefined> {
    try {
      return parseRecord(key, await readFile(recordPath));
    } catch (err) {
      if (isMissing(err)) return undefined;
      throw err;
    }
  }

  async function commit(key: string, tmpData: string, tmpRecord: string, data: string, record: string) {
    await mkdir(path.dirname(record), { recursive: true });
    await mkdir(path.dirname(data), { recursive: true });
    await locks.run(key, async () => {
      // Checked before the data moves: once it has, a failing record rename would
      // leave the new bytes under the old record.
      if (await isDirectory(record)) {
        throw writeFailed(key, `its record path is taken by a folder (a key '${key}.json/…' exists)`);
      }
      // Replacing an object: its old record goes first, so a process killed between the two
      // renames leaves the object absent, never new bytes under the old record (which would
      // read as corrupt).
      if (await unlinkQuiet(record)) await fsyncDir(path.dirname(record));
      await renameInto(tmpData, data);
      try {
        await renameInto(tmpRecord, record);
      } catch (err) {
        await unlinkQuiet(record);
        await unlinkQuiet(data);
        throw err;
      }
    }).catch(async (err: unknown) => {
      // Folders made for this key only would otherwise stand in the way of later keys.
      await pruneEmptyParents(path.dirname(record), metaRoot);
      await pruneEmptyParents(path.dirname(data), root);
      throw err;
    });
    await fsyncDir(path.dirname(data));
    await fsyncDir(path.dirname(record));
  }

  /**
   * Writes the object `key` through a temp file: `fill` writes the data there (fsynced) and
   * gives its size and sha256; the record follows, and both move into place. A failure
   * leaves nothing behind and is reported as the store's own error.
   */
  async function writeObject(key: string, fill: (tmpData: string) => Promise<{ size: number; sha256: string }>): Promise<ArtifactInfo> {
    const tmpData = path.join(tmpRoot, randomUUID());
    const tmpRecord = path.join(tmpRoot, `${randomUUID()}.json`);
    try {
      const { data, record } = await resolve(key);
      const { size, sha256 } = await fill(tmpData);
      const info: ArtifactInfo = { key, size, sha256, createdAt: new Date().toISOString() };
      await writeDurably(tmpRecord, encodeRecord(info));
      await commit(key, tmpData, tmpRecord, data, record);
      return info;
    } catch (err) {
      await rm(tmpData, { force: true }).catch(() => {});
      await rm(tmpRecord, { force: true }).catch(() => {});
      if (err instanceof OrchardError) throw err;
      throw writeFailed(key, describe(err), err);
    }
  }

  const store: ArtifactStore = {
    url,

    async put(rawKey: string, body: Readable | Buffer | string, options: PutOptions = {}): Promise<ArtifactInfo> {
      const { key, meter } = meteredBody(rawKey, body, options);
      try {
        return await writeObject(key, async (tmpData) => {
          const out = await open(tmpData, 'wx');
          try {
            await pipeline(meter, async (chunks: AsyncIterable<Buffer>) => {
              for await (const chunk of chunks) await writeFully(out, chunk);
            });
            await out.sync();
          } finally {
            await out.close();
          }
          return { size: meter.byteCount, sha256: meter.sha256 };
        });
      } catch (err) {
        meter.destroy(); // a no-op once the body was read to its end
        throw err;
      }
    },

    async get(rawKey: string, options: GetOptions = {}): Promise<Readable> {
      const key = normalizeKey(rawKey);
      const { data, record } = await resolve(key);
      const { info, handle } = await locks.run(key, async () => {
        const info = await readInfo(key, record);
        if (!info) throw notFound(key);
        let handle: FileHandle;
        try {
          handle = await open(data, 'r');
        } catch (err) {
          if (isMissing(err)) throw notFound(key);
          throw err;
        }
        if (!(await handle.stat()).isFile()) {
          await handle.close();
          throw notFound(key);
        }
        return { info, handle };
      });
      // Reads of up to 1 MiB: large artifacts (models, dataset files) pass the checksum and
      // whatever consumes them (gunzip, tar) in a sixteenth of the chunks of the 64 KiB default.
      // Each read allocates its whole buffer, so a small object keeps the default's size.
      const source = handle.createReadStream({ highWaterMark: Math.min(1 << 20, Math.max(64 * 1024, info.size)) });
      return options.verify === false ? source : verifiedStream(source, info);
    },

    async copy(rawFrom: string, rawTo: string, options: CopyOptions = {}): Promise<ArtifactInfo> {
      const from = normalizeKey(rawFrom);
      const key = normalizeKey(rawTo);
      const source = await resolve(from);
      // Onto itself: nothing to write.
      if (from === key) return copySource(from, await readInfo(from, source.record), options.expectedSha256);
      return writeObject(key, async (tmpData) => {
        // The record and the bytes are read under the source's lock, as get reads them. The
        // copy is a second link to the source's file where the file system allows: an object's
        // file is never written in place (a put or copy renames a new file over it, a delete
        // unlinks it), so the two keys cannot diverge, and the bytes, made durable by the
        // source's own write, are neither copied nor synced again. Else a copy, which may share
        // blocks with the source (a reflink) where the file system can.
        const found = await locks.run(from, async () => {
          const info = copySource(from, await readInfo(from, source.record), options.expectedSha256);
          const missing = (err: unknown) => {
            if (isMissing(err)) throw notFound(from);
            throw err;
          };
          const linked = await link(source.data, tmpData).then(
            () => true,
            (err: unknown) => (isMissing(err) ? missing(err) : false),
          );
          if (!linked) await copyFile(source.data, tmpData, fsConstants.COPYFILE_FICLONE).catch(missing);
          return info;
        });
        const handle = await open(tmpData, 'r+');
        try {
          if ((await handle.stat()).size !== found.size) throw writeFailed(key, `its source '${from}' is not the size its record says`);
          await handle.sync();
        } finally {
          await handle.close();
        }
        return found;
      });
    },

    async head(rawKey: string): Promise<ArtifactInfo | undefined> {
      const key = normalizeKey(rawKey);
      const { record } = await resolve(key);
      return readInfo(key, record);
    },

    async list(rawPrefix?: string): Promise<ArtifactInfo[]> {
      const prefix = normalizePrefix(rawPrefix);
      const { meta } = await resolve(prefix);
      const found: ArtifactInfo[] = [];
      for await (const file of walkRecords(meta)) {
        const rel = path.relative(metaRoot, file).split(path.sep).join('/');
        const key = rel.slice(0, -'.json'.length);
        const info = await readInfo(key, file);
        if (info) found.push(info);
      }
      return found.sort(byInfoKey);
    },

    async delete(rawKey: string): Promise<void> {
      const key = normalizeKey(rawKey);
      const { data, record } = await resolve(key);
      await locks.run(key, async () => {
        // Record first: from that moment the object is absent, whatever happens next.
        await unlinkQuiet(record);
        await unlinkQuiet(data);
      });
      await pruneEmptyParents(path.dirname(record), metaRoot);
      await pruneEmptyParents(path.dirname(data), root);
    },

    async deletePrefix(rawPrefix: string): Promise<void> {
      const prefix = normalizePrefix(rawPrefix);
      const { data, meta } = await resolve(prefix);
      if (!prefix) {
        await clearFolder(metaRoot);
        await clearFolder(root, RESERVED_PREFIX);
        return;
      }
      // Folders only: a file here is an object named like the prefix (`a/x` for the
      // prefix `a/x`), or another key's record (`meta/x.json` for the prefix `x.json`).
      // fs.rm removes links themselves and never follows them into their targets.
      if (await isDirectory(meta)) await rm(meta, { recursive: true, force: true });
      if (await isDirectory(data)) await rm(data, { recursive: true, force: true });
      await pruneEmptyParents(path.dirname(meta), metaRoot);
      await pruneEmptyParents(path.dirname(data), root);
    },

    async close(): Promise<void> {
      // Nothing is held open between calls.
    },
  };
  return store;
}

async function openRoot(url: string): Promise<string> {
  let dir: string;
  try {
    const parsed = new URL(url);
    if (parsed.protocol !== 'file:') throw new Error(`not a file: URL`);
    if (parsed.search || parsed.hash) throw new Error('query and fragment are not allowed');
    dir = fileURLToPath(parsed);
  } catch (err) {
    throw new OrchardError('ORCH_CONFIG_INVALID', {
      message: `Invalid artifacts URL for the file store (expected file:///absolute/folder): ${describe(err)}`,
      cause: err,
    });
  }
  await mkdir(dir, { recursive: true });
  // Resolved once: every later containment check compares real paths against this.
  return realpath(dir);
}

/**
 * Walks `target` from `root` down and refuses the key when an existing component
 * is a link whose real path fails `allowed` (or that dangles: it could later be
 * made to point anywhere). Components that do not exist yet are created by us as
 * plain folders. A link swapped in between this check and the use is not caught;
 * the store assumes nobody else writes links into its root concurrently.
 */
async function assertNoEscapingLink(root: string, target: string, key: string, allowed: (real: string) => boolean) {
  let current = root;
  for (const segment of path.relative(root, target).split(path.sep)) {
    if (!segment) continue;
    current = path.join(current, segment);
    let st;
    try {
      st = await lstat(current);
    } catch (err) {
      if (isMissing(err)) return;
      throw err;
    }
    if (!st.isSymbolicLink()) continue;
    const real = await realpath(current).catch(() => undefined);
    if (real === undefined || !allowed(real)) {
      throw new OrchardError('ORCH_ARTIFACT_INVALID_KEY', {
        message: 'Invalid artifact key: it passes through a link that leaves the store',
        details: { key: key.slice(0, 200) },
      });
    }
  }
}

function inside(candidate: string, base: string): boolean {
  return candidate === base || candidate.startsWith(base + path.sep);
}

/** Record files under `dir`; links are skipped, not followed. */
async function* walkRecords(dir: string): AsyncGenerator<string> {
  let entries;
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch (err) {
    if (isMissing(err)) return;
    throw err;
  }
  for (const entry of entries) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) yield* walkRecords(full);
    else if (entry.isFile() && entry.name.endsWith('.json')) yield full;
  }
}

async function renameInto(from: string, to: string): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await rename(from, to);
    } catch (err) {
      // A concurrent delete may prune the parent we just created; make it again.
      if (errorCode(err) !== 'ENOENT' || attempt >= 3) throw err;
      await mkdir(path.dirname(to), { recursive: true });
    }
  }
}

async function writeFully(handle: FileHandle, chunk: Buffer): Promise<void> {
  for (let offset = 0; offset < chunk.length; ) {
    offset += (await handle.write(chunk, offset, chunk.length - offset)).bytesWritten;
  }
}

async function writeDurably(file: string, bytes: Buffer): Promise<void> {
  const handle = await open(file, 'wx');
  try {
    await handle.writeFile(bytes);
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** Makes a rename durable; some platforms cannot fsync a folder, which is tolerated. */
async function fsyncDir(dir: string): Promise<void> {
  try {
    const handle = await open(dir, 'r');
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  } catch {
    // best effort
  }
}

/** Removes a file if it is there; true when it was. */
async function unlinkQuiet(file: string): Promise<boolean> {
  try {
    await unlink(file);
    return true;
  } catch (err) {
    // EISDIR/EPERM: the path is a folder of other keys, not an object of this one.
    if (!['ENOENT', 'ENOTDIR', 'EISDIR', 'EPERM'].includes(errorCode(err) ?? '')) throw err;
    return false;
  }
}

/**
 * Removes now-empty folders from `dir` up to (not including) `stop`, so that a key
 * which was a folder can become an object again.
 */
async function pruneEmptyParents(dir: string, stop: string): Promise<void> {
  while (dir !== stop && inside(dir, stop)) {
    try {
      await rmdir(dir);
    } catch {
      return; // not empty, or gone already
    }
    dir = path.dirname(dir);
  }
}

async function clearFolder(dir: string, keep?: string): Promise<void> {
  for (const name of await readdir(dir)) {
    if (name !== keep) await rm(path.join(dir, name), { recursive: true, force: true });
  }
}

async function removeStaleTemps(tmpRoot: string): Promise<void> {
  // Only old files: another process (a worker) may be writing into this store now.
  const cutoff = Date.now() - STALE_TEMP_MS;
  for (const name of await readdir(tmpRoot).catch(() => [] as string[])) {
    const file = path.join(tmpRoot, name);
    const st = await stat(file).catch(() => undefined);
    if (st && st.mtimeMs < cutoff) await rm(file, { force: true }).catch(() => undefined);
  }
}

async function isDirectory(target: string): Promise<boolean> {
  return (await lstat(target).catch(() => undefined))?.isDirectory() ?? false;
}

function isMissing(err: unknown): boolean {
  return ['ENOENT', 'ENOTDIR', 'EISDIR'].includes(errorCode(err) ?? '');
}

function describe(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
