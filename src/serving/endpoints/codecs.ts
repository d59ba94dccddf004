/**
 * The inference payloads a model server reads and writes (SageMaker's content types for
 * the built-in algorithms): CSV rows without the label, JSON `{"instances": [...]}` or
 * `{"features": [...]}`, and JSON Lines. A row that does not fit the model is refused
 * with its 1-based number, so a caller can find it in a large batch.
 */

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
  // The common case (one row, as real-time callers send) without splitting into lines.
  const lines = text.indexOf('\n') < 0 ? [text] : text.split('\n');
  let rows = 0;
  for (const line of lines) if (!blank(line)) rows++;
  if (rows === 0) throw new InputError('The request has no rows', 0);
  const features = new Float32Array(rows * numFeatures);
  let r = 0;
  for (const raw of lines) {
    if (blank(raw)) continue;
    const line = raw.charCodeAt(raw.length - 1) === 13 ? raw.slice(0, -1) : raw;
    const fields = line.split(',');
    if (fields.length !== numFeatures) throw widthError(r + 1, numFeatures, fields.length);
    const base = r * numFeatures;
    for (let c = 0; c < numFeatures; c++) {
      const s = fields[c];
      let v = +s;
      if (v !== v) {
        if (!isNanText(s)) throw new InputError(`Row ${r + 1}, column ${c + 1}: ${JSON.stringify(s.slice(0, 40))} is not a number`, r + 1);
      } else if (v === 0 && s.trim() === '') v = NaN;
      features[base + c] = v;
    }
    r++;
  }
  return { features, rows };
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

function blank(line: string): boolean {
  return line.length === 0 || (line.length <= 2 && line.trim() === '');
}

function isNanText(s: string): boolean {
  const t = s.trim().toLowerCase();
  return t === 'nan' || t === '';
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
