import { OrchardError } from '../core/index.js';
import type { DatasetFormat } from './types.js';

/** Longest DuckDB-derived text put into a client-facing message. */
const MAX_DETAIL = 300;

/** The message of a thrown DuckDB error (or anything else). */
export function errorMessage(err: unknown): string {
  if (err instanceof Error) return err.message;
  return String(err);
}

/**
 * Removes what a client must not see from a DuckDB message: the server's file
 * paths (DuckDB quotes the file it read and echoes our SQL, which holds paths),
 * the `LINE 1: …` SQL excerpt, and its multi-line "possible fixes" advice, which
 * talks about reader options the client cannot set.
 */
export function scrubMessage(message: string, paths: string[] = []): string {
  let text = message;
  const cut = text.search(/\n\s*(LINE \d+:|Possible (fixes|solutions?):|Possible Solution:|\s*file = )/);
  if (cut !== -1) text = text.slice(0, cut);
  for (const p of [...paths].sort((a, b) => b.length - a.length)) {
    if (p) text = text.split(p).join('<file>');
  }
  text = text
    .replace(/ in file "[^"]*"/g, '')
    .replace(/(["'])(?:[A-Za-z]:)?\/(?:[^"'\s/]+\/)+[^"'\s]*\1/g, '<file>')
    .replace(/\s+/g, ' ')
    .trim();
  return text.length > MAX_DETAIL ? `${text.slice(0, MAX_DETAIL)}…` : text;
}

const REASONS: RegExp[] = [
  /Value with unterminated quote found\./,
  /Expected Number of Columns: \d+ Found: \d+/,
  /Error when converting column "[^"\n]{0,120}"\. Could not convert string "[^\n]{0,120}?" to '[^'\n]{1,60}'/,
  /Maximum line size of \d+ bytes exceeded/,
  /Invalid unicode \(byte sequence mismatch\)[^\n]*/,
];

/** The CSV reader's reason for failing, without the offending line's content. */
function csvReason(message: string): string | null {
  for (const pattern of REASONS) {
    const match = pattern.exec(message);
    if (match) return match[0];
  }
  return null;
}

/** The 1-based line DuckDB reports for a CSV error, if any. */
export function csvErrorLine(message: string): number | null {
  const match = /CSV Error on Line: (\d+)/.exec(message);
  return match ? Number(match[1]) : null;
}

/** True when DuckDB failed to turn a value into the auto-detected type. */
export function isConversionError(message: string): boolean {
  return /Conversion Error|Could not convert|Failed to cast|Could not parse/i.test(message);
}

/** True when the CSV sniffer gave up (it reports no line number). */
export function isSniffError(message: string): boolean {
  return /Error when sniffing file|not possible to automatically detect the CSV/i.test(message);
}

/**
 * Maps a DuckDB error raised while reading an upload to a dataset error: a line
 * over the limit is `ORCH_DATASET_LINE_TOO_LONG`, bad content `ORCH_DATASET_MALFORMED`
 * (with DuckDB's line number when it gives one), anything else `ORCH_INTERNAL`.
 */
export function mapReadError(err: unknown, format: DatasetFormat, paths: string[], maxLineBytes: number): OrchardError {
  if (err instanceof OrchardError) return err;
  const message = errorMessage(err);
  if (/Maximum line size of \d+ bytes exceeded|maximum_object_size/i.test(message)) {
    const line = csvErrorLine(message);
    return new OrchardError('ORCH_DATASET_LINE_TOO_LONG', {
      message: `${line ? `Line ${line}` : 'A line'} is longer than the limit of ${maxLineBytes} bytes`,
      cause: err,
      details: { maxLineBytes, ...(line ? { line } : {}) },
    });
  }
  if (/^(Out of Memory|IO|Permission|Internal|FATAL) Error/i.test(message)) {
    return new OrchardError('ORCH_INTERNAL', { message: 'The file could not be processed', cause: err });
  }
  return malformed(err, format, paths);
}

function malformed(err: unknown, format: DatasetFormat, paths: string[]): OrchardError {
  const message = errorMessage(err);
  const label = format === 'csv' ? 'CSV' : format === 'jsonl' ? 'JSON Lines' : 'Parquet';
  const line = format === 'csv' ? csvErrorLine(message) : jsonErrorLine(message);
  const reason = (format === 'csv' ? csvReason(message) : null) ?? scrubMessage(stripErrorType(message), paths);
  const where = line ? ` at line ${line}` : '';
  return new OrchardError('ORCH_DATASET_MALFORMED', {
    message: `The ${label} file could not be parsed${where}: ${reason}`,
    cause: err,
    details: line ? { line } : undefined,
  });
}

function jsonErrorLine(message: string): number | null {
  const match = /\bin line (\d+)/.exec(message) ?? /\bline (\d+)/i.exec(message);
  return match ? Number(match[1]) : null;
}

/** `Invalid Input Error: x` → `x`: the prefix is DuckDB's class, not news to a user. */
export function stripErrorType(message: string): string {
  return message.replace(/^[A-Za-z ]{2,40} Error: /, '');
}
