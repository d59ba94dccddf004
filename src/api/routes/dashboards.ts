import { Readable } from 'node:stream';
import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { ChartDataQuery, ChartId, DashboardFilterQuery, DashboardName, NameParams, type ChartPreviewRequest, type DashboardRequest } from '../../contracts/index.js';
import { parseSelection, type DashboardService } from '../../dashboards/index.js';
import { principalOf } from '../auth-hook.js';
import { resourceRoutes } from '../resource-routes.js';

/**
 * A definition is checked by the service, which lists every problem at once (shape, SQL,
 * columns); the routes only require an object, so a schema error never hides the others.
 */
const DefinitionBody = Type.Unsafe<DashboardRequest>({ type: 'object', description: 'A dashboard definition: name, title, description, filters, charts (see docs/dashboards.md)' });
const PreviewBody = Type.Unsafe<ChartPreviewRequest>({ type: 'object', description: '{ chart, filters?, selection? }' });
const nameParams = NameParams(DashboardName);
const chartParams = Type.Object({ name: DashboardName, id: ChartId });
const read = { permission: 'datasets:read' } as const;
const write = { permission: 'datasets:write' } as const;
const tags = ['dashboards'];

/**
 * Dashboards (QuickSight-style): definitions through the resource helper, whole-definition
 * updates, a chart's rows as JSON or streamed CSV, and the editor's preview of an unsaved
 * chart. Reading needs `datasets:read` (the rows are dataset rows), changing `datasets:write`.
 */
export function dashboardRoutes(app: FastifyInstance, dashboards: DashboardService): void {
  resourceRoutes(app, {
    path: 'dashboards',
    tag: 'dashboards',
    name: DashboardName,
    permissions: { read: 'datasets:read', write: 'datasets:write' },
    create: { body: DefinitionBody, summary: 'Create a dashboard from its definition (every chart\'s SQL is checked in the query sandbox)', run: ({ createdBy, ...definition }) => dashboards.create(definition, createdBy) },
    list: { filter: DashboardFilterQuery, summary: 'List dashboards by name', run: (filter) => dashboards.list(filter) },
    describe: { summary: 'Describe a dashboard: filters, charts with their SQL, encoding and layout', run: (name) => dashboards.describe(name) },
    delete: { status: 204, summary: 'Delete a dashboard', run: (name) => dashboards.delete(name) },
  });

  app.put<{ Params: { name: string }; Body: DashboardRequest }>(
    '/dashboards/:name',
    { config: write, schema: { tags, summary: "Replace a dashboard's definition (it keeps its name)", params: nameParams, body: DefinitionBody } },
    async (request) => dashboards.update(request.params.name, request.body, principalOf(request).user.name),
  );

  app.post<{ Body: ChartPreviewRequest }>(
    '/dashboards/chart-preview',
    { config: read, schema: { tags, summary: "An unsaved chart's rows (the editor's preview), checked as a save checks it", body: PreviewBody } },
    async (request) => dashboards.preview(request.body),
  );

  app.get<{ Params: { name: string; id: string }; Querystring: ChartDataQuery }>(
    '/dashboards/:name/charts/:id/data',
    {
      config: read,
      schema: {
        tags,
        summary: "A chart's rows under the dashboard's filters (filters = a JSON selection); format=csv streams every row as RFC 4180 CSV",
        params: chartParams,
        querystring: ChartDataQuery,
      },
    },
    async (request, reply) => {
      const { name, id } = request.params;
      const selection = parseSelection(request.query.filters);
      if (request.query.format !== 'csv') return dashboards.chartData(name, id, selection);
      const { filename, lines } = await dashboards.chartCsv(name, id, selection);
      return reply
        .type('text/csv; charset=utf-8; header=present')
        .header('content-disposition', `attachment; filename="${filename}"`)
        .header('cache-control', 'no-store')
        .send(Readable.from(lines));
    },
  );
}
