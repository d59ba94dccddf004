/**
 * SageMaker Runtime's errors (restJson1), as `@aws-sdk/client-sagemaker-runtime` and
 * boto3 parse them: `ValidationError`, `ModelError` (424, with the container's
 * `OriginalStatusCode` and `OriginalMessage`), `ServiceUnavailable`, `ThrottlingException`,
 * `InternalFailure`; authentication failures as every AWS JSON service names them.
 */
import { isOrchardError, OrchardError } from '../../core/index.js';
import { AwsServiceError, awsErrorOf } from '../errors.js';

/** An error the endpoint service threw, in SageMaker Runtime's terms. */
export function runtimeError(err: unknown): AwsServiceError {
  if (err instanceof AwsServiceError) return err;
  const e = isOrchardError(err) ? err : new OrchardError('ORCH_INTERNAL', { cause: err });
  const headers: Record<string, string> = {};
  const details = e.details ?? {};
  if (typeof details.retryAfterSeconds === 'number') headers['retry-after'] = String(details.retryAfterSeconds);
  if (typeof details.variant === 'string' && e.code !== 'ORCH_ENDPOINT_VARIANT_NOT_FOUND') headers['x-amzn-invoked-production-variant'] = details.variant;
  switch (e.code) {
    case 'ORCH_ENDPOINT_NOT_FOUND':
      return new AwsServiceError('ValidationError', 400, e.message, {}, headers);
    case 'ORCH_ENDPOINT_THROTTLED':
      return new AwsServiceError('ThrottlingException', 429, e.message, {}, headers);
    case 'ORCH_ENDPOINT_NOT_IN_SERVICE':
    case 'ORCH_ENDPOINT_INSTANCE_FAILED':
      return new AwsServiceError('ServiceUnavailable', 503, e.message, {}, headers);
    case 'ORCH_ENDPOINT_MODEL_TIMEOUT':
      return new AwsServiceError('ModelError', 424, e.message, { Message: e.message }, headers);
    case 'ORCH_INTERNAL':
      return new AwsServiceError('InternalFailure', 500, e.message, {}, headers);
  }
  const shape = awsErrorOf(e, 'json');
  // Authentication keeps the names every AWS JSON service uses; other client errors of a
  // request (a bad variant, a body too large, …) are the runtime's ValidationError.
  if (shape.code !== 'ValidationException' && shape.status !== 413 && shape.status !== 406 && shape.status !== 415) return new AwsServiceError(shape.code, shape.status, shape.message, shape.fields, { ...headers, ...shape.headers });
  return new AwsServiceError('ValidationError', 400, e.message, {}, headers);
}

/**
 * A model's own error answer (the model server answered, but not 2xx) as SageMaker's
 * ModelError: status 424, the model's status and body in `OriginalStatusCode` and
 * `OriginalMessage`.
 */
export function modelError(status: number, body: Buffer, variant: string): AwsServiceError {
  const original = body.toString('utf8');
  const kind = status >= 500 ? 'server' : 'client';
  const message = `Received ${kind} error (${status}) from ${variant} with message "${original}".`;
  return new AwsServiceError('ModelError', 424, message, { Message: message, OriginalStatusCode: status, OriginalMessage: original }, { 'x-amzn-invoked-production-variant': variant });
}
