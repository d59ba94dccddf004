import type { FastifyInstance } from 'fastify';
import { CreateTuningJobRequest, TuningJobFilter, TuningJobName } from '../../contracts/index.js';
import type { TuningService } from '../../tuning/index.js';
import { resourceRoutes } from '../resource-routes.js';

/** Hyperparameter tuning jobs (SageMaker CreateHyperParameterTuningJob and friends). */
export function tuningRoutes(app: FastifyInstance, tuning: TuningService): void {
  resourceRoutes(app, {
    path: 'tuning-jobs',
    tag: 'tuning',
    name: TuningJobName,
    permissions: { read: 'jobs:read', write: 'jobs:write' },
    create: { body: CreateTuningJobRequest, summary: 'Create a tuning job: trials are training jobs chosen by a search strategy', run: (input) => tuning.create(input) },
    list: { filter: TuningJobFilter, summary: 'List tuning jobs, newest first (without their trials)', run: (filter) => tuning.list(filter) },
    describe: { summary: 'Describe a tuning job: counts, best training job, every trial', run: (name) => tuning.describe(name) },
    stop: { summary: 'Stop a tuning job and its running trials', run: (name) => tuning.stop(name) },
  });
}
