/**
 * Getting a model's files onto local disk: validating an artifact before it becomes a
 * model, and unpacking a model for a model server or a batch transform (cached by the
 * artifact's sha256, so every instance on a machine shares one unpacked copy).
 */
import { randomUUID } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import zlib from 'node:zlib';
import { Readable } from 'node:stream';
import { finished, pipeline } from 'node:stream/promises';
import * as tar from 'tar';
import { registerBuiltins, getAlgorithm } from '../algorithms/index.js';
import { OrchardError } from '../core/index.js';
import type { ArtifactStore } from '../storage/index.js';
import type { ModelFormat } from './types.js';

/** The file an ONNX model is stored as, in its folder. */
export { ONNX_FILE } from '../contracts/registry.values.js';
import { ONNX_FILE } from '../contracts/registry.values.js';

/** An inference pipeline's fitted recipe: stored beside the model, and in its unpacked folder. */
export const RECIPE_FILE = 'recipe.json';
/** Its name in an unpacked folder (hidden, so it cannot meet a file of the model's archive). */
export const UNPACKED_RECIPE_FILE = '.orchard-recipe.json';

/** What `materializeModel` needs of a model. */
export interface ModelFiles {
  format: ModelFormat;
  algorithm: string | null;
  artifactKey: string;
  sha256: string;
  /** An inference pipeline's fitted recipe, unpacked beside the model as UNPACKED_RECIPE_FILE. */
  recipe?: { artifactKey: string; sha256: string } | null;
}

/**
 * Downloads and unpacks a model into `cacheDir/<sha256>` (once; concurrent callers on
 * one machine share the result) and returns that folder: the unpacked model.tar.gz for
 * a built-in, or a folder holding `model.onnx`.
 */
export async function materializeModel(artifacts: ArtifactStore, model: ModelFiles, cacheDir: string): Promise<string> {
  // A pipeline's folder is its own: the same model without the recipe shares nothing with it.
  const dir = path.join(cacheDir, model.recipe ? `${model.sha256}-${model.recipe.sha256}` : model.sha256);
  if (await exists(path.join(dir, '.complete'))) return dir;
  // Shards of one job start together: in this process they wait for one unpacking rather than each unpacking a copy.
  let pending = unpacking.get(dir);
  if (!pending) {
    pending = materializeOnce(artifacts, model, cacheDir, dir).finally(() => unpacking.delete(dir));
    unpacking.set(dir, pending);
  }
  return pending;
}

/**
 * Puts a model already unpacked (by `models create`'s check) into `cacheDir` as
 * `materializeModel` would have, so a transform or endpoint on this machine starts without
 * downloading and unpacking it again. The folder is moved (it must be on the cache's file
 * system; otherwise nothing happens) and written `.complete` first, so a reader never sees
 * half of it. A model with a recipe has its own folder and is not seeded. Best effort:
 * the cache is only a cache.
 */
export async function seedModelCache(model: ModelFiles, unpacked: string, cacheDir: string): Promise<boolean> {
  if (model.recipe) return false;
  const dir = path.join(cacheDir, model.sha256);
  try {
    if (await exists(path.join(dir, '.complete'))) return false;
    await fs.mkdir(cacheDir, { recursive: true });
    await fs.writeFile(path.join(unpacked, '.complete'), '');
    await fs.rename(unpacked, dir);
    return true;
  } catch {
    await fs.rm(path.join(unpacked, '.complete'), { force: true }).catch(() => undefined);
    return false;
  }
}

/** Unpackings under way in this process, by folder. */
const unpacking = new Map<string, Promise<string>>();

async function materializeOnce(artifacts: ArtifactStore, model: ModelFiles, cacheDir: string, dir: string): Promise<string> {
  await fs.mkdir(cacheDir, { recursive: true });
  const staging = `${dir}.${randomUUID()}.tmp`;
  try {
    await unpackInto(artifacts, model, staging);
    await fs.writeFile(path.join(staging, '.complete'), '');
    await fs.rename(staging, dir).catch(async (err: NodeJS.ErrnoException) => {
      // Another caller finished first: its copy is identical (same sha256).
      if (err.code !== 'ENOTEMPTY' && err.code !== 'EEXIST') throw err;
    });
    return dir;
  } finally {
    await fs.rm(staging, { recursive: true, force: true });
  }
}

