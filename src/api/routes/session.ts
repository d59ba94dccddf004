import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { permissionsOf, SignInThrottle, type AuthService, type SessionService, type User } from '../../auth/index.js';
import { OrchardError } from '../../core/errors.js';
import { CSRF_HEADER, SESSION_COOKIE, principalOf } from '../auth-hook.js';

interface SignInBody {
  name?: string;
  password?: string;
  token?: string;
}

const signInBody = {
  type: 'object',
  additionalProperties: false,
  properties: {
    name: { type: 'string', minLength: 1, maxLength: 64 },
    password: { type: 'string', minLength: 1, maxLength: 1024 },
    token: { type: 'string', minLength: 1, maxLength: 512 },
  },
} as const;

/**
 * Studio sign-in: a user name and password, or an API token, exchanged for a session
 * cookie (HttpOnly, SameSite=Strict, Secure over https) and the CSRF token the studio
 * sends with every write.
 */
/** Failed sign-ins allowed in 15 minutes: per user name, and (more, for shared addresses) per client address. */
const PER_USER = 10;
const PER_ADDRESS = 100;

export function sessionRoutes(app: FastifyInstance, auth: AuthService, sessions: SessionService): void {
  const byUser = new SignInThrottle({ maxFailures: PER_USER });
  const byAddress = new SignInThrottle({ maxFailures: PER_ADDRESS });
  app.post<{ Body: SignInBody }>(
    '/session',
    { config: { public: true }, schema: { tags: ['session'], summary: 'Sign in (name and password, or an API token); sets the session cookie', body: signInBody, security: [] } },
    async (request, reply) => {
      const body = request.body ?? {};
      // Guessing is limited per user name and per client address.
      const userKeys = body.name !== undefined ? [body.name] : [];
      try {
        byUser.check(userKeys);
        byAddress.check([request.ip]);
      } catch (err) {
        const retry = (err as OrchardError).details?.retryAfterSeconds;
        if (retry !== undefined) void reply.header('retry-after', String(retry));
        throw err;
      }
      let user: User;
      try {
        user = await signIn(auth, body);
      } catch (err) {
        if (err instanceof OrchardError && err.status === 401) {
          byUser.failed(userKeys);
          byAddress.failed([request.ip]);
        }
        throw err;
      }
      if (body.name !== undefined) byUser.succeeded(body.name);
      const started = await sessions.create(user);
      void reply.setCookie(SESSION_COOKIE, started.secret, cookieOptions(request, new Date(started.session.expiresAt)));
      return reply.status(201).send({
        user,
        permissions: permissionsOf(user.role),
        csrfToken: started.csrfToken,
        csrfHeader: CSRF_HEADER,
        expiresAt: started.session.expiresAt,
      });
    },
  );

  app.get('/session', { schema: { tags: ['session'], summary: 'The signed-in caller, their permissions and (for a session) the CSRF token' } }, async (request) => {
    const { user } = principalOf(request);
    const session = request.studioSession;
    return {
      user,
      permissions: permissionsOf(user.role),
      via: session ? 'session' : 'token',
      ...(session ? { csrfToken: session.csrfToken, csrfHeader: CSRF_HEADER, expiresAt: session.session.expiresAt } : {}),
    };
  });

  app.delete('/session', { schema: { tags: ['session'], summary: 'Sign out: ends the session and clears its cookie' } }, async (request, reply) => {
    if (request.studioSession) await sessions.end(request.studioSession.secret);
    void reply.clearCookie(SESSION_COOKIE, cookieOptions(request));
    return reply.status(204).send();
  });
}

async function signIn(auth: AuthService, body: SignInBody): Promise<User> {
  if (body.token !== undefined) {
    if (body.name !== undefined || body.password !== undefined) throw new OrchardError('ORCH_API_BAD_REQUEST', { message: 'Give a token, or a name and password, not both' });
    return (await auth.authenticate(body.token)).user;
  }
  if (body.name === undefined || body.password === undefined) throw new OrchardError('ORCH_API_BAD_REQUEST', { message: 'Give a name and password, or an API token' });
  return auth.verifyCredentials(body.name, body.password);
}

function cookieOptions(request: FastifyRequest, expires?: Date): Parameters<FastifyReply['setCookie']>[2] {
  return { path: '/', httpOnly: true, sameSite: 'strict', secure: request.protocol === 'https', ...(expires ? { expires } : {}) };
}
