import { describe, expect, it } from 'vitest';
import { acceptedType, decode, encode, formatFloat32, InputError, mediaTypeOf } from './codecs.js';

const buf = (s: string) => Buffer.from(s);

describe('inference payloads', () => {
  it('reads CSV rows without the label; empty fields and nan are missing values', () => {
    const { features, rows } = decode('text/csv', buf('1,2.5,-3\r\n4,,nan\n\n'), 3);
    expect(rows).toBe(2);
    expect(Array.from(features.subarray(0, 3))).toEqual([1, 2.5, -3]);
    expect(features[3]).toBe(4);
    expect(Number.isNaN(features[4]) && Number.isNaN(features[5])).toBe(true);
  });

  it('reads inf and Infinity alike, in any case and with a sign, as numpy and XGBoost do', () => {
    const fields = ['inf', 'Infinity', '-inf', '-Infinity', '+inf', 'INF', '-INFINITY', ' inf ', 'NaN', '-nan', 'NAN'];
    const { features } = decode('text/csv', buf(`${fields.join(',')}\n`), fields.length);
    expect(Array.from(features)).toEqual([Infinity, Infinity, -Infinity, -Infinity, Infinity, Infinity, -Infinity, Infinity, NaN, NaN, NaN]);
    // What a CSV answer says for non-finite predictions reads back as a request.
    const answer = encode('text/csv', Float32Array.from([Infinity, -Infinity, NaN]), 1, 3);
    expect(Array.from(decode('text/csv', buf(answer), 3).features)).toEqual([Infinity, -Infinity, NaN]);
    for (const bad of ['infin', 'in', '--inf', 'inf1', 'nanx', '+-inf']) {
      expect(() => decode('text/csv', buf(`1,${bad}\n`), 2), bad).toThrow(`Row 1, column 2: ${JSON.stringify(bad)} is not a number`);
    }
  });

  it('reads every number exactly as Number() does', () => {
    let seed = 42;
    const rand = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
    const fields: string[] = ['0', '-0', '.5', '5.', '+3', '1e5', '1E-7', '-2.5e+3', '123456789012345', '1234567890123456789', '0.000000000000000000000001234', '1e400', '0x1f', ' 7', '8 ', 'Infinity'];
    for (let k = 0; k < 3000; k++) {
      const v = (rand() - 0.5) * 10 ** Math.floor(rand() * 16 - 8);
      fields.push(String(v), v.toPrecision(1 + Math.floor(rand() * 17)), v.toExponential(Math.floor(rand() * 12)), v.toFixed(Math.floor(rand() * 12)));
    }
    const { features } = decode('text/csv', buf(fields.join(',')), fields.length);
    fields.forEach((f, i) => expect(features[i], f).toBe(Math.fround(Number(f))));
  });

  it('refuses a bad row with its number', () => {
    const err = (fn: () => unknown) => {
      try {
        fn();
      } catch (e) {
        return e as InputError;
      }
      throw new Error('no error');
    };
    expect(err(() => decode('text/csv', buf('1,2,3\n1,2\n'), 3))).toMatchObject({ row: 2, message: 'Row 2: expected 3 features, got 2' });
    expect(err(() => decode('text/csv', buf('0,1,2,3\n'), 3)).message).toMatch(/without the label/);
    expect(err(() => decode('text/csv', buf('1,2,3\n4,5,6\n7,x1,9\n'), 3))).toMatchObject({ row: 3, message: 'Row 3, column 2: "x1" is not a number' });
    expect(err(() => decode('text/csv', buf('1,2,3,\n'), 3)).message).toBe('Row 1: expected 3 features, got 4 (send rows without the label column)');
    expect(err(() => decode('text/csv', buf('1,2,3\n1,-,3\n'), 3)).message).toBe('Row 2, column 2: "-" is not a number');
    expect(err(() => decode('text/csv', buf('1,2,3\n1,2e,3\n'), 3)).message).toBe('Row 2, column 2: "2e" is not a number');
    expect(err(() => decode('text/csv', buf('\n'), 3))).toMatchObject({ row: 0 });
    expect(err(() => decode('application/json', buf('{"instances":[[1,2,3],[1,"a",3]]}'), 3))).toMatchObject({ row: 2 });
    expect(err(() => decode('application/json', buf('{"rows":[]}'), 3)).message).toMatch(/instances/);
    expect(err(() => decode('application/json', buf('{nope'), 3)).message).toMatch(/not valid JSON/);
    expect(err(() => decode('application/jsonlines', buf('[1,2,3]\n{"features":[1,2]}\n'), 3))).toMatchObject({ row: 2 });
  });

  it('reads JSON instances, a single features row, and JSON Lines', () => {
    expect(Array.from(decode('application/json', buf('{"instances":[[1,2],{"features":[3,null]}]}'), 2).features)).toEqual([1, 2, 3, NaN]);
    expect(decode('application/json', buf('{"features":[5,6]}'), 2)).toMatchObject({ rows: 1 });
    expect(Array.from(decode('application/jsonlines', buf('[1,2]\n{"features":[3,4]}\n'), 2).features)).toEqual([1, 2, 3, 4]);
  });

  it('writes one prediction per row, several outputs comma-separated', () => {
    const v = Float32Array.from([0.25, 0.75, 0.5, 0.5]);
    expect(encode('text/csv', v, 2, 2)).toBe('0.25,0.75\n0.5,0.5\n');
    expect(encode('text/csv', Float32Array.from([0.1, NaN]), 2, 1)).toBe('0.1\nnan\n');
    expect(JSON.parse(encode('application/json', v, 2, 2))).toEqual({ predictions: [[0.25, 0.75], [0.5, 0.5]] });
    expect(JSON.parse(encode('application/json', Float32Array.from([0.1, 0.2]), 2, 1))).toEqual({ predictions: [0.1, 0.2] });
    expect(encode('application/jsonlines', Float32Array.from([0.1, 0.2]), 2, 1)).toBe('{"prediction":0.1}\n{"prediction":0.2}\n');
  });

  it('formats a float32 with the fewest digits that read back the same', () => {
    for (const x of [0.1, 1 / 3, 0.972313, 1e-8, 123456.789]) {
      const f = Math.fround(x);
      expect(Math.fround(Number(formatFloat32(f)))).toBe(f);
    }
    expect(formatFloat32(Math.fround(0.1))).toBe('0.1');
  });

  it('negotiates types from Content-Type and Accept', () => {
    expect(mediaTypeOf('text/csv; charset=utf-8')).toBe('text/csv');
    expect(mediaTypeOf('application/x-ndjson')).toBe('application/jsonlines');
    expect(mediaTypeOf('text/plain')).toBeNull();
    expect(acceptedType(undefined, 'application/json')).toBe('application/json');
    expect(acceptedType('*/*', 'text/csv')).toBe('text/csv');
    expect(acceptedType('application/xml, application/jsonlines;q=0.9', 'text/csv')).toBe('application/jsonlines');
    expect(acceptedType('image/png', 'text/csv')).toBeNull();
  });
});
