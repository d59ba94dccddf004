import { OrchardError } from '../../core/errors.js';

/** Where a job is in its life. `queued` includes jobs waiting for `runAfter` or a retry backoff. */
export type JobState = 'queued' | 'running' | 'succeeded' | 'failed' | 'cancelled';

/** Options for {@link JobQueue.enqueue}. */
export interface EnqueueOptions {
  /**
   * Caller-chosen id (letters, digits, `.`, `_`, `-`; not all digits; at most 200 characters).
   * Enqueueing an id that exists returns it unchanged: the first kind and payload win.
   * @default a new `job-…` id
   */
  jobId?: string;
  /** Attempts in all, counting attempts whose lease expired (not those handed back by {@link JobQueue.release}). @default 3 */
  maxAttempts?: number;
  /** Base of the exponential retry delay: attempt n waits `backoffMs * 2^(n-1)`, at most one hour. @default 1000 */
  backoffMs?: number;
  /** Lower runs first; 0 is the most urgent. Integer in 0..2097152 (BullMQ's range). @default 0 */
  priority?: number;
  /** Not claimable before this time. @default now */
  runAfter?: Date;
}

/** A job held by one worker under a lease. Pass it back to heartbeat/complete/fail. */
export interface ClaimedJob<P = unknown> {
  id: string;
  kind: string;
  payload: P;
  /** 1-based; (id, attempt) identifies the attempt, so work can be made idempotent. */
  attempt: number;
  leaseToken: string;
  /** Updated in place by a successful {@link JobQueue.heartbeat}. */
  leaseExpiresAt: Date;
}

/** What {@link JobQueue.get} returns. */
export interface JobRecord<P = unknown> {
  id: string;
  kind: string;
  payload: P;
  state: JobState;
  /** Attempts started so far (0 before the first claim). */
  attempt: number;
  /** As enqueued, plus one for each attempt handed back by {@link JobQueue.release}. */
  maxAttempts: number;
  lastError: string | null;
  result: unknown;
  cancelRequested: boolean;
  createdAt: Date;
  updatedAt: Date;
  /** The worker that claimed the job last. */
  workerId: string | null;
}

export interface ClaimOptions {
  workerId: string;
  /** How long the lease lasts without a heartbeat. */
  leaseMs: number;
}

export interface FailInfo {
  message: string;
  /** @default true */
  retryable?: boolean;
}

export interface FailOutcome {
  willRetry: boolean;
  nextAttemptAt?: Date;
}

/**
 * A durable queue of jobs with at-least-once delivery: a claim holds a lease that the
 * worker extends by heartbeat; a lease that runs out makes the job claimable again with
 * the next attempt, and anything the old holder reports afterwards is refused with
 * `ORCH_JOB_LEASE_LOST`.
 */
export interface JobQueue {
  enqueue<P>(kind: string, payload: P, opts?: EnqueueOptions): Promise<{ id: string }>;
  /** Non-blocking: the next ready job of one of `kinds`, or null. */
  claim<P>(kinds: string[], opts: ClaimOptions): Promise<ClaimedJob<P> | null>;
  /**
   * Extends the lease by `leaseMs` from now. Throws `ORCH_JOB_LEASE_LOST` when the lease is
   * gone (`details.reason: 'lost'`), or when cancellation was requested
   * (`details.reason: 'cancel_requested'`; the lease is still extended so that the worker
   * can stop and report with `fail`, which then ends the job `cancelled`).
   */
  heartbeat(job: ClaimedJob, leaseMs: number): Promise<void>;
  /** Ends the job `succeeded` (even if a cancellation arrived too late). The lease must be held. */
  complete(job: ClaimedJob, result?: unknown): Promise<void>;
  /**
   * Reports a failed attempt. Retried with exponential backoff while attempts remain and
   * `retryable` is not false; otherwise `failed`. If cancellation was requested the job
   * ends `cancelled` instead.
   */
  fail(job: ClaimedJob, error: FailInfo): Promise<FailOutcome>;
  /**
   * Hands a running job back, as a worker that shuts down cleanly does: the job is `queued`
   * and claimable at once (no backoff, no wait for the lease to run out), not failed. The
   * attempt is not spent: attempt numbers keep counting up, so the next claim is the next
   * attempt and (id, attempt) still names one attempt, and `maxAttempts` grows by one, so
   * a job cut off by restarts keeps every retry for failures of its own. Throws
   * `ORCH_JOB_LEASE_LOST` when the lease is gone (`details.reason: 'lost'`: the job ended
   * or another worker holds it), or when cancellation was requested
   * (`details.reason: 'cancel_requested'`: the job is left running under the lease, to be
   * ended `cancelled` when it runs out, as before).
   */
  release(job: ClaimedJob): Promise<void>;
  /**
   * A queued job ends `cancelled` at once; a running job gets a cancellation request that
   * its worker sees through {@link isCancelRequested} and {@link heartbeat}. Cancelling a
   * cancelled job does nothing; a succeeded or failed one is `ORCH_JOB_INVALID_STATE`.
   */
  cancel(id: string): Promise<void>;
  isCancelRequested(id: string): Promise<boolean>;
  get<P = unknown>(id: string): Promise<JobRecord<P> | null>;
  /**
   * Calls `listener` whenever the backend finds that it has lost its jobs (a Redis that
   * restarted without persistence, or was flushed). Owners of jobs then enqueue again,
   * under the same ids, those their records say are unfinished (enqueue is idempotent by
   * id, so doing it twice is harmless). Returns a function that removes the listener.
   */
  onJobsLost(listener: () => void): () => void;
  /**
   * Calls `listener` after each job enqueued through this client, so workers in the same
   * process claim it at once rather than at their next poll. Optional: jobs enqueued by
   * other processes are still found by polling. Returns a function that removes the listener.
   */
  onEnqueued?(listener: () => void): () => void;
  /**
   * Calls `listener` with a running job's id after cancellation of it is requested through
   * this client, so a worker in the same process stops it at once rather than at its next
   * heartbeat. Optional: workers elsewhere still learn it by heartbeat. Returns a function
   * that removes the listener.
   */
  onCancelRequested?(listener: (id: string) => void): () => void;
  /** Releases connections. Does not touch jobs: leases still held simply run out (see {@link release}). */
  close(): Promise<void>;
}

