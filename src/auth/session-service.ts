import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { OrchardError } from '../core/errors.js';
import { newId } from '../core/ids.js';
import type { MetadataStore, UsersTable } from '../storage/index.js';
import type { Principal, User } from './auth-service.js';
import { toUser } from './auth-service.js';
import { hashToken } from './secrets.js';

export interface SessionOptions {
  /** How long a sign-in lasts. @default 12 hours */
  ttlMs?: number;
}

export interface SessionInfo {
  id: string;
  createdAt: string;
  expiresAt: string;
}

/** A session as a request sees it: who, until when, and the CSRF token its writes carry. */
export interface ActiveSession {
  principal: Principal;
  session: SessionInfo;
  csrfToken: string;
}

const DEFAULT_TTL_MS = 12 * 60 * 60 * 1000;
const LAST_SEEN_RESOLUTION_MS = 60_000;

/**
 * Studio sign-in sessions. The cookie carries a random 256-bit secret; only its sha256 is
 * stored (as for API tokens), so a copy of the database does not sign anyone in. The
 * CSRF token is derived from the secret (HMAC), so it needs no storage and is useless
 * without the cookie it belongs to.
 */
export class SessionService {
  private readonly ttlMs: number;
  private readonly lastSeenWritten = new Map<string, number>();

  constructor(
    private readonly metadata: MetadataStore,
    options: SessionOptions = {},
  ) {
    this.ttlMs = options.ttlMs ?? DEFAULT_TTL_MS;
  }

  private get db() {
    return this.metadata.db;
  }

  /** Starts a session for a user already authenticated (by password or API token). */
  async create(user: User): Promise<{ secret: string } & ActiveSession> {
    if (user.disabledAt) throw new OrchardError('ORCH_AUTH_BAD_CREDENTIALS');
    const secret = randomBytes(32).toString('base64url');
    const now = new Date();
    const row = {
      id: newId('ses'),
      user_id: user.id,
      token_hash: hashToken(secret),
      created_at: now.toISOString(),
      expires_at: new Date(now.getTime() + this.ttlMs).toISOString(),
      last_seen_at: now.toISOString(),
    };
    // Expired rows are removed as new ones arrive, so the table never grows without bound.
    await this.db.deleteFrom('sessions').where('expires_at', '<=', row.created_at).execute();
    await this.db.insertInto('sessions').values(row).execute();
    const session = { id: row.id, createdAt: row.created_at, expiresAt: row.expires_at };
    return { secret, principal: { user, tokenId: null, sessionId: row.id }, session, csrfToken: csrfTokenFor(secret) };
  }

  /** Resolves a cookie's secret; any failure is the same 401. */
  async authenticate(secret: string): Promise<ActiveSession> {
    const row = await this.db
      .selectFrom('sessions')
      .innerJoin('users', 'users.id', 'sessions.user_id')
      .selectAll('users')
      .select(['sessions.id as session_id', 'sessions.created_at as session_created_at', 'sessions.expires_at'])
      .where('sessions.token_hash', '=', hashToken(secret))
      .executeTakeFirst();
    const now = new Date();
    if (!row || row.disabled_at || new Date(row.expires_at) <= now) throw new OrchardError('ORCH_AUTH_INVALID_SESSION');
    await this.touch(row.session_id, now);
    return {
      principal: { user: toUser(row as UsersTable), tokenId: null, sessionId: row.session_id },
      session: { id: row.session_id, createdAt: row.session_created_at, expiresAt: row.expires_at },
      csrfToken: csrfTokenFor(secret),
    };
  }

  /** Whether a write's CSRF header belongs to this session's secret (constant time). */
  verifyCsrf(secret: string, given: string | undefined): boolean {
    if (!given) return false;
    const expected = Buffer.from(csrfTokenFor(secret));
    const actual = Buffer.from(given);
    return actual.length === expected.length && timingSafeEqual(actual, expected);
  }

  /** Signs out: the session's row is removed. Unknown secrets are ignored. */
  async end(secret: string): Promise<void> {
    await this.db.deleteFrom('sessions').where('token_hash', '=', hashToken(secret)).execute();
  }

  /** Ends every session of a user (password changed, user disabled or deleted). */
  async endAllFor(userId: string): Promise<void> {
    await this.db.deleteFrom('sessions').where('user_id', '=', userId).execute();
  }

  private async touch(sessionId: string, now: Date): Promise<void> {
    const last = this.lastSeenWritten.get(sessionId) ?? 0;
    if (now.getTime() - last < LAST_SEEN_RESOLUTION_MS) return;
    this.lastSeenWritten.set(sessionId, now.getTime());
    await this.db.updateTable('sessions').set({ last_seen_at: now.toISOString() }).where('id', '=', sessionId).execute();
  }
}

function csrfTokenFor(secret: string): string {
  return createHmac('sha256', secret).update('orchard-csrf').digest('base64url');
}
