import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { HttpClient, OrchardApiError } from './http.js';

/** A server that resets the first `resets` connections as soon as a request arrives, then answers `{"ok":true}`. */
function flakyServer(resets: number): Promise<{ url: string; requests: () => number; close: () => void }> {
  let seen = 0;
  const server = net.createServer((socket) => {
    socket.once('data', () => {
      seen++;
      if (seen <= resets) {
        socket.resetAndDestroy();
        return;
      }
      const body = '{"ok":true}';
      socket.end(`HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: ${body.length}\r\nconnection: close\r\n\r\n${body}`);
    });
  });
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      resolve({ url: `http://127.0.0.1:${port}`, requests: () => seen, close: () => server.close() });
    });
  });
}

describe('HttpClient on a connection that breaks', () => {
  let close = () => {};
  afterEach(() => close());

  it('sends a read again when its connection was reset before an answer', async () => {
    const server = await flakyServer(2);
    close = server.close;
    const client = new HttpClient({ url: server.url });
    await expect(client.request('GET', '/api/v1/things')).resolves.toEqual({ ok: true });
    expect(server.requests()).toBe(3);
  });

  it('gives up on a read after three broken connections', async () => {
    const server = await flakyServer(5);
    close = server.close;
    const err = await new HttpClient({ url: server.url }).request('GET', '/x').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OrchardApiError);
    expect((err as OrchardApiError).code).toBe('ORCH_CLIENT_UNREACHABLE');
    expect(server.requests()).toBe(3);
  });

  it('never sends a write twice: the caller learns the server could not be reached', async () => {
    const server = await flakyServer(1);
    close = server.close;
    const err = await new HttpClient({ url: server.url }).request('POST', '/x', { body: { a: 1 } }).catch((e: unknown) => e);
    expect((err as OrchardApiError).code).toBe('ORCH_CLIENT_UNREACHABLE');
    expect(server.requests()).toBe(1);
  });
});

describe('HttpClient connections kept for the next call', () => {
  it('does not send the next call on a connection the server did not say it keeps', async () => {
    // The first connection's answer has no `Connection: keep-alive` and the server closes it
    // right after, as it does after refusing a body it did not read; later ones are kept.
    let connections = 0;
    const server = net.createServer((socket) => {
      const n = ++connections;
      socket.on('data', () => {
        const body = n === 1 ? '{"code":"ORCH_AUTH_FORBIDDEN","message":"no"}' : '{"ok":true}';
        const status = n === 1 ? '403 Forbidden' : '200 OK';
        socket.write(`HTTP/1.1 ${status}\r\ncontent-type: application/json\r\ncontent-length: ${body.length}\r\n${n === 1 ? '' : 'connection: keep-alive\r\n'}\r\n${body}`);
        if (n === 1) socket.end();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const client = new HttpClient({ url: `http://127.0.0.1:${(server.address() as net.AddressInfo).port}` });
      const refused = await client.request('POST', '/x', { body: { a: 1 } }).catch((e: unknown) => e);
      expect((refused as OrchardApiError).code).toBe('ORCH_AUTH_FORBIDDEN');
      await expect(client.request('DELETE', '/x')).resolves.toEqual({ ok: true });
      await expect(client.request('DELETE', '/y')).resolves.toEqual({ ok: true });
      expect(connections).toBe(2);
    } finally {
      server.close();
    }
  });
});

describe('HttpClient uploads', () => {
  it('sends the next upload on a fresh connection after a server refused one and dropped its connection', async () => {
    // Answers each connection's first request; the first connection is refused (400) and
    // dropped a moment later without reading anything more, as a server refusing an upload does.
    let connections = 0;
    const server = net.createServer((socket) => {
      const n = ++connections;
      socket.once('data', () => {
        const body = n === 1 ? '{"code":"ORCH_REFUSED","message":"no"}' : '{"ok":true}';
        socket.write(`HTTP/1.1 ${n === 1 ? '400 Bad Request' : '200 OK'}\r\ncontent-type: application/json\r\ncontent-length: ${body.length}\r\n\r\n${body}`);
        if (n === 1) setTimeout(() => socket.destroy(), 100);
        else socket.end();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'orchard-sdk-upload-'));
    try {
      const file = path.join(dir, 'rows.csv');
      fs.writeFileSync(file, 'a,b\n1,2\n');
      const client = new HttpClient({ url: `http://127.0.0.1:${(server.address() as net.AddressInfo).port}` });
      const refused = await client.upload('POST', '/up', {}, file, 'text/csv').catch((e: unknown) => e);
      expect((refused as OrchardApiError).code).toBe('ORCH_REFUSED');
      await expect(client.upload('POST', '/up', {}, file, 'text/csv')).resolves.toEqual({ ok: true });
      expect(connections).toBe(2);
    } finally {
      server.close();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('HttpClient responses handed back as they are', () => {
  let close = () => {};
  afterEach(() => close());

  /** Answers `/empty` with 204, `/hang` with headers and then nothing, anything else with a two-part body. */
  async function server(): Promise<string> {
    const srv = http.createServer((req, res) => {
      if (req.url === '/empty') return void res.writeHead(204).end();
      res.writeHead(200, { 'content-type': 'text/plain', 'x-variant': 'blue' });
      if (req.url === '/hang') return void res.flushHeaders();
      res.write('one,');
      setTimeout(() => res.end('two'), 20);
    });
    await new Promise<void>((resolve) => srv.listen(0, '127.0.0.1', resolve));
    close = () => srv.close();
    return `http://127.0.0.1:${(srv.address() as net.AddressInfo).port}`;
  }

  it('opens a GET as a Response whose body streams, and a 204 as one without a body', async () => {
    const client = new HttpClient({ url: await server() });
    const res = await client.open('/stream');
    expect(res.status).toBe(200);
    expect(res.headers.get('x-variant')).toBe('blue');
    expect(await res.text()).toBe('one,two');
    const empty = await client.open('/empty');
    expect(empty.status).toBe(204);
    expect(empty.body).toBeNull();
  });

  it('stops an opened response when its signal is aborted', async () => {
    const client = new HttpClient({ url: await server() });
    const controller = new AbortController();
    const res = await client.open('/hang', { signal: controller.signal });
    const reading = res.body!.getReader().read();
    controller.abort(new Error('stop'));
    await expect(reading).rejects.toThrow();
    await expect(client.open('/hang', { signal: controller.signal })).rejects.toThrow('stop');
  });

  it('sends a raw body and streams a download', async () => {
    const client = new HttpClient({ url: await server() });
    const res = await client.raw('POST', '/invoke', { 'content-type': 'text/csv' }, Buffer.from('1,2\n'));
    expect(res.ok).toBe(true);
    expect(await res.text()).toBe('one,two');
    expect(await readAll(await client.stream('/file'))).toBe('one,two');
  });
});

async function readAll(stream: AsyncIterable<unknown>): Promise<string> {
  let text = '';
  for await (const chunk of stream) text += String(chunk);
  return text;
}
