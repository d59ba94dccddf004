import type { FastifyInstance, FastifyRequest } from 'fastify';
import { can } from '../../auth/index.js';
import type { AccessKeyService } from '../../aws/index.js';
import { AccessKey, AccessKeyListQuery, AccessKeyParams, CreateAccessKeyRequest, CreatedAccessKey, UpdateAccessKeyRequest } from '../../contracts/index.js';
import { OrchardError } from '../../core/errors.js';
import { principalOf } from '../auth-hook.js';

/** As with tokens: acting on another user's keys needs `users:manage`; your own need only `tokens:own`. */
function actingFor(request: FastifyRequest, userName: string | undefined): string {
  const me = principalOf(request).user;
  if (userName === undefined || userName === me.name) return me.name;
  if (!can(me.role, 'users:manage')) throw new OrchardError('ORCH_AUTH_FORBIDDEN', { message: "Only an admin can manage another user's access keys" });
  return userName;
}

/** `/access-keys`: AWS-style keys (id + secret) for SigV4 clients such as boto3 and the AWS SDKs. */
export function accessKeyRoutes(app: FastifyInstance, keys: AccessKeyService): void {
  const tags = ['access-keys'];

  app.get<{ Querystring: AccessKeyListQuery }>(
    '/access-keys',
    { config: { permission: 'tokens:own' }, schema: { tags, summary: 'List access keys (yours; an admin may ask for a user or all)', querystring: AccessKeyListQuery } },
    async (request) => {
      if (request.query.all) {
        if (!can(principalOf(request).user.role, 'users:manage')) throw new OrchardError('ORCH_AUTH_FORBIDDEN', { message: 'Only an admin can list every access key' });
        return { items: await keys.list() };
      }
      return { items: await keys.list(actingFor(request, request.query.user)) };
    },
  );

  app.post<{ Body: CreateAccessKeyRequest }>(
    '/access-keys',
    { config: { permission: 'tokens:own' }, schema: { tags, summary: 'Create an access key; the secret is returned only here', body: CreateAccessKeyRequest, response: { 201: CreatedAccessKey } } },
    async (request, reply) => {
      const { user, description } = request.body ?? {};
      const created = await keys.create({ userName: actingFor(request, user), description, createdBy: principalOf(request).user.name });
      return reply.status(201).send(created);
    },
  );

  app.get<{ Params: AccessKeyParams }>(
    '/access-keys/:accessKeyId',
    { config: { permission: 'tokens:own' }, schema: { tags, summary: 'Describe an access key', params: AccessKeyParams, response: { 200: AccessKey } } },
    async (request) => {
      const key = await keys.get(request.params.accessKeyId);
      actingFor(request, key.userName);
      return key;
    },
  );

  app.patch<{ Params: AccessKeyParams; Body: UpdateAccessKeyRequest }>(
    '/access-keys/:accessKeyId',
    { config: { permission: 'tokens:own' }, schema: { tags, summary: 'Enable (Active) or disable (Inactive) an access key', params: AccessKeyParams, body: UpdateAccessKeyRequest, response: { 200: AccessKey } } },
    async (request) => {
      const key = await keys.get(request.params.accessKeyId);
      actingFor(request, key.userName);
      return keys.setStatus(key.accessKeyId, request.body.status);
    },
  );

  app.delete<{ Params: AccessKeyParams }>(
    '/access-keys/:accessKeyId',
    { config: { permission: 'tokens:own' }, schema: { tags, summary: 'Delete an access key', params: AccessKeyParams } },
    async (request, reply) => {
      const key = await keys.get(request.params.accessKeyId);
      actingFor(request, key.userName);
      await keys.delete(key.accessKeyId);
      return reply.status(204).send();
    },
  );
}
