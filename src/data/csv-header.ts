import { createReadStream } from 'node:fs';
import type { DuckDBConnection } from '@duckdb/node-api';
import { OrchardError } from '../core/index.js';
import { sqlString } from './duckdb-session.js';

const COMMA = 0x2c;
const QUOTE = 0x22;
const LF = 0x0a;
const CR = 0x0d;

/** The first record of a CSV file, split into fields. */
export interface FirstCsvRecord {
  fields: string[];
  /** False when the file ended inside a quoted field. */
  complete: boolean;
}

/**
 * Reads and splits the first record of an RFC 4180 CSV file (`,` separator, `"`
 * quotes, `""` for a quote inside quotes, a quoted field may span lines). Only
 * that record is read; a record longer than `maxBytes` is `ORCH_DATASET_LINE_TOO_LONG`.
 * The file must already be valid UTF-8: splitting works on bytes, which is safe
 * because the delimiter, quote and line-break bytes never occur inside a multibyte
 * character.
 */
export async function readFirstCsvRecord(filePath: string, maxBytes: number): Promise<FirstCsvRecord> {
  const parser = new RecordSplitter();
  const stream = createReadStream(filePath, { highWaterMark: 64 * 1024 });
  try {
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      if (parser.feed(chunk)) return { fields: parser.fields(), complete: true };
      if (parser.consumed > maxBytes) throw lineTooLong(maxBytes);
    }
  } finally {
    stream.destroy();
  }
  if (parser.consumed > maxBytes) throw lineTooLong(maxBytes);
  return { fields: parser.fields(), complete: !parser.inQuotes };
}

function lineTooLong(maxBytes: number): OrchardError {
  return new OrchardError('ORCH_DATASET_LINE_TOO_LONG', {
    message: `The first line of the file is longer than the limit of ${maxBytes} bytes`,
    details: { maxLineBytes: maxBytes },
  });
}

/**
 * A byte-level state machine for one CSV record. Field bytes are kept as slices of
 * the read chunks, so an 8 MB header costs about 8 MB.
 */
class RecordSplitter {
  consumed = 0;
  inQuotes = false;
  private pendingQuote = false;
  private done = false;
  private readonly finished: string[] = [];
  private parts: Buffer[] = [];

  /** Feeds a chunk; true once the first record is complete. */
  feed(chunk: Buffer): boolean {
    let start = 0; // start of the run of field bytes not yet copied into `parts`
    let i = 0;
    const take = (end: number) => {
      if (end > start) this.parts.push(chunk.subarray(start, end));
    };
    for (; i < chunk.length && !this.done; i++) {
      const byte = chunk[i];
      if (this.inQuotes) {
        if (!this.pendingQuote) {
          if (byte === QUOTE) {
            take(i);
            this.pendingQuote = true;
            start = i + 1;
          }
          continue;
        }
        this.pendingQuote = false;
        if (byte === QUOTE) {
          start = i; // "" inside quotes: keep this second quote as a literal
          continue;
        }
        this.inQuotes = false; // the quote closed the field; handle this byte unquoted
      }
      if (byte === QUOTE || byte === COMMA || byte === LF || byte === CR) {
        take(i);
        start = i + 1;
        if (byte === QUOTE) this.inQuotes = true;
        else if (byte === COMMA) this.endField();
        else if (byte === LF) this.endField(true);
      }
    }
    if (!this.done) take(i);
    this.consumed += i;
    return this.done;
  }

  fields(): string[] {
    return this.done ? [...this.finished] : [...this.finished, Buffer.concat(this.parts).toString('utf8')];
  }

  private endField(last = false): void {
    this.finished.push(Buffer.concat(this.parts).toString('utf8'));
    this.parts = [];
    if (last) this.done = true;
  }
}

/**
 * Refuses a header whose column names repeat (compared trimmed and
 * case-insensitively, as SQL would see them). DuckDB would silently rename the
 * second `a` to `a_1`, which hides the mistake from the user.
 */
export function assertUniqueColumnNames(names: string[]): void {
  const seen = new Map<string, string>();
  const duplicates: string[] = [];
  for (const name of names) {
    const key = name.trim().toLowerCase();
    const first = seen.get(key);
    if (first !== undefined) duplicates.push(first === name ? name : `${first}/${name}`);
    else seen.set(key, name);
  }
  if (duplicates.length) {
    const shown = duplicates.slice(0, 10).map((d) => `'${d.slice(0, 100)}'`);
    throw new OrchardError('ORCH_DATASET_DUPLICATE_COLUMN', {
      message: `Duplicate column names in the header: ${shown.join(', ')} (names are compared trimmed and case-insensitively)`,
      details: { columns: duplicates.slice(0, 100) },
    });
  }
}

const NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

/** Whether a first record could name columns: every field is non-empty text that does not read as a number. */
export function isHeaderCandidate(fields: readonly string[]): boolean {
  return fields.length > 0 && fields.every((f) => f.trim() !== '' && !NUMBER.test(f.trim()));
}

/**
 * Glue's rule for a CSV header: the first record is a header when none of its fields is
 * empty or a number, and the rows below it are not all text: `typesBelow` are the
 * column types inferred with the first record taken as the header. When every column is
 * text (or there are no rows below), the first record is not different enough from the
 * others to be one, and it is data. Rows of numbers (SageMaker's convention: no header,
 * target first) are data.
 */
export function isCsvHeader(fields: readonly string[], typesBelow: readonly string[]): boolean {
  return isHeaderCandidate(fields) && typesBelow.some((type) => type !== 'VARCHAR');
}

/**
 * The datasets' strict CSV reader as a `read_csv(…)` table function: the dialect is
 * fixed (RFC 4180: `,` `"` `"`, no comment lines, no skipped rows) so the sniffer cannot
 * "fix" a ragged file; only column types are detected. The read buffer is twice the
 * line limit, as the datasets' ingest sizes it. `allText` reads every column as text.
 */
export function strictCsvReader(file: string, options: { header: boolean; maxLineBytes: number; sampleAll?: boolean; allText?: boolean }): string {
  const dialect = [`delim=','`, `quote='"'`, `escape='"'`, `comment=''`, 'skip=0', 'strict_mode=true', 'null_padding=false', 'ignore_errors=false'];
  const limits = [`max_line_size=${options.maxLineBytes}`, `buffer_size=${2 * options.maxLineBytes}`];
  const rest = ['hive_partitioning=false', `header=${options.header}`, 'auto_detect=true'];
  if (options.allText) rest.push('all_varchar=true');
  if (options.sampleAll) rest.push('sample_size=-1');
  return `read_csv(${sqlString(file)}, ${[...dialect, ...limits, ...rest].join(', ')})`;
}

/**
 * {@link isCsvHeader} on a file whose first record is `fields`: DuckDB infers the types
 * below it (with the strict reader) only when the record could be a header at all.
 */
export async function detectCsvHeader(connection: DuckDBConnection, file: string, fields: readonly string[], maxLineBytes: number): Promise<boolean> {
  if (!isHeaderCandidate(fields)) return false;
  const described = await connection.runAndReadAll(`DESCRIBE SELECT * FROM ${strictCsvReader(file, { header: true, maxLineBytes })}`);
  return isCsvHeader(
    fields,
    described.getRowObjectsJS().map((row) => String(row.column_type)),
  );
}
