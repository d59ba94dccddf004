import { sql, type Kysely } from 'kysely';
import type { MetadataStore } from './metadata-store.js';
import type { Database } from './schema.js';

/** One row's status, as the platform feed (`GET /api/v1/events`) reports it. */
export interface StatusRow {
  name: string;
  status: string;
  secondaryStatus?: string;
  failureReason: string | null;
  updatedAt: string;
}

/** Where a status-changes read resumes: after this row of the (updatedAt, name) order. */
export interface StatusCursor {
  updatedAt: string;
  name: string;
}

/**
 * What a capability with a status offers the platform feed: its rows updated at or after
 * `since` (an ISO time), ordered by (updatedAt, name), after `after` when given, at most
 * `limit`. Each capability implements it over its own table.
 */
export type StatusChanges = (since: string, limit: number, after?: StatusCursor) => Promise<StatusRow[]>;

/** Columns of a status table; the defaults fit every job table. */
export interface StatusColumns {
  /** A second status column (training's `secondary_status`). @default none */
  secondaryStatus?: string;
  /** @default 'failure_reason'; null when the table has none */
  failureReason?: string | null;
}

/**
 * The status changes of one of the caller's own tables, which has `name`, `status` and an
 * `updated_at` written on every change (ISO-8601 text). A helper for the capability's
 * store: only the store that owns `table` calls it. The metadata database is the source
 * of truth in fleet mode too (workers on other machines write it), so the feed reads it.
 */
export function readStatusChanges(metadata: MetadataStore, table: keyof Database, columns: StatusColumns = {}): StatusChanges {
  const secondary = columns.secondaryStatus;
  const failure = columns.failureReason === undefined ? 'failure_reason' : columns.failureReason;
  // The table is chosen by its owner's code, never by a request; the query is built on an
  // untyped view because the same code serves several tables.
  const db = metadata.db as unknown as Kysely<Record<string, Record<string, string | null>>>;
  return async (since, limit, after) => {
    let q = db
      .selectFrom(table)
      .select([
        sql<string>`${sql.ref('name')}`.as('name'),
        sql<string>`${sql.ref('status')}`.as('status'),
        sql<string | null>`${secondary ? sql.ref(secondary) : sql`null`}`.as('secondary'),
        sql<string | null>`${failure ? sql.ref(failure) : sql`null`}`.as('failure'),
        sql<string>`${sql.ref('updated_at')}`.as('updated'),
      ])
      .where(sql.ref('updated_at'), '>=', since);
    if (after) {
      q = q.where((eb) => eb.or([eb(sql.ref('updated_at'), '>', after.updatedAt), eb.and([eb(sql.ref('updated_at'), '=', after.updatedAt), eb(sql.ref('name'), '>', after.name)])]));
    }
    const rows = await q.orderBy(sql.ref('updated_at')).orderBy(sql.ref('name')).limit(limit).execute();
    return rows.map((r) => ({
      name: String(r.name),
      status: String(r.status),
      ...(secondary ? { secondaryStatus: String(r.secondary) } : {}),
      failureReason: (r.failure as string | null) ?? null,
      updatedAt: String(r.updated),
    }));
  };
}
