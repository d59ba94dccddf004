import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
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

  it('gives the full parser\'s values for fields at the edge of the one-pass path', async () => {
    const values = ['12 ', ' -3.5', '+7', '1.5e3', '-.25', '5.', '0.000000000000000000000001', '123456789012345678901234', '-0', '1.00000000000000000000001', '99999999999999999999.5'];
    const m = await loadCsvMatrix([file(values.map((v) => `0,${v}`).join('\n'))]);
    expect(Array.from(m.features)).toEqual(values.map((v) => Math.fround(Number(v))));
    expect(Object.is(m.features[8], -0)).toBe(true);
    for (const [text, pattern] of [['0,12abc\n', /line 1: column 2 is not a number/], ['0,-\n', /line 1: column 2 is not a number/], ['0,1\n0,1,x\n', /line 2: expected 2 fields, found more/]] as const) {
      const err = await loadCsvMatrix([file(text)]).catch((e: unknown) => e);
      expect((err as Error).message).toMatch(pattern);
    }
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

const pools = vi.hoisted(() => ({ started: 0 }));
vi.mock('../parallel/kernel-pool.js', async (importOriginal) => {
  const actual = await importOriginal<typeof import('../parallel/kernel-pool.js')>();
  return {
    ...actual,
    createKernelPool: (...args: Parameters<typeof actual.createKernelPool>) => {
      pools.started++;
      return actual.createKernelPool(...args);
    },
  };
});

describe('loadCsvMatrix on several threads', () => {
  /** Deterministic rows of mixed number spellings, some fields empty or nan. */
  function rows(count: number, cols: number, seed: number): string[] {
    let x = seed;
    const rnd = () => ((x = (x * 1103515245 + 12345) % 2147483648) / 2147483648);
    const spell = (v: number) => {
      const k = Math.floor(rnd() * 12);
      if (k === 0) return '';
      if (k === 1) return 'nan';
      if (k === 2) return v.toExponential(5);
      if (k === 3) return ` ${v.toFixed(2)} `;
      if (k === 4) return String(Math.round(v * 1000));
      if (k === 5) return String(v * 1e-41);
      return v.toFixed(1 + (k % 6));
    };
    const out: string[] = [];
    for (let i = 0; i < count; i++) {
      const fields = [String(i % 7)];
      for (let j = 0; j < cols; j++) fields.push(spell((rnd() - 0.5) * 200));
      out.push(fields.join(','));
    }
    return out;
  }

  const bits = (a: Float32Array | null) => (a ? Buffer.from(a.buffer, a.byteOffset, a.byteLength) : null);

  /** Loads serially and on `threads` threads (threshold lowered) and expects the same matrix. */
  async function expectSame(files: string[], opts: { label?: boolean; threads?: number; parallelMinBytes?: number } = {}) {
    const serial = await loadCsvMatrix(files, { label: opts.label });
    const before = pools.started;
    const parallel = await loadCsvMatrix(files, { label: opts.label, threads: opts.threads ?? 3, parallelMinBytes: opts.parallelMinBytes ?? 0 });
    expect(pools.started).toBe(before + 1);
    expect(parallel.rows).toBe(serial.rows);
    expect(parallel.cols).toBe(serial.cols);
    expect(parallel.features.length).toBe(serial.rows * serial.cols);
    expect(bits(parallel.features)!.equals(bits(serial.features)!)).toBe(true);
    expect(parallel.labels === null).toBe(serial.labels === null);
    if (serial.labels) expect(bits(parallel.labels)!.equals(bits(serial.labels)!)).toBe(true);
    expect(parallel.features.buffer).toBeInstanceOf(SharedArrayBuffer);
    if (parallel.labels) expect(parallel.labels.buffer).toBeInstanceOf(SharedArrayBuffer);
    return parallel;
  }

  async function expectSameError(files: string[], threads = 3): Promise<Error & { code: string }> {
    const failure = (p: Promise<unknown>) => p.then(() => new Error('loaded') as Error & { code: string }, (e: unknown) => e as Error & { code: string });
    const serial = await failure(loadCsvMatrix(files));
    const parallel = await failure(loadCsvMatrix(files, { threads, parallelMinBytes: 0 }));
    expect(serial.code).toBe('ORCH_TRAINING_DATA_INVALID');
    expect(parallel).toMatchObject({ code: serial.code, message: serial.message });
    return parallel;
  }

  it('gives the serial result bit for bit, with lines cut at range boundaries', async () => {
    const text = rows(5000, 13, 1).join('\n') + '\n';
    const f = file(text);
    // Nominal cuts fall inside lines: the ranges must move them to the next line start.
    for (const k of [1, 2]) expect(text.charCodeAt(Math.floor((text.length * k) / 3) - 1)).not.toBe(10);
    const m = await expectSame([f]);
    expect(m.rows).toBe(5000);
    await expectSame([f], { threads: 2 });
    await expectSame([f], { threads: 7 });
  });

  it('handles CRLF endings, empty lines and no final newline as the serial parser does', async () => {
    const lines = rows(3000, 5, 2);
    const withBlanks = lines.flatMap((l, i) => (i % 97 === 0 ? ['', l, ''] : [l]));
    const m = await expectSame([file('\r\n' + withBlanks.join('\r\n'))]);
    expect(m.rows).toBe(3000);
  });

  it('cuts every position of a CRLF line the same, the middle of the pair included', async () => {
    const seen = new Set<number>();
    for (let k = 1; k <= 7; k++) {
      const text = `${'1'.repeat(k)},0\r\n` + '1,2.5\r\n'.repeat(101);
      seen.add(text.charCodeAt(Math.floor(text.length / 2) - 1));
      const m = await expectSame([file(text)], { threads: 2 });
      expect(m.rows).toBe(102);
    }
    expect(seen.has(13)).toBe(true);
  });

  it('reads several files, some empty, without a label, across ranges', async () => {
    const files = [file(rows(1500, 4, 3).join('\n')), file(''), file('\n\n'), file(rows(10, 4, 4).join('\n') + '\n'), file(rows(2500, 4, 5).join('\r\n') + '\r\n')];
    const m = await expectSame(files, { label: false, threads: 4 });
    expect(m.rows).toBe(4010);
    expect(m.cols).toBe(5);
    await expectSame(files, { threads: 2 });
  });

  it('copes with more threads than lines', async () => {
    await expectSame([file('1,2\n3,4\n')], { threads: 8 });
  });

  it('takes the parallel path by default from 16 MiB on', async () => {
    const line = rows(1000, 20, 6).join('\n') + '\n';
    const f = file(line.repeat(Math.ceil((16.5 * 1024 * 1024) / line.length)));
    await expectSame([f], { threads: 2, parallelMinBytes: undefined });
    const before = pools.started;
    await loadCsvMatrix([file(line)], { threads: 2 });
    expect(pools.started).toBe(before);
  });

  it('reports a bad value deep in the second range exactly as the serial parser', async () => {
    const lines = rows(4000, 6, 7);
    lines[3500] = lines[3500].replace(/,[^,]*$/, ',12x');
    const f = file(lines.join('\n'));
    const err = await expectSameError([f]);
    expect(err.code).toBe('ORCH_TRAINING_DATA_INVALID');
    expect(err.message).toBe(`${f}, line 3501: column 7 is not a number: "12x"`);
  });

  it('reports a missing label and a width change between ranges exactly as the serial parser', async () => {
    const lines = rows(4000, 6, 8);
    lines[2999] = lines[2999].replace(/^[^,]*/, '');
    await expectSameError([file(lines.join('\n'))]);
    // The last half is one field wider: each range is consistent, the whole is not.
    const wide = [...rows(2000, 6, 9), ...rows(2000, 7, 10)];
    const f = file(wide.join('\n'));
    const err = await expectSameError([f], 2);
    expect(err.message).toBe(`${f}, line 2001: expected 7 fields, found more`);
    await expectSameError([file(rows(2000, 6, 11).join('\n')), file(rows(2000, 5, 12).join('\n'))], 2);
  });
});
