/**
 * `POST /api/v1/endpoints/{name}/invocations` answered before the framework sees it.
 *
 * An invocation is the one request the platform handles thousands of times a second,
 * and the framework's per-request work (routing, hooks, a logger per request, reply
 * objects) was a large share of its cost (bench/RESULTS.md, serve). This handler keeps the route's contract exactly —
 * same authentication and `endpoints:invoke` permission, same 6 MB limit, same coded
 * JSON errors — and hands anything it does not recognise (a malformed name) to the
 * framework's route, which answers as every other route does.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { can, type AuthService } from '../../auth/index.js';
import { OrchardError, isOrchardError } from '../../core/index.js';
import { explainRequested, MAX_PAYLOAD_BYTES, TEST_DELAY_HEADER, type EndpointService, type InvokeResult } from '../../serving/endpoints/index.js';

const PREFIX = '/api/v1/endpoints/';
const SUFFIX = '/invocations';
/** SageMaker's EndpointName. */
const NAME = /^[A-Za-z0-9](-*[A-Za-z0-9]){0,62}$/;

export interface InvocationHandlerOptions {
  testDelays: boolean;
  log(err: unknown, message: string): void;
}

/** Returns a request handler that answers invocations and returns false for anything else. */
export function invocationHandler(endpoints: EndpointService, auth: AuthService, options: InvocationHandlerOptions): (req: IncomingMessage, res: ServerResponse) => boolean {
  return (req, res) => {
    if (req.method !== 'POST') return false;
    // Only bearer calls take the fast path; the studio's (session cookie and CSRF header)
    // and SigV4-signed ones go through the framework's auth hook to the route below,
    // which answers them alike.
    const authorization = req.headers.authorization;
    if (authorization === undefined || authorization.length < 8 || authorization.slice(0, 7).toLowerCase() !== 'bearer ') return false;
    const url = req.url!;
    if (!url.startsWith(PREFIX)) return false;
    const q = url.indexOf('?');
    const path = q < 0 ? url : url.slice(0, q);
    if (!path.endsWith(SUFFIX)) return false;
    const name = path.slice(PREFIX.length, path.length - SUFFIX.length);
    if (!NAME.test(name)) return false;
    void handle(name, req, res, endpoints, auth, options);
    return true;
  };
}

async function handle(name: string, req: IncomingMessage, res: ServerResponse, endpoints: EndpointService, auth: AuthService, options: InvocationHandlerOptions): Promise<void> {
  try {
    const header = req.headers.authorization;
    const match = header ? /^Bearer\s+(\S+)\s*$/i.exec(header) : null;
    if (!match) throw new OrchardError('ORCH_AUTH_MISSING_TOKEN');
    const principal = auth.recentlyVerified(match[1]) ?? (await auth.authenticate(match[1]));
    if (!can(principal.user.role, 'endpoints:invoke')) throw new OrchardError('ORCH_AUTH_FORBIDDEN', { message: `Role '${principal.user.role}' lacks 'endpoints:invoke'` });
    const body = bufferedBody(req) ?? (await readBody(req));
    const headers = req.headers;
    const result = await endpoints.invoke(name, {
      body,
      contentType: headers['content-type'],
      accept: headers.accept,
      targetVariant: headers['x-amzn-sagemaker-target-variant'] as string | undefined,
      inferenceId: inferenceIdOf(headers['x-amzn-sagemaker-inference-id']),
      testDelay: options.testDelays ? (headers[TEST_DELAY_HEADER] as string | undefined) : undefined,
      explain: explainRequested(headers['x-amzn-sagemaker-custom-attributes'], req.url),
    });
    send(res, result);
  } catch (err) {
    const e = isOrchardError(err) ? err : new OrchardError('ORCH_INTERNAL', { cause: err });
    if (e.status >= 500 && e.code !== 'ORCH_ENDPOINT_INSTANCE_FAILED' && e.code !== 'ORCH_ENDPOINT_NOT_IN_SERVICE') options.log(err, e.message);
    sendError(req, res, e);
  }
}

