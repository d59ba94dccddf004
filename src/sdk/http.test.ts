import net from 'node:net';
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
