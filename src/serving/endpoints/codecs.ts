/**
 * The inference payloads a model server reads and writes (SageMaker's content types for
 * the built-in algorithms): CSV rows without the label, JSON `{"instances": [...]}` or
 * `{"features": [...]}`, and JSON Lines. A row that does not fit the model is refused
 * with its 1-based number, so a caller can find it in a large batch. The raw rows of an
 * inference pipeline (text and numbers by column, before its recipe) are decoded in
 * raw-decoders.ts.
 */

export { decodeRaw, isNumericType } from './raw-decoders.js';
export type { RawColumns, RawRow } from './raw-decoders.js';

export type MediaType = 'text/csv' | 'application/json' | 'application/jsonlines';

export const MEDIA_TYPES: readonly MediaType[] = ['text/csv', 'application/json', 'application/jsonlines'];

const ALIASES: Record<string, MediaType> = {
  'text/csv': 'text/csv',
  'application/csv': 'text/csv',
  'application/json': 'application/json',
  'application/jsonlines': 'application/jsonlines',
  'application/x-jsonlines': 'application/jsonlines',
  'application/jsonl': 'application/jsonlines',
  'application/x-ndjson': 'application/jsonlines',
};

/** A row the model cannot use; `row` is 1-based (0 when the payload as a whole is wrong). */
export class InputError extends Error {
  constructor(
    message: string,
    readonly row: number,
  ) {
    super(message);
  }
}

/** The media type of a Content-Type header (parameters such as charset ignored), or null. */
export function mediaTypeOf(header: string | undefined): MediaType | null {
  if (!header) return null;
  const semi = header.indexOf(';');
  const base = (semi < 0 ? header : header.slice(0, semi)).trim().toLowerCase();
  return ALIASES[base] ?? null;
}

/**
 * The response type an Accept header asks for: the first supported type in the list
 * (quality values are not weighed); absent or `*\/*` answers in the request's type.
 * Null when nothing in the header is supported.
 */
export function acceptedType(header: string | undefined, requestType: MediaType): MediaType | null {
  if (!header) return requestType;
  if (header === 'text/csv' || header === 'application/json') return header;
  for (const part of header.split(',')) {
    const base = part.split(';')[0].trim().toLowerCase();
    if (base === '*/*' || base === '') return requestType;
    const type = ALIASES[base];
    if (type) return type;
    if (base === 'text/*') return 'text/csv';
    if (base === 'application/*') return requestType === 'text/csv' ? 'application/json' : requestType;
  }
  return null;
}

/** Rows as a row-major Float32Array (NaN = missing value). */
export interface DecodedRows {
  features: Float32Array;
  rows: number;
}

export function decode(type: MediaType, body: Buffer, numFeatures: number): DecodedRows {
  if (type === 'text/csv') return decodeCsv(body.toString('utf8'), numFeatures);
  if (type === 'application/json') return decodeJson(body.toString('utf8'), numFeatures);
  return decodeJsonLines(body.toString('utf8'), numFeatures);
}

/**
 * CSV, no header, no label column: one row per line, `,`-separated numbers; an empty
 * field is a missing value (as XGBoost reads CSV).
 */
export function decodeCsv(text: string, numFeatures: number): DecodedRows {
  const starts: number[] = [];
  const ends: number[] = [];
  for (let pos = 0; pos <= text.length; ) {
    let nl = text.indexOf('\n', pos);
    if (nl < 0) nl = text.length;
    const end = nl > pos && text.charCodeAt(nl - 1) === 13 ? nl - 1 : nl;
    if (!blankRange(text, pos, end)) {
      starts.push(pos);
      ends.push(end);
    }
    pos = nl + 1;
  }
  const rows = starts.length;
  if (rows === 0) throw new InputError('The request has no rows', 0);
  const features = new Float32Array(rows * numFeatures);
  for (let r = 0; r < rows; r++) parseCsvRow(text, starts[r], ends[r], features, r * numFeatures, numFeatures, r + 1);
  return { features, rows };
}

/** Powers of ten a double holds exactly. */
const POW10 = Array.from({ length: 23 }, (_, k) => Number(`1e${k}`));

