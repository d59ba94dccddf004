import fs from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import { Transform, type Readable } from 'node:stream';
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
   * One JSON call. `long`: the server answers only when the work is done (a query written
   * as a dataset, a stored object ingested), which may take longer than fetch waits for
   * response headers (5 minutes), so the call goes through node:http, which waits.
   */
  async request<T>(method: string, path: string, options: { query?: Query; body?: unknown; long?: boolean } = {}): Promise<T> {
    const hasBody = options.body !== undefined;
    if (options.long) return this.requestWithoutHeadersTimeout<T>(method, this.url(path, options.query), hasBody ? JSON.stringify(options.body) : undefined);
    // A read is sent again when its connection broke before any answer: a kept-alive
    // connection the server closed as the request went out (ECONNRESET), which happens when
    // the server's event loop was busy for longer than its keep-alive timeout.
    const attempts = method === 'GET' || method === 'HEAD' ? 3 : 1;
    for (let attempt = 1; ; attempt++) {
      try {
        const res = await fetch(this.url(path, options.query), {
          method,
          headers: this.headers(hasBody ? { 'content-type': 'application/json' } : {}),
          body: hasBody ? JSON.stringify(options.body) : undefined,
        });
        const text = await res.text();
        return parseResponse<T>(res.status, text);
      } catch (err) {
        if (err instanceof OrchardApiError) throw err;
        if (attempt >= attempts || !connectionBroke(err)) throw unreachable(this.baseUrl, err);
        await new Promise((resolve) => setTimeout(resolve, 250 * attempt));
      }
    }
  }

  private requestWithoutHeadersTimeout<T>(method: string, url: URL, body: string | undefined): Promise<T> {
    const transport = url.protocol === 'https:' ? https : http;
    const headers = this.headers(body === undefined ? {} : { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)) });
    return new Promise<T>((resolve, reject) => {
      const req = transport.request(url, { method, headers }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('error', (err) => reject(unreachable(this.baseUrl, err)));
        res.on('end', () => {
          try {
            resolve(parseResponse<T>(res.statusCode ?? 500, Buffer.concat(chunks).toString('utf8')));
          } catch (err) {
            reject(err);
          }
        });
      });
      req.on('error', (err) => reject(unreachable(this.baseUrl, err)));
      req.end(body);
    });
  }

  /**
   * Streams a file to the server with a Content-Length (so the server can tell a cut-off
   * upload from a complete one) and reports progress as bytes leave.
   */
  async upload<T>(method: 'POST' | 'PUT', path: string, query: Query, file: string, contentType: string, onProgress?: (sent: number, total: number) => void): Promise<T> {
    const total = (await fs.promises.stat(file)).size;
    const url = this.url(path, query);
    const transport = url.protocol === 'https:' ? https : http;
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
    let res: Response;
    try {
      res = await fetch(this.url(path, options.query), { headers: this.headers(options.headers), signal: options.signal });
    } catch (err) {
      if (options.signal?.aborted) throw options.signal.reason;
      throw unreachable(this.baseUrl, err);
    }
    if (res.status >= 300) parseResponse(res.status, await res.text());
    return res;
  }

  /** Sends a body as is and returns the raw response (endpoint invocations: any content type). */
  async raw(method: string, path: string, headers: Record<string, string>, body: string | Buffer | Uint8Array): Promise<Response> {
    try {
      return await fetch(this.url(path), { method, headers: this.headers(headers), body });
    } catch (err) {
      throw unreachable(this.baseUrl, err);
    }
  }

  /** Opens a streaming GET (for downloads and logs later). */
  async stream(path: string, query?: Query): Promise<Readable> {
    const res = await fetch(this.url(path, query), { headers: this.headers() }).catch((err) => {
      throw unreachable(this.baseUrl, err);
    });
    if (!res.ok || !res.body) parseResponse(res.status, await res.text());
    const { Readable } = await import('node:stream');
    return Readable.fromWeb(res.body as never);
  }
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
