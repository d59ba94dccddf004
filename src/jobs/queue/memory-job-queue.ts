/**
 * An in-memory JobQueue for tests: the embedded queue's rules (leases, attempts, backoff,
 * cancellation, FIFO within a priority) without a database. Not for production: jobs
 * live only as long as the {@link MemoryJobStore} object.
 */
import { randomUUID } from 'node:crypto';
import { newId } from '../../core/ids.js';
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


interface StoredJob {
  id: string;
  kind: string;
  /** JSON text, as a real backend stores it, so callers never share objects with the queue. */
  payloadJson: string;
  resultJson: string | null;
  state: JobState;
  attempt: number;
  maxAttempts: number;
  backoffMs: number;
  priority: number;
  seq: number;
  runAfter: number;
  cancelRequested: boolean;
  lastError: string | null;
  leaseToken: string | null;
  leaseExpiresAt: number | null;
  workerId: string | null;
  createdAt: number;
  updatedAt: number;
}

/** The jobs several {@link createMemoryJobQueue} handles share, as processes share a database. */
export class MemoryJobStore {
  /** @internal */
  readonly jobs = new Map<string, StoredJob>();
  /** @internal */
  seq = 0;
}

/**
 * A queue handle on `store` (a new store when omitted). Handles on one store see the same
 * jobs; closing a handle refuses its further calls and leaves the jobs alone.
 *
 * @example
 * const store = new MemoryJobStore();
 * const producer = createMemoryJobQueue(store);
 * const worker = createMemoryJobQueue(store);
 */
