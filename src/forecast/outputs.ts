/**
 * What predictors and forecasts produce outside the metadata: per-item backtest metrics
 * (CSV from the shards' evaluation files), the forecast dataset's Parquet file, one item's
 * forecast (QueryForecast) and exports to CSV or Parquet. DuckDB does the file work.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { createInterface } from 'node:readline';
import type { DuckDBAppender } from '@duckdb/node-api';
import { openDuckDB, sqlIdent, sqlString, type DuckDBSession } from '../data/index.js';
import type { ArtifactStore } from '../storage/index.js';
import { quantileKey } from './models/metrics.js';
import { itemMetrics, type ItemEvaluation } from './models/predictor.js';

export type ExportFormat = 'csv' | 'parquet';

const csvCell = (v: string | number | null): string => {
  if (v === null) return '';
  if (typeof v === 'number') return Number.isFinite(v) ? String(v) : '';
  // RFC 4180 quoting; a leading formula character is neutralised for spreadsheets.
  const text = /^[=+\-@\t\r]/.test(v) ? `'${v}` : v;
  return /[",\n\r]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
};

/** Forecast-type columns: `p10`, `p50`, `p90` …, then `mean`. */
export function forecastTypes(quantiles: readonly number[]): string[] {
  return [...quantiles.map(quantileColumn), 'mean'];
}

/** `0.1` → `p10`, `0.05` → `p5`, `0.975` → `p97.5`. */
export function quantileColumn(q: number): string {
  return `p${Number((q * 100).toFixed(4))}`;
}

/** Reads evaluation files (JSON Lines of `ItemEvaluation`) and writes one CSV row per item. */
export async function readItemMetrics(artifacts: ArtifactStore, keys: string[], quantiles: readonly number[]): Promise<{ csv: string; items: number }> {
  const qs = quantiles.map(quantileKey);
  const lines = [['item_id', 'choice', 'averageWQL', ...qs.map((q) => `wQL[${q}]`), 'WAPE', 'RMSE', 'MAPE', 'MASE'].join(',')];
  for (const key of keys) {
    const rl = createInterface({ input: await artifacts.get(key), crlfDelay: Infinity });
    for await (const line of rl) {
      if (!line) continue;
      const ev = JSON.parse(line) as ItemEvaluation;
      const m = itemMetrics(ev);
      const choice = ev.choice.map((c) => (ev.choice.length > 1 ? `${c.algorithm}:${c.weight.toFixed(3)}` : c.algorithm)).join(' + ');
      lines.push([ev.item, choice, m.averageWQL, ...qs.map((q) => m.wQL[q] ?? null), m.WAPE, m.RMSE, m.MAPE, m.MASE].map(csvCell).join(','));
    }
  }
  return { csv: lines.join('\n') + '\n', items: lines.length - 1 };
}

/** Collects forecast rows and writes them as one Parquet file sorted by item and time. */
export class ForecastWriter {
  private rows = 0;
  private constructor(
    private readonly db: DuckDBSession,
    private readonly appender: DuckDBAppender,
    private readonly columns: string[],
  ) {}

  /** `columns`: the forecast types (`p10`, …, `mean`). */
  static async open(dir: string, columns: string[]): Promise<ForecastWriter> {
    await fs.mkdir(dir, { recursive: true });
    const db = await openDuckDB({ tempDirectory: path.join(dir, 'spill') });
    try {
      await db.exec(`CREATE TABLE f (item_id VARCHAR, ts BIGINT, ${columns.map((c) => `${sqlIdent(c)} DOUBLE`).join(', ')})`);
      return new ForecastWriter(db, await db.connection.createAppender('f'), columns);
    } catch (err) {
      db.close();
      throw err;
    }
  }

  /** One item's forecast: epoch-ms times and one array per column. */
  add(item: string, times: ArrayLike<number>, values: ArrayLike<number>[]): void {
    for (let i = 0; i < times.length; i++) {
      this.appender.appendVarchar(item);
      this.appender.appendBigInt(BigInt(Math.round(times[i])));
      for (const col of values) this.appender.appendDouble(col[i]);
      this.appender.endRow();
      this.rows++;
    }
  }

