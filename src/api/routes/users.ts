import type { FastifyInstance } from 'fastify';
import type { AuthService } from '../../auth/index.js';
import { CreateUserRequest, NameParams, UpdateUserRequest, UserName } from '../../contracts/index.js';
import { OrchardError } from '../../core/errors.js';
import { principalOf } from '../auth-hook.js';

const nameParams = NameParams(UserName);

export function userRoutes(app: FastifyInstance, auth: AuthService): void {
  app.get('/me', { schema: { tags: ['users'], summary: 'The caller' } }, async (request) => principalOf(request).user);

  app.get('/users', { config: { permission: 'users:manage' }, schema: { tags: ['users'], summary: 'List users' } }, async () => ({
    items: await auth.listUsers(),
  }));

  app.post<{ Body: CreateUserRequest }>(
    '/users',
    {
      config: { permission: 'users:manage' },
      schema: {
        tags: ['users'],
        summary: 'Create a user',
        body: CreateUserRequest,
      },
    },
    async (request, reply) => reply.status(201).send(await auth.createUser(request.body)),
  );

  app.get<{ Params: { name: string } }>(
    '/users/:name',
    { config: { permission: 'users:manage' }, schema: { tags: ['users'], summary: 'Describe a user', params: nameParams } },
    async (request) => auth.getUser(request.params.name),
  );

  app.patch<{ Params: NameParams; Body: UpdateUserRequest }>(
    '/users/:name',
    {
      config: { permission: 'users:manage' },
      schema: {
        tags: ['users'],
        summary: 'Change role, password or disabled state',
        params: nameParams,
        body: UpdateUserRequest,
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