export function createMemoryJobQueue(store: MemoryJobStore = new MemoryJobStore()): JobQueue {
  const { jobs } = store;
  let closed = false;
  const checkOpen = (): void => {
    if (closed) throw queueClosed();
  };

  /** Running jobs whose lease ran out: back to the queue, or ended when they may not run again. */
  function sweep(now: number): void {
    for (const job of jobs.values()) {
      if (job.state !== 'running' || job.leaseExpiresAt === null || job.leaseExpiresAt > now) continue;
      if (job.cancelRequested || job.attempt >= job.maxAttempts) {
        job.state = job.cancelRequested ? 'cancelled' : 'failed';
        if (!job.cancelRequested) job.lastError = LEASE_EXPIRED_MESSAGE;
        job.leaseToken = null;
        job.leaseExpiresAt = null;
        job.updatedAt = now;
      }
    }
  }

  function claimable(job: StoredJob, kinds: string[], now: number): boolean {
    if (!kinds.includes(job.kind)) return false;
    if (job.state === 'queued') return job.runAfter <= now;
    // An expired lease that may run again is claimable as it stands, as in the embedded queue.
    return job.state === 'running' && job.leaseExpiresAt !== null && job.leaseExpiresAt <= now && !job.cancelRequested && job.attempt < job.maxAttempts;
  }

  /** The job if `claimed` still holds its lease (even one that ran out but was not reclaimed). */
  function held(claimed: ClaimedJob): StoredJob {
    const job = jobs.get(claimed.id);
    if (!job || job.state !== 'running' || job.leaseToken !== claimed.leaseToken) throw new JobLeaseLostError(claimed.id, 'lost');
    return job;
  }

  function end(job: StoredJob, state: JobState, now: number): void {
    job.state = state;
    job.leaseToken = null;
    job.leaseExpiresAt = null;
    job.updatedAt = now;
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
      if (jobs.has(id)) return { id };
      const now = Date.now();
      jobs.set(id, {
        id,
        kind,
        payloadJson: JSON.stringify(payload ?? null),
        resultJson: null,
        state: 'queued',
        attempt: 0,
        maxAttempts: o.maxAttempts,
        backoffMs: o.backoffMs,
        priority: o.priority,
        seq: store.seq++,
        runAfter: o.runAfter?.getTime() ?? now,
        cancelRequested: false,
        lastError: null,
        leaseToken: null,
        leaseExpiresAt: null,
        workerId: null,
        createdAt: now,
        updatedAt: now,
      });
      announce();
      return { id };
    },

    async claim<P>(kinds: string[], opts: ClaimOptions): Promise<ClaimedJob<P> | null> {
      checkOpen();
      assertClaimOptions(kinds, opts);
      const now = Date.now();
      sweep(now);
      let next: StoredJob | undefined;
      for (const job of jobs.values()) {
        if (!claimable(job, kinds, now)) continue;
        if (!next || job.priority < next.priority || (job.priority === next.priority && job.seq < next.seq)) next = job;
      }
      if (!next) return null;
      next.state = 'running';
      next.attempt += 1;
      next.leaseToken = randomUUID();
      next.leaseExpiresAt = now + opts.leaseMs;
      next.workerId = opts.workerId;
      next.updatedAt = now;
      return {
        id: next.id,
        kind: next.kind,
        payload: JSON.parse(next.payloadJson) as P,
        attempt: next.attempt,
        leaseToken: next.leaseToken,
        leaseExpiresAt: new Date(next.leaseExpiresAt),
      };
    },

    async heartbeat(claimed: ClaimedJob, leaseMs: number) {
      checkOpen();
      assertLeaseMs(leaseMs);
      const job = held(claimed);
      const now = Date.now();
      job.leaseExpiresAt = now + leaseMs;
      job.updatedAt = now;
      claimed.leaseExpiresAt = new Date(job.leaseExpiresAt);
      if (job.cancelRequested) throw new JobLeaseLostError(claimed.id, 'cancel_requested');
    },

    async complete(claimed: ClaimedJob, result?: unknown) {
      checkOpen();
      const job = held(claimed);
      job.resultJson = result === undefined ? null : JSON.stringify(result);
      end(job, 'succeeded', Date.now());
    },

    async fail(claimed: ClaimedJob, error: FailInfo): Promise<FailOutcome> {
      checkOpen();
      const job = held(claimed);
      const now = Date.now();
      job.lastError = String(error.message);
      const retry = !job.cancelRequested && error.retryable !== false && job.attempt < job.maxAttempts;
      if (!retry) {
        end(job, job.cancelRequested ? 'cancelled' : 'failed', now);
        return { willRetry: false };
      }
      const next = new Date(now + retryDelayMs(job.backoffMs, job.attempt));
      end(job, 'queued', now);
      job.runAfter = next.getTime();
      return { willRetry: true, nextAttemptAt: next };
    },

    async release(claimed: ClaimedJob) {
      checkOpen();
      const job = held(claimed);
      if (job.cancelRequested) throw new JobLeaseLostError(claimed.id, 'cancel_requested');
      const now = Date.now();
      // Its seq kept (first in line within its priority), its attempt not spent.
      end(job, 'queued', now);
      job.runAfter = now;
      job.maxAttempts += 1;
      announce();
    },

    async cancel(id: string) {
      checkOpen();
      const job = jobs.get(id);
      if (!job) throw jobNotFound(id);
      const now = Date.now();
      if (job.state === 'queued') {
        job.cancelRequested = true;
        end(job, 'cancelled', now);
      } else if (job.state === 'running') {
        job.cancelRequested = true;
        job.updatedAt = now;
        for (const listener of cancelRequested) listener(id);
      } else if (job.state !== 'cancelled') {
        throw jobInvalidState(id, job.state, 'cancel');
      }
    },

    async isCancelRequested(id: string) {
      checkOpen();
      const job = jobs.get(id);
      if (!job) throw jobNotFound(id);
      return job.cancelRequested;
    },

    async get<P = unknown>(id: string): Promise<JobRecord<P> | null> {
      checkOpen();
      const job = jobs.get(id);
      if (!job) return null;
      return {
        id: job.id,
        kind: job.kind,
        payload: JSON.parse(job.payloadJson) as P,
        state: job.state,
        attempt: job.attempt,
        maxAttempts: job.maxAttempts,
        lastError: job.lastError,
        result: job.resultJson === null ? null : (JSON.parse(job.resultJson) as unknown),
        cancelRequested: job.cancelRequested,
        createdAt: new Date(job.createdAt),
        updatedAt: new Date(job.updatedAt),
        workerId: job.workerId,
      };
    },

    // Nothing outside the store can lose its jobs.
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
      closed = true;
    },
  };
}
