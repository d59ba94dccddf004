import { createHash } from 'node:crypto';
import { writeFile, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { body, errorOf, openHarness, type Harness } from './test-harness.js';
import { readTextLines } from './text-format.js';

describe('text datasets', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await openHarness();
  });
  afterAll(() => h.cleanup());

  it('keeps every line as it is: one row a line, the upload stored untouched', async () => {
    const text = '__label__pos good, "very" good\r\n\n  spaced\tline  \nlast without newline';
    const v = await h.service.create({ name: 'sentences', format: 'text', body: body(text, 5) });
    expect(v).toMatchObject({ format: 'text', header: false, rowCount: 4 });
    expect(v.columns.map((c) => [c.name, c.type])).toEqual([['text', 'VARCHAR']]);
    expect(v.sha256).toBe(createHash('sha256').update(text).digest('hex'));
    const preview = await h.service.preview('sentences@1');
    expect(preview.rows.map((r) => (r as Record<string, unknown>).text)).toEqual(['__label__pos good, "very" good', '', '  spaced\tline  ', 'last without newline']);
  });

  it('refuses an empty file and a line over the limit', async () => {
    const empty = await errorOf(h.service.create({ name: 'empty', format: 'text', body: body('') }));
    expect(empty.code).toBe('ORCH_DATASET_EMPTY');
    const dir = await mkdtemp(path.join(os.tmpdir(), 'text-lines-'));
    try {
      const file = path.join(dir, 'long.txt');
      await writeFile(file, `short\n${'x'.repeat(50)}\nshort\n`);
      const lines: string[] = [];
      const err = await errorOf((async () => {
        for await (const line of readTextLines(file, 20)) lines.push(line);
      })());
      expect(err.code).toBe('ORCH_DATASET_LINE_TOO_LONG');
      expect(err.message).toContain('Line 2');
      expect(lines).toEqual(['short']);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
