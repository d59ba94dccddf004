import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadCsvMatrix } from './matrix.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'orchard-matrix-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
let n = 0;
function file(text: string | Buffer): string {
  const f = path.join(dir, `f${n++}.csv`);
  fs.writeFileSync(f, text);
  return f;
}

describe('loadCsvMatrix', () => {
  it('reads target-first CSV into row-major features and labels', async () => {
    const m = await loadCsvMatrix([file('1,0.5,-2\n0,3e2,+4.25\r\n1,-.5,1E-3\n')]);
    expect(m.rows).toBe(3);
    expect(m.cols).toBe(2);
    expect(Array.from(m.labels!)).toEqual([1, 0, 1]);
    expect(Array.from(m.features)).toEqual([0.5, -2, 300, 4.25, -0.5, Math.fround(0.001)]);
  });

  it('parses numbers like Number() does', async () => {
    const values = ['0', '-0.000123', '123456789', '3.14159265358979', '1e-30', '-2.5E+7', '0.1', '7.', '1e38'];
    const m = await loadCsvMatrix([file(values.map((v) => `0,${v}`).join('\n'))]);
    expect(Array.from(m.features)).toEqual(values.map((v) => Math.fround(Number(v))));
  });

  it('treats empty fields and nan as missing features', async () => {
    const m = await loadCsvMatrix([file('1,,2\n0,nan,NaN\n1, 3 ,\n')]);
    expect(Array.from(m.features)).toEqual([NaN, 2, NaN, NaN, 3, NaN]);
  });

  it('reads several files, and without a label', async () => {
    const m = await loadCsvMatrix([file('1,2\n3,4\n'), file('5,6')], { label: false });
    expect(m.labels).toBeNull();
    expect(m.rows).toBe(3);
    expect(m.cols).toBe(2);
    expect(Array.from(m.features)).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it('grows past its first size estimate and across read blocks', async () => {
    const lines = ['0,1'];
    for (let i = 0; i < 300_000; i++) lines.push(`${i % 2},${i}.5,${-i}`);
    // First line short: the row estimate from it is far too small.
    const f = file(lines.slice(1).join('\n'));
    const m = await loadCsvMatrix([f]);
    expect(m.rows).toBe(300_000);
    expect(m.features[2 * 299_999]).toBe(Math.fround(299_999.5));
    expect(m.labels![299_999]).toBe(1);
  });

  it.each([
    ['a missing label', '1,2\n,3\n', /line 2: the label/],
    ['a non-numeric label', '1,2\nyes,3\n', /line 2: label is not a number/],
    ['a nan label', '1,2\nnan,3\n', /line 2: the label/],
    ['a non-numeric feature', '1,2\n0,abc\n', /line 2: column 2 is not a number/],
    ['a short row', '1,2,3\n0,1\n', /line 2: expected 3 fields, found 2/],
    ['a long row', '1,2\n0,1,2\n', /line 2: expected 2 fields, found more/],
  ])('refuses %s with the file and line', async (_what, text, pattern) => {
    const f = file(text);
    const err = await loadCsvMatrix([f]).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'ORCH_TRAINING_DATA_INVALID' });
    expect((err as Error).message).toMatch(pattern);
    expect((err as Error).message).toContain(f);
  });

  it('refuses empty input', async () => {
    await expect(loadCsvMatrix([file('')])).rejects.toMatchObject({ code: 'ORCH_TRAINING_DATA_INVALID' });
    await expect(loadCsvMatrix([file('\n\n')])).rejects.toMatchObject({ code: 'ORCH_TRAINING_DATA_INVALID' });
    await expect(loadCsvMatrix([])).rejects.toMatchObject({ code: 'ORCH_TRAINING_DATA_INVALID' });
  });
});
