import { createHash } from 'node:crypto';
import { sql } from 'kysely';
import type { MetadataStore } from './metadata-store.js';

/** A held leadership: `lost` settles when it goes (the connection holding it died). */
export interface Leadership {
  readonly lost: Promise<void>;
  release(): Promise<void>;
}

/** How often the connection holding a PostgreSQL lock is checked. */
const PING_MS = 2000;

/**
 * Tries to become the one holder of `name` among the servers sharing this metadata store.
 * On PostgreSQL it is a session advisory lock, held by one pooled connection for as long as
 * the leadership lasts: when the holder's process dies its session ends, the lock goes, and
 * another server's next try takes it. A SQLite store serves one server, which always leads.
 * Null when another server holds it.
 */
export async function tryLeadership(metadata: MetadataStore, name: string): Promise<Leadership | null> {
  if (metadata.dialect !== 'postgres') return { lost: new Promise<void>(() => undefined), release: async () => undefined };
  let markLost!: () => void;
  const lost = new Promise<void>((resolve) => (markLost = resolve));
  let released = false;
  let wakeHolder: (() => void) | null = null;
  let holding!: Promise<void>;
  const acquired = await new Promise<boolean>((resolveAcquired) => {
    holding = metadata.db
      .connection()
      .execute(async (conn) => {
        // Advisory locks are per database: the key includes the schema, so deployments in
        // separate schemas of one database do not share a leader.
        const { rows } = await sql<{ schema: string }>`select current_schema() as schema`.execute(conn);
        const key = lockKey(`${rows[0]?.schema ?? ''}:${name}`);
        const got = await sql<{ ok: boolean }>`select pg_try_advisory_lock(${key}::bigint) as ok`.execute(conn);
        if (!got.rows[0]?.ok) return resolveAcquired(false);
        resolveAcquired(true);
        while (!released) {
          await new Promise<void>((r) => {
            wakeHolder = r;
            setTimeout(r, PING_MS).unref();
          });
          if (released) break;
          await sql`select 1`.execute(conn);
        }
        await sql`select pg_advisory_unlock(${key}::bigint)`.execute(conn);
      })
      .catch(() => resolveAcquired(false))
      .finally(() => markLost());
  });
  if (!acquired) return null;
  return {
    lost,
    release: async () => {
      released = true;
      wakeHolder?.();
      await holding;
    },
  };
}

/** A signed 64-bit key from a name (PostgreSQL's advisory lock keys are bigints). */
function lockKey(name: string): string {
  return createHash('sha256').update(name).digest().readBigInt64BE(0).toString();
}
