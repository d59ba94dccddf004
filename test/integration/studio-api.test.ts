import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, ROOT, type RunningServer } from '../support/server.js';

/** Sign-in sessions, the CSRF rule, the studio's static files and the algorithms API, over real HTTP. */
describe('studio sessions and static serving', () => {
  let server: RunningServer;
  const url = (p: string) => new URL(p, server.url);
  const admin = (p: string, init: RequestInit = {}) => fetch(url(p), { ...init, headers: { authorization: `Bearer ${server.adminToken}`, 'content-type': 'application/json', ...init.headers } });
  const json = { 'content-type': 'application/json' };

  async function signIn(body: object): Promise<{ res: Response; cookie: string; csrf: string; header: string; body: any }> {
    const res = await fetch(url('/api/v1/session'), { method: 'POST', headers: json, body: JSON.stringify(body) });
    const parsed: any = await res.json();
    const setCookie = res.headers.get('set-cookie') ?? '';
    return { res, cookie: setCookie.split(';')[0], csrf: parsed.csrfToken, header: parsed.csrfHeader, body: parsed };
  }

  beforeAll(async () => {
    server = await startServer({ ORCHARD_WORKERS: '0' });
    for (const [name, role] of [['ann', 'member'], ['vic', 'viewer'], ['lou', 'member']]) {
      const res = await admin('/api/v1/users', { method: 'POST', body: JSON.stringify({ name, role, password: 'correct horse' }) });
      expect(res.status).toBe(201);
    }
  });
  afterAll(async () => server?.stop());

  it('signs in with a password: HttpOnly SameSite=Strict cookie, CSRF token, permissions', async () => {
    const bad = await signIn({ name: 'ann', password: 'wrong horse' });
    expect(bad.res.status).toBe(401);
    expect(bad.body).toMatchObject({ code: 'ORCH_AUTH_BAD_CREDENTIALS' });
    expect(bad.res.headers.get('set-cookie')).toBeNull();

    const ok = await signIn({ name: 'ann', password: 'correct horse' });
    expect(ok.res.status).toBe(201);
    const cookie = ok.res.headers.get('set-cookie')!;
    expect(cookie).toMatch(/^orchard_session=[A-Za-z0-9_-]{43};/);
    expect(cookie).toMatch(/HttpOnly/i);
    expect(cookie).toMatch(/SameSite=Strict/i);
    expect(cookie).toMatch(/Path=\//);
    expect(cookie).toMatch(/Expires=/);
    expect(cookie).not.toMatch(/Secure/i); // plain http on loopback
    expect(ok.body).toMatchObject({ user: { name: 'ann', role: 'member' }, csrfHeader: 'x-orchard-csrf' });
    expect(ok.body.permissions).toEqual(expect.arrayContaining(['datasets:write', 'jobs:write']));
    expect(ok.body.permissions).not.toContain('users:manage');

    const me = await fetch(url('/api/v1/session'), { headers: { cookie: ok.cookie } });
    expect(await me.json()).toMatchObject({ user: { name: 'ann' }, via: 'session', csrfToken: ok.csrf });
  });

  it('keeps only the hash of the session secret in the database', async () => {
    const { cookie } = await signIn({ name: 'ann', password: 'correct horse' });
    const secret = cookie.split('=')[1];
    const { default: Database } = await import('better-sqlite3');
    const db = new Database(path.join(server.home, 'orchard.db'), { readonly: true });
    try {
      const rows = db.prepare('SELECT * FROM sessions').all();
      expect(rows.length).toBeGreaterThan(0);
      expect(JSON.stringify(rows)).not.toContain(secret);
    } finally {
      db.close();
    }
  });

  it('needs the CSRF header on writes made with the cookie, not on bearer calls', async () => {
    const s = await signIn({ name: 'ann', password: 'correct horse' });
    const body = JSON.stringify({ name: 'from-studio' });
    const none = await fetch(url('/api/v1/tokens'), { method: 'POST', headers: { ...json, cookie: s.cookie }, body });
    expect(none.status).toBe(403);
    expect(await none.json()).toMatchObject({ code: 'ORCH_AUTH_CSRF' });
    const other = await signIn({ name: 'ann', password: 'correct horse' });
    const wrong = await fetch(url('/api/v1/tokens'), { method: 'POST', headers: { ...json, cookie: s.cookie, [s.header]: other.csrf }, body });
    expect(wrong.status).toBe(403);
    const right = await fetch(url('/api/v1/tokens'), { method: 'POST', headers: { ...json, cookie: s.cookie, [s.header]: s.csrf }, body });
    expect(right.status).toBe(201);
    // Reads need no CSRF token; a bearer write needs none either.
    expect((await fetch(url('/api/v1/datasets'), { headers: { cookie: s.cookie } })).status).toBe(200);
    expect((await admin('/api/v1/tokens', { method: 'POST', body: JSON.stringify({ name: 'api' }) })).status).toBe(201);
  });

  it('refuses writes the role lacks, with the cookie as with a token', async () => {
    const v = await signIn({ name: 'vic', password: 'correct horse' });
    expect(v.body.permissions).not.toContain('jobs:write');
    const res = await fetch(url('/api/v1/training-jobs'), {
      method: 'POST',
      headers: { ...json, cookie: v.cookie, [v.header]: v.csrf },
      body: JSON.stringify({ name: 'nope', algorithm: 'xgboost', channels: { train: 'x' } }),
    });
    expect(res.status).toBe(403);
    expect(await res.json()).toMatchObject({ code: 'ORCH_AUTH_FORBIDDEN' });
    const users = await fetch(url('/api/v1/users'), { headers: { cookie: v.cookie } });
    expect(users.status).toBe(403);
  });

  it('signs in with an API token, and refuses a bad one', async () => {
    const t = await signIn({ token: server.adminToken });
    expect(t.res.status).toBe(201);
    expect(t.body.user).toMatchObject({ name: 'admin', role: 'admin' });
    expect(t.body.permissions).toContain('users:manage');
    const bad = await signIn({ token: 'orch_nope' });
    expect(bad.res.status).toBe(401);
    expect(bad.body).toMatchObject({ code: 'ORCH_AUTH_INVALID_TOKEN' });
    const neither = await signIn({ name: 'ann' });
    expect(neither.res.status).toBe(400);
    expect(neither.body).toMatchObject({ code: 'ORCH_API_BAD_REQUEST' });
  });

  it('signs out: the session ends and the cookie is cleared', async () => {
    const s = await signIn({ name: 'ann', password: 'correct horse' });
    const out = await fetch(url('/api/v1/session'), { method: 'DELETE', headers: { cookie: s.cookie, [s.header]: s.csrf } });
    expect(out.status).toBe(204);
    expect(out.headers.get('set-cookie')).toMatch(/^orchard_session=;.*Expires=Thu, 01 Jan 1970/);
    const after = await fetch(url('/api/v1/datasets'), { headers: { cookie: s.cookie } });
    expect(after.status).toBe(401);
    expect(await after.json()).toMatchObject({ code: 'ORCH_AUTH_INVALID_SESSION' });
  });

  it('refuses sign-ins for a user name after ten failures, the right password too, with Retry-After', async () => {
    for (let i = 0; i < 10; i++) expect((await signIn({ name: 'lou', password: `guess-${i}` })).res.status).toBe(401);
    const locked = await signIn({ name: 'lou', password: 'correct horse' });
    expect(locked.res.status).toBe(429);
    expect(locked.body).toMatchObject({ code: 'ORCH_AUTH_TOO_MANY_ATTEMPTS' });
    expect(Number(locked.res.headers.get('retry-after'))).toBeGreaterThan(0);
    // Other users are not affected.
    expect((await signIn({ name: 'ann', password: 'correct horse' })).res.status).toBe(201);
  });

  it('serves the studio at / with a fallback for client routes and long-cached assets', async () => {
    expect(fs.existsSync(path.join(ROOT, 'dist/studio/index.html')), 'npm run build builds the studio').toBe(true);
    const index = await fetch(url('/'));
    expect(index.status).toBe(200);
    expect(index.headers.get('content-type')).toMatch(/text\/html/);
    expect(index.headers.get('cache-control')).toBe('no-cache');
    expect(index.headers.get('content-security-policy')).toMatch(/default-src 'self'/);
    expect(index.headers.get('x-frame-options')).toBe('DENY');
    const html = await index.text();
    expect(html).toContain('<div id="root">');
    const asset = /src="(\/assets\/[^"]+\.js)"/.exec(html)![1];

    const route = await fetch(url('/training-jobs/some-job'));
    expect(route.status).toBe(200);
    expect(await route.text()).toBe(html);

    const js = await fetch(url(asset));
    expect(js.status).toBe(200);
    expect(js.headers.get('content-type')).toMatch(/javascript/);
    expect(js.headers.get('cache-control')).toMatch(/max-age=31536000/);
    expect(js.headers.get('cache-control')).toMatch(/immutable/);
    expect((await fetch(url('/assets/missing-0000.js'))).status).toBe(404);

    // No way out of the studio folder.
    for (const p of ['/..%2f..%2fpackage.json', '/%2e%2e/%2e%2e/package.json', '/assets/..%2f..%2f..%2fpackage.json']) {
      const res = await fetch(url(p));
      expect(await res.text(), p).not.toContain('"name": "orchard"');
    }
    // API paths never fall back to the page.
    const api = await fetch(url('/api/v1/nope'), { headers: { authorization: `Bearer ${server.adminToken}` } });
    expect(api.status).toBe(404);
    expect(await api.json()).toMatchObject({ code: 'ORCH_API_NOT_FOUND' });
  });

  it('lists the built-in algorithms with their hyperparameter schemas', async () => {
    const res = await admin('/api/v1/algorithms');
    const body: any = await res.json();
    expect(body.items.map((a: any) => a.name)).toEqual(expect.arrayContaining(['kmeans', 'linear-learner', 'pca', 'xgboost']));
    const xgb = (await (await admin('/api/v1/algorithms/xgboost')).json()) as any;
    expect(xgb.requiredChannels).toEqual(['train']);
    expect(xgb.hyperparameters.find((h: any) => h.name === 'num_round')).toMatchObject({ type: 'integer', required: true, range: 'an integer in [1, 100000]' });
    const missing = await admin('/api/v1/algorithms/nope');
    expect(missing.status).toBe(404);
    expect(await missing.json()).toMatchObject({ code: 'ORCH_API_NOT_FOUND' });
  });
});