export interface ResolvedEnqueueOptions {
  readonly jobId: string | undefined;
  readonly maxAttempts: number;
  readonly backoffMs: number;
  readonly priority: number;
  readonly runAfter: Date | undefined;
}

export const DEFAULT_MAX_ATTEMPTS = 3;
export const DEFAULT_BACKOFF_MS = 1000;
export const MAX_BACKOFF_MS = 60 * 60 * 1000;
export const MAX_PRIORITY = 2_097_152;

const JOB_ID_RE = /^[A-Za-z0-9][A-Za-z0-9._-]{0,199}$/;
const KIND_RE = /^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/;

function invalid(message: string): OrchardError {
  return new OrchardError('ORCH_JOB_INVALID', { message });
}

/** Kinds name BullMQ queues, so they are restricted to a key-safe alphabet on every backend. */
export function assertKind(kind: string): void {
  if (typeof kind !== 'string' || !KIND_RE.test(kind)) {
    throw invalid(`Invalid job kind '${String(kind)}': use letters, digits, '.', '_' or '-' (at most 100)`);
  }
}

export function resolveEnqueueOptions(opts: EnqueueOptions = {}): ResolvedEnqueueOptions {
  const { jobId, maxAttempts = DEFAULT_MAX_ATTEMPTS, backoffMs = DEFAULT_BACKOFF_MS, priority = 0, runAfter } = opts;
  // All-digit ids would collide with BullMQ's own numeric ids.
  if (jobId !== undefined && (!JOB_ID_RE.test(jobId) || /^\d+$/.test(jobId))) {
    throw invalid(`Invalid job id '${jobId}'`);
  }
  if (!Number.isInteger(maxAttempts) || maxAttempts < 1 || maxAttempts > 1000) {
    throw invalid('maxAttempts must be an integer in 1..1000');
  }
  if (!Number.isInteger(backoffMs) || backoffMs < 0 || backoffMs > MAX_BACKOFF_MS) {
    throw invalid(`backoffMs must be an integer in 0..${MAX_BACKOFF_MS}`);
  }
  if (!Number.isInteger(priority) || priority < 0 || priority > MAX_PRIORITY) {
    throw invalid(`priority must be an integer in 0..${MAX_PRIORITY}`);
  }
  if (runAfter !== undefined && (!(runAfter instanceof Date) || Number.isNaN(runAfter.getTime()))) {
    throw invalid('runAfter must be a valid Date');
  }
  return { jobId, maxAttempts, backoffMs, priority, runAfter };
}

export function assertClaimOptions(kinds: string[], opts: ClaimOptions): void {
  if (!Array.isArray(kinds) || kinds.length === 0) throw invalid('claim needs at least one kind');
  kinds.forEach(assertKind);
  if (!opts || typeof opts.workerId !== 'string' || opts.workerId.length === 0) throw invalid('claim needs a workerId');
  assertLeaseMs(opts.leaseMs);
}

export function assertLeaseMs(leaseMs: number): void {
  if (!Number.isInteger(leaseMs) || leaseMs < 1 || leaseMs > 24 * 60 * 60 * 1000) {
    throw invalid('leaseMs must be an integer in 1..86400000');
  }
}

/** Delay before the attempt after `attempt` fails: exponential in the attempt number, capped. */
export function retryDelayMs(backoffMs: number, attempt: number): number {
  return Math.min(MAX_BACKOFF_MS, backoffMs * 2 ** Math.max(0, attempt - 1));
}

export type LeaseLostReason = 'lost' | 'cancel_requested';

/** `ORCH_JOB_LEASE_LOST` with the job and why. */
export class JobLeaseLostError extends OrchardError {
  readonly jobId: string;
  readonly reason: LeaseLostReason;

  constructor(jobId: string, reason: LeaseLostReason, cause?: unknown) {
    super('ORCH_JOB_LEASE_LOST', {
      message:
        reason === 'cancel_requested'
          ? `Cancellation was requested for job ${jobId}`
          : `The lease on job ${jobId} was lost (expired and reclaimed, or the job has ended)`,
      details: { jobId, reason },
      cause,
    });
    this.jobId = jobId;
    this.reason = reason;
  }
}

export function jobNotFound(id: string): OrchardError {
  return new OrchardError('ORCH_JOB_NOT_FOUND', { message: `No such job: ${id}`, details: { jobId: id } });
}

export function jobInvalidState(id: string, state: JobState, action: string): OrchardError {
  return new OrchardError('ORCH_JOB_INVALID_STATE', {
    message: `Job ${id} is ${state}; cannot ${action}`,
    details: { jobId: id, state },
  });
}

export function queueClosed(): OrchardError {
  return new OrchardError('ORCH_QUEUE_UNAVAILABLE', { message: 'The job queue is closed' });
}

/** Message recorded on a job whose last allowed attempt lost its lease (every backend). */
export const LEASE_EXPIRED_MESSAGE = 'The lease expired on the last allowed attempt (the worker stopped heartbeating)';
