import type { FastifyInstance } from 'fastify';
import { ROLES, type AuthService, type Role } from '../../auth/index.js';
import { OrchardError } from '../../core/errors.js';
import { principalOf } from '../auth-hook.js';

const userName = { type: 'string', minLength: 1, maxLength: 64 } as const;
const role = { type: 'string', enum: [...ROLES] } as const;
const nameParams = { type: 'object', required: ['name'], properties: { name: userName } } as const;

export function userRoutes(app: FastifyInstance, auth: AuthService): void {
  app.get('/me', { schema: { tags: ['users'], summary: 'The caller' } }, async (request) => principalOf(request).user);

  app.get('/users', { config: { permission: 'users:manage' }, schema: { tags: ['users'], summary: 'List users' } }, async () => ({
    items: await auth.listUsers(),
  }));

  app.post<{ Body: { name: string; role: Role; password?: string } }>(
    '/users',
    {
      config: { permission: 'users:manage' },
      schema: {
        tags: ['users'],
        summary: 'Create a user',
        body: { type: 'object', required: ['name', 'role'], additionalProperties: false, properties: { name: userName, role, password: { type: 'string' } } },
      },
    },
    async (request, reply) => reply.status(201).send(await auth.createUser(request.body)),
  );

  app.get<{ Params: { name: string } }>(
    '/users/:name',
    { config: { permission: 'users:manage' }, schema: { tags: ['users'], summary: 'Describe a user', params: nameParams } },
    async (request) => auth.getUser(request.params.name),
  );

  app.patch<{ Params: { name: string }; Body: { role?: Role; password?: string; disabled?: boolean } }>(
    '/users/:name',
    {
      config: { permission: 'users:manage' },
      schema: {
        tags: ['users'],
        summary: 'Change role, password or disabled state',
        params: nameParams,
        body: { type: 'object', additionalProperties: false, properties: { role, password: { type: 'string' }, disabled: { type: 'boolean' } } },
      },
    },
    async (request) => auth.updateUser(request.params.name, request.body),
  );

  app.delete<{ Params: { name: string } }>(
    '/users/:name',
    { config: { permission: 'users:manage' }, schema: { tags: ['users'], summary: 'Delete a user and their tokens', params: nameParams } },
    async (request, reply) => {
      if (request.params.name === principalOf(request).user.name) {
        throw new OrchardError('ORCH_USER_INVALID', { message: 'You cannot delete yourself' });
      }
      await auth.deleteUser(request.params.name);
      return reply.status(204).send();
    },
  );
}
