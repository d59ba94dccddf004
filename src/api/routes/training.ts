import type { FastifyInstance } from 'fastify';
import { CreateTrainingJobRequest, JobName, LogsQuery, NameParams, TrainingJobFilter } from '../../contracts/index.js';
import type { TrainingService } from '../../training/index.js';
import { resourceRoutes } from '../resource-routes.js';

/** Training jobs (SageMaker CreateTrainingJob / DescribeTrainingJob / StopTrainingJob) and their logs. */
export function trainingRoutes(app: FastifyInstance, training: TrainingService): void {
  resourceRoutes(app, {
    path: 'training-jobs',
    tag: 'training',
    name: JobName,
    permissions: { read: 'jobs:read', write: 'jobs:write' },
    create: { body: CreateTrainingJobRequest, summary: 'Create a training job (validated, then queued)', run: (input) => training.create(input) },
    list: { filter: TrainingJobFilter, summary: 'List training jobs, newest first', run: (filter) => training.list(filter) },
    describe: { summary: 'Describe a training job', run: (name) => training.describe(name) },
    stop: { summary: 'Stop a training job', run: (name) => training.stop(name) },
  });

  app.get<{ Params: NameParams; Querystring: LogsQuery }>(
    '/training-jobs/:name/logs',
    {
      config: { permission: 'jobs:read' },
      schema: { tags: ['training'], summary: 'Log lines after a sequence number, oldest first; pass nextSeq back as after', params: NameParams(JobName), querystring: LogsQuery },
    },
    async (request) => training.logs(request.params.name, request.query),
  );
}
