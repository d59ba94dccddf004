import { OrchardError } from './errors.js';

/** errno codes of a full disk or an exhausted quota; SQLite's own code for the same. */
const FULL_CODES = new Set(['ENOSPC', 'EDQUOT', 'SQLITE_FULL']);
/** The same failure where only a message survives (DuckDB's IO errors, a child's stderr). */
const FULL_MESSAGE = /no space left on device|disk quota exceeded|database or disk is full/i;

/**
 * Whether an error, or any error in its `cause` chain, says the disk is full. Out of
 * space reaches the platform wrapped in many ways (a write stream's ENOSPC, an artifact
 * store's `ORCH_ARTIFACT_WRITE_FAILED`, DuckDB's "IO Error: … No space left on device"),
 * and every one of them must reach the client as the same `ORCH_STORAGE_FULL`.
 */
export function isStorageFull(err: unknown): boolean {
  const seen = new Set<unknown>();
  for (let e = err; e !== null && e !== undefined && !seen.has(e); e = (e as { cause?: unknown }).cause) {
    seen.add(e);
    if (e instanceof OrchardError && e.code === 'ORCH_STORAGE_FULL') return true;
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && FULL_CODES.has(code)) return true;
    const message = (e as { message?: unknown }).message;
    if (typeof message === 'string' && FULL_MESSAGE.test(message)) return true;
    if (typeof e !== 'object') break;
  }
  return false;
}

/**
 * `err` as `ORCH_STORAGE_FULL` (HTTP 507) when the disk is full, else `err` unchanged.
 * A client's own mistake (a 4xx) keeps its code: it would fail on an empty disk too.
 */
export function asStorageFull(err: unknown, what?: string): unknown {
  if (err instanceof OrchardError && (err.code === 'ORCH_STORAGE_FULL' || err.status < 500)) return err;
  if (!isStorageFull(err)) return err;
  return new OrchardError('ORCH_STORAGE_FULL', {
    message: what ? `The server is out of storage space while ${what}; free some and retry` : undefined,
    cause: err,
  });
}
