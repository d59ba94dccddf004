import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { partFileName, partRange, partsFor, splitCsv } from './input-writer.js';

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'orchard-split-'));
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

/** Splits `text` fed in chunks of `chunk` bytes; returns each part's text (null when not written). */
async function split(text: string, opts: { header: boolean; rows: number; parts: number; wanted?: number[]; chunk?: number }): Promise<Array<string | null>> {
  const bytes = Buffer.from(text);
  const size = opts.chunk ?? 3;
  const chunks = Array.from({ length: Math.ceil(bytes.length / size) }, (_, i) => bytes.subarray(i * size, (i + 1) * size));
  const fileOf = (p: number) => path.join(dir, partFileName(p, 'csv'));
  const wanted = new Set(opts.wanted ?? Array.from({ length: opts.parts }, (_, i) => i));
  await splitCsv(Readable.from(chunks), { header: opts.header, rows: opts.rows, parts: opts.parts, wanted, fileOf });
  return Array.from({ length: opts.parts }, (_, p) => (fs.existsSync(fileOf(p)) ? fs.readFileSync(fileOf(p), 'utf8') : null));
}

describe('splitting a CSV dataset into part files', () => {
  it('gives each part consecutive records and the header, bytes unchanged', async () => {
    const parts = await split('a,b\n1,x\n2,y\n3,z\n4,w\n5,v\n', { header: true, rows: 5, parts: 2 });
    expect(parts).toEqual(['a,b\n1,x\n2,y\n', 'a,b\n3,z\n4,w\n5,v\n']);
  });

  it('keeps a quoted line break inside its record and ends a last record without one', async () => {
    const parts = await split('1,"multi\nline"\n2,"say ""hi"""\r\n3,last', { header: false, rows: 3, parts: 3, chunk: 2 });
    expect(parts).toEqual(['1,"multi\nline"\n', '2,"say ""hi"""\r\n', '3,last\n']);
  });

  it('writes only the wanted parts, and parts without rows when there are more parts than rows', async () => {
    expect(await split('h\n1\n2\n', { header: true, rows: 2, parts: 3, wanted: [2] })).toEqual([null, null, 'h\n2\n']);
    expect(await split('1\n', { header: false, rows: 1, parts: 3 })).toEqual(['', '', '1\n']);
  });

  it('shares rows as ShardedByS3Key and FullyReplicated do', () => {
    expect([0, 1, 2].map((p) => partRange(p, 3, 10))).toEqual([{ start: 0, end: 3 }, { start: 3, end: 6 }, { start: 6, end: 10 }]);
    expect(partsFor('ShardedByS3Key', 1, 3)).toEqual([1]);
    expect(partsFor('FullyReplicated', 1, 3)).toEqual([0, 1, 2]);
  });
});
