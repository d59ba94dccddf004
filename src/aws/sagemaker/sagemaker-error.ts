import { isOrchardError, type OrchardError } from '../../core/errors.js';
import { AwsServiceError } from '../errors.js';

/** The exception names SageMaker's API model declares (what the SDKs turn into classes). */
export type SageMakerErrorType =
  | 'ValidationException'
  | 'ResourceNotFound'
  | 'ResourceInUse'
  | 'ResourceLimitExceeded'
  | 'ConflictException'
  | 'AccessDeniedException'
  | 'UnknownOperationException'
  | 'SerializationException'
  | 'InternalFailure'
  | 'ServiceUnavailable'
  | 'ThrottlingException';

const STATUS: Record<SageMakerErrorType, number> = {
  ValidationException: 400,
  ResourceNotFound: 400,
  ResourceInUse: 400,
  ResourceLimitExceeded: 400,
  ConflictException: 400,
  AccessDeniedException: 400,
  UnknownOperationException: 400,
  SerializationException: 400,
  InternalFailure: 500,
  ServiceUnavailable: 503,
  ThrottlingException: 400,
};

/** A failure of a control-plane operation, named as SageMaker names it (rendered by `awsJsonError`). */
export class SageMakerError extends AwsServiceError {
  constructor(
    readonly type: SageMakerErrorType,
    message: string,
    options: { cause?: unknown } = {},
  ) {
    super(type, STATUS[type], message);
    if (options.cause !== undefined) this.cause = options.cause;
  }
}

/**
 * An Orchard service's error as SageMaker would answer it: refusals of the request are
 * `ValidationException` (AWS uses it for most bad input, and for "Could not find" of
 * models, endpoints and configs), an existing name `ResourceInUse`, conflicts
 * `ConflictException`, and faults of the server `InternalFailure` (message kept generic).
 */
export function sageMakerErrorOf(error: unknown, notFound: 'ResourceNotFound' | 'ValidationException' = 'ValidationException'): SageMakerError {
  if (error instanceof SageMakerError) return error;
  if (!isOrchardError(error)) return new SageMakerError('InternalFailure', 'We encountered an internal error. Please try again.', { cause: error });
  const orchard = error as OrchardError;
  const message = detailMessage(orchard);
  if (orchard.code === 'ORCH_AUTH_FORBIDDEN') return new SageMakerError('AccessDeniedException', orchard.message, { cause: error });
  if (orchard.code.endsWith('_NOT_FOUND') || orchard.status === 404) return new SageMakerError(notFound, message, { cause: error });
  if (orchard.code.endsWith('_EXISTS')) return new SageMakerError('ResourceInUse', message, { cause: error });
  if (orchard.status === 409) return new SageMakerError('ConflictException', message, { cause: error });
  if (orchard.status === 429) return new SageMakerError('ThrottlingException', message, { cause: error });
  if (orchard.status === 503) return new SageMakerError('ServiceUnavailable', message, { cause: error });
  if (orchard.status >= 500) return new SageMakerError('InternalFailure', orchard.message, { cause: error });
  return new SageMakerError('ValidationException', message, { cause: error });
}

/** The error's message, with each listed problem when it holds several. */
function detailMessage(error: OrchardError): string {
  const problems = (error.details as { errors?: Array<{ field?: string; message?: string }> } | undefined)?.errors;
  if (!Array.isArray(problems) || problems.length === 0) return error.message;
  return problems.map((p) => (p.field ? `${p.field}: ${p.message}` : String(p.message))).join('; ');
}
