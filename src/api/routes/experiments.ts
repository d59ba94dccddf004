import type { FastifyInstance } from 'fastify';
import { CreateExperimentRequest, ExperimentName, NameParams, RunCompareQuery, RunQuery } from '../../contracts/index.js';
import type { ExperimentService } from '../../experiments/index.js';
import { principalOf } from '../auth-hook.js';

const nameParams = NameParams(ExperimentName);

/** Experiments and runs (a run is a training job; see src/experiments). */
export function experimentRoutes(app: FastifyInstance, experiments: ExperimentService): void {
  app.post<{ Body: CreateExperimentRequest }>(
    '/experiments',
    {
      config: { permission: 'jobs:write' },
      schema: {
        tags: ['experiments'],
        summary: 'Create an experiment (jobs naming a new experiment also create it)',
        body: CreateExperimentRequest,
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
        querystring: RunQuery,
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
        querystring: RunCompareQuery,
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
