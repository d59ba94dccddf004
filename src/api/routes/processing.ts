import type { FastifyInstance } from 'fastify';
import { CreateProcessingJobRequest, JobName, LogsQuery, NameParams, ProcessingJobFilter } from '../../contracts/index.js';
import type { ProcessingService } from '../../processing/index.js';
import { resourceRoutes } from '../resource-routes.js';

/** Processing jobs (SageMaker CreateProcessingJob / DescribeProcessingJob / StopProcessingJob) and their logs. */
export function processingRoutes(app: FastifyInstance, processing: ProcessingService): void {
  resourceRoutes(app, {
    path: 'processing-jobs',
    tag: 'processing',
    name: JobName,
    permissions: { read: 'jobs:read', write: 'jobs:write' },
    create: { body: CreateProcessingJobRequest, summary: 'Run a script over datasets on one or more instances; its output folders become dataset versions or artifacts', run: (input) => processing.create(input) },
    list: { filter: ProcessingJobFilter, summary: 'List processing jobs, newest first', run: (filter) => processing.list(filter) },
    describe: { summary: 'Describe a processing job (instances, inputs, outputs and what they became)', run: (name) => processing.describe(name) },
    stop: { summary: 'Stop a processing job (nothing is registered)', run: (name) => processing.stop(name) },
  });

  app.get<{ Params: NameParams; Querystring: LogsQuery }>(
    '/processing-jobs/:name/logs',
    {
      config: { permission: 'jobs:read' },
      schema: { tags: ['processing'], summary: "Log lines of every instance after a sequence number, oldest first; pass nextSeq back as after", params: NameParams(JobName), querystring: LogsQuery },
    },
    async (request) => processing.logs(request.params.name, request.query),
  );
}
