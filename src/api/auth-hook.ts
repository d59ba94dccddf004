import type { FastifyInstance, FastifyRequest } from 'fastify';
import { can, type AuthService, type Permission, type Principal } from '../auth/index.js';
import { OrchardError } from '../core/errors.js';

declare module 'fastify' {
  interface FastifyRequest {
    principal?: Principal;
  }
  interface FastifyContextConfig {
    /** The permission a route needs; routes without one are public (health only). */
    permission?: Permission;
    public?: boolean;
  }
}

/**
 * Authentication runs on every request before its body is read (so an upload from an
 * unknown caller is refused before a byte is stored); authorisation is per route.
 */
export function installAuth(app: FastifyInstance, auth: AuthService): void {
  app.addHook('onRequest', async (request) => {
    if (request.routeOptions.config?.public) return;
    const header = request.headers.authorization;
    if (!header) throw new OrchardError('ORCH_AUTH_MISSING_TOKEN');
    const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
    if (!match) throw new OrchardError('ORCH_AUTH_MISSING_TOKEN');
    request.principal = await auth.authenticate(match[1]);
    const permission = request.routeOptions.config?.permission;
    if (permission && !can(request.principal.user.role, permission)) {
      throw new OrchardError('ORCH_AUTH_FORBIDDEN', { message: `Role '${request.principal.user.role}' lacks '${permission}'` });
    }
  });
}

export function principalOf(request: FastifyRequest): Principal {
  if (!request.principal) throw new OrchardError('ORCH_AUTH_MISSING_TOKEN');
  return request.principal;
}
