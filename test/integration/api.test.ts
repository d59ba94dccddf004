import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type RunningServer } from '../support/server.js';

describe('HTTP API conventions', () => {
  let server: RunningServer;
  const call = (path: string, init: RequestInit & { token?: string | null } = {}) => {
    const { token, ...rest } = init;
    const headers = new Headers(rest.headers);
    if (token !== null) headers.set('authorization', `Bearer ${token ?? server.adminToken}`);
    return fetch(new URL(path, server.url), { ...rest, headers });
  };

  beforeAll(async () => {
    server = await startServer({ ORCHARD_TOKEN: 'it-admin-token-0123456789abcdef' });
  });
  afterAll(async () => server?.stop());

  it('uses the given ORCHARD_TOKEN and writes no token file for it', async () => {
    expect(server.adminToken).toBe('it-admin-token-0123456789abcdef');
    const me = await call('/api/v1/me');
    expect(await me.json()).toMatchObject({ name: 'admin', role: 'admin' });
  });

  it('answers /healthz and the studio sign-in without a token and nothing else', async () => {
    expect((await call('/healthz', { token: null })).status).toBe(200);
    for (const path of ['/api/v1/datasets', '/api/v1/openapi.json', '/api/v1/nope', '/api/v1/session']) {
      const res = await call(path, { token: null });
      expect(res.status, path).toBe(401);
      expect(await res.json()).toMatchObject({ code: 'ORCH_AUTH_MISSING_TOKEN' });
    }
    const wrong = await call('/api/v1/datasets', { token: 'orch_not-a-token' });
    expect(wrong.status).toBe(401);
    expect(await wrong.json()).toMatchObject({ code: 'ORCH_AUTH_INVALID_TOKEN' });
    const scheme = await call('/api/v1/datasets', { token: null, headers: { authorization: 'Basic YWRtaW46eA==' } });
    expect(scheme.status).toBe(401);
  });

  it('serves an OpenAPI 3 document of the routes', async () => {
    const doc: any = await (await call('/api/v1/openapi.json')).json();
    expect(doc.openapi).toMatch(/^3\./);
    expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining(['/api/v1/datasets', '/api/v1/datasets/{ref}', '/api/v1/queries', '/api/v1/users', '/api/v1/tokens']));
  });

  it('accepts JSON only on write routes', async () => {
    const res = await call('/api/v1/queries', { method: 'POST', headers: { 'content-type': 'text/plain' }, body: '{"sql":"select 1"}' });
    expect(res.status).toBe(415);
    expect(await res.json()).toMatchObject({ code: 'ORCH_API_UNSUPPORTED_MEDIA_TYPE' });
    const broken = await call('/api/v1/queries', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"sql":' });
    expect(broken.status).toBe(400);
    expect(await broken.json()).toMatchObject({ code: 'ORCH_API_INVALID_JSON' });
    const invalid = await call('/api/v1/users', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: 'x', role: 'root' }) });
    expect(invalid.status).toBe(400);
    expect(await invalid.json()).toMatchObject({ code: 'ORCH_API_BAD_REQUEST' });
  });

  it('limits JSON bodies', async () => {
    const res = await call('/api/v1/queries', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ sql: 'x'.repeat(8 * 1024 * 1024) }) });
    expect(res.status).toBe(413);
    expect(await res.json()).toMatchObject({ code: 'ORCH_API_BODY_TOO_LARGE' });
  });

  it('answers unknown routes with a coded 404 and no stack', async () => {
    const res = await call('/api/v1/nothing-here');
    expect(res.status).toBe(404);
    const body: any = await res.json();
    expect(body.code).toBe('ORCH_API_NOT_FOUND');
    expect(JSON.stringify(body)).not.toMatch(/at .*\.js:\d+/);
  });

  it('keeps CORS closed', async () => {
    const pre = await call('/api/v1/datasets', { method: 'OPTIONS', token: null, headers: { origin: 'https://evil.example', 'access-control-request-method': 'GET' } });
    expect(pre.headers.get('access-control-allow-origin')).toBeNull();
    const get = await call('/api/v1/datasets', { headers: { origin: 'https://evil.example' } });
    expect(get.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('lets an admin manage users and tokens, and members only their own tokens', async () => {
    const json = { 'content-type': 'application/json' };
    expect((await call('/api/v1/users', { method: 'POST', headers: json, body: JSON.stringify({ name: 'mia', role: 'member' }) })).status).toBe(201);
    const t: any = await (await call('/api/v1/tokens', { method: 'POST', headers: json, body: JSON.stringify({ user: 'mia', expiresInDays: 1 }) })).json();
    expect(t.expiresAt).toBeTruthy();
    const asMia = (path: string, init: RequestInit = {}) => call(path, { ...init, token: t.token });
    expect((await asMia('/api/v1/tokens', { method: 'POST', headers: json, body: JSON.stringify({ user: 'admin' }) })).status).toBe(403);
    expect((await asMia('/api/v1/tokens?all=true')).status).toBe(403);
    expect((await asMia('/api/v1/users/mia', { method: 'DELETE' })).status).toBe(403);
    const own = await asMia('/api/v1/tokens', { method: 'POST', headers: json, body: JSON.stringify({ name: 'second' }) });
    expect(own.status).toBe(201);
    const admins: any = await (await call('/api/v1/tokens?all=true')).json();
    expect(admins.items.length).toBeGreaterThanOrEqual(3);
    expect((await call('/api/v1/users/admin', { method: 'DELETE' })).status).toBe(400);
    expect((await call('/api/v1/users/mia', { method: 'DELETE' })).status).toBe(204);
    expect((await asMia('/api/v1/me')).status).toBe(401);
  });
});
