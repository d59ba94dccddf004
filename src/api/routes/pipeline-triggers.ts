import type { FastifyInstance } from 'fastify';
import { CreateTriggerRequest, NameParams, TriggerFilter, TriggerName } from '../../contracts/index.js';
import type { TriggerService } from '../../pipelines/index.js';
import { resourceRoutes } from '../resource-routes.js';

/**
 * Pipeline triggers (EventBridge rules that start SageMaker pipelines): a new dataset
 * version, a crawler's new files, a cron schedule, a registry approval. They start
 * executions, so they take the jobs' permissions.
 */
export function pipelineTriggerRoutes(app: FastifyInstance, triggers: TriggerService): void {
  resourceRoutes(app, {
    path: 'pipeline-triggers',
    tag: 'pipelines',
    name: TriggerName,
    permissions: { read: 'jobs:read', write: 'jobs:write' },
    create: { body: CreateTriggerRequest, summary: 'Create a trigger: what it watches, the pipeline it starts, and the parameters it passes (checked against the pipeline)', run: (input) => triggers.create(input) },
    list: { filter: TriggerFilter, summary: 'List triggers by name, of one pipeline or all', run: (filter) => triggers.list(filter) },
    describe: { summary: 'Describe a trigger: its source, parameters, next and last firing', run: (name) => triggers.describe(name) },
    delete: { status: 204, summary: 'Delete a trigger (executions it started stay)', run: (name) => triggers.delete(name) },
  });
  const params = NameParams(TriggerName);
  for (const [verb, on] of [['enable', true], ['disable', false]] as const) {
    app.post<{ Params: { name: string } }>(
      `/pipeline-triggers/:name/${verb}`,
      { config: { permission: 'jobs:write' }, schema: { tags: ['pipelines'], summary: on ? 'Enable a trigger: it fires for what happens from now on' : 'Disable a trigger: it fires no more until enabled', params } },
      async (request) => (on ? triggers.enable(request.params.name) : triggers.disable(request.params.name)),
    );
  }
}
