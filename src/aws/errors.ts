/**
 * Errors in the shapes AWS clients parse. The JSON protocols (awsJson1_1 for the
 * SageMaker control plane, restJson1 for SageMaker Runtime) answer
 * `{"__type": "<Code>", "message": "…"}` with `x-amzn-ErrorType: <Code>` and
 * `x-amzn-RequestId`; S3 answers XML (rendered by the S3 routes from `awsErrorOf(err, 's3')`).
 * Any error maps: an `AwsServiceError` is already AWS-shaped; an `OrchardError` maps by
 * code (authentication) or by status; anything else is an internal failure.
 */
import { randomUUID } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { toOrchardError } from '../api/errors.js';
import { lingerThenClose } from '../api/upload-shield.js';
import type { ErrorCode } from '../core/index.js';

export type AwsProtocol = 'json' | 's3';

/** An error in AWS's own terms: its code, HTTP status, message and extra body fields. */
export class AwsServiceError extends Error {
  constructor(
    readonly code: string,
    readonly status: number,
    message: string,
    /** More members of the error shape (ModelError's `OriginalStatusCode`, …). */
    readonly fields: Record<string, unknown> = {},
    /** More answer headers. */
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
    this.name = 'AwsServiceError';
  }
}

/** An error as an AWS client reads it. */
export interface AwsErrorShape {
  code: string;
  status: number;
  message: string;
  fields: Record<string, unknown>;
  headers: Record<string, string>;
  /** The Orchard code behind it, when there is one (for logs). */
  orchardCode?: ErrorCode;
}

/** Authentication codes as each protocol names them (what AWS itself answers). */
const AUTH_CODES: Partial<Record<ErrorCode, { json: string; s3: string; status?: number }>> = {
  ORCH_SIGV4_MALFORMED: { json: 'IncompleteSignatureException', s3: 'AuthorizationHeaderMalformed', status: 400 },
  ORCH_SIGV4_UNKNOWN_KEY: { json: 'UnrecognizedClientException', s3: 'InvalidAccessKeyId' },
  ORCH_SIGV4_KEY_INACTIVE: { json: 'UnrecognizedClientException', s3: 'InvalidAccessKeyId' },
  ORCH_SIGV4_SIGNATURE_MISMATCH: { json: 'InvalidSignatureException', s3: 'SignatureDoesNotMatch' },
  ORCH_SIGV4_TIME_SKEWED: { json: 'InvalidSignatureException', s3: 'RequestTimeTooSkewed' },
  ORCH_SIGV4_EXPIRED: { json: 'InvalidSignatureException', s3: 'AccessDenied' },
  ORCH_SIGV4_PAYLOAD_MISMATCH: { json: 'InvalidSignatureException', s3: 'XAmzContentSHA256Mismatch', status: 400 },
  ORCH_AUTH_MISSING_TOKEN: { json: 'MissingAuthenticationTokenException', s3: 'AccessDenied', status: 403 },
  ORCH_AUTH_INVALID_TOKEN: { json: 'UnrecognizedClientException', s3: 'InvalidAccessKeyId', status: 403 },
  ORCH_AUTH_INVALID_SESSION: { json: 'UnrecognizedClientException', s3: 'AccessDenied', status: 403 },
  ORCH_AUTH_CSRF: { json: 'AccessDeniedException', s3: 'AccessDenied' },
  ORCH_AUTH_FORBIDDEN: { json: 'AccessDeniedException', s3: 'AccessDenied' },
};

/** Other errors by HTTP status (a capability's `…_INVALID` is a validation error, and so on). */
function codeByStatus(status: number, protocol: AwsProtocol): string {
  if (protocol === 's3') {
    if (status === 404) return 'NoSuchKey';
    if (status === 403) return 'AccessDenied';
    if (status === 409) return 'OperationAborted';
    if (status === 413) return 'EntityTooLarge';
    if (status === 503) return 'ServiceUnavailable';
    if (status === 501) return 'NotImplemented';
    if (status >= 500) return 'InternalError';
    return 'InvalidRequest';
  }
  if (status === 404) return 'ResourceNotFound';
  if (status === 409) return 'ResourceInUse';
  if (status === 403) return 'AccessDeniedException';
  if (status === 401) return 'UnrecognizedClientException';
  if (status === 429) return 'ThrottlingException';
  if (status === 503) return 'ServiceUnavailable';
  if (status >= 500) return 'InternalFailure';
  return 'ValidationException';
}

/** Maps any error to the protocol's code, status and message. */
export function awsErrorOf(err: unknown, protocol: AwsProtocol): AwsErrorShape {
  if (err instanceof AwsServiceError) return { code: err.code, status: err.status, message: err.message, fields: err.fields, headers: err.headers };
  // Fastify's own errors (body too large, bad JSON, …) and a full disk map as on every route.
  const orchard = toOrchardError(err);
  const auth = AUTH_CODES[orchard.code];
  if (auth) return { code: auth[protocol], status: auth.status ?? orchard.status, message: orchard.message, fields: {}, headers: {}, orchardCode: orchard.code };
  const status = orchard.status;
  // An internal failure's message is the table's (never a cause's text).
  return { code: codeByStatus(status, protocol), status, message: orchard.message, fields: {}, headers: {}, orchardCode: orchard.code };
}


/** The JSON body and headers of an AWS JSON-protocol error (awsJson1_1 and restJson1 alike). */
export function awsJsonError(err: unknown): { status: number; headers: Record<string, string>; body: string; shape: AwsErrorShape } {
  const shape = awsErrorOf(err, 'json');
  // `message` for awsJson clients, `Message` for restJson shapes that declare it (ModelError).
  const body = JSON.stringify({ __type: shape.code, message: shape.message, ...shape.fields });
  return {
    status: shape.status,
    headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amzn-errortype': shape.code, 'x-amzn-requestid': randomUUID(), ...shape.headers },
    body,
    shape,
  };
}

/** Writes an AWS JSON error on a raw response (the runtime's fast path). */
export function sendAwsJsonError(res: ServerResponse, err: unknown, contentType?: string): AwsErrorShape {
  const out = awsJsonError(err);
  if (!res.headersSent && !res.destroyed) {
    res.writeHead(out.status, { ...out.headers, ...(contentType ? { 'content-type': contentType } : {}), 'content-length': Buffer.byteLength(out.body), 'x-content-type-options': 'nosniff' });
    res.end(out.body);
  }
  return out.shape;
}

/**
 * A Fastify error handler answering in AWS JSON shape: set it on the scope of AWS JSON
 * routes (`scope.setErrorHandler(awsJsonErrorHandler)`); authentication failures of the
 * auth hook reach it too, since Fastify hands a hook's error to the route's handler.
 */
export function awsJsonErrorHandler(err: unknown, request: FastifyRequest, reply: FastifyReply): void {
  const out = awsJsonError(err);
  if (out.status >= 500) request.log.error({ err }, 'request failed');
  // As the platform's handler does: a refused body is read and dropped after the answer
  // (see lingerThenClose), without the Connection: close that would cut it off.
  const incomplete = !request.raw.complete;
  if (incomplete) reply.removeHeader('connection');
  void reply.status(out.status).headers(out.headers).send(out.body);
  if (incomplete) lingerThenClose(request.raw);
}