/**
 * One row's fields into `out`. Plain decimals (up to 15 significant digits, exponent
 * within 10^±22 after scaling) are read without making a string per field: the digits
 * as an exact integer times or divided by an exact power of ten is one correctly rounded
 * operation, the same double `Number()` gives (Clinger's fast path). Anything else
 * (blanks, `nan`, `inf`, long mantissas, a bad field) goes through `Number()` on the field.
 */
function parseCsvRow(text: string, a: number, b: number, out: Float32Array, base: number, numFeatures: number, row: number): void {
  let c = 0;
  let i = a;
  for (;;) {
    if (c === numFeatures) throw widthError(row, numFeatures, text.slice(a, b).split(',').length);
    let j = i;
    let ch = j < b ? text.charCodeAt(j) : 44;
    const negative = ch === 45;
    if (negative || ch === 43) ch = ++j < b ? text.charCodeAt(j) : 44;
    let mantissa = 0;
    let significant = 0;
    let digits = 0;
    let scale = 0;
    let dot = false;
    for (; j < b; ch = ++j < b ? text.charCodeAt(j) : 44) {
      if (ch >= 48 && ch <= 57) {
        digits++;
        if (mantissa !== 0 || ch !== 48) significant++;
        mantissa = mantissa * 10 + (ch - 48);
        if (dot) scale--;
      } else if (ch === 46 && !dot) dot = true;
      else break;
    }
    if (j < b && (ch === 101 || ch === 69)) {
      let k = j + 1;
      let e = k < b ? text.charCodeAt(k) : 44;
      const expNegative = e === 45;
      if (expNegative || e === 43) e = ++k < b ? text.charCodeAt(k) : 44;
      let exp = 0;
      const from = k;
      for (; k < b && e >= 48 && e <= 57; e = ++k < b ? text.charCodeAt(k) : 44) exp = exp * 10 + (e - 48);
      if (k > from && exp < 400) {
        scale += expNegative ? -exp : exp;
        j = k;
        ch = e;
      } else digits = 0;
    }
    let value: number;
    if (digits > 0 && significant <= 15 && scale >= -22 && scale <= 22 && (j === b || ch === 44)) {
      value = scale < 0 ? mantissa / POW10[-scale] : mantissa * POW10[scale];
      if (negative) value = -value;
    } else {
      // The field's end, then the general reading (with its checks).
      j = text.indexOf(',', i);
      if (j < 0 || j > b) j = b;
      value = slowField(text.slice(i, j), row, c + 1);
    }
    out[base + c++] = value;
    if (j >= b) break;
    i = j + 1;
  }
  if (c !== numFeatures) throw widthError(row, numFeatures, c);
}

function slowField(s: string, row: number, column: number): number {
  const v = +s;
  if (v !== v) {
    const word = nonFiniteWord(s);
    if (word === undefined) throw new InputError(`Row ${row}, column ${column}: ${JSON.stringify(s.slice(0, 40))} is not a number`, row);
    return word;
  }
  return v === 0 && s.trim() === '' ? NaN : v;
}

function blankRange(text: string, a: number, b: number): boolean {
  for (let k = a; k < b; k++) {
    const ch = text.charCodeAt(k);
    if (ch !== 32 && ch !== 9 && ch !== 13) return false;
  }
  return true;
}

function decodeJson(text: string, numFeatures: number): DecodedRows {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    throw new InputError('The request body is not valid JSON', 0);
  }
  if (doc && typeof doc === 'object' && !Array.isArray(doc)) {
    const d = doc as { instances?: unknown; features?: unknown };
    if (Array.isArray(d.instances)) {
      if (d.instances.length === 0) throw new InputError('"instances" is empty', 0);
      const features = new Float32Array(d.instances.length * numFeatures);
      d.instances.forEach((instance, i) => fillRow(features, i, instanceValues(instance, i + 1), numFeatures));
      return { features, rows: d.instances.length };
    }
    if (d.features !== undefined) {
      const features = new Float32Array(numFeatures);
      fillRow(features, 0, instanceValues(d.features, 1), numFeatures);
      return { features, rows: 1 };
    }
  }
  throw new InputError('Send {"instances": [[...], ...]} or {"features": [...]}', 0);
}

