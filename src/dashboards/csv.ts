/**
 * CSV as RFC 4180 writes it (CRLF line ends; a field holding a comma, a quote, CR or LF
 * quoted, quotes doubled), safe to open in a spreadsheet: a text cell that begins with
 * `=`, `+`, `-`, `@`, a tab or CR would be read as a formula, so it gets a leading `'`
 * as spreadsheet exporters do. Numbers stay numbers (`-5` is not a formula).
 */

const FORMULA_START = /^[=+\-@\t\r]/;

/** One cell: null is empty, objects and lists are JSON, text is neutralised and quoted as needed. */
export function csvCell(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'number') return Number.isFinite(value) ? String(value) : '';
  if (typeof value === 'boolean' || typeof value === 'bigint') return String(value);
  let text = typeof value === 'string' ? value : JSON.stringify(value);
  if (FORMULA_START.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

/** One record with its CRLF. */
export function csvLine(values: readonly unknown[]): string {
  return `${values.map(csvCell).join(',')}\r\n`;
}

/** A header line and one line per row, in the columns' order. */
export function* csvLines(columns: readonly string[], rows: Iterable<Record<string, unknown>>, header = true): Generator<string> {
  if (header) yield csvLine(columns);
  for (const row of rows) yield csvLine(columns.map((c) => row[c]));
}
