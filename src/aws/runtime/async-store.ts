/**
 * The durable side of `InvokeEndpointAsync` (table `async_invocations`, migration 0025):
 * a request is recorded before the client hears 202 and removed once its output or failure
 * is written. A server runs a row while it holds the row's lease, renewed as the request
 * runs; a row whose lease ran out (its server stopped) is taken by the next sweep.
 */
import type { Kysely } from 'kysely';
import type { MetadataStore } from '../../storage/index.js';

export interface AsyncInvocationsTable {
  id: string;
  endpoint_name: string;
  /** The request's headers (`AsyncRequest` with its inference id). */
  request_json: string;
  input_key: string;
  output_key: string;
  failure_key: string;
  /** How many times a server took the row (more than one: an earlier run may have written its answer). */
  attempts: number;
  lease_owner: string | null;
  lease_until: string | null;
  created_at: string;
}

interface Tables {
  async_invocations: AsyncInvocationsTable;
}

export interface StoredInvocation<R> {
  id: string;
  request: R;
  inputKey: string;
  outputKey: string;
  failureKey: string;
  attempts: number;
  createdAt: string;
}

/** Where accepted requests wait: the table below on a platform, an array in a partial API. */
export interface AsyncInvocationQueue {
  insert<R extends { endpointName: string }>(item: { id: string; request: R; inputKey: string; outputKey: string; failureKey: string }): Promise<void>;
  claim<R>(owner: string, leaseMs: number): Promise<StoredInvocation<R> | null>;
  renew(owner: string, ids: string[], leaseMs: number): Promise<void>;
  release(owner: string, id: string, delayMs?: number): Promise<void>;
  remove(id: string): Promise<void>;
  count(): Promise<number>;
}

/** Only this store reads or writes `async_invocations`. */
export class AsyncInvocationStore implements AsyncInvocationQueue {
  constructor(private readonly metadata: MetadataStore) {}

  private get db(): Kysely<Tables> {
    return this.metadata.db as unknown as Kysely<Tables>;
  }

  async insert<R extends { endpointName: string }>(item: { id: string; request: R; inputKey: string; outputKey: string; failureKey: string }): Promise<void> {
    await this.db
      .insertInto('async_invocations')
      .values({ id: item.id, endpoint_name: item.request.endpointName, request_json: JSON.stringify(item.request), input_key: item.inputKey, output_key: item.outputKey, failure_key: item.failureKey, attempts: 0, lease_owner: null, lease_until: null, created_at: new Date().toISOString() })
      .execute();
  }

  /**
   * Takes the oldest row nobody holds (or whose lease ran out) for `owner` until
   * `leaseMs` from now; null when there is none. Two servers never take the same row:
   * the update succeeds only while the row is still free.
   */
  async claim<R>(owner: string, leaseMs: number): Promise<StoredInvocation<R> | null> {
    for (let tries = 0; tries < 5; tries++) {
      const now = new Date().toISOString();
      const row = await this.db
        .selectFrom('async_invocations')
        .selectAll()
        .where((eb) => eb.or([eb('lease_until', 'is', null), eb('lease_until', '<', now)]))
        .orderBy('created_at')
        .orderBy('id')
        .limit(1)
        .executeTakeFirst();
      if (!row) return null;
      const until = new Date(Date.now() + leaseMs).toISOString();
      const taken = await this.db
        .updateTable('async_invocations')
        .set({ lease_owner: owner, lease_until: until, attempts: row.attempts + 1 })
        .where('id', '=', row.id)
        .where('attempts', '=', row.attempts)
        .where((eb) => eb.or([eb('lease_until', 'is', null), eb('lease_until', '<', now)]))
        .executeTakeFirst();
      if (Number(taken.numUpdatedRows) === 1) {
        return { id: row.id, request: JSON.parse(row.request_json) as R, inputKey: row.input_key, outputKey: row.output_key, failureKey: row.failure_key, attempts: row.attempts + 1, createdAt: row.created_at };
      }
      // Another server took it first: look again.
    }
    return null;
  }

  /** Extends the leases `owner` holds on these rows. */
  async renew(owner: string, ids: string[], leaseMs: number): Promise<void> {
    if (ids.length === 0) return;
    await this.db
      .updateTable('async_invocations')
      .set({ lease_until: new Date(Date.now() + leaseMs).toISOString() })
      .where('lease_owner', '=', owner)
      .where('id', 'in', ids)
      .execute();
  }

  /** Gives a row back unanswered, to be taken again after `delayMs` (its endpoint was not ready). */
  async release(owner: string, id: string, delayMs = 0): Promise<void> {
    await this.db
      .updateTable('async_invocations')
      .set({ lease_owner: null, lease_until: delayMs > 0 ? new Date(Date.now() + delayMs).toISOString() : null })
      .where('id', '=', id)
      .where('lease_owner', '=', owner)
      .execute();
  }

  /** The request is answered (its output or failure is written). */
  async remove(id: string): Promise<void> {
    await this.db.deleteFrom('async_invocations').where('id', '=', id).execute();
  }

  async count(): Promise<number> {
    const row = await this.db.selectFrom('async_invocations').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
    return Number(row.n);
  }
}

/** The same queue in memory: what a partial API (no metadata store) uses; lost when the process ends. */
export class MemoryAsyncInvocationQueue implements AsyncInvocationQueue {
  private readonly rows = new Map<string, StoredInvocation<unknown> & { owner: string | null; until: number }>();

  async insert<R extends { endpointName: string }>(item: { id: string; request: R; inputKey: string; outputKey: string; failureKey: string }): Promise<void> {
    this.rows.set(item.id, { ...item, attempts: 0, createdAt: new Date().toISOString(), owner: null, until: 0 });
  }

  async claim<R>(owner: string, leaseMs: number): Promise<StoredInvocation<R> | null> {
    const now = Date.now();
    for (const row of this.rows.values()) {
      if (row.until >= now) continue;
      row.owner = owner;
      row.until = now + leaseMs;
      row.attempts++;
      const { owner: _o, until: _u, ...item } = row;
      return item as StoredInvocation<R>;
    }
    return null;
  }

  async renew(owner: string, ids: string[], leaseMs: number): Promise<void> {
    for (const id of ids) {
      const row = this.rows.get(id);
      if (row?.owner === owner) row.until = Date.now() + leaseMs;
    }
  }

  async release(owner: string, id: string, delayMs = 0): Promise<void> {
    const row = this.rows.get(id);
    if (row?.owner !== owner) return;
    row.owner = null;
    row.until = delayMs > 0 ? Date.now() + delayMs : 0;
  }

  async remove(id: string): Promise<void> {
    this.rows.delete(id);
  }

  async count(): Promise<number> {
    return this.rows.size;
  }
}
