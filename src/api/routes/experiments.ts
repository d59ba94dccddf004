import type { FastifyInstance } from 'fastify';
import type { ExperimentService, RunQuery } from '../../experiments/index.js';
import { principalOf } from '../auth-hook.js';

const name = { type: 'string', minLength: 1, maxLength: 63, pattern: '^[A-Za-z0-9](-*[A-Za-z0-9])*$' } as const;
const nameParams = { type: 'object', required: ['name'], properties: { name } } as const;

/** Experiments and runs (a run is a training job; see src/experiments). */
export function experimentRoutes(app: FastifyInstance, experiments: ExperimentService): void {
  app.post<{ Body: { name: string; description?: string } }>(
    '/experiments',
    {
      config: { permission: 'jobs:write' },
      schema: {
        tags: ['experiments'],
        summary: 'Create an experiment (jobs naming a new experiment also create it)',
        body: { type: 'object', required: ['name'], additionalProperties: false, properties: { name, description: { type: 'string', maxLength: 4096 } } },
      },
    },
    async (request, reply) => reply.status(201).send(await experiments.create({ ...request.body, createdBy: principalOf(request).user.name })),
  );

  app.get('/experiments', { config: { permission: 'jobs:read' }, schema: { tags: ['experiments'], summary: 'List experiments with their run counts' } }, async () => experiments.list());

  app.get<{ Params: { name: string } }>(
    '/experiments/:name',
    { config: { permission: 'jobs:read' }, schema: { tags: ['experiments'], summary: 'Describe an experiment: runs by status, parameter and metric names', params: nameParams } },
    async (request) => experiments.describe(request.params.name),
  );

  app.get<{ Querystring: RunQuery }>(
    '/runs',
    {
      config: { permission: 'jobs:read' },
      schema: {
        tags: ['experiments'],
        summary: 'List runs, filtered (e.g. `metrics.validation:auc > 0.9 and params.max_depth <= 6`) and sorted (e.g. `metrics.validation:auc desc`)',
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: { experiment: name, filter: { type: 'string', maxLength: 2000 }, sort: { type: 'string', maxLength: 500 }, limit: { type: 'integer', minimum: 1, maximum: 1000 } },
        },
      },
    },
    async (request) => experiments.runs(request.query),
  );

  app.get<{ Querystring: { names: string } }>(
    '/runs/compare',
    {
      config: { permission: 'jobs:read' },
      schema: {
        tags: ['experiments'],
        summary: 'Compare runs: parameters and final metrics side by side (names comma-separated)',
        querystring: { type: 'object', required: ['names'], additionalProperties: false, properties: { names: { type: 'string', minLength: 1, maxLength: 4000 } } },
      },
    },
    async (request) => experiments.compare(request.query.names.split(',').map((n) => n.trim()).filter(Boolean)),
  );

  app.get<{ Params: { name: string } }>(
    '/runs/:name',
    { config: { permission: 'jobs:read' }, schema: { tags: ['experiments'], summary: 'Describe a run with its metric series', params: nameParams } },
    async (request) => experiments.run(request.params.name),
  );
}
