import { sql, type Kysely } from 'kysely';
import type { MetadataStore } from '../../storage/index.js';

/** One row's status as a source reports it. */
export interface StatusRow {
  name: string;
  status: string;
  secondaryStatus?: string;
  failureReason: string | null;
  updatedAt: string;
}

/**
 * Something whose status changes the platform feed (`GET /api/v1/events`) reports:
 * training jobs, transform jobs, and whatever registers next (endpoints, tuning jobs).
 */
export interface StatusSource {
  /** The `kind` of its events, e.g. `training-job`. */
  readonly kind: string;
  /**
   * Rows updated at or after `since` (an ISO time), ordered by (updatedAt, name), after
   * the row `after` when given, at most `limit`.
   */
  changedSince(since: string, limit: number, after?: { updatedAt: string; name: string }): Promise<StatusRow[]>;
}

/** Column names of a table read by {@link tableStatusSource}; the defaults fit every job table. */
export interface StatusTableColumns {
  /** @default 'name' */
  name?: string;
  /** @default 'status' */
  status?: string;
  /** A second status column (training's `secondary_status`). @default none */
  secondaryStatus?: string;
  /** @default 'failure_reason'; null when the table has none */
  failureReason?: string | null;
  /** ISO-8601 text, set on every change. @default 'updated_at' */
  updatedAt?: string;
}

/**
 * A status source over a metadata table that has a name, a status and an `updated_at`
 * written on every change (every job table does). The metadata database is the source of
 * truth in fleet mode too (workers on other machines write it), so the feed reads it.
 *
 * @example
 * // in startPlatform: the endpoints appear in the studio's live lists
 * statusSources.push(tableStatusSource(metadata, 'endpoint', 'endpoints'));
 */
export function tableStatusSource(metadata: MetadataStore, kind: string, table: string, columns: StatusTableColumns = {}): StatusSource {
  const c = {
    name: columns.name ?? 'name',
    status: columns.status ?? 'status',
    secondaryStatus: columns.secondaryStatus,
    failureReason: columns.failureReason === undefined ? 'failure_reason' : columns.failureReason,
    updatedAt: columns.updatedAt ?? 'updated_at',
  };
  for (const name of [table, ...Object.values(c)]) {
    if (name !== undefined && name !== null && !/^[a-z_][a-z0-9_]*$/.test(name)) throw new Error(`Not a column or table name: ${name}`);
  }
  // Table and column names come from code, not from requests; the query is built on an
  // untyped view of the database because the table is named at run time.
  const db = metadata.db as unknown as Kysely<Record<string, Record<string, string | null>>>;
  return {
    kind,
    async changedSince(since, limit, after) {
      let q = db
        .selectFrom(table)
        .select([
          sql<string>`${sql.ref(c.name)}`.as('name'),
          sql<string>`${sql.ref(c.status)}`.as('status'),
          sql<string | null>`${c.secondaryStatus ? sql.ref(c.secondaryStatus) : sql`null`}`.as('secondary'),
          sql<string | null>`${c.failureReason ? sql.ref(c.failureReason) : sql`null`}`.as('failure'),
          sql<string>`${sql.ref(c.updatedAt)}`.as('updated'),
        ])
        .where(sql.ref(c.updatedAt), '>=', since);
      if (after) {
        q = q.where((eb) => eb.or([eb(sql.ref(c.updatedAt), '>', after.updatedAt), eb.and([eb(sql.ref(c.updatedAt), '=', after.updatedAt), eb(sql.ref(c.name), '>', after.name)])]));
      }
      const rows = await q.orderBy(sql.ref(c.updatedAt)).orderBy(sql.ref(c.name)).limit(limit).execute();
      return rows.map((r) => ({
        name: String(r.name),
        status: String(r.status),
        ...(c.secondaryStatus ? { secondaryStatus: String(r.secondary) } : {}),
        failureReason: (r.failure as string | null) ?? null,
        updatedAt: String(r.updated),
      }));
    },
  };
}
