import { randomUUID } from 'node:crypto';
import { sql, type ExpressionBuilder, type Selectable } from 'kysely';
import { newId } from '../../core/ids.js';
import type { Database, MetadataStore } from '../../storage/index.js';
import type { QueueJobsTable } from '../../storage/metadata/schema.js';
import {
  assertClaimOptions,
  assertKind,
  assertLeaseMs,
  JobLeaseLostError,
  LEASE_EXPIRED_MESSAGE,
  jobInvalidState,
  jobNotFound,
  queueClosed,
  resolveEnqueueOptions,
  retryDelayMs,
  type ClaimedJob,
  type ClaimOptions,
  type EnqueueOptions,
  type FailInfo,
  type FailOutcome,
  type JobQueue,
  type JobRecord,
  type JobState,
} from './job-queue.js';

type Row = Selectable<QueueJobsTable>;
type Eb = ExpressionBuilder<Database, 'queue_jobs'>;


// FIFO within a priority: a number that only grows within this process and roughly
// follows the clock across processes (concurrent enqueues have no order to keep).
let lastSeq = 0;
function nextSeq(): number {
  lastSeq = Math.max(Date.now() * 1000, lastSeq + 1);
  return lastSeq;
}

/**
 * The job queue of the embedded mode, kept in the metadata database (table `queue_jobs`),
 * so it survives a restart and, on PostgreSQL, is shared safely by several processes.
 *
 * Leases are compared with the local clock of whoever claims, so fleet machines sharing
 * one PostgreSQL need synchronised clocks (NTP); skew shortens or lengthens leases.
 */
