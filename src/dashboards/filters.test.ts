import { describe, expect, it } from 'vitest';
import { condition, filteredSql, histogramSql, parseSelection, resolveSelection, schemaSql } from './filters.js';
import type { DashboardFilter } from '../contracts/dashboard.contract.js';

const filters: DashboardFilter[] = [
  { type: 'date-range', column: 'dt', from: '2024-01-01' },
  { type: 'values', column: 'region', values: ['eu'] },
];

describe('filter selection', () => {
  it('keeps the defaults, lets a selection replace them and selects all with an empty one', () => {
    expect(resolveSelection(filters, undefined)).toEqual([
      { column: 'dt', type: 'date-range', from: '2024-01-01' },
      { column: 'region', type: 'values', values: ['eu'] },
    ]);
    expect(resolveSelection(filters, { dt: { to: '2024-02-01' }, region: [] })).toEqual([
      { column: 'dt', type: 'date-range', to: '2024-02-01' },
      { column: 'region', type: 'values' },
    ]);
    expect(resolveSelection(filters, { region: [1, true, 'x', 'x'] })[1]).toEqual({ column: 'region', type: 'values', values: ['1', 'true', 'x'] });
  });

  it('refuses unknown columns, bad shapes and impossible days, listing every problem', () => {
    try {
      resolveSelection(filters, { dt: { from: '2024-02-30' }, region: 'eu', other: [] });
      expect.unreachable();
    } catch (err) {
      const e = err as { code: string; details: { errors: { field: string }[] } };
      expect(e.code).toBe('ORCH_DASHBOARD_FILTER_INVALID');
      expect(e.details.errors.map((p) => p.field)).toEqual(['other', 'dt.from', 'region']);
    }
    expect(() => resolveSelection(filters, { dt: { from: '2024-03-01', to: '2024-02-01' } })).toThrow(/before/);
    expect(() => resolveSelection(filters, ['x'])).toThrow(/object keyed by column/);
    expect(() => parseSelection('{nope')).toThrow(/must be JSON/);
    expect(parseSelection(undefined)).toBeUndefined();
  });
});

describe('filters as SQL', () => {
  it('quotes identifiers and values and never splices raw text', () => {
    expect(condition({ column: 'a"b', type: 'values', values: ["it's", 'x'] }, 'VARCHAR')).toBe(`CAST("a""b" AS VARCHAR) IN ('it''s', 'x')`);
    expect(condition({ column: 'n', type: 'values', values: ['2', '1e3', '-0.5'] }, 'DOUBLE')).toBe('CAST("n" AS DOUBLE) IN (2, 1000, -0.5)');
    expect(() => condition({ column: 'n', type: 'values', values: ['1) OR (1=1'] }, 'BIGINT')).toThrow(/is not a number/);
    expect(condition({ column: 'dt', type: 'date-range', from: '2024-01-01', to: '2024-01-31' }, 'DATE')).toBe(
      `TRY_CAST("dt" AS DATE) >= CAST('2024-01-01' AS DATE) AND TRY_CAST("dt" AS DATE) <= CAST('2024-01-31' AS DATE)`,
    );
  });

  it('wraps the SELECT (dropping one trailing semicolon, keeping a trailing comment inside) or leaves it alone', () => {
    const cols = [{ name: 'region', type: 'VARCHAR' }];
    expect(filteredSql('SELECT 1;', [{ column: 'region', type: 'values' }], cols)).toBe('SELECT 1');
    expect(filteredSql('SELECT region FROM s -- note', [{ column: 'region', type: 'values', values: ['eu'] }], cols)).toBe(
      `SELECT * FROM (\nSELECT region FROM s -- note\n) AS "chart" WHERE (CAST("region" AS VARCHAR) IN ('eu'))`,
    );
    expect(schemaSql('SELECT 1 ; ')).toBe('SELECT * FROM (\nSELECT 1\n) AS "chart" LIMIT 0');
  });

  it('builds a histogram over a quoted column with a checked bin count', () => {
    const sql = histogramSql('SELECT x FROM t', 'x"y', 7);
    expect(sql).toContain('TRY_CAST("x""y" AS DOUBLE)');
    expect(sql).toContain('generate_series(0, 7 - 1)');
    expect(() => histogramSql('SELECT 1', 'x', 1.5)).toThrow(/bins/);
  });
});
