import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { AutomlJobFilter, AutomlJobName, AutomlReportName, AutomlReportQuery, CreateAutomlJobRequest, NameParams, type AutomlReportFormat } from '../../contracts/index.js';
import type { AutomlService } from '../../automl/index.js';
import { resourceRoutes } from '../resource-routes.js';

/**
 * AutoML jobs (SageMaker Autopilot): create, list, describe, stop (`/automl-jobs`), the
 * leaderboard, and the two reports as JSON or Markdown. They run jobs: `jobs:*`.
 */
export function automlRoutes(app: FastifyInstance, automl: AutomlService): void {
  resourceRoutes(app, {
    path: 'automl-jobs',
    tag: 'automl',
    name: AutomlJobName,
    permissions: { read: 'jobs:read', write: 'jobs:write' },
    create: { body: CreateAutomlJobRequest, summary: 'Create an AutoML job: the table is analysed and every problem refused before anything runs', run: (input) => automl.create(input) },
    list: { filter: AutomlJobFilter, summary: 'List AutoML jobs, newest first', run: (filter) => automl.list(filter) },
    describe: { summary: 'Describe an AutoML job: status, analysis, best candidate and leaderboard', run: (name) => automl.describe(name) },
    stop: { summary: 'Stop an AutoML job: running candidates stop, the best completed one is still registered', run: (name) => automl.stop(name) },
  });

  app.get<{ Params: { name: string } }>(
    '/automl-jobs/:name/leaderboard',
    { config: { permission: 'jobs:read' }, schema: { tags: ['automl'], summary: "An AutoML job's candidates, best first (unscored ones last)", params: NameParams(AutomlJobName) } },
    async (request) => ({ items: await automl.leaderboard(request.params.name) }),
  );

  app.get<{ Params: { name: string; report: 'exploration' | 'candidates' }; Querystring: { format?: AutomlReportFormat } }>(
    '/automl-jobs/:name/reports/:report',
    {
      config: { permission: 'jobs:read' },
      schema: { tags: ['automl'], summary: 'A report of an AutoML job (exploration: the data; candidates: the leaderboard and the best model), as JSON or Markdown', params: Type.Object({ name: AutomlJobName, report: AutomlReportName }), querystring: AutomlReportQuery },
    },
    async (request, reply) => {
      const { contentType, body } = await automl.report(request.params.name, request.params.report, request.query.format ?? 'json');
      return reply.type(contentType).send(body);
    },
  );
}
