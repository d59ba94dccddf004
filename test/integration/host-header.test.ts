import { spawn } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT, startServer, type RunningServer } from '../support/server.js';

interface Answer {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/** A raw request with the given Host header (fetch would not let a page, or a test, choose it). */
function request(url: string, pathname: string, init: { host: string; method?: string; token?: string; body?: string; contentType?: string }): Promise<Answer> {
  const u = new URL(url);
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: u.hostname,
        port: u.port,
        path: pathname,
        method: init.method ?? 'GET',
        headers: {
          host: init.host,
          ...(init.token ? { authorization: `Bearer ${init.token}` } : {}),
          ...(init.contentType ? { 'content-type': init.contentType } : {}),
        },
      },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (body += c));
        res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body }));
      },
    );
    req.on('error', reject);
    req.end(init.body);
  });
}

describe('Host header allow-list and nosniff (DNS rebinding, MIME sniffing)', () => {
  let server: RunningServer;
  const port = () => new URL(server.url).port;

  beforeAll(async () => {
    server = await startServer({ ORCHARD_TOKEN: 'it-admin-token-0123456789abcdef' });
  });
  afterAll(async () => server?.stop());

  it('answers localhost, loopback addresses and the bind address on any port', async () => {
    for (const host of [`localhost:${port()}`, 'localhost', `127.0.0.1:${port()}`, `[::1]:${port()}`, 'LocalHost:9999']) {
      const res = await request(server.url, '/healthz', { host });
      expect(res.status, host).toBe(200);
    }
  });

  it('refuses any other host name with 403 ORCH_API_HOST_NOT_ALLOWED, on every path', async () => {
    const token = server.adminToken;
    const refused = [
      await request(server.url, '/healthz', { host: 'rebind.example' }),
      await request(server.url, '/api/v1/datasets', { host: `rebind.example:${port()}`, token }),
      await request(server.url, '/', { host: 'rebind.example' }),
      // The invocation fast path is answered ahead of the framework: it is guarded too.
      await request(server.url, '/api/v1/endpoints/nope/invocations', { host: 'rebind.example', method: 'POST', token, body: '1,2\n', contentType: 'text/csv' }),
      await request(server.url, '/api/v1/datasets', { host: `localhost.rebind.example:${port()}`, token }),
    ];
    for (const res of refused) {
      expect(res.status).toBe(403);
      expect(JSON.parse(res.body)).toMatchObject({ code: 'ORCH_API_HOST_NOT_ALLOWED' });
      expect(res.headers['x-content-type-options']).toBe('nosniff');
    }
  });

  it('sends X-Content-Type-Options: nosniff with every answer', async () => {
    const host = `127.0.0.1:${port()}`;
    const token = server.adminToken;
    const answers = {
      health: await request(server.url, '/healthz', { host }),
      list: await request(server.url, '/api/v1/datasets', { host, token }),
      unauthenticated: await request(server.url, '/api/v1/datasets', { host }),
      notFound: await request(server.url, '/api/v1/nope', { host, token }),
      badJson: await request(server.url, '/api/v1/queries', { host, token, method: 'POST', body: '{"sql":', contentType: 'application/json' }),
      studio: await request(server.url, '/', { host }),
      invocation: await request(server.url, '/api/v1/endpoints/nope/invocations', { host, token, method: 'POST', body: '1,2\n', contentType: 'text/csv' }),
    };
    expect(Object.fromEntries(Object.entries(answers).map(([k, r]) => [k, r.status]))).toMatchObject({ health: 200, list: 200, unauthenticated: 401, notFound: 404, badJson: 400, invocation: 404 });
    for (const [what, res] of Object.entries(answers)) expect(res.headers['x-content-type-options'], what).toBe('nosniff');
  });
});

describe('orchard up --allowed-hosts', () => {
  let child: ReturnType<typeof spawn>;
  let url: string;

  beforeAll(async () => {
    const home = fs.mkdtempSync(path.join(os.tmpdir(), 'orchard-it-'));
    const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('ORCHARD_')));
    child = spawn(process.execPath, [path.join(ROOT, 'bin/orchard.js'), 'up', '--port', '0', '--home', home, '--json', '--allowed-hosts', 'Orchard.Example, ml.internal:7070'], { env: { ...env, ORCHARD_TOKEN: 'it-admin-token-0123456789abcdef' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let err = '';
    child.stderr!.on('data', (c: Buffer) => (err += c.toString()));
    const line = await new Promise<string>((resolve, reject) => {
      createInterface({ input: child.stdout! }).once('line', resolve);
      child.once('exit', (code) => reject(new Error(`orchard up exited with ${code}: ${err}`)));
    });
    url = (JSON.parse(line) as { url: string }).url;
  });
  afterAll(async () => {
    if (!child || child.exitCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    await exited;
  });

  it('answers the listed names besides the defaults, and still refuses others', async () => {
    expect((await request(url, '/healthz', { host: 'orchard.example' })).status).toBe(200);
    expect((await request(url, '/healthz', { host: 'ORCHARD.example:443' })).status).toBe(200);
    expect((await request(url, '/healthz', { host: 'ml.internal:8080' })).status).toBe(200);
    expect((await request(url, '/healthz', { host: 'localhost' })).status).toBe(200);
    const other = await request(url, '/healthz', { host: 'sub.orchard.example' });
    expect(other.status).toBe(403);
    expect(JSON.parse(other.body)).toMatchObject({ code: 'ORCH_API_HOST_NOT_ALLOWED', details: { host: 'sub.orchard.example' } });
  });
});
