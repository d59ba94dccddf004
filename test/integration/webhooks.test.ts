import { createHmac, timingSafeEqual } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Orchard } from '../../src/sdk/index.js';
import { openMetadataStore } from '../../src/storage/index.js';
import { backends, TEST_ATTEMPTS_DIR } from '../support/backends.js';
import { cli, startServer, type RunningServer } from '../support/server.js';

interface Received {
  path: string;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/**
 * A real receiver on 127.0.0.1: `/ok` answers 200, `/flaky` 500 once then 200, `/gone`
 * 410, `/redirect` a 302 to a private address, `/hop` a 307 to `/ok`.
 */
async function startReceiver() {
  const received: Received[] = [];
  let flaky = 0;
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      received.push({ path: req.url ?? '', headers: req.headers, body });
      if (req.url === '/flaky' && flaky++ === 0) res.writeHead(500).end('not yet');
      else if (req.url === '/gone') res.writeHead(410).end();
      else if (req.url === '/redirect') res.writeHead(302, { location: 'http://10.1.2.3/metadata' }).end();
      else if (req.url === '/hop') res.writeHead(307, { location: '/ok' }).end();
      else res.writeHead(200).end('ok');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return { received, url: (p: string) => `http://127.0.0.1:${port}${p}`, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

/** What a receiver does with the secret it was shown: recompute the HMAC and compare in constant time. */
function verified(secret: string, r: Received): boolean {
  const timestamp = Number(r.headers['orchard-webhook-timestamp']);
  if (!Number.isInteger(timestamp) || Math.abs(Date.now() / 1000 - timestamp) > 300) return false;
  const expected = Buffer.from(`v1=${createHmac('sha256', secret).update(`${timestamp}.${r.body}`).digest('hex')}`);
  const given = Buffer.from(String(r.headers['orchard-webhook-signature']));
  return given.length === expected.length && timingSafeEqual(given, expected);
}

describe.each(backends)('webhooks on $name', (backend) => {
  let server: RunningServer;
  let teardown: () => Promise<void>;
  let databaseUrl: string;
  let admin: { url: string; token: string };
  let member: { url: string; token: string };
  let receiver: Awaited<ReturnType<typeof startReceiver>>;
  const secrets = new Map<string, string>();

  beforeAll(async () => {
    const b = await backend.setup();
    teardown = b.teardown;
    receiver = await startReceiver();
    server = await startServer({ ...b.env, ORCHARD_ATTEMPTS_DIR: TEST_ATTEMPTS_DIR });
    databaseUrl = b.env.ORCHARD_DATABASE_URL ?? `sqlite:${path.join(server.home, 'orchard.db')}`;
    admin = { url: server.url, token: server.adminToken };
    const sdk = new Orchard(admin);
    await sdk.users.create({ name: 'mia', role: 'member' });
    member = { url: server.url, token: (await sdk.tokens.create({ user: 'mia' })).token };
  });
  afterAll(async () => {
    await server?.stop();
    await receiver?.close();
    await teardown?.();
  });

  const create = async (name: string, url: string, extra: string[] = []) => {
    const res = await cli(['webhooks', 'create', name, '--url', url, ...extra, '--json'], member);
    expect(res.code, res.stdout + res.stderr).toBe(0);
    secrets.set(name, res.json.secret);
    return res.json;
  };
  const ping = async (name: string, extra: string[] = []) => {
    const res = await cli(['webhooks', 'test', name, '--wait', ...extra, '--json'], member);
    return res.json;
  };

  it('refuses a loopback target without an allow rule, naming the host and the reason', async () => {
    const res = await cli(['webhooks', 'create', 'local', '--url', receiver.url('/ok'), '--json'], member);
    expect(res.code).toBe(1);
    expect(res.json).toMatchObject({ code: 'ORCH_WEBHOOK_ADDRESS_REFUSED', message: expect.stringContaining('127.0.0.1 is a loopback address, not in the allow-list') });
    const mapped = await cli(['webhooks', 'create', 'local', '--url', 'http://[::ffff:127.0.0.1]:9/', '--json'], member);
    expect(mapped.json).toMatchObject({ code: 'ORCH_WEBHOOK_ADDRESS_REFUSED', message: expect.stringContaining('IPv4-mapped form of 127.0.0.1') });
    const scheme = await cli(['webhooks', 'create', 'local', '--url', 'ftp://example.com/x', '--json'], member);
    expect(scheme.json).toMatchObject({ code: 'ORCH_WEBHOOK_INVALID', message: expect.stringContaining('Only http:// and https://') });
  });

  it('lets only an admin change the allow-list', async () => {
    const refused = await cli(['webhooks', 'allow', 'add', '127.0.0.1', '--json'], member);
    expect(refused.json).toMatchObject({ code: 'ORCH_AUTH_FORBIDDEN' });
    const bad = await cli(['webhooks', 'allow', 'add', '10.0.0.0/40', '--json'], admin);
    expect(bad.json).toMatchObject({ code: 'ORCH_WEBHOOK_INVALID', message: expect.stringContaining('prefix length') });
    const added = await cli(['webhooks', 'allow', 'add', '127.0.0.1', '--json'], admin);
    expect(added.code, added.stdout + added.stderr).toBe(0);
    expect(added.json).toMatchObject({ pattern: '127.0.0.1', port: null, createdBy: 'admin' });
    const listed = await cli(['webhooks', 'allow', 'list', '--json'], admin);
    expect(listed.json.items.map((r: { pattern: string }) => r.pattern)).toEqual(['127.0.0.1']);
  });

  it('delivers a signed ping that the receiver verifies with the secret shown at create', async () => {
    const created = await create('local', receiver.url('/ok'), ['--events', 'pipeline.*']);
    expect(created).toMatchObject({ name: 'local', url: receiver.url('/ok'), events: ['pipeline.*'], enabled: true, createdBy: 'mia' });
    expect(created.secret).toMatch(/^whsec_/);
    const described = await cli(['webhooks', 'describe', 'local', '--json'], member);
    expect(described.json).not.toHaveProperty('secret');
    expect(JSON.stringify(described.json)).not.toContain(created.secret);

    const delivery = await ping('local');
    expect(delivery).toMatchObject({ webhook: 'local', event: 'ping', source: 'test:mia', status: 'Delivered', attempts: 1, lastStatusCode: 200, lastError: null });
    const got = receiver.received.filter((r) => r.headers['orchard-webhook-id'] === delivery.id);
    expect(got).toHaveLength(1);
    expect(verified(created.secret, got[0])).toBe(true);
    expect(verified('whsec_wrong', got[0])).toBe(false);
    expect(got[0].headers['content-type']).toBe('application/json');
    expect(JSON.parse(got[0].body)).toEqual({ id: delivery.id, event: 'ping', createdAt: delivery.createdAt, source: 'test:mia', payload: { message: 'A test delivery of webhook local' } });
    // A bare POST (no body) is a ping with the default attempts.
    const bare = await fetch(`${member.url}/api/v1/webhooks/local/test`, { method: 'POST', headers: { authorization: `Bearer ${member.token}` } });
    expect(bare.status).toBe(202);
    expect(await bare.json()).toMatchObject({ event: 'ping', status: 'Pending', maxAttempts: 8, attempts: 0 });
  });

  it('retries a 500 with backoff and logs each attempt, then delivers', async () => {
    await create('flaky', receiver.url('/flaky'));
    const delivery = await ping('flaky', ['--backoff-ms', '200']);
    expect(delivery).toMatchObject({ status: 'Delivered', attempts: 2, lastStatusCode: 200 });
    expect(delivery.attemptLog.map((a: { statusCode: number; error: string | null }) => [a.statusCode, a.error])).toEqual([
      [500, 'HTTP 500'],
      [200, null],
    ]);
    // Each attempt is signed afresh, and both verify.
    const got = receiver.received.filter((r) => r.headers['orchard-webhook-id'] === delivery.id);
    expect(got).toHaveLength(2);
    expect(got.every((r) => verified(secrets.get('flaky')!, r))).toBe(true);
  });

  it('fails a 410 at once, and follows a redirect to an allowed target', async () => {
    await create('gone', receiver.url('/gone'));
    expect(await ping('gone')).toMatchObject({ status: 'Failed', attempts: 1, lastStatusCode: 410, lastError: 'HTTP 410' });
    await create('hop', receiver.url('/hop'));
    const hopped = await ping('hop');
    expect(hopped).toMatchObject({ status: 'Delivered', attempts: 1, lastStatusCode: 200 });
    expect(receiver.received.filter((r) => r.headers['orchard-webhook-id'] === hopped.id).map((r) => r.path)).toEqual(['/hop', '/ok']);
  });

  it('refuses a redirect to a private address without retrying, and says why', async () => {
    await create('redirect', receiver.url('/redirect'));
    const delivery = await ping('redirect');
    expect(delivery).toMatchObject({ status: 'Failed', attempts: 1, lastStatusCode: null, lastErrorCode: 'ORCH_WEBHOOK_ADDRESS_REFUSED' });
    expect(delivery.lastError).toContain('10.1.2.3 is a private address, not in the allow-list');
    const list = await cli(['webhooks', 'deliveries', 'redirect', '--json'], member);
    expect(list.json).toMatchObject({ total: 1, items: [{ id: delivery.id, status: 'Failed' }] });
  });

  it('keeps secrets out of the metadata DB in plain text, and rotates them', async () => {
    const rotated = await cli(['webhooks', 'rotate-secret', 'local', '--json'], member);
    expect(rotated.code, rotated.stdout + rotated.stderr).toBe(0);
    expect(rotated.json.secret).not.toBe(secrets.get('local'));
    secrets.set('local-rotated', rotated.json.secret);
    const delivery = await ping('local');
    const got = receiver.received.find((r) => r.headers['orchard-webhook-id'] === delivery.id)!;
    expect(verified(rotated.json.secret, got)).toBe(true);

    const store = await openMetadataStore(databaseUrl);
    try {
      const rows = await (store.db as any).selectFrom('webhooks').selectAll().execute();
      expect(rows).toHaveLength(5);
      const dump = JSON.stringify(rows);
      for (const secret of secrets.values()) expect(dump).not.toContain(secret);
      expect(rows.every((r: { secret_sealed: string }) => r.secret_sealed.startsWith('v1.'))).toBe(true);
    } finally {
      await store.close();
    }
    if (databaseUrl.startsWith('sqlite:')) {
      // Nowhere in the database's files either (WAL included).
      const file = databaseUrl.slice('sqlite:'.length);
      const bytes = [file, `${file}-wal`].filter((f) => fs.existsSync(f)).map((f) => fs.readFileSync(f).toString('latin1'));
      for (const secret of secrets.values()) expect(bytes.some((b) => b.includes(secret))).toBe(false);
      expect(fs.statSync(path.join(server.home, 'secret-key')).mode & 0o777).toBe(0o600);
    }
  });

  it('answers unknown webhooks and deliveries with their codes; once the rule is removed an attempt is refused', async () => {
    const sdk = new Orchard(member);
    await expect(sdk.webhooks.delivery('whd-nope')).rejects.toMatchObject({ code: 'ORCH_WEBHOOK_DELIVERY_NOT_FOUND' });
    await expect(sdk.webhooks.test('nope')).rejects.toMatchObject({ code: 'ORCH_WEBHOOK_NOT_FOUND' });
    await expect(sdk.webhooks.create({ name: 'local', url: receiver.url('/ok') })).rejects.toMatchObject({ code: 'ORCH_WEBHOOK_EXISTS' });
    const removed = await cli(['webhooks', 'allow', 'remove', '127.0.0.1', '--json'], admin);
    expect(removed.code).toBe(0);
    // The rule is gone: the next attempt is refused before connecting.
    expect(await ping('local')).toMatchObject({ status: 'Failed', lastErrorCode: 'ORCH_WEBHOOK_ADDRESS_REFUSED' });
    const deleted = await cli(['webhooks', 'delete', 'gone', '--json'], member);
    expect(deleted.code).toBe(0);
    expect((await cli(['webhooks', 'describe', 'gone', '--json'], member)).json).toMatchObject({ code: 'ORCH_WEBHOOK_NOT_FOUND' });
  });
});
