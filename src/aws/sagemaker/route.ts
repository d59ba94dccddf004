import type { FastifyInstance, FastifyRequest } from 'fastify';
import { principalOf } from '../../api/auth-hook.js';
import { awsJsonScope } from '../json-protocol.js';
import { operationContext, operationOf, operationTable, runOperation } from './dispatcher.js';
import { ENDPOINT_OPERATIONS } from './endpoints.js';
import { MODEL_OPERATIONS } from './models.js';
import { MONITORING_LIST_OPERATIONS } from './monitoring-lists.js';
import { MONITORING_OPERATIONS } from './monitoring.js';
import { PROCESSING_OPERATIONS } from './processing.js';
import type { SageMakerDeps } from './operation.js';
import { PIPELINE_OPERATIONS } from './pipelines.js';
import { REGISTRY_OPERATIONS } from './registry.js';
import { SageMakerError } from './sagemaker-error.js';
import { TAG_OPERATIONS } from './tags.js';
import { TRAINING_OPERATIONS } from './training.js';
import { TRANSFORM_OPERATIONS } from './transform.js';
import { TUNING_OPERATIONS } from './tuning.js';

/** Every operation this server answers, by name (one list per area; later capabilities add theirs here). */
export const SAGEMAKER_OPERATIONS = operationTable(TRAINING_OPERATIONS, MODEL_OPERATIONS, ENDPOINT_OPERATIONS, TRANSFORM_OPERATIONS, TUNING_OPERATIONS, REGISTRY_OPERATIONS, PROCESSING_OPERATIONS, MONITORING_OPERATIONS, MONITORING_LIST_OPERATIONS, PIPELINE_OPERATIONS, TAG_OPERATIONS);

/** The awsJson1_1 content type SageMaker clients send and receive. */
export const AMZ_JSON = 'application/x-amz-json-1.1';

/** The region of the request's verified credential scope; `us-east-1` for a Bearer token or a session. */
function regionOf(request: FastifyRequest): string {
  return request.sigv4?.claim.region ?? 'us-east-1';
}

/**
 * SageMaker's control plane: `POST /` with `X-Amz-Target: SageMaker.<Operation>` and an
 * awsJson1_1 body, answered in the same protocol (errors too, by `awsJsonErrorHandler`).
 * Authentication is the platform's (Bearer or SigV4); each operation checks its permission.
 */
export function sageMakerRoutes(app: FastifyInstance, deps: SageMakerDeps, options: { bodyLimit: number }): void {
  void app.register(async (scope) => {
    // Only awsJson bodies, kept as bytes (the signature check hashed them) and parsed here,
    // so a malformed one is a SerializationException, as AWS answers it.
    scope.removeAllContentTypeParsers();
    awsJsonScope(scope);
    scope.post<{ Body: Buffer | undefined }>('/', { bodyLimit: options.bodyLimit, schema: { hide: true } }, async (request, reply) => {
      const op = operationOf(SAGEMAKER_OPERATIONS, request.headers['x-amz-target'] as string | undefined);
      let body: unknown = {};
      const raw = request.body;
      if (raw && raw.length > 0) {
        try {
          body = JSON.parse(raw.toString('utf8'));
        } catch {
          throw new SageMakerError('SerializationException', 'The request body is not valid JSON');
        }
      }
      const result = await runOperation(op, body, operationContext(deps, principalOf(request), regionOf(request)));
      return reply.header('content-type', AMZ_JSON).send(JSON.stringify(result));
    });
  });
}
