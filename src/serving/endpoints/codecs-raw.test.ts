import { describe, expect, it } from 'vitest';
import { decodeRaw, InputError, isNumericType, type RawColumns } from './codecs.js';

const buf = (s: string) => Buffer.from(s);
const COLUMNS: RawColumns = { names: ['color', 'city', 'size', 'x'], numeric: [false, false, true, true] };

describe('raw rows of an inference pipeline', () => {
  it('reads CSV fields as text or numbers by column, quoted fields, blanks as missing', () => {
    const rows = decodeRaw('text/csv', buf('red,"Wellington, NZ",1.5,-2\r\n,Dunedin,,nan\n\n"say ""hi""",x,inf,3e2\n'), COLUMNS);
    expect(rows).toEqual([
      ['red', 'Wellington, NZ', 1.5, -2],
      [null, 'Dunedin', null, null],
      ['say "hi"', 'x', Infinity, 300],
    ]);
  });

  it('refuses a row of the wrong width, a number column that is not a number and an open quote, with the row', () => {
    const fail = (body: string) => {
      try {
        decodeRaw('text/csv', buf(body), COLUMNS);
      } catch (err) {
        return err as InputError;
      }
      throw new Error('expected an error');
    };
    expect(fail('red,a,1,2\nred,a,1\n')).toMatchObject({ row: 2, message: 'Row 2: expected 4 values (color, city, size, x), got 3' });
    expect(fail('1,red,a,1,2\n').message).toMatch(/got 5 \(send rows without the target column\)/);
    expect(fail('red,a,big,2\n')).toMatchObject({ row: 1, message: 'Row 1, column size: "big" is not a number' });
    expect(fail('"red,a,1,2\n').message).toMatch(/quoted field is not closed/);
    expect(fail('\n\n').row).toBe(0);
  });

  it('reads JSON instances by name or as arrays, and JSON Lines', () => {
    const byName = decodeRaw('application/json', buf(JSON.stringify({ instances: [{ color: 'red', city: 'A', size: 2, x: '3.5', extra: 1 }, { city: 'B' }] })), COLUMNS);
    expect(byName).toEqual([
      ['red', 'A', 2, 3.5],
      [null, 'B', null, null],
    ]);
    expect(decodeRaw('application/json', buf('{"instances": [["blue", 7, null, 1]]}'), COLUMNS)).toEqual([['blue', '7', null, 1]]);
    expect(decodeRaw('application/jsonlines', buf('{"color":"red","city":"A","size":1,"x":2}\n["g","B",3,4]\n'), COLUMNS)).toEqual([
      ['red', 'A', 1, 2],
      ['g', 'B', 3, 4],
    ]);
    expect(() => decodeRaw('application/json', buf('{"instances": []}'), COLUMNS)).toThrow('"instances" is empty');
    expect(() => decodeRaw('application/json', buf('[1,2]'), COLUMNS)).toThrow(/Send \{"instances"/);
    expect(() => decodeRaw('application/json', buf('{"instances": [["a", "b", 1]]}'), COLUMNS)).toThrow(/Row 1: expected 4 values/);
  });

  it('knows which DuckDB types hold numbers', () => {
    for (const t of ['DOUBLE', 'BIGINT', 'DECIMAL(9,2)', 'float', 'INTEGER']) expect(isNumericType(t), t).toBe(true);
    for (const t of ['VARCHAR', 'DATE', 'TIMESTAMP', 'BOOLEAN']) expect(isNumericType(t), t).toBe(false);
  });
});
