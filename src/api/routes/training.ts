import type { FastifyInstance } from 'fastify';
import type { CreateTrainingJobInput, TrainingJobFilter, TrainingJobStatus, TrainingService } from '../../training/index.js';
import { principalOf } from '../auth-hook.js';
import { metricDefinitions, stringMap } from './schemas.js';

const STATUSES: TrainingJobStatus[] = ['InProgress', 'Completed', 'Failed', 'Stopping', 'Stopped'];
/** SageMaker's TrainingJobName: 1–63 alphanumerics, hyphens only between them. */
const jobName = { type: 'string', minLength: 1, maxLength: 63, pattern: '^[A-Za-z0-9](-*[A-Za-z0-9])*$' } as const;
const nameParams = { type: 'object', required: ['name'], properties: { name: jobName } } as const;

/** The create body: everything a user may ask for; `createdBy` comes from the caller's token. */
const createBody = {
  type: 'object',
  required: ['name', 'channels'],
  additionalProperties: false,
  properties: {
    name: jobName,
    algorithm: { type: 'string', minLength: 1, maxLength: 64 },
    script: {
      type: 'object',
      required: ['entryPoint', 'sourceKey'],
      additionalProperties: false,
      properties: {
        entryPoint: { type: 'string', minLength: 1, maxLength: 256 },
        sourceKey: { type: 'string', minLength: 1, maxLength: 1024 },
      },
    },
    // SageMaker's limits: 100 hyperparameters, values up to 2500 characters.
    hyperParameters: stringMap(2500, 100),
    channels: { type: 'object', additionalProperties: { type: 'string', minLength: 1, maxLength: 200 }, minProperties: 1, maxProperties: 20 },
    // SageMaker's MaxRuntimeInSeconds ceiling: 28 days.
    maxRuntimeSeconds: { type: 'integer', minimum: 1, maximum: 2_419_200 },
    maxRetries: { type: 'integer', minimum: 0, maximum: 30 },
    metricDefinitions,
    tags: stringMap(256, 50),
    experiment: jobName,
  },
} as const;

export function trainingRoutes(app: FastifyInstance, training: TrainingService): void {
  app.post<{ Body: Omit<CreateTrainingJobInput, 'createdBy'> }>(
    '/training-jobs',
    { config: { permission: 'jobs:write' }, schema: { tags: ['training'], summary: 'Create a training job (validated, then queued)', body: createBody } },
    async (request, reply) => {
      const created = await training.create({ ...request.body, createdBy: principalOf(request).user.name });
      return reply.status(201).send(created);
    },
  );

  app.get<{ Querystring: TrainingJobFilter }>(
    '/training-jobs',
    {
      config: { permission: 'jobs:read' },
      schema: {
        tags: ['training'],
        summary: 'List training jobs, newest first',
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: {
            status: { type: 'string', enum: STATUSES },
            nameContains: { type: 'string', maxLength: 63 },
            experiment: jobName,
            limit: { type: 'integer', minimum: 1, maximum: 1000 },
            offset: { type: 'integer', minimum: 0 },
          },
        },
      },
    },
    async (request) => training.list(request.query),
  );

  app.get<{ Params: { name: string } }>(
    '/training-jobs/:name',
    { config: { permission: 'jobs:read' }, schema: { tags: ['training'], summary: 'Describe a training job', params: nameParams } },
    async (request) => training.describe(request.params.name),
  );

  app.get<{ Params: { name: string }; Querystring: { after?: number; limit?: number } }>(
    '/training-jobs/:name/logs',
    {
      config: { permission: 'jobs:read' },
      schema: {
        tags: ['training'],
        summary: 'Log lines after a sequence number, oldest first; pass nextSeq back as after',
        params: nameParams,
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: { after: { type: 'integer', minimum: 0 }, limit: { type: 'integer', minimum: 1, maximum: 10_000 } },
        },
      },
    },
    async (request) => training.logs(request.params.name, request.query),
  );

  // No body schema: a bare POST (no body, no content-type) is the expected call.
  app.post<{ Params: { name: string } }>(
    '/training-jobs/:name/stop',
    { config: { permission: 'jobs:write' }, schema: { tags: ['training'], summary: 'Stop a training job', params: nameParams } },
    async (request) => training.stop(request.params.name),
  );
}
