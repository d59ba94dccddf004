import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { body, errorOf, openHarness, type Harness } from '../data/test-harness.js';
import { DashboardService } from './dashboard-service.js';

/** Sales by day and region: 2024-01-01 … 2024-01-10, regions eu/us/apac, amount = day number. */
function salesCsv(extraDay = 0): string {
  const lines = ['dt,region,amount,note'];
  const regions = ['eu', 'us', 'apac'];
  for (let d = 1; d <= 10 + extraDay; d++) {
    for (const region of regions) lines.push(`2024-01-${String(d).padStart(2, '0')},${region},${d},${d === 1 && region === 'eu' ? '=HYPERLINK("x")' : 'ok'}`);
  }
  return lines.join('\n') + '\n';
}

const byRegion = {
  id: 'by-region',
  title: 'Amount by region',
  type: 'bar',
  sql: 'SELECT region, sum(amount) AS total FROM sales GROUP BY 1 ORDER BY 1',
  encoding: { x: 'region', y: 'total' },
};
const daily = {
  id: 'daily',
  title: 'Daily amount',
  type: 'line',
  sql: 'SELECT dt, region, sum(amount) AS total FROM sales GROUP BY 1, 2 ORDER BY 1, 2;',
  encoding: { x: 'dt', y: 'total', series: 'region' },
};
const definition = {
  name: 'sales-overview',
  title: 'Sales',
  filters: [
    { type: 'date-range', column: 'dt' },
    { type: 'values', column: 'region' },
  ],
  charts: [byRegion, daily, { id: 'amounts', title: 'Amounts', type: 'histogram', sql: 'SELECT amount FROM sales', encoding: { x: 'amount', bins: 5 } }],
};

