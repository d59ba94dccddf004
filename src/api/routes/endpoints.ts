import type { FastifyInstance, FastifyReply } from 'fastify';
import { isOrchardError } from '../../core/index.js';
import { MAX_PAYLOAD_BYTES, TEST_DELAY_HEADER, type AutoscalingInput, type CreateEndpointInput, type EndpointService, type EndpointStatus, type UpdateEndpointInput, type VariantWeightInput } from '../../serving/endpoints/index.js';
import { principalOf } from '../auth-hook.js';
import { errorHeaders } from './endpoint-invocations.js';

const STATUSES: EndpointStatus[] = ['Creating', 'InService', 'Updating', 'Deleting', 'Failed'];
/** SageMaker's EndpointName / VariantName. */
const name = { type: 'string', minLength: 1, maxLength: 63, pattern: '^[A-Za-z0-9](-*[A-Za-z0-9])*$' } as const;
const nameParams = { type: 'object', required: ['name'], properties: { name } } as const;
const variantParams = { type: 'object', required: ['name', 'variant'], properties: { name, variant: name } } as const;
const variant = {
  type: 'object',
  required: ['name', 'model'],
  additionalProperties: false,
  properties: { name, model: name, instances: { type: 'integer', minimum: 1, maximum: 32 }, weight: { type: 'number', minimum: 0, maximum: 1_000_000 } },
} as const;
const config = {
  model: name,
  variants: { type: 'array', minItems: 1, maxItems: 10, items: variant },
  capturePercent: { type: 'number', minimum: 0, maximum: 100 },
  maxConcurrency: { type: 'integer', minimum: 1, maximum: 256 },
  maxQueue: { type: 'integer', minimum: 0, maximum: 10_000 },
} as const;

const createBody = {
  type: 'object',
  required: ['name'],
  additionalProperties: false,
  properties: { name, ...config, tags: { type: 'object', additionalProperties: { type: 'string', maxLength: 256 }, maxProperties: 50 } },
} as const;
const updateBody = { type: 'object', additionalProperties: false, properties: config } as const;
const weightsBody = {
  type: 'object',
  required: ['variants'],
  additionalProperties: false,
  properties: {
    variants: {
      type: 'array',
      minItems: 1,
      maxItems: 10,
      items: { type: 'object', required: ['name'], additionalProperties: false, properties: { name, weight: { type: 'number', minimum: 0, maximum: 1_000_000 }, instances: { type: 'integer', minimum: 1, maximum: 32 } } },
    },
  },
} as const;
const autoscalingBody = {
  type: 'object',
  required: ['minInstances', 'maxInstances', 'targetInvocationsPerInstance'],
  additionalProperties: false,
  properties: {
    minInstances: { type: 'integer', minimum: 1, maximum: 32 },
    maxInstances: { type: 'integer', minimum: 1, maximum: 32 },
    targetInvocationsPerInstance: { type: 'number', exclusiveMinimum: 0 },
    scaleInCooldownS: { type: 'integer', minimum: 0, maximum: 86_400 },
    scaleOutCooldownS: { type: 'integer', minimum: 0, maximum: 86_400 },
  },
} as const;

/**
 * Real-time endpoints (SageMaker CreateEndpoint, DescribeEndpoint, UpdateEndpoint,
 * UpdateEndpointWeightsAndCapacities, DeleteEndpoint, application autoscaling) and
 * InvokeEndpoint at `POST /endpoints/{name}/invocations`.
 */
