import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backends } from '../support/backends.js';
import { Orchard, type DashboardRequest } from '../../src/sdk/index.js';
import { cli, startServer, type RunningServer } from '../support/server.js';
import { codeOf } from '../support/refusals.js';

/** Orders by day and region: 2024-03-01 … 2024-03-(days), regions eu/us, amount = day (×10 for us). */
function writeOrders(file: string, days: number): string {
  const lines = ['dt,region,amount,customer'];
  for (let d = 1; d <= days; d++) {
    const dt = `2024-03-${String(d).padStart(2, '0')}`;
    lines.push(`${dt},eu,${d},${d === 2 ? '=cmd|calc' : `c${d}`}`);
    lines.push(`${dt},us,${d * 10},"Doe, J"`);
  }
  fs.writeFileSync(file, lines.join('\n') + '\n');
  return file;
}

const definition = {
  title: 'Orders',
  description: 'Daily orders by region',
  filters: [
    { type: 'date-range', column: 'dt', label: 'Day' },
    { type: 'values', column: 'region', label: 'Region' },
  ],
  charts: [
    { id: 'by-region', title: 'Amount by region', type: 'bar', sql: 'SELECT region, sum(amount) AS total FROM orders GROUP BY 1 ORDER BY 1', encoding: { x: 'region', y: 'total' }, layout: { x: 0, y: 0, w: 6, h: 4 } },
    { id: 'daily', title: 'Daily amount', type: 'line', sql: 'SELECT dt, region, sum(amount) AS total FROM orders GROUP BY 1, 2 ORDER BY 1, 2', encoding: { x: 'dt', y: 'total', series: 'region' }, layout: { x: 6, y: 0, w: 6, h: 4 } },
    { id: 'total', title: 'Total', type: 'kpi', sql: 'SELECT sum(amount) AS total FROM orders', encoding: { value: 'total' } },
    { id: 'rows', title: 'Orders', type: 'table', sql: 'SELECT dt, region, amount, customer FROM orders ORDER BY dt, region' },
  ],
};


