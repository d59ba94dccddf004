import type { FastifyInstance } from 'fastify';
import { CreateTransformJobRequest, JobName, TransformJobFilter } from '../../contracts/index.js';
import type { TransformService } from '../../serving/transform/index.js';
import { resourceRoutes } from '../resource-routes.js';

/** Batch transform jobs (SageMaker CreateTransformJob / DescribeTransformJob / StopTransformJob). */
export function transformRoutes(app: FastifyInstance, transforms: TransformService): void {
  resourceRoutes(app, {
    path: 'transform-jobs',
    tag: 'transform',
    name: JobName,
    permissions: { read: 'jobs:read', write: 'jobs:write' },
    create: { body: CreateTransformJobRequest, summary: 'Run a model over a dataset, in parallel shards, into a new dataset version', run: (input) => transforms.create(input) },
    list: { filter: TransformJobFilter, summary: 'List transform jobs, newest first', run: (filter) => transforms.list(filter) },
    describe: { summary: 'Describe a transform job (shards done, rows processed, output dataset)', run: (name) => transforms.describe(name) },
    stop: { summary: 'Stop a transform job', run: (name) => transforms.stop(name) },
  });
}
