import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import {
  EndpointName,
  GroundTruthPutResult,
  ModelQualityBaselineRequest,
  ModelQualityBaselineResult,
  ModelQualityExecution,
  ModelQualityExecutionList,
  ModelQualityRunRequest,
  NameParams,
  PutGroundTruthRequest,
} from '../../contracts/index.js';
import type { ModelQualityService } from '../../monitor/model-quality/index.js';
import { principalOf } from '../auth-hook.js';

const tags = ['monitor'];
const params = NameParams(EndpointName);
/** 100,000 labels in SageMaker's record shape are about 12 MB of JSON. */
const GROUND_TRUTH_BODY_LIMIT = 32 * 1024 * 1024;

/**
 * Model Monitor's model quality: ground truth for an endpoint's captured predictions,
 * evaluations run now (stored as executions) and baselines from a dataset.
 */
export function groundTruthRoutes(app: FastifyInstance, service: ModelQualityService): void {
  app.post<{ Params: { name: string }; Body: PutGroundTruthRequest }>(
    '/endpoints/:name/ground-truth',
    {
      bodyLimit: GROUND_TRUTH_BODY_LIMIT,
      config: { permission: 'endpoints:write' },
      schema: { tags, summary: "Upload ground-truth labels by inference id (SageMaker's record shape or {inferenceId, label})", params, body: PutGroundTruthRequest, response: { 201: GroundTruthPutResult } },
    },
    async (request, reply) => reply.status(201).send(await service.putGroundTruth(request.params.name, request.body)),
  );
  app.post<{ Params: { name: string }; Body: ModelQualityRunRequest }>(
    '/endpoints/:name/model-quality/executions',
    { config: { permission: 'endpoints:write' }, schema: { tags, summary: "Evaluate the endpoint's captured predictions against ground truth now (and constraints); stored as an execution", params, body: ModelQualityRunRequest, response: { 201: ModelQualityExecution } } },
    async (request, reply) => reply.status(201).send(await service.run(request.params.name, request.body, principalOf(request).user.name)),
  );
  app.get<{ Params: { name: string } }>(
    '/endpoints/:name/model-quality/executions',
    { config: { permission: 'endpoints:read' }, schema: { tags, summary: "An endpoint's model-quality executions, newest first", params, response: { 200: ModelQualityExecutionList } } },
    async (request) => ({ items: await service.executions(request.params.name) }),
  );
  app.get<{ Params: { name: string; id: string } }>(
    '/endpoints/:name/model-quality/executions/:id',
    { config: { permission: 'endpoints:read' }, schema: { tags, summary: 'One model-quality execution', params: Type.Object({ name: EndpointName, id: Type.String({ minLength: 1, maxLength: 64 }) }), response: { 200: ModelQualityExecution } } },
    async (request) => service.execution(request.params.name, request.params.id),
  );
  app.post<{ Body: ModelQualityBaselineRequest }>(
    '/model-quality/baselines',
    { config: { permission: 'datasets:read' }, schema: { tags, summary: "Model-quality statistics and suggested constraints from a dataset's prediction and label columns", body: ModelQualityBaselineRequest, response: { 200: ModelQualityBaselineResult } } },
    async (request) => service.baseline(request.body),
  );
}
