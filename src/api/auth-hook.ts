import type { FastifyInstance, FastifyRequest } from 'fastify';
import { can, type ActiveSession, type AuthService, type Permission, type Principal, type SessionService } from '../auth/index.js';
import { OrchardError } from '../core/errors.js';
import { EMPTY_SHA256, Sha256Stream, isSigV4Request, type SigV4Authentication, type SigV4Authenticator } from '../aws/sigv4/index.js';

/** The studio's session cookie: HttpOnly, SameSite=Strict, Secure over https. */
export const SESSION_COOKIE = 'orchard_session';
/** The header a write made with the session cookie must carry (the token sign-in returned). */
export const CSRF_HEADER = 'x-orchard-csrf';

declare module 'fastify' {
  interface FastifyRequest {
    principal?: Principal;
    /** Set when the caller was authenticated by the session cookie. */
    studioSession?: ActiveSession & { secret: string };
    /** Set when the caller signed the request with an access key (AWS Signature Version 4). */
    sigv4?: SigV4Authentication;
  }
  interface FastifyContextConfig {
    /** The permission a route needs; routes without one need only a signed-in caller. */
    permission?: Permission;
    /** No authentication at all (health checks, sign-in, the studio's static files). */
    public?: boolean;
  }
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * Authentication runs on every request before its body is read (so an upload from an
 * unknown caller is refused before a byte is stored); authorisation is per route.
 *
 * API clients send `Authorization: Bearer <token>`. The studio sends its session cookie;
 * because a browser attaches cookies to requests other sites trigger, every write made
 * with the cookie must also carry the session's CSRF token in a header, which another
 * site can neither read nor set (SameSite=Strict is the first line, this the second).
 */
export function installAuth(app: FastifyInstance, auth: AuthService, sessions: SessionService, sigv4?: SigV4Authenticator): void {
  app.addHook('onRequest', async (request) => {
    if (request.routeOptions.config?.public) return;
    request.principal = sigv4 && isSigV4Request(request.raw) ? await signedBy(request, sigv4) : await authenticate(request, auth, sessions);
    const permission = request.routeOptions.config?.permission;
    if (permission && !can(request.principal.user.role, permission)) {
      throw new OrchardError('ORCH_AUTH_FORBIDDEN', { message: `Role '${request.principal.user.role}' lacks '${permission}'` });
    }
  });
  if (sigv4) installSignedBodyCheck(app);
}

/**
 * AWS Signature Version 4: the key and time are checked here, before the body is read.
 * When the signature covers the body's sha256 (no `x-amz-content-sha256` header, as AWS
 * JSON clients sign), the body is hashed as the route's parser reads it and the signature
 * is checked before validation, so no handler runs on an unverified request.
 */
async function signedBy(request: FastifyRequest, sigv4: SigV4Authenticator): Promise<Principal> {
  const signed = await sigv4.authenticate(request.raw);
  request.sigv4 = signed;
  return signed.principal;
}

/** Hooks that hash a signed body as it is read and verify it before the handler runs. */
function installSignedBodyCheck(app: FastifyInstance): void {
  const hashes = new WeakMap<FastifyRequest, Sha256Stream>();
  app.addHook('preParsing', async (request, _reply, payload) => {
    const signed = request.sigv4;
    if (!signed || (!signed.needsBodyHash && signed.expectedBodySha256 === undefined)) return payload;
    const hashing = new Sha256Stream();
    payload.on('error', (err) => hashing.destroy(err));
    hashes.set(request, payload.pipe(hashing));
    return hashing;
  });
  app.addHook('preValidation', async (request) => {
    const signed = request.sigv4;
    if (!signed || (!signed.needsBodyHash && signed.expectedBodySha256 === undefined)) return;
    const digest = hashes.get(request)?.digest();
    if (digest !== undefined) return signed.complete({ sha256: digest });
    const length = request.headers['content-length'];
    if (request.headers['transfer-encoding'] === undefined && (length === undefined || length === '0')) return signed.complete({ sha256: EMPTY_SHA256 });
    // A body the route streams: a declared sha256 is checked by the route as it reads
    // (`payloadHashCheck`); a signature over the body cannot be checked before it runs.
    if (signed.needsBodyHash) throw new OrchardError('ORCH_SIGV4_MALFORMED', { message: 'A streamed body must be signed with its x-amz-content-sha256 header' });
  });
}

async function authenticate(request: FastifyRequest, auth: AuthService, sessions: SessionService): Promise<Principal> {
  const header = request.headers.authorization;
  if (header) {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
    if (!match) throw new OrchardError('ORCH_AUTH_MISSING_TOKEN');
    return auth.authenticate(match[1]);
  }
  const secret = request.cookies?.[SESSION_COOKIE];
  if (!secret) throw new OrchardError('ORCH_AUTH_MISSING_TOKEN');
  const active = await sessions.authenticate(secret);
  if (!SAFE_METHODS.has(request.method)) {
    const given = request.headers[CSRF_HEADER];
    if (!sessions.verifyCsrf(secret, Array.isArray(given) ? given[0] : given)) throw new OrchardError('ORCH_AUTH_CSRF');
  }
  request.studioSession = { ...active, secret };
  return active.principal;
}

export function principalOf(request: FastifyRequest): Principal {
  if (!request.principal) throw new OrchardError('ORCH_AUTH_MISSING_TOKEN');
  return request.principal;
}
