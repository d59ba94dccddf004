import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { combineOutput } from './combine.js';

let dir: string;
const file = (name: string, text: string) => {
  const f = path.join(dir, name);
  fs.writeFileSync(f, text);
  return f;
};
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'orchard-combine-'));
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('combining an output folder into one dataset file', () => {
  it('detects a header as the crawlers do: a table of text only has none, repeated names are refused', async () => {
    expect((await combineOutput('o', 'csv', [file('t.csv', 'name,city\nbob,paris\n')], dir)).header).toBe(false);
    expect((await combineOutput('o', 'csv', [file('n.csv', 'name,age\nbob,41\n')], dir)).header).toBe(true);
    expect((await combineOutput('o', 'csv', [file('e.csv', 'id,,x\n1,2,3\n')], dir)).header).toBe(false);
    await expect(combineOutput('o', 'csv', [file('d.csv', 'id,ID\n1,2\n')], dir)).rejects.toMatchObject({ code: 'ORCH_PROCESSING_OUTPUT_INVALID', message: expect.stringMatching(/d\.csv: Duplicate column names/) });
  });

  it('keeps one header and every row of CSV files with the same header, quoted line breaks included', async () => {
    const a = file('a.csv', 'id,text\n1,"two\nlines"\n');
    const b = file('b.csv', 'id,text\n2,plain');
    const out = await combineOutput('clean', 'csv', [a, b], dir);
    expect(out).toMatchObject({ format: 'csv', header: true });
    expect(fs.readFileSync(out.file, 'utf8')).toBe('id,text\n1,"two\nlines"\n2,plain\n');
  });

  it('concatenates CSV files without a header as they are', async () => {
    const out = await combineOutput('nums', 'csv', [file('a.csv', '1,2\n'), file('b.csv', '3,4\n')], dir);
    expect(out.header).toBe(false);
    expect(fs.readFileSync(out.file, 'utf8')).toBe('1,2\n3,4\n');
  });

  it('refuses files whose headers differ, and an output without files', async () => {
    await expect(combineOutput('clean', 'csv', [file('a.csv', 'id,x\n1,2\n'), file('b.csv', 'id,y\n3,4\n')], dir)).rejects.toMatchObject({ code: 'ORCH_PROCESSING_OUTPUT_INVALID', message: expect.stringMatching(/b\.csv does not start with the header/) });
    await expect(combineOutput('clean', 'csv', [], dir)).rejects.toMatchObject({ code: 'ORCH_PROCESSING_OUTPUT_INVALID' });
  });

  it('uses a single file as it is, and joins JSON Lines', async () => {
    const single = file('one.csv', 'a,b\n1,2\n');
    expect((await combineOutput('o', 'csv', [single], dir)).file).toBe(single);
    const out = await combineOutput('o', 'jsonl', [file('a.jsonl', '{"a":1}'), file('b.jsonl', '{"a":2}\n')], dir);
    expect(fs.readFileSync(out.file, 'utf8')).toBe('{"a":1}\n{"a":2}\n');
  });
});
