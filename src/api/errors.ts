import type { FastifyError, FastifyInstance } from 'fastify';
import { OrchardError, type ErrorCode } from '../core/errors.js';
import { asStorageFull } from '../core/storage-full.js';
import { lingerThenClose } from './upload-shield.js';

/** Fastify's own error codes mapped onto the platform's table. */
const FASTIFY_CODES: Record<string, ErrorCode> = {
  FST_ERR_CTP_BODY_TOO_LARGE: 'ORCH_API_BODY_TOO_LARGE',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'ORCH_API_UNSUPPORTED_MEDIA_TYPE',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'ORCH_API_BAD_REQUEST',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'ORCH_API_INVALID_JSON',
  FST_ERR_CTP_INVALID_JSON_BODY: 'ORCH_API_INVALID_JSON',
  FST_ERR_VALIDATION: 'ORCH_API_BAD_REQUEST',
  FST_ERR_BAD_URL: 'ORCH_API_BAD_REQUEST',
};

/**
 * Every error leaves as `{ code, message }` with its status; anything not in the error
 * table is a 500 whose details go to the log, never to the client.
 */
export function installErrorHandlers(app: FastifyInstance): void {
  app.setErrorHandler((err: FastifyError | OrchardError | Error, request, reply) => {
    const orchard = toOrchardError(err);
    if (orchard.status >= 500) request.log.error({ err }, 'request failed');
    else request.log.debug({ code: orchard.code }, orchard.message);
    // A refused upload is not read to its end: the connection closes once the answer is
    // out and what the client still sends is dropped (see lingerThenClose). No
    // `Connection: close` (Fastify sets one on a refused body): Node would then close at
    // once, and the client, still sending, would see EPIPE instead of this answer.
    const incomplete = !request.raw.complete;
    if (incomplete) reply.removeHeader('connection');
    void reply.status(orchard.status).send(orchard.toJSON());
    if (incomplete) lingerThenClose(request.raw);
  });
  app.setNotFoundHandler((request, reply) => {
    const err = new OrchardError('ORCH_API_NOT_FOUND', { message: `No route ${request.method} ${request.url.split('?')[0]}` });
    void reply.status(404).send(err.toJSON());
  });
}

export function toOrchardError(err: unknown): OrchardError {
  // A full disk is one code however deep it was wrapped (write stream, artifact store, DuckDB).
  const full = asStorageFull(err);
  if (full !== err) return full as OrchardError;
  if (err instanceof OrchardError) return err;
  const e = err as FastifyError & { validation?: unknown };
  if (e?.validation) {
    return new OrchardError('ORCH_API_BAD_REQUEST', { message: e.message, cause: err });
  }
  const code = e?.code ? FASTIFY_CODES[e.code] : undefined;
  if (code) return new OrchardError(code, { message: code === 'ORCH_API_BAD_REQUEST' ? e.message : undefined, cause: err });
  if (e instanceof SyntaxError && (e as { statusCode?: number }).statusCode === 400) {
    return new OrchardError('ORCH_API_INVALID_JSON', { cause: err });
  }
  if (typeof e?.statusCode === 'number' && e.statusCode >= 400 && e.statusCode < 500) {
    return new OrchardError('ORCH_API_BAD_REQUEST', { message: e.message, cause: err });
  }
  return new OrchardError('ORCH_INTERNAL', { cause: err });
}
