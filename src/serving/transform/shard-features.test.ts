import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { openDuckDB, sqlString } from '../../data/duckdb-session.js';
import { readFeatureRows, shardSource, writeShardFeatures } from './shard-features.js';

async function collect(file: string, f: number, batchRows: number): Promise<number[][]> {
  const rows: number[][] = [];
  for await (const { features, rows: n } of readFeatureRows(file, f, batchRows)) {
    expect(n).toBeLessThanOrEqual(batchRows);
    for (let r = 0; r < n; r++) rows.push(Array.from(features.subarray(r * f, r * f + f)));
  }
  return rows;
}

describe('shard features', () => {
  it("writes a shard's numeric rows as CSV and reads them back in batches: nulls and NaN as NaN, infinities kept", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'orchard-shard-features-'));
    const input = path.join(dir, 'in.parquet');
    const db = await openDuckDB();
    try {
      await db.exec(
        `COPY (SELECT i AS id, CAST(i AS DOUBLE) / 4 AS a, CASE WHEN i = 3 THEN NULL WHEN i = 4 THEN 'NaN'::DOUBLE WHEN i = 5 THEN '-inf'::DOUBLE ELSE i * 1000000 END AS b, CAST(i % 2 AS INTEGER) AS c, 'x' || i AS label FROM range(10) t(i)) TO ${sqlString(input)} (FORMAT parquet)`,
      );
      const file = path.join(dir, 'features.csv');
      // Rows 2..8 of the input; the text column is not a feature.
      expect(await writeShardFeatures(db, shardSource(input, 2, 7), ['a', 'b', 'c'], file)).toBe(true);
      const rows = await collect(file, 3, 3);
      expect(rows.length).toBe(7);
      expect(rows[0]).toEqual([0.5, 2e6, 0]);
      expect(rows[1][0]).toBe(0.75);
      expect(rows[1][1]).toBeNaN();
      expect(rows[2][1]).toBeNaN();
      expect(rows[3][1]).toBe(-Infinity);
      expect(rows[6]).toEqual([2, 8e6, 0]);
      // Any batch size, including one row at a time and more than the file holds.
      expect(await collect(file, 3, 1)).toEqual(rows);
      expect(await collect(file, 3, 100)).toEqual(rows);
      // A text feature is left to the runner (its row-numbered check): nothing written.
      const other = path.join(dir, 'other.csv');
      expect(await writeShardFeatures(db, shardSource(input, 0, 10), ['a', 'label'], other)).toBe(false);
      expect(fs.existsSync(other)).toBe(false);
    } finally {
      db.close();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
