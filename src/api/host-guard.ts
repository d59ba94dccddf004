import type { IncomingMessage, ServerResponse } from 'node:http';
import { isIP } from 'node:net';
import os from 'node:os';
import { OrchardError } from '../core/errors.js';

/** Sent with every answer: browsers take the declared content type, never a sniffed one. */
export const NOSNIFF = { 'x-content-type-options': 'nosniff' } as const;

/** What the guard needs to know about the server: where it binds and what else it answers. */
export interface HostGuardOptions {
  /** The bind address (`127.0.0.1`, `0.0.0.0`, `::`, a name…). */
  host: string;
  /** Extra host names; `*` answers any. */
  allowedHosts: readonly string[];
  /** This machine's name, answered when bound to every interface. @default os.hostname() */
  hostname?: string;
}

/**
 * Which `Host` headers the server answers, as Jupyter and Vite do against DNS
 * rebinding: a page on an attacker's domain that re-resolves to 127.0.0.1 still sends
 * the attacker's name, and is refused. Answered by default: the bind address,
 * `localhost` and its subdomains (browsers resolve those to loopback themselves), and
 * IP addresses (a rebinding attack needs a name, as Vite reasons); when bound to every
 * interface (`0.0.0.0`, `::`) also this machine's host name. Any port.
 *
 * Returns a predicate on the raw header. Answers are remembered per header value, so
 * the invocation fast path pays one map lookup; only allowed values are kept, which
 * bounds the map by the configured names rather than by what clients send.
 */
export function hostGuard(options: HostGuardOptions): (header: string | undefined) => boolean {
  // A configured `name:port` or `[v6]` means its name: any port is answered.
  const extra = options.allowedHosts.map((h) => (h === '*' ? h : (hostName(h) ?? h.toLowerCase())));
  if (extra.includes('*')) return () => true;
  const names = new Set(['localhost', stripBrackets(options.host.toLowerCase()), ...extra]);
  if (options.host === '0.0.0.0' || options.host === '::' || options.host === '[::]') {
    names.add((options.hostname ?? os.hostname()).toLowerCase());
  }
  const seen = new Map<string, true>();
  return (header) => {
    // HTTP/1.0 without a Host header is not a browser (Node refuses HTTP/1.1 without one).
    if (header === undefined) return true;
    if (seen.has(header)) return true;
    const name = hostName(header);
    const ok = name !== null && (names.has(name) || name.endsWith('.localhost') || isIP(name) !== 0);
    if (ok && seen.size < 1024) seen.set(header, true);
    return ok;
  };
}

/** The name part of a `Host` header (`name`, `name:port`, `[v6]:port`), lower-cased; null if malformed. */
export function hostName(header: string): string | null {
  let h = header.trim().toLowerCase();
  if (h.startsWith('[')) {
    const end = h.indexOf(']');
    if (end < 0) return null;
    const rest = h.slice(end + 1);
    if (rest !== '' && !/^:\d*$/.test(rest)) return null;
    return h.slice(1, end);
  }
  const colon = h.indexOf(':');
  if (colon >= 0) {
    if (!/^\d*$/.test(h.slice(colon + 1))) return null;
    h = h.slice(0, colon);
  }
  // A fully qualified name may end in a dot; it names the same host.
  if (h.endsWith('.')) h = h.slice(0, -1);
  return h === '' ? null : h;
}

function stripBrackets(h: string): string {
  return h.startsWith('[') && h.endsWith(']') ? h.slice(1, -1) : h;
}

/** Answers a refused host with 403 `ORCH_API_HOST_NOT_ALLOWED` and closes the connection. */
export function refuseHost(req: IncomingMessage, res: ServerResponse): void {
  const err = new OrchardError('ORCH_API_HOST_NOT_ALLOWED', { details: { host: String(req.headers.host ?? '').slice(0, 256) } });
  const body = JSON.stringify(err.toJSON());
  // The body is not read: close rather than drain whatever the client still sends.
  res.writeHead(err.status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(body), connection: 'close', ...NOSNIFF });
  res.end(body);
}
