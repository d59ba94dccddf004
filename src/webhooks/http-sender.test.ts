import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseAllowRule } from './address-policy.js';
import { sendWebhook, type Resolver } from './http-sender.js';

describe('sendWebhook', () => {
  let server: http.Server;
  let port: number;
  const seen: string[] = [];

  beforeAll(async () => {
    server = http.createServer((req, res) => {
      seen.push(`${req.headers.host} ${req.url}`);
      const loop = /^\/loop\/(\d+)$/.exec(req.url ?? '');
      if (loop) res.writeHead(308, { location: `/loop/${Number(loop[1]) + 1}` }).end();
      else if (req.url === '/hang') return; // never answers
      else if (req.url === '/slow-limit') res.writeHead(429).end();
      else res.writeHead(200).end();
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  });

  const base = { body: '{}', headers: {}, signal: new AbortController().signal };

  it('connects to the address it checked: one lookup, none by the socket (a rebinding DNS gains nothing)', async () => {
    const answers = [['127.0.0.1'], ['10.9.9.9']];
    let lookups = 0;
    // A name the system cannot resolve: reaching the receiver proves the socket used the pinned address.
    const resolve: Resolver = async () => (answers[lookups++] ?? ['10.9.9.9']).map((address) => ({ address, family: 4 }));
    const result = await sendWebhook(`http://rebind.invalid:${port}/in`, { ...base, rules: [parseAllowRule('rebind.invalid')], resolve });
    expect(result).toEqual({ statusCode: 200, error: null, errorCode: null, retryable: false });
    expect(lookups).toBe(1);
    expect(seen).toContain(`rebind.invalid:${port} /in`);
  });

  it('stops after 5 redirects', async () => {
    const result = await sendWebhook(`http://127.0.0.1:${port}/loop/0`, { ...base, rules: [parseAllowRule('127.0.0.1')] });
    expect(result).toMatchObject({ statusCode: 308, error: 'More than 5 redirects', retryable: false });
    expect(seen.filter((s) => s.includes('/loop/'))).toHaveLength(6);
  });

  it('gives up on a silent receiver at the time limit, retryably; 429 is retryable too', async () => {
    const silent = await sendWebhook(`http://127.0.0.1:${port}/hang`, { ...base, rules: [parseAllowRule('127.0.0.1')], timeoutMs: 200 });
    expect(silent).toEqual({ statusCode: null, error: 'No answer within 0.2 s', errorCode: null, retryable: true });
    const limited = await sendWebhook(`http://127.0.0.1:${port}/slow-limit`, { ...base, rules: [parseAllowRule('127.0.0.1')] });
    expect(limited).toMatchObject({ statusCode: 429, retryable: true });
  });

  it('waits for a lookup no longer than the time limit', async () => {
    const resolve: Resolver = () => new Promise(() => undefined);
    const result = await sendWebhook('http://stuck.invalid/', { ...base, rules: [], resolve, timeoutMs: 150 });
    expect(result).toMatchObject({ statusCode: null, error: 'No answer within 0.15 s', retryable: true });
  });

  it('refuses other schemes and a connection refused is retryable', async () => {
    expect(await sendWebhook('file:///etc/passwd', { ...base, rules: [] })).toMatchObject({ errorCode: 'ORCH_WEBHOOK_ADDRESS_REFUSED', retryable: false, error: expect.stringContaining('only http and https') });
    const closed = await sendWebhook('http://127.0.0.1:1/', { ...base, rules: [parseAllowRule('127.0.0.1')] });
    expect(closed).toMatchObject({ statusCode: null, retryable: true, error: expect.stringContaining('ECONNREFUSED') });
  });
});
