import { createReadStream, createWriteStream } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { OrchardError, isOrchardError } from '../core/index.js';
import { assertUniqueColumnNames, detectCsvHeader, isHeaderCandidate, MAX_LINE_BYTES, openDuckDB, readFirstCsvRecord, sqlString } from '../data/index.js';

const LF = 0x0a;
const QUOTE = 0x22;
/**
 * Whether a CSV file whose first record is `fields` starts with a header, by the rule the
 * crawlers use (`detectCsvHeader`: no empty or numeric field, and the rows below not all
 * text). DuckDB is opened only when the record could be a header. A file DuckDB cannot
 * sniff is taken as headerless: the dataset ingest then names its bad line.
 */
async function hasHeader(file: string, fields: string[], scratch: string): Promise<boolean> {
  if (!isHeaderCandidate(fields)) return false;
  const db = await openDuckDB({ tempDirectory: path.join(scratch, 'duckdb') });
  try {
    return await detectCsvHeader(db.connection, file, fields, MAX_LINE_BYTES);
  } catch {
    return false;
  } finally {
    db.close();
  }
}

/** Bytes of a file's first record, its line break included (quote-aware). */
async function firstRecordLength(file: string): Promise<number> {
  let inQuotes = false;
  let offset = 0;
  for await (const chunk of createReadStream(file, { highWaterMark: 64 * 1024 }) as AsyncIterable<Buffer>) {
    for (let i = 0; i < chunk.length; i++) {
      if (chunk[i] === QUOTE) inQuotes = !inQuotes;
      else if (chunk[i] === LF && !inQuotes) return offset + i + 1;
    }
    offset += chunk.length;
  }
  return offset;
}

async function endsWithNewline(file: string): Promise<boolean> {
  const handle = await fs.open(file, 'r');
  try {
    const { size } = await handle.stat();
    if (size === 0) return true;
    const last = Buffer.alloc(1);
    await handle.read(last, 0, 1, size - 1);
    return last[0] === LF;
  } finally {
    await handle.close();
  }
}

function invalid(output: string, message: string, cause?: unknown): OrchardError {
  return new OrchardError('ORCH_PROCESSING_OUTPUT_INVALID', { message: `Output '${output}': ${message}`, details: { output }, cause });
}

/** One dataset version's file made of an output's files, in order. */
export interface CombinedOutput {
  file: string;
  format: 'csv' | 'jsonl' | 'parquet';
  /** CSV: whether the file starts with a header. */
  header: boolean;
}

/**
 * Joins an output's files (every instance's, in instance order, each folder's files by
 * name) into one file: CSV files are concatenated byte for byte, a header detected on the
 * first file (as the crawlers detect one) kept once (every file must then start with the same header); JSON Lines are
 * concatenated; Parquet files are read as one table by DuckDB (their columns must agree).
 * `files` are local copies; a single file is used as it is.
 */
export async function combineOutput(output: string, format: CombinedOutput['format'], files: string[], scratch: string): Promise<CombinedOutput> {
  if (files.length === 0) throw invalid(output, 'the script wrote no files to its folder; a dataset version needs rows');
  if (format === 'parquet') {
    if (files.length === 1) return { file: files[0], format, header: false };
    const out = path.join(scratch, `${output}.parquet`);
    const db = await openDuckDB({ tempDirectory: path.join(scratch, 'duckdb') });
    try {
      await db.exec(`COPY (SELECT * FROM read_parquet([${files.map(sqlString).join(', ')}])) TO ${sqlString(out)} (FORMAT parquet, COMPRESSION zstd)`);
    } catch (err) {
      throw invalid(output, `its Parquet files cannot be read as one table (${(err as Error).message.split('\n')[0].slice(0, 300)})`, err);
    } finally {
      db.close();
    }
    return { file: out, format, header: false };
  }
  let header = false;
  let headerFields: string[] = [];
  if (format === 'csv') {
    const first = await readFirst(output, files[0]);
    header = first.complete && (await hasHeader(files[0], first.fields, scratch));
    headerFields = first.fields;
    if (header) {
      try {
        assertUniqueColumnNames(headerFields);
      } catch (err) {
        throw invalid(output, `${path.basename(files[0])}: ${(err as Error).message}`, err);
      }
    }
    for (const f of files.slice(1)) {
      if (!header) break;
      const other = await readFirst(output, f);
      if (other.fields.length !== headerFields.length || other.fields.some((v, i) => v !== headerFields[i])) {
        throw invalid(output, `${path.basename(f)} does not start with the header of ${path.basename(files[0])} (${headerFields.slice(0, 8).join(',')}); every CSV file of a dataset output has the same header, or none`);
      }
    }
  }
  if (files.length === 1) {
    if (await endsWithNewline(files[0])) return { file: files[0], format, header };
  }
  const out = path.join(scratch, `${output}.${format}`);
  const sink = createWriteStream(out);
  try {
    for (let i = 0; i < files.length; i++) {
      const skip = header && i > 0 ? await firstRecordLength(files[i]) : 0;
      const { size } = await fs.stat(files[i]);
      if (size > skip) await pipeline(createReadStream(files[i], { start: skip }), sink, { end: false });
      if (!(await endsWithNewline(files[i]))) await new Promise<void>((resolve, reject) => sink.write('\n', (err) => (err ? reject(err) : resolve())));
    }
  } finally {
    await new Promise<void>((resolve) => sink.end(resolve));
  }
  return { file: out, format, header };
}

async function readFirst(output: string, file: string) {
  try {
    return await readFirstCsvRecord(file, MAX_LINE_BYTES);
  } catch (err) {
    if (isOrchardError(err)) throw invalid(output, `${path.basename(file)}: ${err.message}`, err);
    throw err;
  }
}
