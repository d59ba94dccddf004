import type { CrawlerColumn, SchemaChange } from './types.js';

/**
 * Column types as DuckDB names them. A crawler's table keeps one type per column; a file
 * whose column has another type is reconciled as Glue updates a table: a compatible
 * widening (a narrower integer to a wider one, any number to DOUBLE, DATE to TIMESTAMP)
 * is applied, anything else makes the file incompatible.
 */
const INTEGERS = ['TINYINT', 'UTINYINT', 'SMALLINT', 'USMALLINT', 'INTEGER', 'UINTEGER', 'BIGINT', 'UBIGINT', 'HUGEINT'];
const FLOATS = new Set(['FLOAT', 'DOUBLE']);
/** DuckDB's type of a column that held only nulls (JSON): it fits any type. */
const NULL_TYPE = '"NULL"';

const isInteger = (t: string) => INTEGERS.includes(t);
const isNumber = (t: string) => isInteger(t) || FLOATS.has(t) || t.startsWith('DECIMAL');
const isTimestamp = (t: string) => t === 'TIMESTAMP' || t === 'TIMESTAMP_NS' || t === 'TIMESTAMP_MS' || t === 'TIMESTAMP_S';

/** The type a column of type `a` and one of type `b` both fit, or null when there is none. */
export function widen(a: string, b: string): string | null {
  if (a === b) return a;
  if (a === NULL_TYPE || a === 'NULL') return b;
  if (b === NULL_TYPE || b === 'NULL') return a;
  if (isInteger(a) && isInteger(b)) return INTEGERS[Math.max(INTEGERS.indexOf(a), INTEGERS.indexOf(b))];
  if (isNumber(a) && isNumber(b)) return 'DOUBLE';
  if ((a === 'DATE' && isTimestamp(b)) || (b === 'DATE' && isTimestamp(a))) return a === 'DATE' ? b : a;
  return null;
}

/** A table's columns by name (order kept), to fold files' columns into. */
export class TableSchema {
  private readonly columns = new Map<string, string>();

  constructor(initial: readonly CrawlerColumn[] = []) {
    for (const c of initial) this.columns.set(c.name, c.type);
  }

  /**
   * The first column of `file` that cannot be reconciled with the table, as a reason; or
   * null, with the file's columns folded in (new columns added, compatible types widened).
   * Column names are compared as SQL sees them: case-insensitively.
   */
  add(file: readonly CrawlerColumn[]): string | null {
    const byLower = new Map([...this.columns.keys()].map((name) => [name.toLowerCase(), name]));
    const changes: Array<[string, string]> = [];
    for (const column of file) {
      const existing = byLower.get(column.name.toLowerCase());
      if (existing === undefined) {
        changes.push([column.name, column.type]);
        continue;
      }
      if (existing !== column.name) return `column '${column.name}' differs only in case from the table's '${existing}'`;
      const current = this.columns.get(existing)!;
      const wider = widen(current, column.type);
      if (wider === null) return `column '${column.name}' is ${column.type} here but ${current} in the table, and neither widens to the other`;
      if (wider !== current) changes.push([existing, wider]);
    }
    for (const [name, type] of changes) this.columns.set(name, type);
    return null;
  }

  list(): CrawlerColumn[] {
    return [...this.columns].map(([name, type]) => ({ name, type }));
  }
}

/** How `after` differs from `before`: added, removed and retyped columns, in table order. */
export function diffSchemas(before: readonly CrawlerColumn[], after: readonly CrawlerColumn[]): SchemaChange[] {
  const old = new Map(before.map((c) => [c.name, c.type]));
  const now = new Map(after.map((c) => [c.name, c.type]));
  const changes: SchemaChange[] = [];
  for (const c of after) {
    const was = old.get(c.name);
    if (was === undefined) changes.push({ column: c.name, change: 'added', from: null, to: c.type });
    else if (was !== c.type) changes.push({ column: c.name, change: 'retyped', from: was, to: c.type });
  }
  for (const c of before) if (!now.has(c.name)) changes.push({ column: c.name, change: 'removed', from: c.type, to: null });
  return changes;
}
