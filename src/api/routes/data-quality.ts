import type { FastifyInstance } from 'fastify';
import { Type } from '@sinclair/typebox';
import { CreateDataQualityReportRequest, DataQualityReportFilter, DataQualityReportId, DatasetRef } from '../../contracts/index.js';
import type { DataQualityService } from '../../data-quality/index.js';
import { resourceRoutes } from '../resource-routes.js';

/** Data-quality reports (Data Wrangler's "Data Quality and Insights" report) over dataset versions. */
export function dataQualityRoutes(app: FastifyInstance, reports: DataQualityService): void {
  resourceRoutes(app, {
    path: 'data-quality-reports',
    tag: 'data-quality',
    name: DataQualityReportId,
    // A report shows what a dataset holds (reading it needs what reading the dataset does);
    // creating or stopping one runs or ends a job.
    permissions: { read: 'datasets:read', write: 'jobs:write' },
    create: {
      body: CreateDataQualityReportRequest,
      status: 202,
      summary: 'Start a data-quality report on a dataset version (missing values, duplicates, outliers, ID-like columns; with a target: classes, leakage, quick-model importance)',
      run: (input) => reports.create(input),
    },
    list: { filter: DataQualityReportFilter, summary: 'List data-quality reports, newest first (without their content)', run: (filter) => reports.list(filter) },
    describe: { summary: 'Describe a data-quality report, with its content once completed', run: (id) => reports.describe(id) },
    stop: { summary: 'Stop a running data-quality report', run: (id) => reports.stop(id) },
  });

  app.get<{ Params: { name: string } }>(
    '/data-quality-reports/:name/report.json',
    { config: { permission: 'datasets:read' }, schema: { tags: ['data-quality'], summary: 'The completed report as a JSON file (a download)', params: Type.Object({ name: DataQualityReportId }) } },
    async (request, reply) => {
      const content = await reports.content(request.params.name);
      const file = `${content.dataset.name}-v${content.dataset.version}-quality-${request.params.name}.json`.replace(/[^A-Za-z0-9._-]/g, '_');
      return reply.header('content-disposition', `attachment; filename="${file}"`).type('application/json').send(JSON.stringify(content, null, 2));
    },
  );

  app.get<{ Params: { ref: string } }>(
    '/datasets/:ref/quality',
    {
      config: { permission: 'datasets:read' },
      schema: { tags: ['data-quality'], summary: "The newest data-quality report of a dataset version ('name' = latest version, 'name@3')", params: Type.Object({ ref: DatasetRef }) },
    },
    async (request) => reports.latest(request.params.ref),
  );
}