async function unpackInto(artifacts: ArtifactStore, model: ModelFiles, dir: string): Promise<void> {
  await fs.mkdir(dir, { recursive: true });
  if (model.recipe) await pipeline(await artifacts.get(model.recipe.artifactKey), createWriteStream(path.join(dir, UNPACKED_RECIPE_FILE)));
  if (model.format === 'onnx') {
    await pipeline(await artifacts.get(model.artifactKey), createWriteStream(path.join(dir, ONNX_FILE)));
    return;
  }
  await extract(await artifacts.get(model.artifactKey), dir);
}

/**
 * Unpacks a model.tar.gz as it streams from the store (no copy of the archive on disk);
 * tar refuses absolute paths and `..`. A broken archive is ORCH_MODEL_INVALID; the
 * stream's own errors (the store's checksum check) pass through.
 */
export async function extract(archive: Readable, dir: string): Promise<void> {
  // The archive is whole only at its 'end': the store checks the bytes as they pass and
  // errors the stream, at the latest, just before it ends. Watched from the start, since a
  // small archive may have been read through (and found wrong) before tar is ready.
  const read = finished(archive);
  read.catch(() => undefined);
  try {
    await fs.mkdir(dir, { recursive: true });
    const bytes = await sniffed(archive);
    // The unpacking is over at 'close', once every file is written (as in tar's own file mode).
    const unpack = tar.x({ cwd: dir, strict: true });
    const written = new Promise<void>((resolve, reject) => {
      unpack.on('error', reject);
      unpack.on('close', () => resolve());
    });
    const abort = (err: unknown) => unpack.abort(err instanceof Error ? err : new Error(String(err)));
    read.catch(abort);
    bytes.stream.on('error', () => undefined); // the archive's own error, which `read` reports
    if (bytes.gzip) {
      // Inflated here in 1 MiB chunks: tar's own gunzip hands out 16 KiB ones, and unpacking a
      // 51 MB archive of stored blocks took about five times as long through it.
      const gunzip = zlib.createGunzip({ chunkSize: 1 << 20 });
      gunzip.on('error', abort);
      bytes.stream.pipe(gunzip).pipe(unpack);
    } else bytes.stream.pipe(unpack);
    await Promise.all([read, written]);
  } catch (err) {
    archive.destroy();
    if (err instanceof OrchardError) throw err;
    throw new OrchardError('ORCH_MODEL_INVALID', { message: `The model archive could not be unpacked: ${(err as Error).message}`, cause: err });
  }
}

/**
 * The archive's bytes, the first chunk read ahead to tell a gzipped archive (magic 1f 8b)
 * from anything else, which goes to tar as it is (tar finds a plain tar, and gzip itself
 * should a first chunk be too short to tell).
 */
async function sniffed(archive: Readable): Promise<{ gzip: boolean; stream: Readable }> {
  const chunks = archive[Symbol.asyncIterator]();
  const first = await chunks.next();
  const head = first.done ? undefined : (first.value as Buffer);
  async function* all(): AsyncGenerator<Buffer> {
    if (head === undefined) return;
    yield head;
    for (let next = await chunks.next(); !next.done; next = await chunks.next()) yield next.value as Buffer;
  }
  return { gzip: head !== undefined && head.length >= 2 && head[0] === 0x1f && head[1] === 0x8b, stream: Readable.from(all(), { objectMode: false }) };
}

/**
 * Checks that an unpacked built-in model loads (format, algorithm and version in its
 * files match); the algorithm's own error explains a mismatch.
 */
export async function checkAlgorithmModel(algorithm: string, dir: string): Promise<{ numFeatures: number }> {
  registerBuiltins();
  const descriptor = getAlgorithm(algorithm);
  try {
    const predictor = await descriptor.load(dir);
    return { numFeatures: predictor.numFeatures };
  } catch (err) {
    if (err instanceof OrchardError && err.code === 'ORCH_MODEL_INVALID') throw err;
    throw new OrchardError('ORCH_MODEL_INVALID', { message: `The artifact is not a ${algorithm} model: ${(err as Error).message}`, cause: err });
  }
}

async function exists(file: string): Promise<boolean> {
  return fs.access(file).then(
    () => true,
    () => false,
  );
}
