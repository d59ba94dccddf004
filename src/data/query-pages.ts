import { createHash } from 'node:crypto';
import { OrchardError } from '../core/index.js';

/**
 * The parts of SQL paging that need no DuckDB, kept apart from `query.ts` so the dataset
 * service (which every worker opens) loads the DuckDB addon only when a query runs.
 */

/** Time limit of one query or preview, in ms. */
export const DEFAULT_QUERY_TIMEOUT_MS = 60_000;

/** Removes one trailing `;` (and surrounding whitespace): the query is wrapped as a subquery. */
export function stripTrailingSemicolon(sql: string): string {
  return sql.trim().replace(/;\s*$/, '').trim();
}

/**
 * Page tokens are opaque to clients: base64url JSON holding the offset and a
 * short hash of the SQL, so a token is refused when replayed with another query.
 */
export function encodePageToken(sql: string, offset: number): string {
  return Buffer.from(JSON.stringify({ o: offset, q: sqlHash(sql) })).toString('base64url');
}

/** The offset a page token points at; `ORCH_QUERY_INVALID` for a forged, corrupt or foreign token. */
export function decodePageToken(sql: string, token: string | undefined): number {
  if (token === undefined || token === null) return 0;
  const invalid = () => new OrchardError('ORCH_QUERY_INVALID', { message: 'Invalid page token' });
  if (typeof token !== 'string' || !/^[A-Za-z0-9_-]{1,200}$/.test(token)) throw invalid();
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(token, 'base64url').toString('utf8'));
  } catch {
    throw invalid();
  }
  const { o, q } = (parsed ?? {}) as { o?: unknown; q?: unknown };
  if (typeof o !== 'number' || !Number.isSafeInteger(o) || o < 0 || q !== sqlHash(sql)) throw invalid();
  return o;
}

function sqlHash(sql: string): string {
  return createHash('sha256').update(sql).digest('base64url').slice(0, 16);
}
