import { createHmac, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fleetBackend } from '../support/backends.js';
import { cli, startServer, startWorkerProcess, type RunningServer } from '../support/server.js';

describe('webhooks on the fleet: deliveries sent by orchard worker processes (PostgreSQL + S3 + Redis)', () => {
  const key = randomBytes(32).toString('base64');
  let server: RunningServer;
  let worker: Awaited<ReturnType<typeof startWorkerProcess>> | undefined;
  let env: Record<string, string>;
  let teardown: () => Promise<void>;
  let admin: { url: string; token: string };
  let receiver: http.Server;
  let secret: string;
  const received: Array<{ headers: http.IncomingHttpHeaders; body: string }> = [];

  beforeAll(async () => {
    receiver = http.createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        received.push({ headers: req.headers, body });
        res.writeHead(200).end();
      });
    });
    await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
    const fleet = await fleetBackend({ ORCHARD_SECRET_KEY: key });
    teardown = fleet.teardown;
    env = fleet.env;
    server = await startServer({ ...env, ORCHARD_WORKERS: '0' });
    admin = { url: server.url, token: server.adminToken };
    expect((await cli(['webhooks', 'allow', 'add', '127.0.0.1', '--json'], admin)).code).toBe(0);
    const created = await cli(['webhooks', 'create', 'ops', '--url', `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/in`, '--json'], admin);
    expect(created.code, created.stdout + created.stderr).toBe(0);
    secret = created.json.secret;
  });
  afterAll(async () => {
    await worker?.stop();
    await server?.stop();
    await new Promise((r) => receiver.close(r));
    await teardown?.();
  });

  it('a worker that shares ORCHARD_SECRET_KEY signs with the secret the server sealed', async () => {
    // The key came from the environment: no key file was made in the server's home.
    expect(fs.existsSync(path.join(server.home, 'secret-key'))).toBe(false);
    worker = await startWorkerProcess(env);
    const res = await cli(['webhooks', 'test', 'ops', '--wait', '--json'], admin);
    expect(res.json).toMatchObject({ status: 'Delivered', attempts: 1, lastStatusCode: 200 });
    const got = received.find((r) => r.headers['orchard-webhook-id'] === res.json.id)!;
    const timestamp = got.headers['orchard-webhook-timestamp'];
    expect(got.headers['orchard-webhook-signature']).toBe(`v1=${createHmac('sha256', secret).update(`${timestamp}.${got.body}`).digest('hex')}`);
    await worker.stop();
    worker = undefined;
  });

  it('a worker with another key fails the delivery, saying so, and sends nothing unsigned', async () => {
    worker = await startWorkerProcess({ ...env, ORCHARD_SECRET_KEY: randomBytes(32).toString('base64') });
    const res = await cli(['webhooks', 'test', 'ops', '--wait', '--json'], admin);
    expect(res.code).toBe(1);
    expect(res.json).toMatchObject({ status: 'Failed', attempts: 1, lastStatusCode: null, lastErrorCode: 'ORCH_WEBHOOK_SECRET_UNREADABLE' });
    expect(res.json.lastError).toContain('every server and worker on one metadata store must share ORCHARD_SECRET_KEY');
    expect(received.some((r) => r.headers['orchard-webhook-id'] === res.json.id)).toBe(false);
  });
});