function send(res: ServerResponse, result: InvokeResult): void {
  if (res.headersSent || res.destroyed) return;
  // nosniff as one more literal field: no per-request work beyond the header bytes.
  res.writeHead(result.status, { 'content-type': result.contentType, 'content-length': result.body.length, 'x-amzn-invoked-production-variant': result.variant, 'x-content-type-options': 'nosniff' });
  // A small body as a (byte-for-byte latin1) string goes out with the headers in one write
  // instead of a two-buffer writev; the socket write is the largest single cost here.
  if (result.body.length <= 16_384) res.end(result.body.toString('latin1'), 'latin1');
  else res.end(result.body);
}

/** SageMaker's InferenceId: 1 to 64 visible ASCII characters. */
const INFERENCE_ID = /^[\x20-\x7E]{1,64}$/;

/** `X-Amzn-SageMaker-Inference-Id` checked as SageMaker does; it lands in the capture record. */
export function inferenceIdOf(header: string | string[] | undefined): string | undefined {
  if (header === undefined) return undefined;
  if (typeof header !== 'string' || !INFERENCE_ID.test(header)) {
    throw new OrchardError('ORCH_ENDPOINT_INVALID', { message: 'X-Amzn-SageMaker-Inference-Id must be 1 to 64 visible ASCII characters', details: { header: 'X-Amzn-SageMaker-Inference-Id' } });
  }
  return header;
}

/** Coded errors, with Retry-After when retrying helps and the variant when one was chosen. */
export function errorHeaders(err: OrchardError): Record<string, string> {
  const headers: Record<string, string> = {};
  const details = err.details ?? {};
  if (typeof details.retryAfterSeconds === 'number') headers['retry-after'] = String(details.retryAfterSeconds);
  if (typeof details.variant === 'string' && err.code !== 'ORCH_ENDPOINT_VARIANT_NOT_FOUND') headers['x-amzn-invoked-production-variant'] = details.variant;
  return headers;
}

function sendError(req: IncomingMessage, res: ServerResponse, err: OrchardError): void {
  if (res.headersSent || res.destroyed) return;
  const text = JSON.stringify(err.toJSON());
  const headers: Record<string, string | number> = { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text), 'x-content-type-options': 'nosniff', ...errorHeaders(err) };
  res.writeHead(err.status, headers);
  res.end(text);
  if (!req.complete) discard(req);
}

/** Most a refused request may still send; past it the connection is dropped. */
const DISCARD_LIMIT = 64 * 1024 * 1024;

/**
 * Reads and drops the rest of a refused request, so that a client still sending its body
 * reads the answer (closing at once would make its write fail before it sees the 413).
 */
export function discard(req: IncomingMessage): void {
  let seen = 0;
  req.removeAllListeners('data');
  req.on('data', (chunk: Buffer) => {
    seen += chunk.length;
    if (seen > DISCARD_LIMIT) req.destroy();
  });
  req.on('error', () => undefined);
  req.resume();
}

const EMPTY = Buffer.alloc(0);

/**
 * The body when it has all arrived already (a small request comes in one packet with
 * its headers): read from the stream's buffer without waiting for events.
 */
export function bufferedBody(req: IncomingMessage): Buffer | undefined {
  if (!req.complete) return undefined;
  const chunks: Buffer[] = [];
  let size = 0;
  for (let chunk = req.read() as Buffer | null; chunk !== null; chunk = req.read() as Buffer | null) {
    chunks.push(chunk);
    size += chunk.length;
  }
  if (size > MAX_PAYLOAD_BYTES) throw tooLarge();
  return chunks.length === 1 ? chunks[0] : chunks.length === 0 ? EMPTY : Buffer.concat(chunks, size);
}

export function readBody(req: IncomingMessage): Promise<Buffer> {
  const declared = req.headers['content-length'];
  if (declared !== undefined && Number(declared) > MAX_PAYLOAD_BYTES) return Promise.reject(tooLarge());
  if (req.complete && req.readableLength === 0 && declared === '0') return Promise.resolve(EMPTY);
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_PAYLOAD_BYTES) {
        reject(tooLarge());
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(chunks.length === 1 ? chunks[0] : chunks.length === 0 ? EMPTY : Buffer.concat(chunks, size)));
    req.on('error', reject);
  });
}

function tooLarge(): OrchardError {
  return new OrchardError('ORCH_API_BODY_TOO_LARGE', { message: `The request body is larger than ${MAX_PAYLOAD_BYTES} bytes (SageMaker's limit for real-time invocations)`, details: { limit: MAX_PAYLOAD_BYTES } });
}
