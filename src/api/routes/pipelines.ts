import type { FastifyInstance } from 'fastify';
import { Type } from '@sinclair/typebox';
import { ApprovalRequest, CreatePipelineRequest, ExecutionFilter, NameParams, PipelineFilter, PipelineName, StartExecutionRequest, UpdatePipelineRequest } from '../../contracts/index.js';
import type { PipelineService } from '../../pipelines/index.js';
import { principalOf } from '../auth-hook.js';
import { resourceRoutes } from '../resource-routes.js';

const ExecutionParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 64 }) });
const VersionParams = Type.Object({ name: PipelineName, version: Type.Integer({ minimum: 1 }) });

/**
 * Pipelines (SageMaker CreatePipeline / UpdatePipeline / StartPipelineExecution /
 * StopPipelineExecution / RetryPipelineExecution / SendPipelineExecutionStepSuccess|Failure).
 * Pipelines run jobs, so they take the jobs' permissions; an approval takes `models:approve`.
 */
export function pipelineRoutes(app: FastifyInstance, pipelines: PipelineService): void {
  resourceRoutes(app, {
    path: 'pipelines',
    tag: 'pipelines',
    name: PipelineName,
    permissions: { read: 'jobs:read', write: 'jobs:write' },
    create: { body: CreatePipelineRequest, summary: 'Create a pipeline from a definition (JSON object, or JSON/YAML text); checked before it is stored', run: (input) => pipelines.create(input) },
    list: { filter: PipelineFilter, summary: 'List pipelines by name', run: (filter) => pipelines.list(filter) },
    describe: { summary: "Describe a pipeline: its latest version's definition and settings", run: (name) => pipelines.describe(name) },
    delete: { status: 204, summary: 'Delete a pipeline with its versions, executions and triggers (refused while one runs)', run: (name) => pipelines.delete(name) },
  });

  const params = NameParams(PipelineName);
  app.put<{ Params: { name: string }; Body: UpdatePipelineRequest }>(
    '/pipelines/:name',
    { config: { permission: 'jobs:write' }, schema: { tags: ['pipelines'], summary: 'A new version of the definition, and/or new settings', params, body: UpdatePipelineRequest } },
    async (request) => pipelines.update(request.params.name, request.body, principalOf(request).user.name),
  );
  app.get<{ Params: { name: string } }>(
    '/pipelines/:name/versions',
    { config: { permission: 'jobs:read' }, schema: { tags: ['pipelines'], summary: "A pipeline's versions, oldest first", params } },
    async (request) => ({ items: await pipelines.versions(request.params.name) }),
  );
  app.delete<{ Params: { name: string; version: number } }>(
    '/pipelines/:name/versions/:version',
    { config: { permission: 'jobs:write' }, schema: { tags: ['pipelines'], summary: 'Delete a version: it can no longer be started', params: VersionParams } },
    async (request, reply) => {
      await pipelines.deleteVersion(request.params.name, request.params.version);
      return reply.status(204).send();
    },
  );
  app.post<{ Params: { name: string }; Body: StartExecutionRequest }>(
    '/pipelines/:name/executions',
    { config: { permission: 'jobs:write' }, schema: { tags: ['pipelines'], summary: 'Start an execution with parameters', params, body: StartExecutionRequest } },
    async (request, reply) =>
      reply.status(202).send(await pipelines.start(request.params.name, { parameters: request.body?.parameters, version: request.body?.version, createdBy: principalOf(request).user.name, fromStrings: true })),
  );
  app.get<{ Querystring: ExecutionFilter }>(
    '/pipeline-executions',
    { config: { permission: 'jobs:read' }, schema: { tags: ['pipelines'], summary: 'Executions, newest first', querystring: ExecutionFilter } },
    async (request) => pipelines.executions(request.query),
  );
  app.get<{ Params: { id: string } }>(
    '/pipeline-executions/:id',
    { config: { permission: 'jobs:read' }, schema: { tags: ['pipelines'], summary: 'One execution with its steps, their inputs, outputs and status', params: ExecutionParams } },
    async (request) => pipelines.execution(request.params.id),
  );
  app.post<{ Params: { id: string } }>(
    '/pipeline-executions/:id/stop',
    { config: { permission: 'jobs:write' }, schema: { tags: ['pipelines'], summary: 'Stop an execution: running steps are stopped', params: ExecutionParams } },
    async (request) => pipelines.stop(request.params.id),
  );
  app.post<{ Params: { id: string } }>(
    '/pipeline-executions/:id/retry',
    { config: { permission: 'jobs:write' }, schema: { tags: ['pipelines'], summary: 'Run a failed or stopped execution again from its failed steps', params: ExecutionParams } },
    async (request) => pipelines.retry(request.params.id),
  );
  for (const [verb, approve] of [['approve', true], ['reject', false]] as const) {
    app.post<{ Params: { id: string }; Body: ApprovalRequest }>(
      `/pipeline-executions/:id/${verb}`,
      { config: { permission: 'models:approve' }, schema: { tags: ['pipelines'], summary: `${approve ? 'Approve' : 'Reject'} the wait step waiting for an approval`, params: ExecutionParams, body: ApprovalRequest } },
      async (request) => {
        const user = principalOf(request).user;
        return pipelines.decide(request.params.id, { approve, step: request.body?.step, comment: request.body?.comment }, { name: user.name, role: user.role });
      },
    );
  }
}
