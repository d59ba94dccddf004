import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { changesOutside, datasetFormatOf, outputFiles, snapshot } from './outputs.js';

let standIn: string;
const write = (rel: string, text = 'x') => {
  fs.mkdirSync(path.dirname(path.join(standIn, rel)), { recursive: true });
  fs.writeFileSync(path.join(standIn, rel), text);
};

beforeEach(() => {
  standIn = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'orchard-outputs-')), 'opt', 'ml');
  write('processing/input/raw/part-00000.csv', '1,2\n');
  write('processing/input/code/prep.py', 'print(1)\n');
  fs.mkdirSync(path.join(standIn, 'processing/output/clean'), { recursive: true });
  fs.mkdirSync(path.join(standIn, 'output'), { recursive: true });
});
afterEach(() => fs.rmSync(path.dirname(path.dirname(standIn)), { recursive: true, force: true }));

const outputs = [path.join('processing', 'output', 'clean')];
const allowed = [path.join('output', 'message')];

describe('writes outside the output folders', () => {
  it('sees nothing when only output folders and the failure message change', async () => {
    const before = await snapshot(standIn);
    write('processing/output/clean/a.csv');
    write('processing/output/clean/sub/b.csv');
    write('output/message', 'why');
    expect(changesOutside(before, await snapshot(standIn), outputs, allowed, standIn)).toEqual([]);
  });

  it('names new, changed and removed files by their /opt/ml paths', async () => {
    const before = await snapshot(standIn);
    write('processing/stray.txt');
    write('processing/input/raw/part-00000.csv', '9,9,9\n');
    fs.rmSync(path.join(standIn, 'processing/input/code/prep.py'));
    write('processing/output/other/x.csv');
    expect(changesOutside(before, await snapshot(standIn), outputs, allowed, standIn)).toEqual([
      '/opt/ml/processing/input/code/prep.py (removed)',
      '/opt/ml/processing/input/raw/part-00000.csv (changed)',
      '/opt/ml/processing/output/other (new folder)',
      '/opt/ml/processing/output/other/x.csv (new file)',
      '/opt/ml/processing/stray.txt (new file)',
    ]);
  });

  it('caps the list it reports', async () => {
    const before = await snapshot(standIn);
    for (let i = 0; i < 30; i++) write(`processing/junk-${String(i).padStart(2, '0')}`);
    const changes = changesOutside(before, await snapshot(standIn), outputs, allowed, standIn, 5);
    expect(changes).toHaveLength(6);
    expect(changes[5]).toBe('… and 25 more');
  });
});

describe('output files', () => {
  it('lists files of the folder tree, leaving out hidden and _-files for datasets, refusing links', async () => {
    const dir = path.join(standIn, 'processing/output/clean');
    write('processing/output/clean/b.csv');
    write('processing/output/clean/sub/a.csv');
    write('processing/output/clean/_SUCCESS');
    write('processing/output/clean/.part.crc');
    expect(await outputFiles(dir, 'clean', true)).toEqual(['b.csv', 'sub/a.csv']);
    expect(await outputFiles(dir, 'clean', false)).toEqual(['.part.crc', '_SUCCESS', 'b.csv', 'sub/a.csv']);
    fs.symlinkSync('/etc/hostname', path.join(dir, 'link.csv'));
    await expect(outputFiles(dir, 'clean', true)).rejects.toMatchObject({ code: 'ORCH_PROCESSING_OUTPUT_INVALID', message: expect.stringMatching(/link\.csv is a link/) });
    expect(await outputFiles(path.join(dir, 'absent'), 'x', true)).toEqual([]);
  });

  it('takes a dataset format from the extensions, one per output', () => {
    expect(datasetFormatOf('o', ['a.csv', 'b.CSV'])).toBe('csv');
    expect(datasetFormatOf('o', ['a.jsonl', 'b.ndjson'])).toBe('jsonl');
    expect(datasetFormatOf('o', ['a.parquet'])).toBe('parquet');
    expect(() => datasetFormatOf('o', ['a.csv', 'b.parquet'])).toThrow(/mixes csv and parquet/);
    expect(() => datasetFormatOf('o', ['a.csv', 'notes.txt'])).toThrow(/found notes\.txt/);
  });
});
