import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { openDuckDB, sqlIdent, sqlString } from '../../data/duckdb-session.js';
import { sqlDouble } from './values.js';

/** Test support: small tables written as Parquet, read back as rows. */

export interface TestColumn {
  name: string;
  type: 'DOUBLE' | 'BIGINT' | 'VARCHAR' | 'BOOLEAN' | 'DATE' | 'TIMESTAMP' | 'FLOAT';
}

export type Cell = number | string | boolean | null;

export async function tempDir(): Promise<{ dir: string; cleanup(): Promise<void> }> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'orchard-recipe-'));
  return { dir, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

function literal(value: Cell, type: TestColumn['type']): string {
  if (value === null) return `CAST(NULL AS ${type})`;
  switch (type) {
    case 'DOUBLE':
      return sqlDouble(value as number);
    case 'FLOAT':
      return `CAST(${sqlDouble(value as number)} AS FLOAT)`;
    case 'BIGINT':
      return `CAST(${value} AS BIGINT)`;
    case 'BOOLEAN':
      return value ? 'TRUE' : 'FALSE';
    case 'DATE':
    case 'TIMESTAMP':
      return `CAST(${sqlString(String(value))} AS ${type})`;
    default:
      return sqlString(String(value));
  }
}

/** Writes rows as a Parquet file with exactly these column types. */
export async function writeTable(file: string, columns: TestColumn[], rows: Cell[][]): Promise<void> {
  const session = await openDuckDB();
  try {
    await session.exec(`CREATE TABLE t (${columns.map((c) => `${sqlIdent(c.name)} ${c.type}`).join(', ')})`);
    for (let i = 0; i < rows.length; i += 200) {
      const values = rows.slice(i, i + 200).map((r) => `(${r.map((v, j) => literal(v, columns[j].type)).join(', ')})`);
      await session.exec(`INSERT INTO t VALUES ${values.join(', ')}`);
    }
    await session.exec(`COPY t TO ${sqlString(file)} (FORMAT parquet)`);
  } finally {
    session.close();
  }
}

/** A Parquet file's rows (numbers as JS numbers, NULL as null). */
export async function readTable(file: string): Promise<{ columns: string[]; rows: unknown[][] }> {
  const session = await openDuckDB();
  try {
    const reader = await session.connection.runAndReadAll(`SELECT * FROM read_parquet(${sqlString(file)})`);
    return {
      columns: reader.columnNames(),
      rows: reader.getRowsJS().map((r) => r.map((v) => (typeof v === 'bigint' ? Number(v) : v))),
    };
  } finally {
    session.close();
  }
}
