import { OrchardError } from '../../core/errors.js';
import { sqlIdent } from '../../data/duckdb-session.js';

/**
 * How the engine treats a column: every DuckDB type falls in one kind. Integers and
 * floating-point numbers are both `number`; `integer` tells them apart where it matters
 * (category encoders accept whole numbers, never floats).
 */
export type Kind = 'number' | 'string' | 'boolean' | 'date' | 'other';

/** A column at some point of a recipe. */
export interface Col {
  name: string;
  /** DuckDB type as written in the output (`DOUBLE`, `BIGINT`, `VARCHAR`, …). */
  type: string;
}

/** One value of a row inside the online transform; dates are epoch milliseconds (UTC). */
export type Value = number | string | boolean | null;

const INTEGER_TYPES = new Set(['TINYINT', 'SMALLINT', 'INTEGER', 'BIGINT', 'UTINYINT', 'USMALLINT', 'UINTEGER', 'INT', 'INT1', 'INT2', 'INT4', 'INT8', 'LONG', 'SHORT']);
const FLOAT_TYPES = new Set(['FLOAT', 'REAL', 'FLOAT4', 'DOUBLE', 'FLOAT8', 'UBIGINT', 'HUGEINT', 'UHUGEINT']);
const STRING_TYPES = new Set(['VARCHAR', 'TEXT', 'STRING', 'CHAR', 'BPCHAR']);
const DATE_TYPES = new Set(['DATE', 'TIMESTAMP', 'DATETIME', 'TIMESTAMP_S', 'TIMESTAMP_MS', 'TIMESTAMP_NS']);

function baseName(type: string): string {
  return type.trim().toUpperCase().replace(/\(.*$/, '').trim();
}

export function kindOf(type: string): Kind {
  const t = baseName(type);
  if (INTEGER_TYPES.has(t) || FLOAT_TYPES.has(t) || t === 'DECIMAL' || t === 'NUMERIC') return 'number';
  if (STRING_TYPES.has(t)) return 'string';
  if (t === 'BOOLEAN' || t === 'BOOL' || t === 'LOGICAL') return 'boolean';
  if (DATE_TYPES.has(t)) return 'date';
  return 'other';
}

/** Whole-number types (the ones category encoders accept besides text and booleans). */
export function isIntegerType(type: string): boolean {
  return INTEGER_TYPES.has(baseName(type));
}

/** Single-precision input: the online transform rounds its values as the Parquet file stores them. */
export function isFloat32Type(type: string): boolean {
  const t = baseName(type);
  return t === 'FLOAT' || t === 'REAL' || t === 'FLOAT4';
}

/**
 * The type a column has inside the recipe once read: whole numbers become BIGINT, other
 * numbers DOUBLE, text VARCHAR, timestamps TIMESTAMP; booleans and dates keep theirs.
 */
export function normalType(type: string): string {
  switch (kindOf(type)) {
    case 'number':
      return isIntegerType(type) ? 'BIGINT' : 'DOUBLE';
    case 'string':
      return 'VARCHAR';
    case 'boolean':
      return 'BOOLEAN';
    case 'date':
      return baseName(type) === 'DATE' ? 'DATE' : 'TIMESTAMP';
    default:
      return type;
  }
}

/** The SQL expression reading an input column as {@link normalType}: NaN and '' are missing. */
export function normalSql(name: string, type: string): string {
  const id = sqlIdent(name);
  const t = normalType(type);
  switch (kindOf(type)) {
    case 'number':
      if (t === 'BIGINT') return `CAST(${id} AS BIGINT)`;
      return `(CASE WHEN isnan(CAST(${id} AS DOUBLE)) THEN NULL ELSE CAST(${id} AS DOUBLE) END)`;
    case 'string':
      return `NULLIF(CAST(${id} AS VARCHAR), '')`;
    case 'date':
      return `CAST(${id} AS ${t})`;
    default:
      return id;
  }
}

/** A number as written in text: digits, an optional fraction and exponent; nothing else. */
const NUMBER_TEXT = /^\s*[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?\s*$/;
export const NUMBER_TEXT_SQL = String.raw`^\s*[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?\s*$`;

/** Text -> number with exactly the rule of the SQL side (see {@link NUMBER_TEXT_SQL}); null when it is not one. */
export function parseNumberText(text: string): number | null {
  return NUMBER_TEXT.test(text) ? Number(text.trim()) : null;
}

const DATE_TEXT = /^\s*(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?)?\s*(Z|[+-]\d{2}:?\d{2})?\s*$/;

/**
 * `YYYY-MM-DD`, optionally with ` HH:MM[:SS[.fraction]]` (or `T`) and a `Z`/`±HH:MM`
 * offset, to epoch milliseconds (UTC; no offset means UTC). Null when it is not a valid
 * date. The batch side parses text dates with this very function (a scalar function
 * registered in DuckDB), so both read the same instants.
 */
export function parseDateText(text: string): number | null {
  const m = DATE_TEXT.exec(text);
  if (!m) return null;
  const [year, month, day] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const [hour, minute, second] = [Number(m[4] ?? 0), Number(m[5] ?? 0), Number(m[6] ?? 0)];
  const ms = m[7] ? Math.floor(Number(`0.${m[7]}`) * 1000) : 0;
  if (month < 1 || month > 12 || day < 1 || hour > 23 || minute > 59 || second > 59) return null;
  const utc = new Date(0);
  utc.setUTCFullYear(year, month - 1, day);
  utc.setUTCHours(hour, minute, second, ms);
  if (utc.getUTCDate() !== day) return null;
  let t = utc.getTime();
  const zone = m[8];
  if (zone && zone !== 'Z') {
    const sign = zone[0] === '-' ? -1 : 1;
    const digits = zone.slice(1).replace(':', '');
    t -= sign * (Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2))) * 60_000;
  }
  return t;
}