describe('DashboardService over the dataset sandbox', () => {
  let h: Harness;
  let dashboards: DashboardService;

  beforeAll(async () => {
    h = await openHarness();
    await h.service.create({ name: 'sales', format: 'csv', header: true, body: body(salesCsv()) });
    dashboards = new DashboardService({ metadata: h.metadata, datasets: h.service });
  });
  afterAll(async () => h?.cleanup());

  it('stores a definition with defaults filled in and lists it', async () => {
    const created = await dashboards.create(definition, 'ana');
    expect(created).toMatchObject({ name: 'sales-overview', title: 'Sales', description: null, createdBy: 'ana' });
    expect(created.charts[0].encoding.y).toEqual(['total']);
    expect(created.charts[2].encoding.bins).toBe(5);
    expect(created.charts.map((c) => c.layout)).toEqual([
      { x: 0, y: 0, w: 6, h: 4 },
      { x: 6, y: 0, w: 6, h: 4 },
      { x: 0, y: 4, w: 6, h: 4 },
    ]);
    expect((await dashboards.describe('sales-overview')).charts).toHaveLength(3);
    expect((await dashboards.list({ prefix: 'sales' })).total).toBe(1);
    expect((await dashboards.list({ prefix: 'x' })).items).toEqual([]);
    expect((await errorOf(dashboards.create(definition, 'ana'))).code).toBe('ORCH_DASHBOARD_EXISTS');
  });

  it('runs a chart, applies filters by wrapping its SELECT and ignores filters on columns it does not return', async () => {
    const all = await dashboards.chartData('sales-overview', 'by-region');
    expect(all.rows).toEqual([
      { region: 'apac', total: 55 },
      { region: 'eu', total: 55 },
      { region: 'us', total: 55 },
    ]);
    expect(all.ignored).toEqual(['dt']);
    expect(all.sources).toEqual([{ name: 'sales', version: 1 }]);

    const eu = await dashboards.chartData('sales-overview', 'by-region', { region: ['eu'], dt: { from: '2024-01-03', to: '2024-01-04' } });
    expect(eu.rows).toEqual([{ region: 'eu', total: 55 }]);
    expect(eu.applied).toEqual([{ column: 'region', type: 'values', values: ['eu'] }]);

    const days = await dashboards.chartData('sales-overview', 'daily', { region: ['eu', 'us'], dt: { from: '2024-01-03', to: '2024-01-04' } });
    expect(days.rows.map((r) => `${r.dt}/${r.region}/${r.total}`)).toEqual(['2024-01-03/eu/3', '2024-01-03/us/3', '2024-01-04/eu/4', '2024-01-04/us/4']);
    expect(days.ignored).toEqual([]);
  });

  it('quotes filter values: a value that looks like SQL is only a value', async () => {
    const res = await dashboards.chartData('sales-overview', 'daily', { region: ["eu') OR ('1'='1", 'x"; DROP TABLE sales; --'] });
    expect(res.rows).toEqual([]);
    expect((await errorOf(dashboards.chartData('sales-overview', 'daily', { dt: { from: "2024-01-01' OR 1=1 --" } }))).code).toBe('ORCH_DASHBOARD_FILTER_INVALID');
    expect((await errorOf(dashboards.chartData('sales-overview', 'daily', { nope: ['a'] }))).code).toBe('ORCH_DASHBOARD_FILTER_INVALID');
  });

  it('computes histograms over every row in the sandbox', async () => {
    const res = await dashboards.chartData('sales-overview', 'amounts');
    expect(res.rows).toEqual([
      { lower: 1, upper: 2.8, count: 6 },
      { lower: 2.8, upper: 4.6, count: 6 },
      { lower: 4.6, upper: 6.4, count: 6 },
      { lower: 6.4, upper: 8.2, count: 6 },
      { lower: 8.2, upper: 10, count: 6 },
    ].map((b) => ({ ...b, lower: expect.closeTo(b.lower, 9), upper: expect.closeTo(b.upper, 9) })));
  });

  it('serves repeats from the cache and runs again once a dataset has a new version', async () => {
    const first = await dashboards.chartData('sales-overview', 'by-region', { region: ['us'] });
    const again = await dashboards.chartData('sales-overview', 'by-region', { region: ['us'] });
    expect(again.cached).toBe(true);
    expect(again.rows).toEqual(first.rows);
    await h.service.create({ name: 'sales', format: 'csv', header: true, body: body(salesCsv(1)) });
    const fresh = await dashboards.chartData('sales-overview', 'by-region', { region: ['us'] });
    expect(fresh.cached).toBe(false);
    expect(fresh.sources).toEqual([{ name: 'sales', version: 2 }]);
    expect(fresh.rows).toEqual([{ region: 'us', total: 66 }]);
  });

  it('exports CSV with RFC 4180 quoting and formula-safe cells', async () => {
    await dashboards.create({ name: 'notes', charts: [{ id: 'rows', title: 'Rows', type: 'table', sql: "SELECT note, amount, region || ',x' AS odd FROM \"sales@1\" WHERE dt = '2024-01-01' ORDER BY region" }] }, 'ana');
    const { filename, lines } = await dashboards.chartCsv('notes', 'rows');
    let text = '';
    for await (const line of lines) text += line;
    expect(filename).toBe('notes-rows.csv');
    expect(text).toBe('note,amount,odd\r\nok,1,"apac,x"\r\n"\'=HYPERLINK(""x"")",1,"eu,x"\r\nok,1,"us,x"\r\n');
  });

  it('refuses a bad definition listing every problem', async () => {
    const err = await errorOf(
      dashboards.create(
        {
          name: 'bad one',
          filters: [{ type: 'between', column: 'dt' }],
          charts: [
            { id: 'a', title: 'A', type: 'pie', sql: 'SELECT 1' },
            { id: 'b', title: 'B', type: 'bar', sql: 'SELECT region FROM sales', encoding: { x: 'region', y: 'total' } },
            { id: 'c', title: 'C', type: 'kpi', sql: 'SELECT 1 AS n', encoding: { value: 'n' }, layout: { x: 10, y: 0, w: 4, h: 2 } },
          ],
        },
        'ana',
      ),
    );
    expect(err.code).toBe('ORCH_DASHBOARD_INVALID');
    const fields = ((err as { details?: { errors: { field: string }[] } }).details?.errors ?? []).map((e) => e.field);
    expect(fields).toEqual(['name', 'filters[0].type', 'charts[0].type', 'charts[2].layout.w', 'charts[1].encoding.y']);
  });

  it("gives a chart's SQL problem the sandbox's code", async () => {
    const one = (sql: string) => dashboards.create({ name: 'sql-check', charts: [{ id: 'a', title: 'A', type: 'table', sql }] }, 'ana');
    expect((await errorOf(one('DELETE FROM sales'))).code).toBe('ORCH_QUERY_NOT_READ_ONLY');
    expect((await errorOf(one('SELECT 1; SELECT 2'))).code).toBe('ORCH_QUERY_NOT_READ_ONLY');
    expect((await errorOf(one("SELECT * FROM read_csv('/etc/passwd')"))).code).toBe('ORCH_QUERY_FORBIDDEN');
    expect((await errorOf(one('SELECT * FROM nowhere'))).code).toBe('ORCH_QUERY_UNKNOWN_DATASET');
  });

  it('updates, refuses a rename, previews an unsaved chart and deletes', async () => {
    const updated = await dashboards.update('sales-overview', { ...definition, name: undefined, title: 'Sales v2', charts: [byRegion] }, 'bo');
    expect(updated).toMatchObject({ title: 'Sales v2', updatedBy: 'bo', createdBy: 'ana' });
    expect(updated.charts).toHaveLength(1);
    expect((await errorOf(dashboards.update('sales-overview', { ...definition, name: 'other' }, 'bo'))).code).toBe('ORCH_DASHBOARD_INVALID');
    expect((await errorOf(dashboards.chartData('sales-overview', 'daily'))).code).toBe('ORCH_DASHBOARD_CHART_NOT_FOUND');

    const preview = await dashboards.preview({ chart: { id: 'k', title: 'Total', type: 'kpi', sql: 'SELECT sum(amount) AS n FROM "sales@1"', encoding: { value: 'n' } } });
    expect(preview.rows).toEqual([{ n: 165 }]);
    expect((await errorOf(dashboards.preview({ chart: { id: 'k', title: 'T', type: 'kpi', sql: 'SELECT 1' } }))).message).toMatch(/^chart\.encoding\.value: is required/);

    await dashboards.delete('sales-overview');
    expect((await errorOf(dashboards.describe('sales-overview'))).code).toBe('ORCH_DASHBOARD_NOT_FOUND');
    expect((await errorOf(dashboards.delete('sales-overview'))).code).toBe('ORCH_DASHBOARD_NOT_FOUND');
  });
});
