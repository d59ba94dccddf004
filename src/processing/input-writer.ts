import { createWriteStream } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { openDuckDB, sqlString, type DatasetService, type DatasetVersion } from '../data/index.js';
import type { ArtifactStore } from '../storage/index.js';
import type { ProcessingInput } from './types.js';

const LF = 0x0a;
const QUOTE = 0x22;

/** Part `p` of `parts` covers data rows [start, end) of `rows`. */
export function partRange(p: number, parts: number, rows: number): { start: number; end: number } {
  return { start: Math.floor((p * rows) / parts), end: Math.floor(((p + 1) * rows) / parts) };
}

/** The part files an instance gets: its own under ShardedByS3Key, all of them under FullyReplicated. */
export function partsFor(distribution: ProcessingInput['distribution'], instance: number, instanceCount: number): number[] {
  return distribution === 'ShardedByS3Key' ? [instance] : Array.from({ length: instanceCount }, (_, i) => i);
}

export const partFileName = (p: number, ext: string) => `part-${String(p).padStart(5, '0')}.${ext}`;

/**
 * Splits a CSV stream into `parts` files of consecutive records (RFC 4180: a quoted field
 * may hold line breaks), keeping the bytes as they are; a header, when there is one, heads
 * every part. Only the parts in `wanted` are written. A last record without a line break
 * gets one.
 */
export async function splitCsv(source: Readable, opts: { header: boolean; rows: number; parts: number; wanted: ReadonlySet<number>; fileOf: (part: number) => string }): Promise<void> {
  const headerChunks: Buffer[] = [];
  let inHeader = opts.header;
  let header = Buffer.alloc(0);
  let inQuotes = false;
  let part = -1;
  let end = 0;
  let row = 0;
  let out: fs.FileHandle | null = null;
  let pending = false; // bytes of an unfinished record were written
  const open = async (p: number) => {
    if (out) await out.close();
    out = null;
    part = p;
    end = p === opts.parts - 1 ? Number.POSITIVE_INFINITY : partRange(p, opts.parts, opts.rows).end;
    if (opts.wanted.has(p)) {
      out = await fs.open(opts.fileOf(p), 'w');
      if (header.length) await out.write(header);
    }
  };
  /** Opens the next part while the current one is full (several when parts hold no rows). */
  const advance = async () => {
    while (row >= end && part < opts.parts - 1) await open(part + 1);
  };
  if (!inHeader) {
    await open(0);
    await advance();
  }
  for await (const chunk of source as AsyncIterable<Buffer>) {
    let start = 0;
    for (let i = 0; i < chunk.length; i++) {
      const byte = chunk[i];
      if (byte === QUOTE) inQuotes = !inQuotes; // "" inside quotes toggles twice
      else if (byte === LF && !inQuotes) {
        const record = chunk.subarray(start, i + 1);
        start = i + 1;
        if (inHeader) {
          headerChunks.push(record);
          header = Buffer.concat(headerChunks);
          inHeader = false;
          await open(0);
          await advance();
          continue;
        }
        if (out) await (out as fs.FileHandle).write(record);
        pending = false;
        row++;
        await advance();
      }
    }
    if (start < chunk.length) {
      const rest = chunk.subarray(start);
      if (inHeader) headerChunks.push(Buffer.from(rest));
      else {
        if (out) await (out as fs.FileHandle).write(rest);
        pending = true;
      }
    }
  }
  if (inHeader) {
    // A file that is all header (no line break): every part gets it.
    header = Buffer.concat([...headerChunks, Buffer.from('\n')]);
    await open(0);
  } else if (pending && out) await (out as fs.FileHandle).write('\n');
  // Parts after the last record still exist (with the header alone), so each instance finds its file.
  while (part < opts.parts - 1) await open(part + 1);
  if (out) await (out as fs.FileHandle).close();
}

export interface InputWriterDeps {
  datasets: DatasetService;
  artifacts: ArtifactStore;
}

/**
 * Writes one dataset input into its folder as the parts this instance gets: CSV in the
 * dataset's own layout (a CSV dataset's bytes as uploaded, its header if it has one; other
 * formats with their column names as the header), or Parquet. A job with N instances
 * splits the rows into N parts (`part-00000.csv`, …). Returns the files written.
 */
export async function writeInput(deps: InputWriterDeps, input: ProcessingInput, dir: string, instance: number, instanceCount: number, scratch: string): Promise<string[]> {
  await fs.mkdir(dir, { recursive: true });
  const version = await deps.datasets.describe(`${input.dataset}@${input.version}`);
  const wanted = partsFor(input.distribution, instance, instanceCount);
  const ext = input.format === 'parquet' ? 'parquet' : 'csv';
  const fileOf = (p: number) => path.join(dir, partFileName(p, ext));
  if (input.format === 'csv' && version.format === 'csv') {
    const key = sourceKeyOf(deps.artifacts, version);
    if (instanceCount === 1) await pipeline(await deps.artifacts.get(key), createWriteStream(fileOf(0)));
    else await splitCsv(await deps.artifacts.get(key), { header: version.header, rows: version.rowCount, parts: instanceCount, wanted: new Set(wanted), fileOf });
    if (instanceCount === 1) await endWithNewline(fileOf(0));
  } else {
    const { path: parquet } = await deps.datasets.localParquet(`${input.dataset}@${input.version}`);
    const db = await openDuckDB({ tempDirectory: path.join(scratch, 'duckdb') });
    try {
      for (const p of wanted) {
        const { start, end } = partRange(p, instanceCount, version.rowCount);
        const select = `SELECT * FROM read_parquet(${sqlString(parquet)}) LIMIT ${end - start} OFFSET ${start}`;
        const options = ext === 'parquet' ? 'FORMAT parquet, COMPRESSION zstd' : 'FORMAT csv, HEADER true';
        await db.exec(`COPY (${select}) TO ${sqlString(fileOf(p))} (${options})`);
      }
    } finally {
      db.close();
    }
  }
  return wanted.map(fileOf);
}

/** The key of a version's file as uploaded. */
function sourceKeyOf(artifacts: ArtifactStore, version: DatasetVersion): string {
  return version.sourceUri.slice(artifacts.url.length + 1);
}

/** Appends a line break to a file whose last record has none. */
async function endWithNewline(file: string): Promise<void> {
  const handle = await fs.open(file, 'r+');
  try {
    const { size } = await handle.stat();
    if (size === 0) return;
    const last = Buffer.alloc(1);
    await handle.read(last, 0, 1, size - 1);
    if (last[0] !== LF) await handle.write('\n', size);
  } finally {
    await handle.close();
  }
}
