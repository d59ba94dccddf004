import path from 'node:path';
import { allowStatements, assertUniqueColumnNames, detectCsvHeader, errorMessage, isConversionError, MAX_LINE_BYTES, openDuckDB, sqlIdent, sqlString, strictCsvReader, type DuckDBSession } from '../data/index.js';
import type { Partition } from './paths.js';
import type { CrawlerColumn, CrawlerFormat } from './types.js';

const ROW_GROUP = 32_768;
/** Longest reason a rejected file is listed with. */
const MAX_REASON = 400;

/** A file of the source, on local disk, to turn into one Parquet part. */
export interface PartInput {
  /** Where to read it. */
  local: string;
  /** Its path under the source (for messages). */
  path: string;
  format: CrawlerFormat;
  /** CSV: whether it has a header; null detects it. */
  header: boolean | null;
  partitions: Partition[];
}

/** A file the crawler cannot use, with the reason it is listed under. */
export class RejectedFileError extends Error {}

/**
 * The DuckDB a run converts with: files become Parquet parts one at a time (so a bad
 * file is rejected with its reason instead of failing the crawl), then the parts become
 * the table. External access is off; only the scratch folder and the allowed roots are
 * readable.
 */
export class Converter {
  private constructor(private readonly session: DuckDBSession) {}

  static async open(scratchDir: string, readable: string[]): Promise<Converter> {
    const session = await openDuckDB({ tempDirectory: path.join(scratchDir, 'duckdb'), memoryLimit: '256MB' });
    try {
      const dirs = [scratchDir, ...readable].map((d) => (d.endsWith(path.sep) ? d : d + path.sep));
      await session.exec(...allowStatements({ directories: dirs }), 'SET enable_external_access=false');
      return new Converter(session);
    } catch (err) {
      session.close();
      throw err;
    }
  }

  close(): void {
    this.session.close();
  }

  /** Writes `input` as a Parquet part with its partition columns; its columns and rows, or a {@link RejectedFileError}. */
  async convert(input: PartInput, output: string): Promise<{ columns: CrawlerColumn[]; rows: number }> {
    try {
      const select = await this.selectOf(input, false);
      try {
        await this.copy(select, output);
      } catch (err) {
        // Types come from a sample; a later value that does not fit is retried with the whole file as the sample.
        if (input.format === 'parquet' || !isConversionError(errorMessage(err))) throw err;
        await this.copy(await this.selectOf(input, true), output);
      }
      const part = `read_parquet(${sqlString(output)})`;
      const rows = Number((await this.session.connection.runAndReadAll(`SELECT count(*) FROM ${part}`)).getRows()[0][0]);
      if (rows === 0) throw new RejectedFileError('the file has no rows');
      return { columns: await this.describe(part), rows };
    } catch (err) {
      if (err instanceof RejectedFileError) throw err;
      throw new RejectedFileError(reasonOf(err, input));
    }
  }

  private async copy(select: string, output: string): Promise<void> {
    await copyTo(this.session, select, output);
  }

  private async describe(source: string): Promise<CrawlerColumn[]> {
    const described = await this.session.connection.runAndReadAll(`DESCRIBE SELECT * FROM ${source}`);
    return described.getRowObjectsJS().map((row) => ({ name: String(row.column_name), type: String(row.column_type) }));
  }

