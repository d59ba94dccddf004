/**
 * The raw rows an inference pipeline reads (its recipe turns them into the model's
 * features): values by column, text or numbers, decoded from the same content types as
 * the model server's numeric rows and refused with the same 1-based row numbers.
 */
import { blank, InputError, nonFiniteWord, type MediaType } from './codecs.js';

/** One raw row of an inference pipeline: values in the recipe's input order, null when missing. */
export type RawRow = Array<string | number | null>;

/** The raw columns a pipeline reads: names in CSV order, and whether each is numeric. */
export interface RawColumns {
  names: readonly string[];
  numeric: readonly boolean[];
}

const NUMERIC_TYPE = /^(DOUBLE|FLOAT|REAL|DECIMAL.*|NUMERIC.*|BIGINT|INTEGER|INT|SMALLINT|TINYINT|HUGEINT|UBIGINT|UINTEGER|USMALLINT|UTINYINT|UHUGEINT|FLOAT4|FLOAT8|INT2|INT4|INT8)$/i;

/** Whether a DuckDB column type holds numbers (a pipeline reads its CSV fields as numbers). */
export function isNumericType(type: string): boolean {
  return NUMERIC_TYPE.test(type.trim());
}

/**
 * Raw rows for an inference pipeline (the recipe runs on them before the model): CSV
 * without header or label, fields in the recipe's input order, quoted as RFC 4180 when
 * they hold commas or quotes, an empty field missing; JSON `{"instances": [...]}` and JSON
 * Lines, each instance an object by column name (absent keys are missing, others ignored)
 * or an array in input order. Numeric columns take numbers (`nan` is missing), the others
 * text (a number given for one is read as its text).
 */
export function decodeRaw(type: MediaType, body: Buffer, columns: RawColumns): RawRow[] {
  const text = body.toString('utf8');
  if (type === 'text/csv') return decodeRawCsv(text, columns);
  if (type === 'application/json') {
    let doc: unknown;
    try {
      doc = JSON.parse(text);
    } catch {
      throw new InputError('The request body is not valid JSON', 0);
    }
    const instances = (doc as { instances?: unknown } | null)?.instances;
    if (!doc || typeof doc !== 'object' || Array.isArray(doc) || !Array.isArray(instances)) {
      throw new InputError(`Send {"instances": [{"column": value, ...}, ...]} or arrays of the columns ${columns.names.join(', ')}`, 0);
    }
    if (instances.length === 0) throw new InputError('"instances" is empty', 0);
    return instances.map((instance, i) => rawInstance(instance, i + 1, columns));
  }
  const lines = text.split('\n').filter((l) => !blank(l));
  if (lines.length === 0) throw new InputError('The request has no rows', 0);
  return lines.map((line, i) => {
    let doc: unknown;
    try {
      doc = JSON.parse(line);
    } catch {
      throw new InputError(`Row ${i + 1}: not valid JSON`, i + 1);
    }
    return rawInstance(doc, i + 1, columns);
  });
}

function rawInstance(instance: unknown, row: number, columns: RawColumns): RawRow {
  const n = columns.names.length;
  if (Array.isArray(instance)) {
    if (instance.length !== n) throw rawWidthError(row, columns, instance.length);
    return instance.map((v, c) => rawValue(v, row, c, columns));
  }
  if (instance && typeof instance === 'object') {
    const values = (instance as { features?: unknown }).features;
    if (Array.isArray(values) && !columns.names.includes('features')) return rawInstance(values, row, columns);
    const record = instance as Record<string, unknown>;
    return columns.names.map((name, c) => rawValue(record[name], row, c, columns));
  }
  throw new InputError(`Row ${row}: expected an object by column name or an array of ${n} values`, row);
}

function rawValue(v: unknown, row: number, c: number, columns: RawColumns): string | number | null {
  if (v === null || v === undefined) return null;
  if (typeof v === 'number') return columns.numeric[c] ? (Number.isNaN(v) ? null : v) : String(v);
  if (typeof v === 'string') return columns.numeric[c] ? rawNumber(v, row, c, columns) : v === '' ? null : v;
  if (typeof v === 'boolean') return columns.numeric[c] ? Number(v) : String(v);
  throw new InputError(`Row ${row}, column ${columns.names[c]}: ${JSON.stringify(v)?.slice(0, 40)} is not a value`, row);
}

function rawNumber(s: string, row: number, c: number, columns: RawColumns): number | null {
  const v = +s;
  if (v === v && !(v === 0 && s.trim() === '')) return v;
  const word = nonFiniteWord(s);
  if (word === undefined) throw new InputError(`Row ${row}, column ${columns.names[c]}: ${JSON.stringify(s.slice(0, 40))} is not a number`, row);
  return Number.isNaN(word) ? null : word;
}

/** RFC 4180 CSV: `,` between fields, `"…"` around a field with `,`, `"` (doubled) or a line break. */
function decodeRawCsv(text: string, columns: RawColumns): RawRow[] {
  const rows: RawRow[] = [];
  const n = columns.names.length;
  let i = 0;
  const end = text.length;
  while (i < end) {
    const fields: Array<string | null> = [];
    const lineStart = i;
    for (;;) {
      let value: string | null;
      if (text.charCodeAt(i) === 34) {
        // Quoted: up to the closing quote; "" is a quote.
        let out = '';
        let j = i + 1;
        for (;;) {
          const q = text.indexOf('"', j);
          if (q < 0) throw new InputError(`Row ${rows.length + 1}: a quoted field is not closed`, rows.length + 1);
          out += text.slice(j, q);
          if (text.charCodeAt(q + 1) === 34) {
            out += '"';
            j = q + 2;
          } else {
            i = q + 1;
            break;
          }
        }
        value = out;
      } else {
        let j = i;
        while (j < end) {
          const ch = text.charCodeAt(j);
          if (ch === 44 || ch === 10 || ch === 13) break;
          j++;
        }
        const raw = text.slice(i, j);
        value = raw.trim() === '' ? null : raw;
        i = j;
      }
      fields.push(value);
      if (i >= end) break;
      const ch = text.charCodeAt(i);
      if (ch === 44) {
        i++;
        continue;
      }
      if (ch === 13) {
        i++;
        if (i < end && text.charCodeAt(i) === 10) i++;
        break;
      }
      if (ch === 10) {
        i++;
        break;
      }
      throw new InputError(`Row ${rows.length + 1}: unexpected text after a quoted field`, rows.length + 1);
    }
    // A blank line is no row.
    if (fields.length === 1 && fields[0] === null && text.slice(lineStart, i).trim() === '') continue;
    const row = rows.length + 1;
    if (fields.length !== n) throw rawWidthError(row, columns, fields.length);
    rows.push(fields.map((v, c) => (v === null ? null : columns.numeric[c] ? rawNumber(v, row, c, columns) : v === '' ? null : v)));
  }
  if (rows.length === 0) throw new InputError('The request has no rows', 0);
  return rows;
}

function rawWidthError(row: number, columns: RawColumns, got: number): InputError {
  const n = columns.names.length;
  const hint = got === n + 1 ? ' (send rows without the target column)' : '';
  return new InputError(`Row ${row}: expected ${n} values (${columns.names.join(', ')}), got ${got}${hint}`, row);
}
