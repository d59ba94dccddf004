/** AWS-style access keys (id + secret) that sign requests with SigV4 and act as their user. */
export { AccessKeyService, ACCESS_KEY_PREFIX, generateAccessKeyId } from './access-key-service.js';
export type { AccessKeyDeps, CreateAccessKeyInput, ResolvedAccessKey } from './access-key-service.js';
