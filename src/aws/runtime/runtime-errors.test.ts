import { describe, expect, it } from 'vitest';
import { OrchardError } from '../../core/index.js';
import { awsJsonError } from '../errors.js';
import { modelError, runtimeError } from './runtime-errors.js';

describe("SageMaker Runtime's errors", () => {
  it('names endpoint errors as the runtime does, keeping Retry-After and the variant', () => {
    const throttled = runtimeError(new OrchardError('ORCH_ENDPOINT_THROTTLED', { details: { retryAfterSeconds: 2, variant: 'A' } }));
    expect(throttled).toMatchObject({ code: 'ThrottlingException', status: 429, headers: { 'retry-after': '2', 'x-amzn-invoked-production-variant': 'A' } });
    expect(runtimeError(new OrchardError('ORCH_ENDPOINT_NOT_IN_SERVICE'))).toMatchObject({ code: 'ServiceUnavailable', status: 503 });
    expect(runtimeError(new OrchardError('ORCH_ENDPOINT_INSTANCE_FAILED'))).toMatchObject({ code: 'ServiceUnavailable', status: 503 });
    expect(runtimeError(new OrchardError('ORCH_ENDPOINT_NOT_FOUND'))).toMatchObject({ code: 'ValidationError', status: 400 });
    expect(runtimeError(new OrchardError('ORCH_ENDPOINT_VARIANT_NOT_FOUND', { details: { variant: 'Z' } }))).toMatchObject({ code: 'ValidationError', status: 400, headers: {} });
    expect(runtimeError(new OrchardError('ORCH_ENDPOINT_PAYLOAD_TOO_LARGE'))).toMatchObject({ code: 'ValidationError', status: 400 });
    expect(runtimeError(new OrchardError('ORCH_ENDPOINT_MODEL_TIMEOUT'))).toMatchObject({ code: 'ModelError', status: 424 });
    expect(runtimeError(new Error('boom'))).toMatchObject({ code: 'InternalFailure', status: 500, message: 'Internal error' });
  });

  it('keeps the names every AWS JSON service gives authentication failures', () => {
    expect(runtimeError(new OrchardError('ORCH_SIGV4_SIGNATURE_MISMATCH'))).toMatchObject({ code: 'InvalidSignatureException', status: 403 });
    expect(runtimeError(new OrchardError('ORCH_SIGV4_UNKNOWN_KEY'))).toMatchObject({ code: 'UnrecognizedClientException', status: 403 });
    expect(runtimeError(new OrchardError('ORCH_AUTH_FORBIDDEN'))).toMatchObject({ code: 'AccessDeniedException', status: 403 });
  });

  it("answers a model's error as ModelError with its status and body", () => {
    const out = awsJsonError(modelError(400, Buffer.from('{"code":"ORCH_ENDPOINT_BAD_INPUT"}'), 'A'));
    expect(out.status).toBe(424);
    expect(out.headers).toMatchObject({ 'x-amzn-errortype': 'ModelError', 'x-amzn-invoked-production-variant': 'A' });
    expect(JSON.parse(out.body)).toMatchObject({ __type: 'ModelError', OriginalStatusCode: 400, OriginalMessage: '{"code":"ORCH_ENDPOINT_BAD_INPUT"}', Message: expect.stringContaining('Received client error (400) from A') });
  });
});