describe.each(backends)('dashboards through the CLI on $name', (backend) => {
  let server: RunningServer;
  let teardown: () => Promise<void>;
  let dir: string;
  let admin: { url: string; token: string };
  let viewer: { url: string; token: string };

  const writeJson = (name: string, value: unknown) => {
    const file = path.join(dir, name);
    fs.writeFileSync(file, JSON.stringify(value));
    return file;
  };

  beforeAll(async () => {
    const b = await backend.setup();
    teardown = b.teardown;
    server = await startServer(b.env);
    admin = { url: server.url, token: server.adminToken };
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'orchard-dash-'));
    // The source dataset through the SDK (one upload; `datasets create` is the datasets suite's).
    const sdk = new Orchard(admin);
    expect(await sdk.datasets.create({ name: 'orders', file: writeOrders(path.join(dir, 'orders.csv'), 6), header: true })).toMatchObject({ name: 'orders', version: 1 });
    await sdk.users.create({ name: 'vic', role: 'viewer' });
    viewer = { url: server.url, token: (await sdk.tokens.create({ user: 'vic' })).token };
  });
  afterAll(async () => {
    await server?.stop();
    await teardown?.();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it('creates, lists and describes a dashboard', async () => {
    const created = await cli(['dashboards', 'create', 'orders-board', '--file', writeJson('dash.json', definition), '--json'], admin);
    expect(created.code, created.stderr + created.stdout).toBe(0);
    expect(created.json).toMatchObject({ name: 'orders-board', title: 'Orders', createdBy: 'admin' });
    expect(created.json.charts.map((c: { layout: unknown }) => c.layout)).toEqual([
      { x: 0, y: 0, w: 6, h: 4 },
      { x: 6, y: 0, w: 6, h: 4 },
      { x: 0, y: 4, w: 6, h: 4 },
      { x: 6, y: 4, w: 6, h: 4 },
    ]);
    // The create command's CLI refusals are the bad definitions' below; this one through the SDK.
    expect(await codeOf(new Orchard(admin).dashboards.create({ name: 'orders-board', ...definition } as DashboardRequest))).toBe('ORCH_DASHBOARD_EXISTS');

    const list = await cli(['dashboards', 'list', '--json'], admin);
    expect(list.json.items.map((d: { name: string }) => d.name)).toEqual(['orders-board']);
    const described = await cli(['dashboards', 'describe', 'orders-board', '--json'], admin);
    expect(described.json.filters).toEqual(definition.filters);
    expect(described.json.charts[1].encoding).toEqual({ x: 'dt', y: ['total'], series: 'region' });
    const human = await cli(['dashboards', 'describe', 'orders-board'], admin);
    expect(human.stdout).toMatch(/daily\s+│\s+line/);
  });

  it("answers a chart's rows with filters, and ignores a filter on a column the chart does not return", async () => {
    const all = await cli(['dashboards', 'data', 'orders-board', '--chart', 'by-region', '--json'], admin);
    expect(all.code, all.stderr).toBe(0);
    expect(all.json.rows).toEqual([{ region: 'eu', total: 21 }, { region: 'us', total: 210 }]);
    expect(all.json.ignored).toEqual(['dt']);
    expect(all.json.sources).toEqual([{ name: 'orders', version: 1 }]);

    const filtered = await cli(['dashboards', 'data', 'orders-board', '--chart', 'daily', '--filter', 'dt=2024-03-02..2024-03-03', '--filter', 'region=us', '--json'], admin);
    expect(filtered.json.rows.map((r: { dt: string; total: number }) => [r.dt, r.total])).toEqual([['2024-03-02', 20], ['2024-03-03', 30]]);
    expect(filtered.json.applied).toEqual([
      { column: 'dt', type: 'date-range', from: '2024-03-02', to: '2024-03-03' },
      { column: 'region', type: 'values', values: ['us'] },
    ]);
    const openEnded = await cli(['dashboards', 'data', 'orders-board', '--chart', 'daily', '--filter', 'dt=2024-03-06..', '--json'], admin);
    expect(openEnded.json.rows).toHaveLength(2);

    const bad = await cli(['dashboards', 'data', 'orders-board', '--chart', 'daily', '--filter', 'dt=2024-03-09..2024-03-01', '--json'], admin);
    expect(bad.json.code).toBe('ORCH_DASHBOARD_FILTER_INVALID');
    // The data command's refusal is the CLI's above; this one through the SDK (the request it sends).
    expect(await codeOf(new Orchard(admin).dashboards.data('orders-board', 'nope'))).toBe('ORCH_DASHBOARD_CHART_NOT_FOUND');
  });

  it('exports a chart as formula-safe RFC 4180 CSV', async () => {
    const res = await cli(['dashboards', 'data', 'orders-board', '--chart', 'rows', '--filter', 'dt=..2024-03-02', '--csv'], admin);
    expect(res.code, res.stderr).toBe(0);
    expect(res.stdout).toBe(
      'dt,region,amount,customer\r\n2024-03-01,eu,1,c1\r\n2024-03-01,us,10,"Doe, J"\r\n2024-03-02,eu,2,\'=cmd|calc\r\n2024-03-02,us,20,"Doe, J"\r\n',
    );
    const file = path.join(dir, 'out.csv');
    expect((await cli(['dashboards', 'data', 'orders-board', '--chart', 'total', '--csv', '--output', file], admin)).code).toBe(0);
    expect(fs.readFileSync(file, 'utf8')).toBe('total\r\n231\r\n');
  });

  it("runs a chart again once a source dataset has a new version", async () => {
    // The server's cache, read through the SDK (the request `dashboards data` sends, the CLI's above).
    const sdk = new Orchard(admin);
    expect((await sdk.dashboards.data('orders-board', 'total')).rows).toEqual([{ total: 231 }]);
    expect((await sdk.dashboards.data('orders-board', 'total')).cached).toBe(true);
    await sdk.datasets.create({ name: 'orders', file: writeOrders(path.join(dir, 'orders.csv'), 7), header: true });
    expect(await sdk.dashboards.data('orders-board', 'total')).toMatchObject({ rows: [{ total: 308 }], cached: false, sources: [{ name: 'orders', version: 2 }] });
  });

  it('lets a viewer read but not write', async () => {
    // The viewer's CSV export through the CLI; its other reads and the refused writes through the SDK
    // with the viewer's token (the requests those commands send, each command's CLI run is the admin's).
    expect((await cli(['dashboards', 'data', 'orders-board', '--chart', 'total', '--csv'], viewer)).stdout).toBe('total\r\n308\r\n');
    const asViewer = new Orchard(viewer);
    expect((await asViewer.dashboards.list()).items.map((d) => d.name)).toContain('orders-board');
    expect((await asViewer.dashboards.describe('orders-board')).name).toBe('orders-board');
    expect((await asViewer.dashboards.data('orders-board', 'by-region', { region: ['eu'] })).rows).toEqual([{ region: 'eu', total: 28 }]);
    expect(await codeOf(asViewer.dashboards.create({ name: 'mine', ...definition } as DashboardRequest))).toBe('ORCH_AUTH_FORBIDDEN');
    expect(await codeOf(asViewer.dashboards.update('orders-board', { ...definition, title: 'Changed' } as Omit<DashboardRequest, 'name'>))).toBe('ORCH_AUTH_FORBIDDEN');
    expect(await codeOf(asViewer.dashboards.delete('orders-board'))).toBe('ORCH_AUTH_FORBIDDEN');
    expect((await new Orchard(admin).dashboards.describe('orders-board')).title).toBe('Orders');
  });

  it('refuses bad definitions, listing every problem, and gives a bad SELECT the sandbox code', async () => {
    const bad = await cli(
      [
        'dashboards',
        'create',
        'broken',
        '--file',
        writeJson('bad.json', {
          filters: [{ type: 'values' }],
          charts: [
            { id: 'a', title: 'A', type: 'donut', sql: 'SELECT 1' },
            { id: 'b', title: 'B', type: 'line', sql: 'SELECT dt FROM orders', encoding: { x: 'dt', y: 'missing' } },
          ],
        }),
      ],
      admin,
    );
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toMatch(/error ORCH_DASHBOARD_INVALID: 3 problems/);
    expect(bad.stderr).toContain('filters[0].column');
    expect(bad.stderr).toContain('charts[0].type');
    expect(bad.stderr).toContain("  charts[1].encoding.y: the SELECT returns no column 'missing'");
    expect(bad.stderr).not.toContain('charts[1].encoding.y: charts[1]');

    // The SELECT's sandbox codes through the SDK (the definition the CLI reads from its file).
    const sdk = new Orchard(admin);
    expect(await codeOf(sdk.dashboards.create({ name: 'broken', charts: [{ id: 'a', title: 'A', type: 'table', sql: 'DROP TABLE orders' }] } as DashboardRequest))).toBe('ORCH_QUERY_NOT_READ_ONLY');
    expect(await codeOf(sdk.dashboards.create({ name: 'broken', charts: [{ id: 'a', title: 'A', type: 'table', sql: "SELECT * FROM read_text('/etc/passwd')" }] } as DashboardRequest))).toBe('ORCH_QUERY_FORBIDDEN');
    const notJson = path.join(dir, 'not.json');
    fs.writeFileSync(notJson, '{ nope');
    expect((await cli(['dashboards', 'create', 'broken', '--file', notJson, '--json'], admin)).json.message).toMatch(/not valid JSON/);
    expect((await cli(['dashboards', 'describe', 'broken', '--json'], admin)).json.code).toBe('ORCH_DASHBOARD_NOT_FOUND');
  });

  it('reads a YAML definition', async () => {
    const file = path.join(dir, 'board.yaml');
    fs.writeFileSync(file, ['title: From YAML', 'filters:', '  - {type: values, column: region, values: [eu]}', 'charts:', '  - id: total', '    title: Total', '    type: kpi', '    sql: SELECT region, sum(amount) AS total FROM orders GROUP BY 1', '    encoding: {value: total}', ''].join('\n'));
    const created = await cli(['dashboards', 'create', 'yaml-board', '--file', file, '--json'], admin);
    expect(created.code, created.stdout).toBe(0);
    expect(created.json).toMatchObject({ title: 'From YAML', filters: [{ type: 'values', column: 'region', values: ['eu'] }] });
    // Its rows and its deletion through the SDK (`dashboards data` and `delete` run through the CLI in the other cases).
    const sdk = new Orchard(admin);
    expect((await sdk.dashboards.data('yaml-board', 'total')).rows).toEqual([{ region: 'eu', total: 28 }]);
    await sdk.dashboards.delete('yaml-board');
    expect((await sdk.dashboards.list()).items.map((d) => d.name)).not.toContain('yaml-board');
  });

  it('updates from edited describe output and deletes', async () => {
    // The describe output as the SDK answers it (the JSON `dashboards describe --json` prints, run in the first case).
    const described = await new Orchard(admin).dashboards.describe('orders-board');
    const updated = await cli(['dashboards', 'update', 'orders-board', '--file', writeJson('edit.json', { ...described, title: 'Orders (v2)', charts: described.charts.slice(0, 1) }), '--json'], admin);
    expect(updated.code, updated.stdout).toBe(0);
    expect(updated.json).toMatchObject({ title: 'Orders (v2)', updatedBy: 'admin' });
    expect(updated.json.charts).toHaveLength(1);
    expect((await cli(['dashboards', 'delete', 'orders-board', '--json'], admin)).code).toBe(0);
    expect((await new Orchard(admin).dashboards.list()).items).toEqual([]);
  });
});
