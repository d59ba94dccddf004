import type { FastifyInstance, FastifyRequest } from 'fastify';
import { can, type ActiveSession, type AuthService, type Permission, type Principal, type SessionService } from '../auth/index.js';
import { OrchardError } from '../core/errors.js';

/** The studio's session cookie: HttpOnly, SameSite=Strict, Secure over https. */
export const SESSION_COOKIE = 'orchard_session';
/** The header a write made with the session cookie must carry (the token sign-in returned). */
export const CSRF_HEADER = 'x-orchard-csrf';

declare module 'fastify' {
  interface FastifyRequest {
    principal?: Principal;
    /** Set when the caller was authenticated by the session cookie. */
    studioSession?: ActiveSession & { secret: string };
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
export function installAuth(app: FastifyInstance, auth: AuthService, sessions: SessionService): void {
  app.addHook('onRequest', async (request) => {
    if (request.routeOptions.config?.public) return;
    request.principal = await authenticate(request, auth, sessions);
    const permission = request.routeOptions.config?.permission;
    if (permission && !can(request.principal.user.role, permission)) {
      throw new OrchardError('ORCH_AUTH_FORBIDDEN', { message: `Role '${request.principal.user.role}' lacks '${permission}'` });
    }
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
