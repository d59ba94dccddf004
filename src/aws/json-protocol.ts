import type { FastifyInstance } from 'fastify';
import { awsJsonErrorHandler } from './errors.js';

/** The content types of AWS's JSON protocols (awsJson1_0, awsJson1_1). */
export const AMZ_JSON_TYPES = ['application/x-amz-json-1.0', 'application/x-amz-json-1.1'];

/**
 * Makes a Fastify scope speak an AWS JSON protocol: `application/x-amz-json-1.x` bodies
 * arrive as the raw Buffer (the route parses them; the signature check has hashed the
 * same bytes), and every error of the scope, authentication failures of the auth hook
 * included, answers `{"__type", "message"}` with `x-amzn-ErrorType`.
 */
export function awsJsonScope(scope: FastifyInstance): void {
  scope.addContentTypeParser(AMZ_JSON_TYPES, { parseAs: 'buffer' }, (_request, body, done) => done(null, body));
  scope.setErrorHandler(awsJsonErrorHandler);
}
