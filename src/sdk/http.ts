import fs from 'node:fs';
import http from 'node:http';
import { createRequire } from 'node:module';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';

/** An error answered by the server (or a failure to reach it), with its stable code. */
export class OrchardApiError extends Error {
  readonly code: string;
  readonly status: number;
  readonly details?: Record<string, unknown>;

  constructor(code: string, message: string, status: number, details?: Record<string, unknown>) {
    super(message);
    this.name = 'OrchardApiError';
    this.code = code;
    this.status = status;
    this.details = details;
  }
}

export interface HttpClientOptions {
  url: string;
  token?: string;
}

export type Query = Record<string, string | number | boolean | string[] | undefined>;

/** Thin JSON-over-HTTP transport shared by every SDK area. */
export class HttpClient {
  readonly baseUrl: string;
  private readonly token?: string;
  private agent?: http.Agent;

  constructor(options: HttpClientOptions) {
    this.baseUrl = options.url.replace(/\/+$/, '');
    this.token = options.token;
  }

  url(path: string, query?: Query): URL {
    const url = new URL(this.baseUrl + path);
    for (const [k, v] of Object.entries(query ?? {})) {
      if (v === undefined) continue;
      for (const item of Array.isArray(v) ? v : [v]) url.searchParams.append(k, String(item));
    }
    return url;
  }

  private headers(extra: Record<string, string> = {}): Record<string, string> {
    return { ...(this.token ? { authorization: `Bearer ${this.token}` } : {}), ...extra };
  }

  /**
   * One JSON call. Reads give up after 5 minutes without a byte from the server (as fetch
   * did); `long`: the server answers only when the work is done (a query written as a
   * dataset, a stored object ingested), so the call waits as long as that takes.
   */
  async request<T>(method: string, path: string, options: { query?: Query; body?: unknown; long?: boolean } = {}): Promise<T> {
    const body = options.body === undefined ? undefined : JSON.stringify(options.body);
    const headers: Record<string, string> = body === undefined ? {} : { 'content-type': 'application/json' };
    // A read is sent again when its connection broke before any answer: a kept-alive
    // connection the server closed as the request went out (ECONNRESET), which happens when
    // the server's event loop was busy for longer than its keep-alive timeout.
    const attempts = method === 'GET' || method === 'HEAD' ? 3 : 1;
    for (let attempt = 1; ; attempt++) {
      try {
        const res = await this.send(method, this.url(path, options.query), { headers, body, idleTimeoutMs: options.long ? 0 : IDLE_TIMEOUT_MS });
        return parseResponse<T>(res.statusCode ?? 500, await readText(res));
      } catch (err) {
        if (err instanceof OrchardApiError) throw err;
        if (attempt >= attempts || !connectionBroke(err)) throw unreachable(this.baseUrl, err);
        await new Promise((resolve) => setTimeout(resolve, 250 * attempt));
      }
    }
  }

  /**
   * Sends a request through node:http and resolves with the response once its headers
   * arrived. node:http rather than global fetch: fetch's first use compiles undici's
   * WebAssembly HTTP parser, and V8 keeps optimizing that code on a background thread for
   * ~0.3 s, which every short-lived `orchard` command then waited for before it could exit.
   * Connections are kept alive for the next call (an idle one does not hold the process).
   * `idleTimeoutMs` (0: none) fails the request when the server sends nothing for that long.
   */
  private send(
    method: string,
    url: URL,
    options: { headers?: Record<string, string>; body?: string | Buffer | Uint8Array; signal?: AbortSignal; idleTimeoutMs?: number } = {},
  ): Promise<http.IncomingMessage> {
    const transport = transportFor(url);
    // One client talks to one server: a single kept-alive agent of that server's protocol.
    const agent = (this.agent ??= new transport.Agent({ keepAlive: true }));
    const headers = this.headers(options.body === undefined ? options.headers : { ...options.headers, 'content-length': String(Buffer.byteLength(options.body)) });
    return new Promise((resolve, reject) => {
      const req = transport.request(url, { method, headers, agent, signal: options.signal }, (res) => {
        // Only a connection the server said it keeps is used again: a server that refused a
        // body unread answers without `Connection: keep-alive` and closes right after, so
        // the next request sent on it would be reset.
        const socket = res.socket;
        if (String(res.headers.connection).toLowerCase() !== 'keep-alive') res.once('end', () => socket.destroy());
        resolve(res);
      });
      req.on('error', reject);
      if (options.idleTimeoutMs) {
        req.setTimeout(options.idleTimeoutMs, () => req.destroy(Object.assign(new Error(`No answer within ${options.idleTimeoutMs} ms`), { code: 'ETIMEDOUT' })));
      }
      req.end(options.body);
    });
  }

