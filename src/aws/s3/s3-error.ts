import { randomBytes } from 'node:crypto';
import { isOrchardError, type OrchardError } from '../../core/errors.js';
import { asStorageFull } from '../../core/storage-full.js';
import { awsErrorOf } from '../errors.js';
import { xmlDocument } from './xml.js';

/**
 * An error answered in S3's own shape (`<Error><Code>…`): the code is S3's (clients
 * raise an exception class per code), not an `ORCH_*` code. It lives only inside the
 * `/s3` routes, whose error handler renders it; everything else thrown there is mapped
 * by {@link toS3Error}.
 */
export class S3Error extends Error {
  constructor(
    readonly s3Code: string,
    readonly status: number,
    message: string,
    readonly fields: Record<string, string> = {},
    options: { cause?: unknown } = {},
  ) {
    super(message, options);
    this.name = 'S3Error';
  }
}

export const noSuchKey = (key: string) => new S3Error('NoSuchKey', 404, 'The specified key does not exist.', { Key: key });
export const noSuchBucket = (bucket: string) => new S3Error('NoSuchBucket', 404, 'The specified bucket does not exist', { BucketName: bucket });
export const noSuchUpload = (uploadId: string) =>
  new S3Error('NoSuchUpload', 404, 'The specified upload does not exist. The upload ID may be invalid, or the upload may have been aborted or completed.', { UploadId: uploadId });
export const invalidArgument = (message: string, name?: string, value?: string) =>
  new S3Error('InvalidArgument', 400, message, name ? { ArgumentName: name, ArgumentValue: value ?? '' } : {});
export const accessDenied = (message = 'Access Denied') => new S3Error('AccessDenied', 403, message);
export const malformedXml = () => new S3Error('MalformedXML', 400, 'The XML you provided was not well-formed or did not validate against our published schema.');

/** Orchard codes of the artifact store and the server as S3 reports the same situations. */
const FROM_ORCHARD: Record<string, [string, number]> = {
  ORCH_ARTIFACT_INVALID_KEY: ['InvalidArgument', 400],
  ORCH_ARTIFACT_NOT_FOUND: ['NoSuchKey', 404],
  ORCH_STORAGE_FULL: ['ServiceUnavailable', 503],
};

/** The S3 error a thrown value stands for; unknown failures are `InternalError` (details to the log only). */
export function toS3Error(err: unknown): S3Error {
  if (err instanceof S3Error) return err;
  const full = asStorageFull(err);
  const orchard: OrchardError | undefined = isOrchardError(full) ? full : undefined;
  if (orchard) {
    // Authentication and signature failures: S3's names for them are the AWS error table's.
    if (orchard.code.startsWith('ORCH_AUTH_') || orchard.code.startsWith('ORCH_SIGV4_')) {
      const shape = awsErrorOf(orchard, 's3');
      return new S3Error(shape.code, shape.status, shape.message, signatureFields(orchard), { cause: err });
    }
    const mapped = FROM_ORCHARD[orchard.code];
    if (mapped) return new S3Error(mapped[0], mapped[1], orchard.message, {}, { cause: err });
    if (orchard.status < 500) return new S3Error('InvalidRequest', orchard.status, orchard.message, {}, { cause: err });
    // The server shutting down, a store away: clients retry these.
    if (orchard.status === 503) return new S3Error('ServiceUnavailable', 503, orchard.message, {}, { cause: err });
  }
  const e = err as { code?: string; statusCode?: number; message?: string };
  if (e?.code === 'FST_ERR_CTP_BODY_TOO_LARGE') return new S3Error('EntityTooLarge', 400, 'Your proposed upload exceeds the maximum allowed object size.', {}, { cause: err });
  if (typeof e?.statusCode === 'number' && e.statusCode >= 400 && e.statusCode < 500) return new S3Error('InvalidRequest', e.statusCode, e.message ?? 'Bad request', {}, { cause: err });
  return new S3Error('InternalError', 500, 'We encountered an internal error. Please try again.', {}, { cause: err });
}

/** What S3 tells a client whose signature did not match, so it can compare its own. */
function signatureFields(error: OrchardError): Record<string, string> {
  if (error.code !== 'ORCH_SIGV4_SIGNATURE_MISMATCH' || !error.details) return {};
  const d = error.details as Record<string, unknown>;
  const fields: Record<string, string> = {};
  for (const [from, to] of [['accessKeyId', 'AWSAccessKeyId'], ['stringToSign', 'StringToSign'], ['signatureProvided', 'SignatureProvided'], ['canonicalRequest', 'CanonicalRequest']] as const) {
    if (typeof d[from] === 'string') fields[to] = d[from];
  }
  return fields;
}

/** S3's `x-amz-request-id`: 16 upper-case hex digits. */
export function newRequestId(): string {
  return randomBytes(8).toString('hex').toUpperCase();
}

/** The XML body of an error answer. */
export function errorXml(error: S3Error, resource: string, requestId: string): string {
  return xmlDocument({ Error: { Code: error.s3Code, Message: error.message, ...error.fields, Resource: resource, RequestId: requestId } });
}