/** An instant as text: `YYYY-MM-DD`, or `YYYY-MM-DD HH:MM:SS[.mmm]` (UTC). */
export function dateText(ms: number, dateOnly: boolean): string {
  const iso = new Date(ms).toISOString();
  if (dateOnly) return iso.slice(0, 10);
  const text = `${iso.slice(0, 10)} ${iso.slice(11, 19)}`;
  return ms % 1000 === 0 ? text : `${text}.${iso.slice(20, 23)}`;
}

function badValue(column: string, value: unknown, what: string): OrchardError {
  const shown = typeof value === 'string' ? JSON.stringify(value.length > 60 ? `${value.slice(0, 60)}…` : value) : String(value);
  return new OrchardError('ORCH_RECIPE_INVALID', {
    message: `Column ${column}: ${shown} is not ${what}`,
    details: { column },
  });
}

/**
 * A raw online value (CSV text, a JSON number/boolean, null) read as a column of `type`
 * is read by the batch side: '' and null are missing, numbers are parsed strictly.
 */
export function readRaw(column: string, type: string, raw: unknown): Value {
  if (raw === null || raw === undefined || raw === '') return null;
  switch (kindOf(type)) {
    case 'number': {
      let n: number | null;
      if (typeof raw === 'number') n = raw;
      else if (typeof raw === 'boolean') n = raw ? 1 : 0;
      else if (typeof raw === 'string') {
        n = parseNumberText(raw);
        if (n === null && /^\s*(nan|-?nan)\s*$/i.test(raw)) return null;
        if (n === null) throw badValue(column, raw, 'a number');
      } else throw badValue(column, raw, 'a number');
      if (Number.isNaN(n)) return null;
      if (isIntegerType(type)) {
        if (!Number.isInteger(n)) throw badValue(column, raw, 'a whole number');
        return n;
      }
      return isFloat32Type(type) ? Math.fround(n) : n;
    }
    case 'string':
      return typeof raw === 'string' ? raw : typeof raw === 'number' || typeof raw === 'boolean' ? String(raw) : JSON.stringify(raw);
    case 'boolean': {
      if (typeof raw === 'boolean') return raw;
      if (raw === 1 || raw === 0) return raw === 1;
      const s = String(raw).trim().toLowerCase();
      if (s === 'true' || s === 't' || s === '1' || s === 'yes' || s === 'y') return true;
      if (s === 'false' || s === 'f' || s === '0' || s === 'no' || s === 'n') return false;
      throw badValue(column, raw, 'a boolean');
    }
    case 'date': {
      if (typeof raw === 'number' && Number.isFinite(raw)) return baseName(type) === 'DATE' ? Math.floor(raw / 86_400_000) * 86_400_000 : raw;
      if (raw instanceof Date) return raw.getTime();
      const t = typeof raw === 'string' ? parseDateText(raw) : null;
      if (t === null) throw badValue(column, raw, 'a date (YYYY-MM-DD[ HH:MM[:SS]])');
      return baseName(type) === 'DATE' ? Math.floor(t / 86_400_000) * 86_400_000 : t;
    }
    default:
      return typeof raw === 'string' ? raw : String(raw);
  }
}

/** A category key as SQL's `CAST(x AS VARCHAR)` writes it, for text, whole numbers and booleans. */
export function categoryKey(value: Value): string | null {
  if (value === null) return null;
  if (typeof value === 'string') return value;
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  return String(value);
}

/** A float64 as an exact SQL literal of type DOUBLE (DuckDB parses the shortest round-trip text back to the same double). */
export function sqlDouble(value: number): string {
  if (Number.isNaN(value)) return `CAST('NaN' AS DOUBLE)`;
  if (!Number.isFinite(value)) return `CAST('${value > 0 ? 'Infinity' : '-Infinity'}' AS DOUBLE)`;
  // Exponent notation makes DuckDB read the literal as a DOUBLE (not a DECIMAL), correctly
  // rounded; toExponential() writes the shortest digits that round-trip.
  const text = value.toExponential();
  if (Object.is(value, -0)) return '(-0e+0)';
  return value < 0 ? `(${text})` : text;
}

/** A number as JS's `<` and `===` and DuckDB's comparison operators order them: code-point order for text. */
export function compareKeys(a: string, b: string): number {
  if (a === b) return 0;
  // Compare by code point (DuckDB compares UTF-8 bytes, which orders as code points).
  const ca = Array.from(a);
  const cb = Array.from(b);
  const n = Math.min(ca.length, cb.length);
  for (let i = 0; i < n; i++) {
    const x = ca[i].codePointAt(0)!;
    const y = cb[i].codePointAt(0)!;
    if (x !== y) return x < y ? -1 : 1;
  }
  return ca.length - cb.length;
}
