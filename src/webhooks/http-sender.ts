import dns from 'node:dns';
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import { OrchardError, VERSION } from '../core/index.js';
import { WEBHOOK_LIMITS } from '../contracts/webhook-values.js';
import { checkAddresses, normalizeHost, type AllowRule } from './address-policy.js';

/** Resolves a host to all its addresses (what `getaddrinfo` answers, /etc/hosts included). */
export type Resolver = (host: string) => Promise<Array<{ address: string; family: number }>>;

export const systemResolver: Resolver = (host) => dns.promises.lookup(host, { all: true, verbatim: true });

/** A target that passed the check: the URL and the one address to connect to. */
export interface CheckedTarget {
  url: URL;
  host: string;
  port: number;
  address: string;
  family: 4 | 6;
}

/**
 * Checks a URL: http or https, then every address its host resolves to (see
 * `checkAddresses`). The first address is the one to connect to: the connection is pinned
 * to it, so a second lookup cannot return another (DNS rebinding).
 */
export async function checkTarget(url: URL, rules: readonly AllowRule[], resolve: Resolver = systemResolver): Promise<CheckedTarget> {
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new OrchardError('ORCH_WEBHOOK_ADDRESS_REFUSED', { message: `Webhook target refused: only http and https URLs are sent to, not ${url.protocol.replace(/:$/, '')}`, details: { scheme: url.protocol.replace(/:$/, '') } });
  }
  const host = normalizeHost(url.hostname);
  const port = url.port ? Number(url.port) : url.protocol === 'https:' ? 443 : 80;
  const literal = net.isIP(host);
  let addresses: Array<{ address: string; family: number }>;
  if (literal !== 0) addresses = [{ address: host, family: literal }];
  else {
    try {
      addresses = await resolve(host);
    } catch (err) {
      throw new OrchardError('ORCH_WEBHOOK_INVALID', { message: `The webhook host ${host} does not resolve (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`, details: { host }, cause: err });
    }
    if (addresses.length === 0) throw new OrchardError('ORCH_WEBHOOK_INVALID', { message: `The webhook host ${host} has no addresses`, details: { host } });
  }
  checkAddresses(host, port, addresses.map((a) => a.address), rules);
  const [first] = addresses;
  return { url, host, port, address: first.address, family: first.family === 6 ? 6 : 4 };
}

/** What one attempt ended with. */
export interface SendResult {
  /** The status of the last answer (after redirects); null when none came. */
  statusCode: number | null;
  error: string | null;
  /** An OrchardError's code (ORCH_WEBHOOK_ADDRESS_REFUSED, …) when the attempt failed on one. */
  errorCode: string | null;
  /** Whether trying again later may succeed: network errors, timeouts, 429 and 5xx. */
  retryable: boolean;
}

export interface SendOptions {
  body: string;
  headers: Record<string, string>;
  rules: readonly AllowRule[];
  signal: AbortSignal;
  resolve?: Resolver;
  /** @default 10000 */
  timeoutMs?: number;
}

const REDIRECTS = new Set([301, 302, 303, 307, 308]);
/** Bytes of an answer read before the connection is dropped: only the status matters. */
const ANSWER_BYTES = 64 * 1024;

/**
 * One delivery attempt: POSTs the body to the URL, following redirects by hand (at most 5,
 * each target checked as the first: the same POST, body and signature), within the
 * attempt's time limit. Never throws: every way it can end is a {@link SendResult}.
 */
export async function sendWebhook(target: string, options: SendOptions): Promise<SendResult> {
  const signal = AbortSignal.any([options.signal, AbortSignal.timeout(options.timeoutMs ?? WEBHOOK_LIMITS.attemptTimeoutMs)]);
  let url: URL;
  try {
    url = new URL(target);
  } catch {
    return { statusCode: null, error: 'The webhook URL cannot be parsed', errorCode: 'ORCH_WEBHOOK_INVALID', retryable: false };
  }
  try {
    for (let redirects = 0; ; redirects++) {
      // A lookup cannot be cancelled: the attempt stops waiting for it at its time limit.
      const checked = await untilAborted(checkTarget(url, options.rules, options.resolve), signal);
      const answer = await post(checked, options, signal);
      if (REDIRECTS.has(answer.statusCode) && answer.location !== undefined) {
        if (redirects >= WEBHOOK_LIMITS.redirects) return { statusCode: answer.statusCode, error: `More than ${WEBHOOK_LIMITS.redirects} redirects`, errorCode: null, retryable: false };
        try {
          url = new URL(answer.location, url);
        } catch {
          return { statusCode: answer.statusCode, error: 'The redirect location cannot be parsed', errorCode: null, retryable: false };
        }
        continue;
      }
      return outcomeOf(answer.statusCode);
    }
  } catch (err) {
    if (err instanceof OrchardError) return { statusCode: null, error: err.message, errorCode: err.code, retryable: false };
    if (signal.aborted && !options.signal.aborted) return { statusCode: null, error: `No answer within ${(options.timeoutMs ?? WEBHOOK_LIMITS.attemptTimeoutMs) / 1000} s`, errorCode: null, retryable: true };
    const e = err as NodeJS.ErrnoException;
    return { statusCode: null, error: `${e.code ? `${e.code}: ` : ''}${e.message ?? String(err)}`, errorCode: null, retryable: true };
  }
}

function untilAborted<T>(work: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const abort = () => reject(signal.reason);
    signal.addEventListener('abort', abort, { once: true });
    work.then(resolve, reject).finally(() => signal.removeEventListener('abort', abort));
  });
}

function outcomeOf(statusCode: number): SendResult {
  if (statusCode >= 200 && statusCode < 300) return { statusCode, error: null, errorCode: null, retryable: false };
  const retryable = statusCode === 429 || statusCode >= 500;
  const error = REDIRECTS.has(statusCode) ? `HTTP ${statusCode} without a Location` : `HTTP ${statusCode}`;
  return { statusCode, error, errorCode: null, retryable };
}

/** One POST to a checked target, connecting to its checked address only. */
function post(target: CheckedTarget, options: SendOptions, signal: AbortSignal): Promise<{ statusCode: number; location: string | undefined }> {
  const { url } = target;
  const client = url.protocol === 'https:' ? https : http;
  // The lookup the socket makes answers the checked address, whatever DNS says now.
  const lookup = (_host: string, opts: { all?: boolean }, callback: (...args: any[]) => void) => {
    if (opts?.all) callback(null, [{ address: target.address, family: target.family }]);
    else callback(null, target.address, target.family);
  };
  return new Promise((resolve, reject) => {
    const request = client.request(
      url,
      {
        method: 'POST',
        lookup: lookup as unknown as net.LookupFunction,
        signal,
        headers: {
          'content-type': 'application/json',
          'content-length': String(Buffer.byteLength(options.body)),
          'user-agent': `Orchard-Webhooks/${VERSION}`,
          ...options.headers,
        },
        // No connection reuse: each attempt's socket is the pinned one.
        agent: false,
      },
      (response) => {
        let read = 0;
        const done = () => resolve({ statusCode: response.statusCode ?? 0, location: response.headers.location });
        response.on('data', (chunk: Buffer) => {
          read += chunk.length;
          if (read > ANSWER_BYTES) {
            response.destroy();
            done();
          }
        });
        response.on('end', done);
        response.on('error', reject);
      },
    );
    request.on('error', reject);
    request.end(options.body);
  });
}
