import type { FastifyInstance, FastifyRequest } from 'fastify';
import { can, type AuthService } from '../../auth/index.js';
import { CreateTokenRequest, TokenListQuery } from '../../contracts/index.js';
import { OrchardError } from '../../core/errors.js';
import { principalOf } from '../auth-hook.js';

/** Acting on another user's tokens needs `users:manage`; your own need only `tokens:own`. */
function actingFor(request: FastifyRequest, userName: string | undefined): string {
  const me = principalOf(request).user;
  if (userName === undefined || userName === me.name) return me.name;
  if (!can(me.role, 'users:manage')) throw new OrchardError('ORCH_AUTH_FORBIDDEN', { message: "Only an admin can manage another user's tokens" });
  return userName;
}

export function tokenRoutes(app: FastifyInstance, auth: AuthService): void {
  app.get<{ Querystring: TokenListQuery }>(
    '/tokens',
    {
      config: { permission: 'tokens:own' },
      schema: {
        tags: ['tokens'],
        summary: 'List tokens (yours; an admin may ask for a user or all)',
        querystring: TokenListQuery,
      },
    },
    async (request) => {
      if (request.query.all) {
        if (!can(principalOf(request).user.role, 'users:manage')) throw new OrchardError('ORCH_AUTH_FORBIDDEN', { message: 'Only an admin can list every token' });
        return { items: await auth.listTokens() };
      }
      return { items: await auth.listTokens(actingFor(request, request.query.user)) };
    },
  );

  app.post<{ Body: CreateTokenRequest }>(
    '/tokens',
    {
      config: { permission: 'tokens:own' },
      schema: {
        tags: ['tokens'],
        summary: 'Create a token; the secret is returned only here',
        body: CreateTokenRequest,
      },
    },
    async (request, reply) => {
      const { name, user, expiresAt, expiresInDays } = request.body ?? {};
      if (expiresAt !== undefined && expiresInDays !== undefined) throw new OrchardError('ORCH_TOKEN_INVALID', { message: 'Give expiresAt or expiresInDays, not both' });
      const expiry = expiresInDays !== undefined ? new Date(Date.now() + expiresInDays * 86_400_000).toISOString() : expiresAt;
      const created = await auth.createToken({ userName: actingFor(request, user), name, expiresAt: expiry });
      return reply.status(201).send({ ...created.info, token: created.token });
    },
  );

  app.delete<{ Params: { id: string } }>(
    '/tokens/:id',
    {
      config: { permission: 'tokens:own' },
      schema: { tags: ['tokens'], summary: 'Revoke a token', params: { type: 'object', required: ['id'], properties: { id: { type: 'string', maxLength: 64 } } } },
    },
    async (request) => {
      const token = await auth.getToken(request.params.id);
      actingFor(request, token.userName);
      return auth.revokeToken(token.id);
    },
  );
}