  /** Writes the file (item_id, timestamp, the forecast types) and closes the session. */
  async finish(file: string): Promise<number> {
    try {
      this.appender.flushSync();
      this.appender.closeSync();
      await this.db.exec(
        `COPY (SELECT item_id, make_timestamp(ts * 1000) AS "timestamp", ${this.columns.map(sqlIdent).join(', ')} FROM f ORDER BY item_id, ts) TO ${sqlString(file)} (FORMAT parquet, COMPRESSION zstd, ROW_GROUP_SIZE 32768)`,
      );
      return this.rows;
    } finally {
      this.db.close();
    }
  }

  close(): void {
    try {
      this.appender.closeSync();
    } catch {
      // already closed
    }
    this.db.close();
  }
}

/**
 * The shards' part files (each sorted by item and time, over contiguous item ranges) as one
 * file sorted by item and time; answers its rows.
 */
export async function mergeForecastParts(parts: string[], file: string, scratch: string): Promise<number> {
  await fs.mkdir(scratch, { recursive: true });
  const db = await openDuckDB({ tempDirectory: path.join(scratch, 'spill') });
  try {
    const list = `[${parts.map(sqlString).join(', ')}]`;
    const reader = await db.connection.runAndReadAll(`COPY (SELECT * FROM read_parquet(${list}) ORDER BY item_id, "timestamp") TO ${sqlString(file)} (FORMAT parquet, COMPRESSION zstd, ROW_GROUP_SIZE 32768)`);
    return Number(reader.getRows()[0]?.[0] ?? 0);
  } finally {
    db.close();
  }
}

/** One item's rows of a forecast file: timestamps and an array per forecast type; undefined when the item is absent. */
export async function queryForecast(parquet: string, item: string, scratch: string): Promise<Record<string, unknown> | undefined> {
  await fs.mkdir(scratch, { recursive: true });
  const db = await openDuckDB({ tempDirectory: path.join(scratch, 'spill') });
  try {
    const stmt = await db.connection.prepare(`SELECT * FROM read_parquet(${sqlString(parquet)}) WHERE item_id = $1 ORDER BY "timestamp"`);
    stmt.bindVarchar(1, item);
    const reader = await stmt.runAndReadAll();
    const names = reader.columnNames();
    const cols = reader.getColumnsJS();
    if (reader.currentRowCount === 0) return undefined;
    const out: Record<string, unknown> = { item };
    names.forEach((name, j) => {
      if (name === 'item_id') return;
      out[name === 'timestamp' ? 'timestamps' : name] = name === 'timestamp' ? cols[j].map((t) => new Date(String(t)).toISOString()) : cols[j].map((v) => Number(v));
    });
    return out;
  } finally {
    db.close();
  }
}

/** The forecast file as CSV (header, ISO timestamps) or Parquet, in `dir`. */
export async function exportForecast(parquet: string, format: ExportFormat, dir: string): Promise<{ file: string; rows: number }> {
  await fs.mkdir(dir, { recursive: true });
  const file = path.join(dir, `forecast.${format}`);
  const db = await openDuckDB({ tempDirectory: path.join(dir, 'spill') });
  try {
    const options = format === 'csv' ? '(FORMAT csv, HEADER true)' : '(FORMAT parquet, COMPRESSION zstd)';
    const select = format === 'csv' ? `SELECT * REPLACE (strftime("timestamp", '%Y-%m-%dT%H:%M:%SZ') AS "timestamp") FROM read_parquet(${sqlString(parquet)})` : `SELECT * FROM read_parquet(${sqlString(parquet)})`;
    const reader = await db.connection.runAndReadAll(`COPY (${select} ORDER BY item_id, "timestamp") TO ${sqlString(file)} ${options}`);
    const rows = Number(reader.getRows()[0]?.[0] ?? 0);
    return { file, rows };
  } finally {
    db.close();
  }
}
