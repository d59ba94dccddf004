/**
 * Packs a job's `model/` folder as `model.tar.gz` (SageMaker's artifact: a gzipped tar),
 * at a gzip level chosen from what the files hold. Arrays of floats (a k-NN index, a
 * forest's node arrays) barely compress: deflate at level 1 or 6 saves 11 % of a 53 MB
 * k-NN index while costing about five times the CPU storing it does (2 s against 0.4 s),
 * and every reader pays to inflate it again. Such models are packed at level 0 (stored
 * deflate blocks: still a valid .tar.gz any tar reads); the others, JSON trees and text,
 * which shrink several times over, at zlib's default.
 */
import { createWriteStream } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { pipeline as pipelineCallback, Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import zlib from 'node:zlib';
import * as tar from 'tar';

/** Below this share of bytes saved, the archive is stored uncompressed. */
export const MIN_GZIP_SAVING = 0.2;
/** The largest files sampled (they carry the size; smaller ones count as compressible). */
const SAMPLED_FILES = 16;
/**
 * Bytes read from a sampled file: one piece of SAMPLE_PIECE bytes from the middle of each
 * of SAMPLE_PIECES equal stretches (a stratified sample, so a small header or trailer
 * array weighs what its bytes do).
 */
const SAMPLE_PIECES = 16;
const SAMPLE_PIECE = 16 * 1024;
/** Files not sampled are assumed to compress to this share of their size (text, JSON). */
const UNSAMPLED_RATIO = 0.3;

/** Packs `modelDir`'s contents into `file` (see the module comment for the level). */
export async function packModelArchive(modelDir: string, file: string): Promise<{ level: number }> {
  const { level, stream } = await modelArchiveStream(modelDir);
  await pipeline(stream, createWriteStream(file));
  return { level };
}

/** A model folder being packed: the archive's bytes, and what went wrong packing it, if anything did. */
export interface ModelArchiveStream {
  level: number;
  stream: Readable;
  /** The error that ended the packing itself (a file gone or unreadable), as opposed to one of whoever reads `stream`. */
  packingError(): Error | null;
}

/**
 * `modelDir`'s contents as a model.tar.gz stream (see the module comment for the level),
 * for a store's put: the archive reaches the store as it is packed, with no local copy
 * written and read back first. A failure while packing errors the stream, so a put reading
 * it never commits.
 */
export async function modelArchiveStream(modelDir: string): Promise<ModelArchiveStream> {
  const entries = await fs.readdir(modelDir);
  const level = (await estimatedSaving(modelDir)) < MIN_GZIP_SAVING ? 0 : zlib.constants.Z_DEFAULT_COMPRESSION;
  let failure: Error | null = null;
  // A job that wrote nothing still has a model, as SageMaker's empty model.tar.gz: the folder's own entry.
  const pack = tar.c({ cwd: modelDir, portable: true }, entries.length > 0 ? entries : ['.']);
  pack.on('error', (err: unknown) => {
    failure ??= err instanceof Error ? err : new Error(String(err));
  });
  // tar writes the plain archive and node:zlib gzips it in output chunks of 1 MiB (rather than
  // zlib's 16 KiB: a 53 MB stored archive packs in about half the time).
  const gzip = zlib.createGzip({ level, chunkSize: 1 << 20 });
  pipelineCallback(Readable.from(pack), gzip, () => undefined);
  return { level, stream: gzip, packingError: () => failure };
}

/**
 * The share of the folder's bytes deflate would save, estimated from pieces of its largest
 * files compressed at level 1 (level 6 saves about as much on data that barely
 * compresses, which is what the estimate has to recognise). 1 for an empty folder.
 */
export async function estimatedSaving(dir: string): Promise<number> {
  const files = await regularFiles(dir);
  const total = files.reduce((n, f) => n + f.size, 0);
  if (total === 0) return 1;
  files.sort((a, b) => b.size - a.size);
  let compressed = 0;
  for (const [i, f] of files.entries()) compressed += f.size * (i < SAMPLED_FILES ? await sampleRatio(f.file, f.size) : UNSAMPLED_RATIO);
  return 1 - compressed / total;
}

async function regularFiles(dir: string): Promise<{ file: string; size: number }[]> {
  const out: { file: string; size: number }[] = [];
  for (const e of await fs.readdir(dir, { withFileTypes: true })) {
    const file = path.join(dir, e.name);
    if (e.isDirectory()) out.push(...(await regularFiles(file)));
    else if (e.isFile()) out.push({ file, size: (await fs.stat(file)).size });
  }
  return out;
}

/** Deflated size over raw size of the file's sample (the whole file when it is small). */
async function sampleRatio(file: string, size: number): Promise<number> {
  if (size === 0) return 1;
  const handle = await fs.open(file, 'r');
  try {
    const pieces = size <= SAMPLE_PIECES * SAMPLE_PIECE ? 1 : SAMPLE_PIECES;
    const length = pieces === 1 ? size : SAMPLE_PIECE;
    let raw = 0;
    let deflated = 0;
    for (let p = 0; p < pieces; p++) {
      const at = pieces === 1 ? 0 : Math.max(0, Math.min(size - length, Math.floor(((p + 0.5) * size) / pieces - length / 2)));
      const buf = Buffer.alloc(length);
      const { bytesRead } = await handle.read(buf, 0, length, at);
      raw += bytesRead;
      deflated += zlib.deflateRawSync(buf.subarray(0, bytesRead), { level: 1 }).length;
    }
    return raw === 0 ? 1 : Math.min(1, deflated / raw);
  } finally {
    await handle.close();
  }
}
