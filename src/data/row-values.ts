import {
  DuckDBBlobValue,
  DuckDBDateValue,
  DuckDBDecimalValue,
  DuckDBTimestampMillisecondsValue,
  DuckDBTimestampNanosecondsValue,
  DuckDBTimestampSecondsValue,
  DuckDBTimestampTZValue,
  DuckDBTimestampValue,
  DuckDBTypeId,
  DuckDBUnionType,
  DuckDBUnionValue,
  arrayFromArrayValue,
  arrayFromListValue,
  fromVariantValue,
  objectArrayFromMapValue,
  objectFromStructValue,
  type DuckDBType,
  type DuckDBValue,
  type DuckDBValueConverter,
} from '@duckdb/node-api';

/** A value that survives `JSON.stringify` unchanged and means the same thing. */
export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

const MS_PER_DAY = 86_400_000;
/** Range of JS Date: ±8.64e15 ms around the epoch. */
const MAX_DATE_MS = 8.64e15;

/**
 * Converts one DuckDB value to JSON: integers to numbers while they are exact
 * (bigger ones to strings), decimals to numbers, non-finite floats to null,
 * dates to `YYYY-MM-DD`, timestamps to ISO-8601 UTC strings, blobs to base64,
 * lists/structs/maps to arrays and objects.
 */
export const toJsonValue: DuckDBValueConverter<JsonValue> = (value, type, converter) => {
  if (value === null || value === undefined) return null;
  switch (type.typeId) {
    case DuckDBTypeId.BOOLEAN:
      return Boolean(value);
    case DuckDBTypeId.FLOAT:
    case DuckDBTypeId.DOUBLE:
      return finiteOrNull(Number(value));
    case DuckDBTypeId.DECIMAL:
      return value instanceof DuckDBDecimalValue ? finiteOrNull(value.toDouble()) : finiteOrNull(Number(value));
    case DuckDBTypeId.BLOB:
      return value instanceof DuckDBBlobValue ? Buffer.from(value.bytes).toString('base64') : String(value);
    case DuckDBTypeId.DATE:
      return dateToIso(value);
    case DuckDBTypeId.TIMESTAMP:
    case DuckDBTypeId.TIMESTAMP_S:
    case DuckDBTypeId.TIMESTAMP_MS:
    case DuckDBTypeId.TIMESTAMP_NS:
    case DuckDBTypeId.TIMESTAMP_TZ:
      return timestampToIso(value);
    case DuckDBTypeId.LIST:
      return arrayFromListValue(value, type, converter);
    case DuckDBTypeId.ARRAY:
      return arrayFromArrayValue(value, type, converter);
    case DuckDBTypeId.STRUCT:
      return objectFromStructValue(value, type, converter) as JsonValue;
    case DuckDBTypeId.MAP:
      return objectArrayFromMapValue(value, type, converter) as JsonValue;
    case DuckDBTypeId.UNION:
      return unionValue(value, type, converter);
    case DuckDBTypeId.VARIANT:
      return fromVariantValue(value, type, converter);
    case DuckDBTypeId.SQLNULL:
      return null;
    default:
      return scalar(value);
  }
};

/** Numbers, bigints and everything with a sensible `toString` (VARCHAR, UUID, TIME, INTERVAL, ENUM, BIT…). */
function scalar(value: DuckDBValue): JsonValue {
  if (typeof value === 'number') return finiteOrNull(value);
  if (typeof value === 'bigint') return bigintToJson(value);
  if (typeof value === 'string' || typeof value === 'boolean') return value;
  return String(value);
}

function unionValue(value: DuckDBValue, type: DuckDBType, converter: DuckDBValueConverter<JsonValue>): JsonValue {
  if (value instanceof DuckDBUnionValue && type instanceof DuckDBUnionType) {
    return converter(value.value, type.memberTypeForTag(value.tag), converter);
  }
  return String(value);
}

/** A bigint as a number when that is exact, else as its decimal string. */
export function bigintToJson(value: bigint): number | string {
  const n = Number(value);
  return Number.isSafeInteger(n) ? n : value.toString();
}

function finiteOrNull(n: number): number | null {
  return Number.isFinite(n) ? n : null;
}

function dateToIso(value: DuckDBValue): string | null {
  if (!(value instanceof DuckDBDateValue)) return String(value);
  if (!value.isFinite) return null;
  const ms = value.days * MS_PER_DAY;
  if (Math.abs(ms) > MAX_DATE_MS) return value.toString();
  const iso = new Date(ms).toISOString();
  // Years outside 0000-9999 come back as ±YYYYYY-…; keep DuckDB's own spelling then.
  return iso.length === 24 ? iso.slice(0, 10) : value.toString();
}

function timestampToIso(value: DuckDBValue): string | null {
  let ms: bigint;
  if (value instanceof DuckDBTimestampValue || value instanceof DuckDBTimestampTZValue) {
    if (!value.isFinite) return null;
    ms = floorDiv(value.micros, 1000n);
  } else if (value instanceof DuckDBTimestampMillisecondsValue) {
    if (!value.isFinite) return null;
    ms = value.millis;
  } else if (value instanceof DuckDBTimestampSecondsValue) {
    if (!value.isFinite) return null;
    ms = value.seconds * 1000n;
  } else if (value instanceof DuckDBTimestampNanosecondsValue) {
    if (!value.isFinite) return null;
    ms = floorDiv(value.nanos, 1_000_000n);
  } else {
    return String(value);
  }
  const n = Number(ms);
  return Math.abs(n) > MAX_DATE_MS ? String(value) : new Date(n).toISOString();
}

/** Division rounding toward -∞, so instants before 1970 keep their millisecond. */
function floorDiv(a: bigint, b: bigint): bigint {
  const q = a / b;
  return a % b !== 0n && a < 0n ? q - 1n : q;
}

/** Converts a whole row of values with their column types. */
export function rowToJson(names: string[], types: DuckDBType[], values: DuckDBValue[]): Record<string, JsonValue> {
  const row: Record<string, JsonValue> = {};
  for (let i = 0; i < names.length; i++) row[names[i]] = toJsonValue(values[i], types[i], toJsonValue);
  return row;
}
