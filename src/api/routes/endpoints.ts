import type { FastifyInstance, FastifyReply } from 'fastify';
import { isOrchardError } from '../../core/index.js';
import { Type, type Static } from '@sinclair/typebox';
import { AutoscalingRequest, CreateEndpointRequest, EndpointFilter, EndpointName, NameParams, UpdateEndpointInput, UpdateWeightsRequest, type VariantWeightInput } from '../../contracts/index.js';
import { explainRequested, MAX_PAYLOAD_BYTES, TEST_DELAY_HEADER, type EndpointService } from '../../serving/endpoints/index.js';
import { resourceRoutes } from '../resource-routes.js';
import { errorHeaders, inferenceIdOf } from './endpoint-invocations.js';

const nameParams = NameParams(EndpointName);
const variantParams = Type.Object({ name: EndpointName, variant: EndpointName });

/**
 * Real-time endpoints (SageMaker CreateEndpoint, DescribeEndpoint, UpdateEndpoint,
 * UpdateEndpointWeightsAndCapacities, DeleteEndpoint, application autoscaling) and
 * InvokeEndpoint at `POST /endpoints/{name}/invocations`.
 */
export function endpointRoutes(app: FastifyInstance, endpoints: EndpointService, options: { testDelays: boolean }): void {
  resourceRoutes(app, {
    path: 'endpoints',
    tag: 'endpoints',
    name: EndpointName,
    permissions: { read: 'endpoints:read', write: 'endpoints:write' },
    create: { body: CreateEndpointRequest, status: 202, summary: 'Deploy models to a real-time endpoint (status Creating until its instances answer)', run: (input) => endpoints.create(input) },
    list: { filter: EndpointFilter, summary: 'List endpoints, newest first', run: (filter) => endpoints.list(filter) },
    describe: { summary: 'Describe an endpoint: variants, instances, weights, autoscaling, invocation counters', run: (name) => endpoints.describe(name) },
    delete: { status: 202, summary: 'Delete an endpoint (its requests in flight finish first)', run: (name) => endpoints.delete(name) },
  });

  app.patch<{ Params: { name: string }; Body: UpdateEndpointInput }>(
    '/endpoints/:name',
    { config: { permission: 'endpoints:write' }, schema: { tags: ['endpoints'], summary: 'Roll out a new configuration blue/green without dropping requests', params: nameParams, body: UpdateEndpointInput } },
    async (request, reply) => reply.status(202).send(await endpoints.update(request.params.name, request.body)),
  );

  app.post<{ Params: { name: string }; Body: { variants: VariantWeightInput[] } }>(
    '/endpoints/:name/weights',
    { config: { permission: 'endpoints:write' }, schema: { tags: ['endpoints'], summary: 'Change variant weights and instance counts in place', params: nameParams, body: UpdateWeightsRequest } },
    async (request, reply) => reply.status(202).send(await endpoints.setWeights(request.params.name, request.body.variants)),
  );

  app.put<{ Params: { name: string; variant: string }; Body: Static<typeof AutoscalingRequest> }>(
    '/endpoints/:name/variants/:variant/autoscaling',
    { config: { permission: 'endpoints:write' }, schema: { tags: ['endpoints'], summary: 'Autoscale a variant on invocations per instance per minute', params: variantParams, body: AutoscalingRequest } },
    async (request) => endpoints.setAutoscaling(request.params.name, request.params.variant, request.body),
  );

  app.delete<{ Params: { name: string; variant: string } }>(
    '/endpoints/:name/variants/:variant/autoscaling',
    { config: { permission: 'endpoints:write' }, schema: { tags: ['endpoints'], summary: "Remove a variant's autoscaling policy (its instance count stays)", params: variantParams } },
    async (request) => endpoints.setAutoscaling(request.params.name, request.params.variant, null),
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
            inferenceId: inferenceIdOf(headers['x-amzn-sagemaker-inference-id']),
            testDelay: options.testDelays ? (headers[TEST_DELAY_HEADER] as string | undefined) : undefined,
            explain: explainRequested(headers['x-amzn-sagemaker-custom-attributes'], request.url),
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
