import { describe, expect, it } from 'vitest';
import { csvCell, csvLines } from './csv.js';

describe('CSV cells', () => {
  it('quotes as RFC 4180 says', () => {
    expect(csvCell('plain')).toBe('plain');
    expect(csvCell('a,b')).toBe('"a,b"');
    expect(csvCell('say "hi"')).toBe('"say ""hi"""');
    expect(csvCell('two\nlines')).toBe('"two\nlines"');
    expect(csvCell(null)).toBe('');
    expect(csvCell({ a: [1, 2] })).toBe('"{""a"":[1,2]}"');
  });

  it('neutralises text a spreadsheet would run as a formula, but not numbers', () => {
    for (const start of ['=', '+', '-', '@', '\t', '\r']) expect(csvCell(`${start}SUM(A1)`).replace(/^"/, '')).toMatch(/^'/);
    expect(csvCell('=1+2')).toBe("'=1+2");
    expect(csvCell('=HYPERLINK("http://x")')).toBe('"\'=HYPERLINK(""http://x"")"');
    expect(csvCell(-5)).toBe('-5');
    expect(csvCell(Number.NaN)).toBe('');
    expect(csvCell('a=b')).toBe('a=b');
  });

  it('writes a header and CRLF-terminated records in column order', () => {
    expect([...csvLines(['b', 'a'], [{ a: 1, b: 'x' }])].join('')).toBe('b,a\r\nx,1\r\n');
  });
});
