/**
 * The `text` dataset format: one record a line, kept as it is (the input of the text
 * built-ins, blazingtext and seq2seq). The upload is stored untouched and handed to
 * training jobs as a file channel (`text/plain`); the Parquet copy, for previews, SQL
 * and statistics, has one VARCHAR column `text`, a row per line.
 *
 * Lines go into DuckDB through its appender rather than its CSV reader: no delimiter
 * or quote character is safe in free text, and the appender takes a line whole.
 */
import { createReadStream } from 'node:fs';
import type { DuckDBConnection } from '@duckdb/node-api';
import { OrchardError } from '../core/index.js';
import { sqlString } from './duckdb-session.js';

/** The one column of a text dataset's Parquet copy. */
export const TEXT_COLUMN = 'text';

/**
 * Splits a byte stream into lines: `\n` ends a line, a `\r` before it is part of the
 * terminator, and a last line without a terminator still counts. Lines keep every
 * other character (leading and trailing spaces, tabs, empty lines).
 */
export async function* readTextLines(file: string, maxLineBytes: number): AsyncGenerator<string> {
  let carry: Buffer = Buffer.alloc(0);
  let line = 0;
  const tooLong = () =>
    new OrchardError('ORCH_DATASET_LINE_TOO_LONG', { message: `Line ${line + 1} is longer than ${maxLineBytes} bytes`, details: { line: line + 1, limit: maxLineBytes } });
  for await (const chunk of createReadStream(file)) {
    let buf = carry.length ? Buffer.concat([carry, chunk as Buffer]) : (chunk as Buffer);
    let start = 0;
    for (let nl = buf.indexOf(10, start); nl >= 0; nl = buf.indexOf(10, start)) {
      const end = nl > start && buf[nl - 1] === 13 ? nl - 1 : nl;
      if (end - start > maxLineBytes) throw tooLong();
      yield buf.toString('utf8', start, end);
      line++;
      start = nl + 1;
    }
    carry = buf.subarray(start);
    if (carry.length > maxLineBytes + 1) throw tooLong();
    buf = carry;
  }
  if (carry.length > 0) {
    const end = carry[carry.length - 1] === 13 ? carry.length - 1 : carry.length;
    if (end > maxLineBytes) throw tooLong();
    yield carry.toString('utf8', 0, end);
  }
}

/** Writes the lines of `sourcePath` to `parquetPath` as the one-column table above. */
export async function copyTextToParquet(connection: DuckDBConnection, input: { sourcePath: string; parquetPath: string }, opts: { maxLineBytes: number; rowGroup: number }): Promise<void> {
  await connection.run(`CREATE TABLE text_lines (${TEXT_COLUMN} VARCHAR)`);
  const appender = await connection.createAppender('text_lines');
  try {
    for await (const line of readTextLines(input.sourcePath, opts.maxLineBytes)) {
      appender.appendVarchar(line);
      appender.endRow();
    }
    appender.flushSync();
  } finally {
    appender.closeSync();
  }
  await connection.run(`COPY text_lines TO ${sqlString(input.parquetPath)} (FORMAT parquet, COMPRESSION zstd, ROW_GROUP_SIZE ${opts.rowGroup})`);
  await connection.run('DROP TABLE text_lines');
}
