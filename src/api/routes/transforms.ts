import type { FastifyInstance } from 'fastify';
import type { CreateTransformJobInput, TransformJobStatus, TransformService } from '../../serving/transform/index.js';
import { principalOf } from '../auth-hook.js';

const STATUSES: TransformJobStatus[] = ['InProgress', 'Completed', 'Failed', 'Stopping', 'Stopped'];
const jobName = { type: 'string', minLength: 1, maxLength: 63, pattern: '^[A-Za-z0-9](-*[A-Za-z0-9])*$' } as const;
const nameParams = { type: 'object', required: ['name'], properties: { name: jobName } } as const;

const createBody = {
  type: 'object',
  required: ['model', 'input', 'output'],
  additionalProperties: false,
  properties: {
    name: jobName,
    model: { type: 'string', minLength: 1, maxLength: 63 },
    input: { type: 'string', minLength: 1, maxLength: 200 },
    output: { type: 'string', minLength: 1, maxLength: 128 },
    splitType: { type: 'string', enum: ['Line', 'None'] },
    batchStrategy: { type: 'string', enum: ['MultiRecord', 'SingleRecord'] },
    maxPayloadMb: { type: 'integer', minimum: 1, maximum: 100 },
    joinSource: { type: 'string', enum: ['Input', 'None'] },
    inputFilter: { type: 'string', maxLength: 200 },
    shardRows: { type: 'integer', minimum: 1, maximum: 100_000_000 },
    tags: { type: 'object', additionalProperties: { type: 'string', maxLength: 256 }, maxProperties: 50 },
  },
} as const;

/** Batch transform jobs (SageMaker CreateTransformJob / DescribeTransformJob / StopTransformJob). */
export function transformRoutes(app: FastifyInstance, transforms: TransformService): void {
  app.post<{ Body: Omit<CreateTransformJobInput, 'createdBy'> }>(
    '/transform-jobs',
    { config: { permission: 'jobs:write' }, schema: { tags: ['transform'], summary: 'Run a model over a dataset, in parallel shards, into a new dataset version', body: createBody } },
    async (request, reply) => reply.status(201).send(await transforms.create({ ...request.body, createdBy: principalOf(request).user.name })),
  );

  app.get<{ Querystring: { status?: TransformJobStatus; limit?: number; offset?: number } }>(
    '/transform-jobs',
    {
      config: { permission: 'jobs:read' },
      schema: {
        tags: ['transform'],
        summary: 'List transform jobs, newest first',
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: { status: { type: 'string', enum: STATUSES }, limit: { type: 'integer', minimum: 1, maximum: 1000 }, offset: { type: 'integer', minimum: 0 } },
        },
      },
    },
    async (request) => transforms.list(request.query),
  );

  app.get<{ Params: { name: string } }>(
    '/transform-jobs/:name',
    { config: { permission: 'jobs:read' }, schema: { tags: ['transform'], summary: 'Describe a transform job (shards done, rows processed, output dataset)', params: nameParams } },
    async (request) => transforms.describe(request.params.name),
  );

  app.post<{ Params: { name: string } }>(
    '/transform-jobs/:name/stop',
    { config: { permission: 'jobs:write' }, schema: { tags: ['transform'], summary: 'Stop a transform job', params: nameParams } },
    async (request) => transforms.stop(request.params.name),
  );
}
