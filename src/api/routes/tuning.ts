import type { FastifyInstance } from 'fastify';
import type { CreateTuningJobInput, TuningJobStatus, TuningService } from '../../tuning/index.js';
import { MAX_JOBS, MAX_PARALLEL } from '../../tuning/index.js';
import { principalOf } from '../auth-hook.js';
import { metricDefinitions, stringMap } from './schemas.js';

const STATUSES: TuningJobStatus[] = ['InProgress', 'Completed', 'Failed', 'Stopping', 'Stopped'];
const tuningName = { type: 'string', minLength: 1, maxLength: 32, pattern: '^[A-Za-z0-9](-*[A-Za-z0-9])*$' } as const;
const nameParams = { type: 'object', required: ['name'], properties: { name: tuningName } } as const;

const createBody = {
  type: 'object',
  required: ['name', 'ranges', 'objective', 'maxJobs', 'channels'],
  additionalProperties: false,
  properties: {
    name: tuningName,
    algorithm: { type: 'string', minLength: 1, maxLength: 64 },
    script: {
      type: 'object',
      required: ['entryPoint', 'sourceKey'],
      additionalProperties: false,
      properties: { entryPoint: { type: 'string', minLength: 1, maxLength: 256 }, sourceKey: { type: 'string', minLength: 1, maxLength: 1024 } },
    },
    staticHyperParameters: stringMap(2500, 100),
    ranges: {
      type: 'array',
      minItems: 1,
      maxItems: 30,
      items: {
        type: 'object',
        required: ['name'],
        additionalProperties: false,
        properties: {
          name: { type: 'string', minLength: 1, maxLength: 256 },
          type: { type: 'string', enum: ['continuous', 'integer', 'categorical'] },
          min: { type: 'number' },
          max: { type: 'number' },
          scaling: { type: 'string', enum: ['Auto', 'Linear', 'Logarithmic', 'ReverseLogarithmic'] },
          values: { type: 'array', minItems: 1, maxItems: 30, items: { type: 'string', maxLength: 256 } },
        },
      },
    },
    objective: {
      type: 'object',
      required: ['metric'],
      additionalProperties: false,
      properties: { metric: { type: 'string', minLength: 1, maxLength: 255 }, type: { type: 'string', enum: ['Maximize', 'Minimize'] } },
    },
    strategy: { type: 'string', enum: ['bayesian', 'tpe', 'random', 'grid', 'hyperband'] },
    maxJobs: { type: 'integer', minimum: 1, maximum: MAX_JOBS },
    maxParallel: { type: 'integer', minimum: 1, maximum: MAX_PARALLEL },
    earlyStopping: { type: 'string', enum: ['Off', 'Auto'] },
    warmStart: { type: 'array', maxItems: 5, items: tuningName },
    maxFailedJobs: { type: 'integer', minimum: 0, maximum: MAX_JOBS },
    seed: { type: 'integer', minimum: 0, maximum: 2 ** 31 },
    hyperband: {
      type: 'object',
      additionalProperties: false,
      properties: { minResource: { type: 'number', exclusiveMinimum: 0 }, maxResource: { type: 'number', exclusiveMinimum: 0 }, reductionFactor: { type: 'number', minimum: 2 }, sampler: { type: 'string', enum: ['random', 'tpe'] } },
    },
    channels: { type: 'object', additionalProperties: { type: 'string', minLength: 1, maxLength: 200 }, minProperties: 1, maxProperties: 20 },
    maxRuntimeSeconds: { type: 'integer', minimum: 1, maximum: 2_419_200 },
    maxRetries: { type: 'integer', minimum: 0, maximum: 30 },
    metricDefinitions,
    tags: stringMap(256, 50),
  },
} as const;

/** Hyperparameter tuning jobs (SageMaker CreateHyperParameterTuningJob and friends). */
export function tuningRoutes(app: FastifyInstance, tuning: TuningService): void {
  app.post<{ Body: Omit<CreateTuningJobInput, 'createdBy'> }>(
    '/tuning-jobs',
    { config: { permission: 'jobs:write' }, schema: { tags: ['tuning'], summary: 'Create a tuning job: trials are training jobs chosen by a search strategy', body: createBody } },
    async (request, reply) => reply.status(201).send(await tuning.create({ ...request.body, createdBy: principalOf(request).user.name })),
  );

  app.get<{ Querystring: { status?: TuningJobStatus; limit?: number; offset?: number } }>(
    '/tuning-jobs',
    {
      config: { permission: 'jobs:read' },
      schema: {
        tags: ['tuning'],
        summary: 'List tuning jobs, newest first (without their trials)',
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: { status: { type: 'string', enum: STATUSES }, limit: { type: 'integer', minimum: 1, maximum: 1000 }, offset: { type: 'integer', minimum: 0 } },
        },
      },
    },
    async (request) => tuning.list(request.query),
  );

  app.get<{ Params: { name: string } }>(
    '/tuning-jobs/:name',
    { config: { permission: 'jobs:read' }, schema: { tags: ['tuning'], summary: 'Describe a tuning job: counts, best training job, every trial', params: nameParams } },
    async (request) => tuning.describe(request.params.name),
  );

  app.post<{ Params: { name: string } }>(
    '/tuning-jobs/:name/stop',
    { config: { permission: 'jobs:write' }, schema: { tags: ['tuning'], summary: 'Stop a tuning job and its running trials', params: nameParams } },
    async (request) => tuning.stop(request.params.name),
  );
}