export function createEmbeddedJobQueue(metadata: MetadataStore): JobQueue {
  const { db, dialect } = metadata;
  const pg = dialect === 'postgres';
  let closed = false;

  const checkOpen = (): void => {
    if (closed) throw queueClosed();
  };

  /** Running jobs whose lease ran out and that must not run again: cancelled or out of attempts. */
  async function finishExpired(kinds: string[], now: string): Promise<void> {
    const doomed = db
      .selectFrom('queue_jobs')
      .select('id')
      .where('kind', 'in', kinds)
      .where('state', '=', 'running')
      .where('lease_expires_at', '<=', now)
      .where((eb) => eb.or([eb('cancel_requested', '=', 1), eb('attempt', '>=', eb.ref('max_attempts'))]))
      // SKIP LOCKED: two claimers sweeping the same rows must neither wait nor deadlock.
      .$if(pg, (qb) => qb.forUpdate().skipLocked());
    await db
      .updateTable('queue_jobs')
      .set({
        state: sql<string>`case when cancel_requested = 1 then 'cancelled' else 'failed' end`,
        last_error: sql<string>`case when cancel_requested = 1 then last_error else ${LEASE_EXPIRED_MESSAGE} end`,
        lease_token: null,
        lease_expires_at: null,
        updated_at: now,
        finished_at: now,
      })
      .where('id', 'in', doomed)
      .execute();
  }

  function claimable(kinds: string[], now: string) {
    return (eb: Eb) =>
      eb.and([
        eb('kind', 'in', kinds),
        eb.or([
          eb.and([eb('state', '=', 'queued'), eb('run_after', '<=', now)]),
          eb.and([
            eb('state', '=', 'running'),
            eb('lease_expires_at', '<=', now),
            eb('cancel_requested', '=', 0),
            eb('attempt', '<', eb.ref('max_attempts')),
          ]),
        ]),
      ]);
  }

  async function claim<P>(kinds: string[], opts: ClaimOptions): Promise<ClaimedJob<P> | null> {
    checkOpen();
    assertClaimOptions(kinds, opts);
    const nowDate = new Date();
    const now = nowDate.toISOString();
    await finishExpired(kinds, now);
    const leaseToken = randomUUID();
    const leaseExpiresAt = new Date(nowDate.getTime() + opts.leaseMs);
    const set = {
      state: 'running',
      attempt: sql<number>`attempt + 1`,
      lease_token: leaseToken,
      lease_expires_at: leaseExpiresAt.toISOString(),
      worker_id: opts.workerId,
      updated_at: now,
    };
    let row: Row | undefined;
    if (pg) {
      // Lock one ready row, skipping rows other claimers hold: no two claimers get the same job.
      row = await db.transaction().execute(async (trx) => {
        const picked = await trx
          .selectFrom('queue_jobs')
          .select('id')
          .where(claimable(kinds, now))
          .orderBy('priority')
          .orderBy('seq')
          .limit(1)
          .forUpdate()
          .skipLocked()
          .executeTakeFirst();
        if (!picked) return undefined;
        return trx.updateTable('queue_jobs').set(set).where('id', '=', picked.id).returningAll().executeTakeFirst();
      });
    } else {
      // One statement is atomic in SQLite (it holds the write lock throughout), across connections too.
      const picked = db
        .selectFrom('queue_jobs')
        .select('id')
        .where(claimable(kinds, now))
        .orderBy('priority')
        .orderBy('seq')
        .limit(1);
      row = await db.updateTable('queue_jobs').set(set).where('id', '=', picked).returningAll().executeTakeFirst();
    }
    if (!row) return null;
    return {
      id: row.id,
      kind: row.kind,
      payload: JSON.parse(row.payload_json) as P,
      attempt: Number(row.attempt),
      leaseToken,
      leaseExpiresAt,
    };
  }

  async function fail(job: ClaimedJob, error: FailInfo): Promise<FailOutcome> {
    checkOpen();
    // Optimistic: read, decide, then update only if nothing we decided on has changed
    // (a cancel request may land in between); a portable stand-in for SELECT … FOR UPDATE.
    for (let round = 0; round < 5; round++) {
      const row = await db
        .selectFrom('queue_jobs')
        .select(['lease_token', 'state', 'attempt', 'max_attempts', 'backoff_ms', 'cancel_requested'])
        .where('id', '=', job.id)
        .executeTakeFirst();
      if (!row || row.state !== 'running' || row.lease_token !== job.leaseToken) throw new JobLeaseLostError(job.id, 'lost');
      const cancel = Number(row.cancel_requested) === 1;
      const attempt = Number(row.attempt);
      const retry = !cancel && error.retryable !== false && attempt < Number(row.max_attempts);
      const nowMs = Date.now();
      const now = new Date(nowMs).toISOString();
      const next = retry ? new Date(nowMs + retryDelayMs(Number(row.backoff_ms), attempt)) : undefined;
      const result = await db
        .updateTable('queue_jobs')
        .set(
          next
            ? { state: 'queued', run_after: next.toISOString() }
            : { state: cancel ? 'cancelled' : 'failed', finished_at: now },
        )
        .set({ last_error: String(error.message), lease_token: null, lease_expires_at: null, updated_at: now })
        .where('id', '=', job.id)
        .where('lease_token', '=', job.leaseToken)
        .where('state', '=', 'running')
        .where('cancel_requested', '=', Number(row.cancel_requested))
        .executeTakeFirst();
      if (Number(result.numUpdatedRows) === 1) return next ? { willRetry: true, nextAttemptAt: next } : { willRetry: false };
    }
    throw new JobLeaseLostError(job.id, 'lost');
  }

  async function release(job: ClaimedJob): Promise<void> {
    checkOpen();
    const now = new Date().toISOString();
    // Back to queued with its seq (first in line within its priority); the attempt count
    // stays, and the allowance grows by the attempt handed back.
    const done = await db
      .updateTable('queue_jobs')
      .set({
        state: 'queued',
        run_after: now,
        max_attempts: sql<number>`max_attempts + 1`,
        lease_token: null,
        lease_expires_at: null,
        updated_at: now,
      })
      .where('id', '=', job.id)
      .where('lease_token', '=', job.leaseToken)
      .where('state', '=', 'running')
      .where('cancel_requested', '=', 0)
      .executeTakeFirst();
    if (Number(done.numUpdatedRows) === 1) {
      announce();
      return;
    }
    const row = await db.selectFrom('queue_jobs').select(['lease_token', 'state', 'cancel_requested']).where('id', '=', job.id).executeTakeFirst();
    const held = row?.state === 'running' && row.lease_token === job.leaseToken;
    throw new JobLeaseLostError(job.id, held && Number(row.cancel_requested) === 1 ? 'cancel_requested' : 'lost');
  }

  async function cancel(id: string): Promise<void> {
    checkOpen();
    const now = new Date().toISOString();
    const queued = await db
      .updateTable('queue_jobs')
      .set({ state: 'cancelled', cancel_requested: 1, updated_at: now, finished_at: now })
      .where('id', '=', id)
      .where('state', '=', 'queued')
      .executeTakeFirst();
    if (Number(queued.numUpdatedRows) === 1) return;
    const running = await db
      .updateTable('queue_jobs')
      .set({ cancel_requested: 1, updated_at: now })
      .where('id', '=', id)
      .where('state', '=', 'running')
      .executeTakeFirst();
    if (Number(running.numUpdatedRows) === 1) {
      for (const listener of cancelRequested) listener(id);
      return;
    }
    const row = await db.selectFrom('queue_jobs').select('state').where('id', '=', id).executeTakeFirst();
    if (!row) throw jobNotFound(id);
    if (row.state !== 'cancelled') throw jobInvalidState(id, row.state as JobState, 'cancel');
  }

  const enqueued = new Set<() => void>();
  const cancelRequested = new Set<(id: string) => void>();
  const announce = () => {
    for (const listener of enqueued) listener();
  };

  return {
    async enqueue<P>(kind: string, payload: P, opts?: EnqueueOptions) {
      checkOpen();
      assertKind(kind);
      const o = resolveEnqueueOptions(opts);
      const id = o.jobId ?? newId('job');
      const now = new Date().toISOString();
      // An existing id wins: enqueue is idempotent by jobId.
      await db
        .insertInto('queue_jobs')
        .values({
          id,
          kind,
          payload_json: JSON.stringify(payload ?? null),
          state: 'queued',
          attempt: 0,
          max_attempts: o.maxAttempts,
          backoff_ms: o.backoffMs,
          priority: o.priority,
          seq: nextSeq(),
          run_after: (o.runAfter ?? new Date(now)).toISOString(),
          cancel_requested: 0,
          created_at: now,
          updated_at: now,
        })
        .onConflict((oc) => oc.column('id').doNothing())
        .execute();
      announce();
      return { id };
    },

    claim,

    async heartbeat(job: ClaimedJob, leaseMs: number) {
      checkOpen();
      assertLeaseMs(leaseMs);
      const expires = new Date(Date.now() + leaseMs);
      // Still ours if nobody reclaimed it, even when the lease ran out a moment ago.
      const row = await db
        .updateTable('queue_jobs')
        .set({ lease_expires_at: expires.toISOString(), updated_at: new Date().toISOString() })
        .where('id', '=', job.id)
        .where('lease_token', '=', job.leaseToken)
        .where('state', '=', 'running')
        .returning(['cancel_requested'])
        .executeTakeFirst();
      if (!row) throw new JobLeaseLostError(job.id, 'lost');
      job.leaseExpiresAt = expires;
      if (Number(row.cancel_requested) === 1) throw new JobLeaseLostError(job.id, 'cancel_requested');
    },

    async complete(job: ClaimedJob, result?: unknown) {
      checkOpen();
      const now = new Date().toISOString();
      const done = await db
        .updateTable('queue_jobs')
        .set({
          state: 'succeeded',
          result_json: result === undefined ? null : JSON.stringify(result),
          lease_token: null,
          lease_expires_at: null,
          updated_at: now,
          finished_at: now,
        })
        .where('id', '=', job.id)
        .where('lease_token', '=', job.leaseToken)
        .where('state', '=', 'running')
        .executeTakeFirst();
      if (Number(done.numUpdatedRows) !== 1) throw new JobLeaseLostError(job.id, 'lost');
    },

    fail,
    release,
    cancel,

    async isCancelRequested(id: string) {
      checkOpen();
      const row = await db.selectFrom('queue_jobs').select('cancel_requested').where('id', '=', id).executeTakeFirst();
      if (!row) throw jobNotFound(id);
      return Number(row.cancel_requested) === 1;
    },

    async get<P = unknown>(id: string): Promise<JobRecord<P> | null> {
      checkOpen();
      const row = await db.selectFrom('queue_jobs').selectAll().where('id', '=', id).executeTakeFirst();
      return row ? toRecord<P>(row) : null;
    },

    // Jobs live in the metadata database beside everything else: they are never lost alone.
    onJobsLost() {
      return () => undefined;
    },

    onEnqueued(listener: () => void) {
      enqueued.add(listener);
      return () => enqueued.delete(listener);
    },

    onCancelRequested(listener: (id: string) => void) {
      cancelRequested.add(listener);
      return () => cancelRequested.delete(listener);
    },

    async close() {
      // The metadata store belongs to the caller; nothing of ours to release.
      closed = true;
    },
  };
}

function toRecord<P>(row: Row): JobRecord<P> {
  return {
    id: row.id,
    kind: row.kind,
    payload: JSON.parse(row.payload_json) as P,
    state: row.state as JobState,
    attempt: Number(row.attempt),
    maxAttempts: Number(row.max_attempts),
    lastError: row.last_error,
    result: row.result_json === null ? null : (JSON.parse(row.result_json) as unknown),
    cancelRequested: Number(row.cancel_requested) === 1,
    createdAt: new Date(row.created_at),
    updatedAt: new Date(row.updated_at),
    workerId: row.worker_id,
  };
}
