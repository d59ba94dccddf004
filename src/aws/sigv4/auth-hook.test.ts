import { randomBytes } from 'node:crypto';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { metadataTargets } from '../../../test/support/metadata.js';
import { installAuth } from '../../api/auth-hook.js';
import { installErrorHandlers } from '../../api/errors.js';
import { installUploadShield } from '../../api/upload-shield.js';
import { AuthService, SessionService } from '../../auth/index.js';
import type { MetadataStore } from '../../storage/index.js';
import { SecretBox } from '../../webhooks/index.js';
import { AccessKeyService } from '../access-keys/index.js';
import { awsJsonScope } from '../json-protocol.js';
import { SigV4Authenticator } from './index.js';
import { testSigner } from './test-signer.js';


interface Key {
  accessKeyId: string;
  secretAccessKey: string;
}

let port = 0;

/** Signs as botocore does for JSON services; returns what `send` sends. */
async function sign(key: Key, method: string, url: string, headers: Record<string, string>, body: string, signingDate?: Date) {
  const [path, query = ''] = url.split('?');
  const q: Record<string, string> = {};
  for (const part of query.split('&').filter(Boolean)) {
    const [k, v = ''] = part.split('=');
    q[decodeURIComponent(k)] = decodeURIComponent(v);
  }
  const signer = testSigner({ service: 'sagemaker', ...key });
  const signed = await signer.sign({ method, protocol: 'http:', hostname: '127.0.0.1', path, query: q, headers: { host: `127.0.0.1:${port}`, ...headers }, body }, { signingDate });
  return { method, url, headers: signed.headers as Record<string, string>, payload: body };
}

/** Sends over a real connection (the server reads the body as a client sends it). */
async function send(req: { method: string; url: string; headers: Record<string, string>; payload?: string }) {
  const headers = { ...req.headers };
  delete headers.host;
  const res = await fetch(`http://127.0.0.1:${port}${req.url}`, { method: req.method, headers, body: req.method === 'GET' ? undefined : req.payload });
  const text = await res.text();
  return { statusCode: res.status, headers: Object.fromEntries(res.headers), json: () => JSON.parse(text) };
}

describe.each(metadataTargets)('SigV4 in the auth hook on $name', (target) => {
  let store: MetadataStore;
  let cleanup: () => Promise<void>;
  let app: FastifyInstance;
  let member: Key;
  let invoker: Key;
  let adminToken: string;

  beforeAll(async () => {
    ({ store, cleanup } = await target.open());
    const auth = new AuthService(store);
    adminToken = (await auth.bootstrapAdmin()).token!;
    await auth.createUser({ name: 'ana', role: 'member' });
    await auth.createUser({ name: 'ivo', role: 'invoker' });
    const box = new SecretBox(randomBytes(32));
    const keys = new AccessKeyService({ metadata: store, auth, secrets: async () => box });
    member = await keys.create({ userName: 'ana' });
    invoker = await keys.create({ userName: 'ivo' });
    app = Fastify();
    installErrorHandlers(app);
    installUploadShield(app);
    installAuth(app, auth, new SessionService(store), new SigV4Authenticator(keys));
    app.post('/api/v1/echo', { config: { permission: 'jobs:write' } }, async (request) => ({ user: request.principal!.user.name, body: request.body }));
    app.get('/api/v1/whoami', { config: { permission: 'jobs:read' } }, async (request) => ({ user: request.principal!.user.name, accessKeyId: request.principal!.accessKeyId ?? null }));
    await app.register(async (scope) => {
      awsJsonScope(scope);
      scope.post('/', { config: { permission: 'jobs:read' } }, async (request) => ({ target: request.headers['x-amz-target'], user: request.principal!.user.name, body: JSON.parse((request.body as Buffer).toString('utf8')) }));
    });
    await app.listen({ port: 0, host: '127.0.0.1' });
    port = (app.server.address() as { port: number }).port;
  });
  afterAll(async () => {
    await app?.close();
    await cleanup();
  });

  const amz = { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': 'SageMaker.ListEndpoints' };

  it('authenticates a signed AWS JSON request as the key user, after checking the body', async () => {
    const res = await send(await sign(member, 'POST', '/', amz, '{"MaxResults":5}'));
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ target: 'SageMaker.ListEndpoints', user: 'ana', body: { MaxResults: 5 } });
  });

  it('refuses a body other than the one signed, in AWS JSON shape on the AWS route', async () => {
    const req = await sign(member, 'POST', '/', amz, '{"MaxResults":5}');
    const res = await send({ ...req, payload: '{"MaxResults":6}' });
    expect(res.statusCode).toBe(403);
    expect(res.headers['x-amzn-errortype']).toBe('InvalidSignatureException');
    expect(res.headers['x-amzn-requestid']).toBeTruthy();
    expect(res.json()).toMatchObject({ __type: 'InvalidSignatureException', message: expect.stringContaining('does not match') });
  });

  it('answers an unknown key, an old request and a role without the permission as AWS does', async () => {
    const unknown = await sign({ accessKeyId: 'AKORNOSUCHKEY0000000', secretAccessKey: member.secretAccessKey }, 'POST', '/', amz, '{}');
    expect((await send(unknown)).json()).toMatchObject({ __type: 'UnrecognizedClientException' });
    const old = await sign(member, 'POST', '/', amz, '{}', new Date(Date.now() - 20 * 60_000));
    const expired = await send(old);
    expect(expired.headers['x-amzn-errortype']).toBe('InvalidSignatureException');
    expect(expired.json().message).toMatch(/^Signature expired/);
    const denied = await send(await sign(invoker, 'POST', '/', amz, '{}'));
    expect(denied.json()).toMatchObject({ __type: 'AccessDeniedException' });
    const unsigned = await send({ method: 'POST', url: '/', headers: amz, payload: '{}' });
    expect(unsigned.json()).toMatchObject({ __type: 'MissingAuthenticationTokenException' });
  });

  it('signs Orchard routes too, which keep their own error shape', async () => {
    const ok = await send(await sign(member, 'POST', '/api/v1/echo', { 'content-type': 'application/json' }, '{"a":1}'));
    expect(ok.json()).toEqual({ user: 'ana', body: { a: 1 } });
    const get = await send(await sign(member, 'GET', '/api/v1/whoami?x=1&b=a%20b', {}, ''));
    expect(get.json()).toEqual({ user: 'ana', accessKeyId: member.accessKeyId });
    const req = await sign(member, 'POST', '/api/v1/echo', { 'content-type': 'application/json' }, '{"a":1}');
    const bad = await send({ ...req, payload: '{"a":2}' });
    expect(bad.statusCode).toBe(403);
    expect(bad.json()).toMatchObject({ code: 'ORCH_SIGV4_SIGNATURE_MISMATCH' });
    const denied = await send(await sign(invoker, 'GET', '/api/v1/whoami', {}, ''));
    expect(denied.json()).toMatchObject({ code: 'ORCH_AUTH_FORBIDDEN' });
  });

  it('keeps Bearer tokens working on every route', async () => {
    const authorization = `Bearer ${adminToken}`;
    expect((await send({ method: 'GET', url: '/api/v1/whoami', headers: { authorization } })).json()).toEqual({ user: 'admin', accessKeyId: null });
    const aws = await send({ method: 'POST', url: '/', headers: { ...amz, authorization }, payload: '{}' });
    expect(aws.json()).toMatchObject({ user: 'admin', body: {} });
  });
});
