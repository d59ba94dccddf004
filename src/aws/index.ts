/**
 * SageMaker's own API on Orchard: access keys, Signature Version 4 verification and
 * AWS-shaped errors shared by the control plane (`sagemaker/`), SageMaker Runtime
 * (`runtime/`) and the S3 API (`s3/`).
 */
export { AccessKeyService, ACCESS_KEY_PREFIX, generateAccessKeyId } from './access-keys/index.js';
export type { AccessKeyDeps, CreateAccessKeyInput, ResolvedAccessKey } from './access-keys/index.js';
export { SigV4Authenticator, SigV4Authentication, isSigV4Request, parseSigV4, payloadHashCheck, isSha256Hex, EMPTY_SHA256, UNSIGNED_PAYLOAD } from './sigv4/index.js';
export type { AccessKeySource, SigV4Claim, SignedRequest, SigningContext } from './sigv4/index.js';
export { AMZ_JSON_TYPES, awsJsonScope } from './json-protocol.js';
export { AwsServiceError, awsErrorOf, awsJsonError, awsJsonErrorHandler, sendAwsJsonError } from './errors.js';
export type { AwsErrorShape, AwsProtocol } from './errors.js';