  /**
   * Streams a file to the server with a Content-Length (so the server can tell a cut-off
   * upload from a complete one) and reports progress as bytes leave.
   */
  async upload<T>(method: 'POST' | 'PUT', path: string, query: Query, file: string, contentType: string, onProgress?: (sent: number, total: number) => void): Promise<T> {
    const total = (await fs.promises.stat(file)).size;
    const url = this.url(path, query);
    const transport = transportFor(url);
    // A connection of its own, closed after the answer: a server that refuses an upload
    // early drops its connection unread, so one kept for the next request would fail it.
    // Still sent as keep-alive (not `Connection: close`), so the server answers a refusal
    // before it closes rather than resetting a connection whose answer is still unread.
    const agent = new transport.Agent({ keepAlive: true, maxSockets: 1 });
    return new Promise<T>((resolve, reject) => {
      const req = transport.request(url, {
        method,
        headers: this.headers({ 'content-type': contentType, 'content-length': String(total) }),
        agent,
      });
      let answered = false;
      req.on('response', (res) => {
        answered = true;
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          // Answered before the whole body went out (a refusal): sending the rest is no use.
          if (!req.writableFinished) req.destroy();
          try {
            resolve(parseResponse<T>(res.statusCode ?? 500, Buffer.concat(chunks).toString('utf8')));
          } catch (err) {
            reject(err);
          }
        });
        res.on('error', reject);
      });
      let sent = 0;
      const counter = new Transform({
        transform(chunk: Buffer, _enc, cb) {
          sent += chunk.length;
          onProgress?.(sent, total);
          cb(null, chunk);
        },
      });
      // The server may answer (and close) before the whole body is sent: a refusal
      // arrives as a response, not as a write error, so write errors are ignored here.
      pipeline(fs.createReadStream(file), counter, req).catch(() => undefined);
      // Once the server has answered, its answer is the outcome: a refused upload's
      // connection may be closed while the rest is still being sent (EPIPE, ECONNRESET).
      req.on('error', (err) => {
        if (!answered) reject(unreachable(this.baseUrl, err));
      });
    }).finally(() => agent.destroy());
  }

  /**
   * Sends a GET and returns the response as it is once its headers arrived (for event
   * streams); an error answer is thrown as {@link OrchardApiError}.
   */
  async open(path: string, options: { query?: Query; headers?: Record<string, string>; signal?: AbortSignal } = {}): Promise<Response> {
    let res: http.IncomingMessage;
    try {
      res = await this.send('GET', this.url(path, options.query), { headers: options.headers, signal: options.signal, idleTimeoutMs: IDLE_TIMEOUT_MS });
    } catch (err) {
      if (options.signal?.aborted) throw options.signal.reason;
      throw unreachable(this.baseUrl, err);
    }
    if ((res.statusCode ?? 500) >= 300) parseResponse(res.statusCode ?? 500, await this.text(res));
    return toResponse(res);
  }

  /** Sends a body as is and returns the raw response (endpoint invocations: any content type). */
  async raw(method: string, path: string, headers: Record<string, string>, body: string | Buffer | Uint8Array): Promise<Response> {
    try {
      return toResponse(await this.send(method, this.url(path), { headers, body, idleTimeoutMs: IDLE_TIMEOUT_MS }));
    } catch (err) {
      throw unreachable(this.baseUrl, err);
    }
  }

  /** Opens a streaming GET (for downloads and logs later). */
  async stream(path: string, query?: Query): Promise<Readable> {
    const res = await this.send('GET', this.url(path, query), { idleTimeoutMs: IDLE_TIMEOUT_MS }).catch((err) => {
      throw unreachable(this.baseUrl, err);
    });
    const status = res.statusCode ?? 500;
    if (status < 200 || status >= 300) parseResponse(status, await this.text(res));
    return res;
  }

  /** A response's whole body as text; a connection lost on the way is reported as unreachable. */
  private async text(res: http.IncomingMessage): Promise<string> {
    return readText(res).catch((err) => {
      throw unreachable(this.baseUrl, err);
    });
  }
}

const require = createRequire(import.meta.url);

/**
 * node:http, or node:https for an https URL (same request/Agent API). node:https is required
 * only then: loading TLS would otherwise cost every command talking plain http at startup.
 */
function transportFor(url: URL): typeof http {
  return url.protocol === 'https:' ? (require('node:https') as typeof http) : http;
}

/** How long a call (other than a `long` one) waits for the server's next byte: what fetch waited. */
const IDLE_TIMEOUT_MS = 300_000;

async function readText(res: Readable): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of res) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/** A node:http response as a fetch Response (what `open` and `raw` have always returned). */
function toResponse(res: http.IncomingMessage): Response {
  const status = res.statusCode ?? 500;
  const headers = new Headers();
  for (let i = 0; i + 1 < res.rawHeaders.length; i += 2) headers.append(res.rawHeaders[i]!, res.rawHeaders[i + 1]!);
  // These statuses have no body, and a Response refuses to be given one.
  const noBody = status === 204 || status === 205 || status === 304;
  if (noBody) res.resume();
  return new Response(noBody ? null : (Readable.toWeb(res) as ReadableStream<Uint8Array>), { status, statusText: res.statusMessage, headers });
}

function parseResponse<T>(status: number, text: string): T {
  let body: unknown;
  try {
    body = text ? JSON.parse(text) : undefined;
  } catch {
    body = undefined;
  }
  if (status >= 200 && status < 300) return body as T;
  const err = (body ?? {}) as { code?: string; message?: string; details?: Record<string, unknown> };
  throw new OrchardApiError(err.code ?? `HTTP_${status}`, err.message ?? (text.slice(0, 200) || `HTTP ${status}`), status, err.details);
}

/** A connection that broke under a request (reset, closed by the other side), as opposed to one that could not be made. */
export function connectionBroke(err: unknown): boolean {
  const e = (err as { cause?: { code?: string }; code?: string }) ?? {};
  const code = e.cause?.code ?? e.code;
  return code === 'ECONNRESET' || code === 'EPIPE' || code === 'UND_ERR_SOCKET' || code === 'UND_ERR_CLOSED';
}

function unreachable(url: string, err: unknown): OrchardApiError {
  const cause = (err as { cause?: { code?: string }; code?: string }) ?? {};
  const code = cause.cause?.code ?? cause.code ?? 'unknown';
  return new OrchardApiError('ORCH_CLIENT_UNREACHABLE', `Cannot reach the Orchard server at ${url} (${code})`, 0);
}
