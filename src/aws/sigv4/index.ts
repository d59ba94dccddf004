/** AWS Signature Version 4 verification: header and presigned-query authentication. */
export { SigV4Authenticator, SigV4Authentication } from './authenticator.js';
export type { AccessKeySource, SigV4AuthenticatorOptions } from './authenticator.js';
export { isSigV4Request, parseSigV4, basicFormat } from './parse.js';
export type { SigV4Claim, SignedRequest } from './parse.js';
export { checkTime, verifySignature, isSha256Hex, payloadHashCheck, Sha256Stream, SigningKeyCache, MAX_SKEW_MS } from './verify.js';
export type { SigningContext } from './verify.js';
export { ALGORITHM, EMPTY_SHA256, UNSIGNED_PAYLOAD, canonicalPath, canonicalQuery, canonicalRequest, escapeUri, sha256Hex, signingKey, signatureOf, stringToSign } from './canonical.js';
