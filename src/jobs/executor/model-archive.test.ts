import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as tar from 'tar';
import { afterAll, describe, expect, it } from 'vitest';
import { estimatedSaving, MIN_GZIP_SAVING, modelArchiveStream, packModelArchive } from './model-archive.js';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'model-archive-test-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

function folder(name: string, files: Record<string, Buffer | string>): string {
  const dir = path.join(tmp, name);
  fs.mkdirSync(dir, { recursive: true });
  for (const [file, body] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
    fs.writeFileSync(path.join(dir, file), body);
  }
  return dir;
}

/** Unpacks an archive and reads back every file it holds. */
async function unpacked(archive: string): Promise<Record<string, string>> {
  const out = fs.mkdtempSync(path.join(tmp, 'out-'));
  await tar.x({ file: archive, cwd: out, strict: true });
  const files = fs.readdirSync(out, { recursive: true, withFileTypes: true }).filter((e) => e.isFile());
  return Object.fromEntries(files.map((e) => [path.relative(out, path.join(e.parentPath, e.name)), fs.readFileSync(path.join(e.parentPath, e.name)).toString('base64')]));
}

describe('packModelArchive', () => {
  it('stores arrays that do not compress (level 0) and deflates JSON at the default level; both unpack to the same files', async () => {
    const json = JSON.stringify({ trees: Array.from({ length: 3000 }, (_, i) => ({ split: i % 17, value: (i % 5) / 4 })) });
    const noisy = folder('noisy', { 'model.json': '{"format":"x"}', 'index.bin': randomBytes(1_500_000) });
    const text = folder('text', { 'model.json': json, 'sub/notes.txt': 'a tree model\n'.repeat(2000) });
    expect(await estimatedSaving(noisy)).toBeLessThan(MIN_GZIP_SAVING);
    expect(await estimatedSaving(text)).toBeGreaterThan(0.5);

    const a = path.join(tmp, 'noisy.tar.gz');
    expect(await packModelArchive(noisy, a)).toEqual({ level: 0 });
    // Stored blocks: the archive is a little larger than the data, and still gzip.
    expect(fs.statSync(a).size).toBeGreaterThan(1_500_000);
    expect([...fs.readFileSync(a).subarray(0, 2)]).toEqual([0x1f, 0x8b]);
    const b = path.join(tmp, 'text.tar.gz');
    expect((await packModelArchive(text, b)).level).not.toBe(0);
    expect(fs.statSync(b).size).toBeLessThan(json.length / 3);

    for (const [dir, archive] of [[noisy, a], [text, b]]) {
      const files = fs.readdirSync(dir, { recursive: true, withFileTypes: true }).filter((e) => e.isFile());
      const expected = Object.fromEntries(files.map((e) => [path.relative(dir, path.join(e.parentPath, e.name)), fs.readFileSync(path.join(e.parentPath, e.name)).toString('base64')]));
      expect(await unpacked(archive)).toEqual(expected);
    }
  });

  it('packs an empty folder as an archive that unpacks to nothing', async () => {
    const empty = folder('empty', {});
    const archive = path.join(tmp, 'empty.tar.gz');
    await packModelArchive(empty, archive);
    expect(await unpacked(archive)).toEqual({});
  });

  it('estimates a small compressible file next to a large incompressible one by their bytes', async () => {
    const mixed = folder('mixed', { 'index.bin': randomBytes(2_000_000), 'model.json': '{"k":1}'.repeat(20_000) });
    const saving = await estimatedSaving(mixed);
    // 140 KB of JSON that nearly vanishes beside 2 MB that does not shrink: about 6 %.
    expect(saving).toBeGreaterThan(0.03);
    expect(saving).toBeLessThan(MIN_GZIP_SAVING);
    expect(await estimatedSaving(folder('empty', {}))).toBe(1);
  });

  it('streams the archive packModelArchive writes, and says when the packing itself failed', async () => {
    const dir = folder('streamed', { 'model.json': '{"format":"x"}', 'index.bin': randomBytes(300_000) });
    const file = path.join(tmp, 'streamed.tar.gz');
    await packModelArchive(dir, file);
    const packed = await modelArchiveStream(dir);
    const chunks: Buffer[] = [];
    for await (const c of packed.stream) chunks.push(c as Buffer);
    expect(packed.packingError()).toBeNull();
    const streamed = path.join(tmp, 'streamed-2.tar.gz');
    fs.writeFileSync(streamed, Buffer.concat(chunks));
    expect(await unpacked(streamed)).toEqual(await unpacked(file));

    // A file gone between the listing and its reading: the stream errors, and the packing says why.
    const gone = await modelArchiveStream(dir);
    fs.rmSync(path.join(dir, 'index.bin'));
    await expect((async () => {
      for await (const _ of gone.stream) void _;
    })()).rejects.toThrow();
    expect(gone.packingError()).toBeInstanceOf(Error);
  });
});