export function endpointRoutes(app: FastifyInstance, endpoints: EndpointService, options: { testDelays: boolean }): void {
  app.post<{ Body: Omit<CreateEndpointInput, 'createdBy'> }>(
    '/endpoints',
    { config: { permission: 'endpoints:write' }, schema: { tags: ['endpoints'], summary: 'Deploy models to a real-time endpoint (status Creating until its instances answer)', body: createBody } },
    async (request, reply) => reply.status(202).send(await endpoints.create({ ...request.body, createdBy: principalOf(request).user.name })),
  );

  app.get<{ Querystring: { status?: EndpointStatus; nameContains?: string; limit?: number; offset?: number } }>(
    '/endpoints',
    {
      config: { permission: 'endpoints:read' },
      schema: {
        tags: ['endpoints'],
        summary: 'List endpoints, newest first',
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: {
            status: { type: 'string', enum: STATUSES },
            nameContains: { type: 'string', maxLength: 63, pattern: '^[A-Za-z0-9-]*$' },
            limit: { type: 'integer', minimum: 1, maximum: 1000 },
            offset: { type: 'integer', minimum: 0 },
          },
        },
      },
    },
    async (request) => endpoints.list(request.query),
  );

  app.get<{ Params: { name: string } }>(
    '/endpoints/:name',
    { config: { permission: 'endpoints:read' }, schema: { tags: ['endpoints'], summary: 'Describe an endpoint: variants, instances, weights, autoscaling, invocation counters', params: nameParams } },
    async (request) => endpoints.describe(request.params.name),
  );

  app.patch<{ Params: { name: string }; Body: UpdateEndpointInput }>(
    '/endpoints/:name',
    { config: { permission: 'endpoints:write' }, schema: { tags: ['endpoints'], summary: 'Roll out a new configuration blue/green without dropping requests', params: nameParams, body: updateBody } },
    async (request, reply) => reply.status(202).send(await endpoints.update(request.params.name, request.body)),
  );

  app.post<{ Params: { name: string }; Body: { variants: VariantWeightInput[] } }>(
    '/endpoints/:name/weights',
    { config: { permission: 'endpoints:write' }, schema: { tags: ['endpoints'], summary: 'Change variant weights and instance counts in place', params: nameParams, body: weightsBody } },
    async (request, reply) => reply.status(202).send(await endpoints.setWeights(request.params.name, request.body.variants)),
  );

  app.put<{ Params: { name: string; variant: string }; Body: Omit<AutoscalingInput, 'variant'> }>(
    '/endpoints/:name/variants/:variant/autoscaling',
    { config: { permission: 'endpoints:write' }, schema: { tags: ['endpoints'], summary: 'Autoscale a variant on invocations per instance per minute', params: variantParams, body: autoscalingBody } },
    async (request) => endpoints.setAutoscaling(request.params.name, request.params.variant, request.body),
  );

  app.delete<{ Params: { name: string; variant: string } }>(
    '/endpoints/:name/variants/:variant/autoscaling',
    { config: { permission: 'endpoints:write' }, schema: { tags: ['endpoints'], summary: "Remove a variant's autoscaling policy (its instance count stays)", params: variantParams } },
    async (request) => endpoints.setAutoscaling(request.params.name, request.params.variant, null),
  );

  app.delete<{ Params: { name: string } }>(
    '/endpoints/:name',
    { config: { permission: 'endpoints:write' }, schema: { tags: ['endpoints'], summary: 'Delete an endpoint (its requests in flight finish first)', params: nameParams } },
    async (request, reply) => reply.status(202).send(await endpoints.delete(request.params.name)),
  );

  // Invocations are answered by endpoint-invocations.ts ahead of the framework; this route
  // documents them and answers those it hands over (a malformed name: a 400 like any route).
  void app.register(async (invoke) => {
    // The body goes to the model server as it came: any content type, up to 6 MB.
    invoke.removeAllContentTypeParsers();
    invoke.addContentTypeParser('*', { parseAs: 'buffer' }, (_request, body, done) => done(null, body));
    invoke.post<{ Params: { name: string }; Body: Buffer | undefined }>(
      '/endpoints/:name/invocations',
      {
        bodyLimit: MAX_PAYLOAD_BYTES,
        config: { permission: 'endpoints:invoke' },
        schema: {
          tags: ['endpoints'],
          summary: 'Invoke an endpoint (SageMaker InvokeEndpoint): text/csv, application/json or application/jsonlines; Accept picks the answer type',
          params: nameParams,
        },
      },
      async (request, reply) => {
        const headers = request.headers;
        try {
          const result = await endpoints.invoke(request.params.name, {
            body: request.body ?? EMPTY,
            contentType: headers['content-type'],
            accept: headers.accept,
            targetVariant: headers['x-amzn-sagemaker-target-variant'] as string | undefined,
            testDelay: options.testDelays ? (headers[TEST_DELAY_HEADER] as string | undefined) : undefined,
          });
          return reply.code(result.status).header('content-type', result.contentType).header('x-amzn-invoked-production-variant', result.variant).send(result.body);
        } catch (err) {
          if (!isOrchardError(err)) throw err;
          return sendError(reply, err);
        }
      },
    );
  });
}

const EMPTY = Buffer.alloc(0);

/** Coded errors of an invocation, with Retry-After when retrying helps and the variant when one was chosen. */
function sendError(reply: FastifyReply, err: import('../../core/index.js').OrchardError): FastifyReply {
  void reply.headers(errorHeaders(err));
  if (err.status >= 500 && err.code !== 'ORCH_ENDPOINT_INSTANCE_FAILED' && err.code !== 'ORCH_ENDPOINT_NOT_IN_SERVICE') reply.log.warn({ code: err.code }, err.message);
  return reply.code(err.status).send(err.toJSON());
}
