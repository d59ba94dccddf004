/**
 * How each column of a dataset version is read for AutoML, from its DuckDB type and the
 * statistics computed at ingest (src/data/stats.ts): numeric, categorical, text, date, or
 * dropped with its reason.
 */
import type { AutomlColumn, DatasetColumn } from '../../contracts/index.js';

/** How the engine and the analysis group DuckDB types. */
export type TypeKind = 'integer' | 'float' | 'string' | 'boolean' | 'date' | 'other';

const INTEGER = new Set(['TINYINT', 'SMALLINT', 'INTEGER', 'BIGINT', 'UTINYINT', 'USMALLINT', 'UINTEGER', 'INT', 'INT1', 'INT2', 'INT4', 'INT8', 'LONG', 'SHORT']);
const FLOAT = new Set(['FLOAT', 'REAL', 'FLOAT4', 'DOUBLE', 'FLOAT8', 'UBIGINT', 'HUGEINT', 'UHUGEINT', 'DECIMAL', 'NUMERIC']);
const STRING = new Set(['VARCHAR', 'TEXT', 'STRING', 'CHAR', 'BPCHAR']);
// The recipe engine's date kinds (src/recipes/engine/values.ts): TIMESTAMP WITH TIME ZONE and TIME are not among them.
const DATE = new Set(['DATE', 'TIMESTAMP', 'DATETIME', 'TIMESTAMP_S', 'TIMESTAMP_MS', 'TIMESTAMP_NS']);

/** The kind of a DuckDB type name (`DECIMAL(18,3)` is a float here: the engine reads it as DOUBLE). */
export function typeKind(type: string): TypeKind {
  const t = type.trim().toUpperCase().replace(/\(.*$/, '').trim();
  if (INTEGER.has(t)) return 'integer';
  if (FLOAT.has(t)) return 'float';
  if (STRING.has(t)) return 'string';
  if (t === 'BOOLEAN' || t === 'BOOL' || t === 'LOGICAL') return 'boolean';
  if (DATE.has(t)) return 'date';
  return 'other';
}

/**
 * Thresholds of the column rules.
 * - ID-like: an integer or text column whose distinct count is at least `idShare` of its
 *   values (and at least `idMinRows` values). Integers must also look like keys: a name
 *   such as `id`, `user_id`, `key`, or a range no wider than twice the count (a sequence);
 *   an all-distinct integer with a wide range (an amount) stays numeric.
 * - Text: a string column with more than `textMinDistinct` values whose sample (top values,
 *   min, max) is mostly words separated by spaces, or long (`textMinLength` characters).
 * - Date: a DATE/TIMESTAMP column, or a string column whose sample is all ISO dates.
 */
export const COLUMN_RULES = {
  idShare: 0.95,
  idMinRows: 20,
  textMinDistinct: 20,
  textMinLength: 40,
} as const;

const ISO_DATE = /^\d{4}-\d{2}-\d{2}([ T]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?$/;
const KEY_NAME = /(^|[_\-\s.])(id|key|uuid|guid)$|^(id|key|uuid|guid)([_\-\s.]|$)/i;
/** `userId`, `orderKey` (case matters: `paid` is not a key). */
const CAMEL_KEY_NAME = /[a-z0-9](Id|ID|Key|Uuid|UUID)$/;

/** A column as the analysis read it, with what the recipes need beyond the contract's fields. */
export interface ReadColumn extends AutomlColumn {
  kind: TypeKind;
  /** Non-missing values. */
  count: number;
  /** A string date (read by `date_parts` as text) or a timestamp (has an hour). */
  hasTime: boolean;
}

/** The text values the statistics show of a column (top values, min and max). */
function sample(column: DatasetColumn): string[] {
  const s = column.stats;
  const values = s.topValues.map((t) => t.value).concat([s.min, s.max]);
  return values.filter((v): v is string => typeof v === 'string' && v !== '');
}

function looksLikeText(values: string[]): boolean {
  if (values.length === 0) return false;
  const wordy = values.filter((v) => /\S\s+\S/.test(v.trim())).length;
  const long = values.filter((v) => v.length >= COLUMN_RULES.textMinLength).length;
  return wordy * 2 > values.length || long * 2 > values.length;
}

function looksLikeDates(values: string[]): boolean {
  return values.length > 0 && values.every((v) => ISO_DATE.test(v.trim()));
}

function integerLooksLikeKey(column: DatasetColumn): boolean {
  if (KEY_NAME.test(column.name) || CAMEL_KEY_NAME.test(column.name)) return true;
  const { min, max, count } = column.stats;
  return typeof min === 'number' && typeof max === 'number' && max - min + 1 <= 2 * count;
}

/**
 * Reads one column. The target is marked dropped (reason `target`); the caller checks it
 * apart. A column all missing, constant (at most one distinct value), ID-like or of a
 * type no recipe step reads (TIME, TIMESTAMP WITH TIME ZONE, BLOB, nested) is dropped.
 */
export function readColumn(column: DatasetColumn, target: string): ReadColumn {
  const s = column.stats;
  const kind = typeKind(column.type);
  const base = {
    name: column.name,
    sourceType: column.type,
    missing: Math.max(0, s.nulls),
    distinct: Number.isFinite(s.distinct) ? s.distinct : null,
    kind,
    count: s.count,
    hasTime: kind === 'date' && !/^DATE$/i.test(column.type.trim()),
  };
  const dropped = (reason: ReadColumn['dropReason']): ReadColumn => ({ ...base, type: 'dropped', dropReason: reason });
  const as = (type: Exclude<ReadColumn['type'], 'dropped'>): ReadColumn => ({ ...base, type, dropReason: null });
  if (column.name === target) return dropped('target');
  if (kind === 'other') return dropped('unsupported-type');
  if (s.count === 0) return dropped('all-missing');
  if (s.distinct <= 1) return dropped('constant');
  const allDistinct = s.count >= COLUMN_RULES.idMinRows && s.distinct >= COLUMN_RULES.idShare * s.count;
  switch (kind) {
    case 'integer':
      return allDistinct && integerLooksLikeKey(column) ? dropped('id-like') : as('numeric');
    case 'float':
      return as('numeric');
    case 'boolean':
      return as('categorical');
    case 'date':
      return as('date');
    case 'string': {
      const values = sample(column);
      if (looksLikeDates(values)) return { ...as('date'), hasTime: values.some((v) => /\d{2}:\d{2}/.test(v)) };
      if (s.distinct > COLUMN_RULES.textMinDistinct && looksLikeText(values)) return as('text');
      return allDistinct ? dropped('id-like') : as('categorical');
    }
  }
  return dropped('unsupported-type');
}