function decodeJsonLines(text: string, numFeatures: number): DecodedRows {
  const lines = text.split('\n').filter((l) => !blank(l));
  if (lines.length === 0) throw new InputError('The request has no rows', 0);
  const features = new Float32Array(lines.length * numFeatures);
  lines.forEach((line, i) => {
    let doc: unknown;
    try {
      doc = JSON.parse(line);
    } catch {
      throw new InputError(`Row ${i + 1}: not valid JSON`, i + 1);
    }
    fillRow(features, i, instanceValues(doc, i + 1), numFeatures);
  });
  return { features, rows: lines.length };
}

/** An instance is an array of numbers, or `{"features": [...]}`. */
function instanceValues(instance: unknown, row: number): unknown[] {
  if (Array.isArray(instance)) return instance;
  const features = (instance as { features?: unknown } | null)?.features;
  if (Array.isArray(features)) return features;
  throw new InputError(`Row ${row}: expected an array of numbers or {"features": [...]}`, row);
}

function fillRow(out: Float32Array, r: number, values: unknown[], numFeatures: number): void {
  if (values.length !== numFeatures) throw widthError(r + 1, numFeatures, values.length);
  const base = r * numFeatures;
  for (let c = 0; c < numFeatures; c++) {
    const v = values[c];
    if (typeof v === 'number') out[base + c] = v;
    else if (v === null) out[base + c] = NaN;
    else throw new InputError(`Row ${r + 1}, column ${c + 1}: ${JSON.stringify(v)?.slice(0, 40)} is not a number`, r + 1);
  }
}

function widthError(row: number, expected: number, got: number): InputError {
  const hint = got === expected + 1 ? ' (send rows without the label column)' : '';
  return new InputError(`Row ${row}: expected ${expected} features, got ${got}${hint}`, row);
}

/** A line holding no row: empty, or at most two blanks (a `\r` left by a CRLF split). */
export function blank(line: string): boolean {
  return line.length === 0 || (line.length <= 2 && line.trim() === '');
}

/**
 * The words for non-finite values, in any case and with an optional sign: `nan`,
 * `inf`, `infinity` (a blank field is missing too). One rule for every spelling, the
 * one numpy, pandas, XGBoost and DuckDB's dataset ingest read; `inf` is also what
 * {@link encode} writes, so a CSV answer reads back as a request.
 */
export function nonFiniteWord(s: string): number | undefined {
  let t = s.trim().toLowerCase();
  if (t === '') return NaN;
  const sign = t.charCodeAt(0) === 45 ? -1 : 1;
  if (t.charCodeAt(0) === 45 || t.charCodeAt(0) === 43) t = t.slice(1);
  if (t === 'nan') return NaN;
  if (t === 'inf' || t === 'infinity') return sign * Infinity;
  return undefined;
}

/** Predictions in the response type: `rows` rows of `k` values each. */
export function encode(type: MediaType, values: Float32Array, rows: number, k: number): string {
  if (type === 'text/csv') {
    let out = '';
    for (let r = 0; r < rows; r++) {
      for (let j = 0; j < k; j++) out += (j ? ',' : '') + formatCsv(values[r * k + j]);
      out += '\n';
    }
    return out;
  }
  const row = (r: number) => (k === 1 ? formatJson(values[r]) : `[${Array.from(values.subarray(r * k, r * k + k), formatJson).join(',')}]`);
  if (type === 'application/json') {
    const parts = new Array<string>(rows);
    for (let r = 0; r < rows; r++) parts[r] = row(r);
    return `{"predictions":[${parts.join(',')}]}`;
  }
  let out = '';
  for (let r = 0; r < rows; r++) out += `{"prediction":${row(r)}}\n`;
  return out;
}

/** The shortest decimal that reads back as the same float32 (what the model computed). */
export function formatFloat32(v: number): string {
  for (let p = 6; p < 9; p++) {
    const s = v.toPrecision(p);
    if (Math.fround(+s) === v) return String(+s);
  }
  return String(+v.toPrecision(9));
}

function formatCsv(v: number): string {
  return Number.isFinite(v) ? formatFloat32(v) : v !== v ? 'nan' : v > 0 ? 'inf' : '-inf';
}

function formatJson(v: number): string {
  return Number.isFinite(v) ? formatFloat32(v) : 'null';
}
