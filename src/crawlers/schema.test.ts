import { describe, expect, it } from 'vitest';
import { hivePartitions, isIgnoredPath, readFormat } from './paths.js';
import { diffSchemas, TableSchema, widen } from './schema.js';

describe('type reconciliation', () => {
  it('widens compatible types as Glue does and refuses the rest', () => {
    expect(widen('INTEGER', 'BIGINT')).toBe('BIGINT');
    expect(widen('BIGINT', 'SMALLINT')).toBe('BIGINT');
    expect(widen('BIGINT', 'DOUBLE')).toBe('DOUBLE');
    expect(widen('DECIMAL(18,3)', 'BIGINT')).toBe('DOUBLE');
    expect(widen('DATE', 'TIMESTAMP')).toBe('TIMESTAMP');
    expect(widen('"NULL"', 'VARCHAR')).toBe('VARCHAR');
    expect(widen('VARCHAR', 'BIGINT')).toBeNull();
    expect(widen('BOOLEAN', 'BIGINT')).toBeNull();
    expect(widen('DATE', 'VARCHAR')).toBeNull();
  });

  it('folds files into a table and names the first column that cannot be reconciled', () => {
    const table = new TableSchema([{ name: 'id', type: 'BIGINT' }]);
    expect(table.add([{ name: 'id', type: 'INTEGER' }, { name: 'x', type: 'DOUBLE' }])).toBeNull();
    expect(table.add([{ name: 'x', type: 'BIGINT' }])).toBeNull();
    expect(table.add([{ name: 'y', type: 'VARCHAR' }, { name: 'x', type: 'VARCHAR' }])).toMatch(/column 'x' is VARCHAR here but DOUBLE in the table/);
    // A refused file changes nothing (its new column y is not added).
    expect(table.list()).toEqual([{ name: 'id', type: 'BIGINT' }, { name: 'x', type: 'DOUBLE' }]);
    expect(table.add([{ name: 'ID', type: 'BIGINT' }])).toMatch(/differs only in case/);
  });

  it('diffs two schemas into added, retyped and removed columns', () => {
    const before = [{ name: 'a', type: 'BIGINT' }, { name: 'b', type: 'VARCHAR' }];
    const after = [{ name: 'a', type: 'DOUBLE' }, { name: 'c', type: 'DATE' }];
    expect(diffSchemas(before, after)).toEqual([
      { column: 'a', change: 'retyped', from: 'BIGINT', to: 'DOUBLE' },
      { column: 'c', change: 'added', from: null, to: 'DATE' },
      { column: 'b', change: 'removed', from: 'VARCHAR', to: null },
    ]);
    expect(diffSchemas(before, before)).toEqual([]);
  });
});

describe('paths', () => {
  it('reads Hive partitions from folders only, decoded', () => {
    expect(hivePartitions('dt=2024-01-01/region=eu/part-0.csv')).toEqual([{ key: 'dt', value: '2024-01-01' }, { key: 'region', value: 'eu' }]);
    expect(hivePartitions('logs/city=S%C3%A3o%20Paulo/a=b.csv')).toEqual([{ key: 'city', value: 'São Paulo' }]);
    expect(hivePartitions('a.csv')).toEqual([]);
  });

  it('passes over Hadoop markers and hidden files, not partition folders', () => {
    expect(isIgnoredPath('_SUCCESS')).toBe(true);
    expect(isIgnoredPath('x/.part.crc')).toBe(true);
    expect(isIgnoredPath('_temporary/0/a.csv')).toBe(true);
    expect(isIgnoredPath('_dt=1/a.csv')).toBe(false);
    expect(isIgnoredPath('dt=1/a.csv')).toBe(false);
  });

  it('takes the format from the crawler, else the extension, and rejects a mismatch', () => {
    expect(readFormat('a.CSV', null)).toEqual({ format: 'csv' });
    expect(readFormat('a.ndjson', null)).toEqual({ format: 'jsonl' });
    expect(readFormat('part-0000', 'parquet')).toEqual({ format: 'parquet' });
    expect(readFormat('a.parquet', 'csv')).toEqual({ reason: expect.stringMatching(/wrong format/) });
    expect(readFormat('notes.txt', null)).toEqual({ reason: expect.stringMatching(/unknown format/) });
  });
});