  /** The SELECT reading one file, its columns named, its partitions added as text columns. */
  private async selectOf(input: PartInput, sampleAll: boolean): Promise<string> {
    let reader: string;
    let names: string[] | undefined;
    if (input.format === 'csv') {
      let first: string[] | undefined;
      const header = input.header ?? (await detectCsvHeader(this.session.connection, input.local, (first = await this.firstRecord(input)), MAX_LINE_BYTES));
      if (header) {
        try {
          assertUniqueColumnNames(first ?? (await this.firstRecord(input)));
        } catch (err) {
          throw new RejectedFileError(errorMessage(err));
        }
      }
      reader = strictCsvReader(input.local, { header, sampleAll, maxLineBytes: MAX_LINE_BYTES });
      if (!header) {
        // Without a header, columns are `_c0`, `_c1`, … as in datasets (SageMaker: target first).
        names = (await this.describe(reader)).map((c) => c.name);
      }
    } else if (input.format === 'jsonl') {
      reader = `read_json(${sqlString(input.local)}, format='newline_delimited', hive_partitioning=false, maximum_object_size=${MAX_LINE_BYTES}${sampleAll ? ', sample_size=-1' : ''})`;
    } else {
      reader = `read_parquet(${sqlString(input.local)}, hive_partitioning=false)`;
    }
    const fileColumns = names ? names.map((n, i) => `_c${i}`) : (await this.describe(reader)).map((c) => c.name);
    const lower = new Set(fileColumns.map((c) => c.toLowerCase()));
    for (const p of input.partitions) {
      if (lower.has(p.key.toLowerCase())) throw new RejectedFileError(`column '${p.key}' is also a partition key in the file's path`);
    }
    const columns = names ? names.map((n, i) => `${sqlIdent(n)} AS ${sqlIdent(`_c${i}`)}`) : ['*'];
    const partitions = input.partitions.map((p) => `CAST(${sqlString(p.value)} AS VARCHAR) AS ${sqlIdent(p.key)}`);
    return `SELECT ${[...columns, ...partitions].join(', ')} FROM ${reader}`;
  }

  /** The first record's fields as text. */
  private async firstRecord(input: PartInput): Promise<string[]> {
    const reader = strictCsvReader(input.local, { header: false, allText: true, maxLineBytes: MAX_LINE_BYTES });
    const rows = (await this.session.connection.runAndReadAll(`SELECT * FROM ${reader} LIMIT 1`)).getRows();
    return (rows[0] ?? []).map((v) => (v === null ? '' : String(v)));
  }
}

/**
 * Unions Parquet files (the parts, and the table so far) by column name into one Parquet
 * file with the table's columns and types (each file's narrower types cast to the
 * table's), in a DuckDB that may read only those files and write only to `scratchDir`.
 */
export async function combineParts(scratchDir: string, files: string[], columns: CrawlerColumn[], output: string): Promise<void> {
  const session = await openDuckDB({ tempDirectory: path.join(scratchDir, 'duckdb-table'), memoryLimit: '256MB' });
  try {
    const dir = scratchDir.endsWith(path.sep) ? scratchDir : scratchDir + path.sep;
    await session.exec(...allowStatements({ directories: [dir], paths: files }), 'SET enable_external_access=false');
    const list = columns.map((c) => `CAST(${sqlIdent(c.name)} AS ${c.type}) AS ${sqlIdent(c.name)}`).join(', ');
    const source = `read_parquet([${files.map(sqlString).join(', ')}], union_by_name=true, hive_partitioning=false)`;
    await copyTo(session, `SELECT ${list} FROM ${source}`, output);
  } finally {
    session.close();
  }
}

async function copyTo(session: DuckDBSession, select: string, output: string): Promise<void> {
  await session.connection.run(`COPY (${select}) TO ${sqlString(output)} (FORMAT parquet, COMPRESSION zstd, ROW_GROUP_SIZE ${ROW_GROUP})`);
}

/** DuckDB's message for a file, without local paths, SQL excerpts or advice. */
function reasonOf(err: unknown, input: PartInput): string {
  let text = errorMessage(err);
  const cut = text.search(/\n\s*(LINE \d+:|Possible (fixes|solutions?):|Possible Solution:|\s*file = )/);
  if (cut !== -1) text = text.slice(0, cut);
  text = text
    .split(input.local)
    .join(input.path)
    .replace(/(["'])(?:[A-Za-z]:)?\/(?:[^"'\s/]+\/)+[^"'\s]*\1/g, '<file>')
    .replace(/\s+/g, ' ')
    .trim();
  const reason = `unparseable as ${input.format}: ${text}`;
  return reason.length > MAX_REASON ? `${reason.slice(0, MAX_REASON)}…` : reason;
}
