import { randomUUID } from 'node:crypto';
import type { Job, MinimalJob, Queue, RedisOptions as BullRedisOptions, Worker } from 'bullmq';
import type { Redis as RedisClient } from 'ioredis';
import { OrchardError } from '../../core/errors.js';
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

/** Options of the BullMQ backend; also read from the URL's query (`?prefix=…&stalledIntervalMs=…`). */
export interface BullmqJobQueueOptions {
  /** Key prefix of every Redis key the queue writes. @default 'orchard' */
  prefix?: string;
  /**
   * How often expired leases are looked for. A job whose lease ran out becomes claimable
   * within about two intervals (BullMQ marks active jobs, then moves those still unlocked
   * at the next check). @default 5000
   */
  stalledIntervalMs?: number;
}

export const DEFAULT_STALLED_INTERVAL_MS = 5000;
const CANCELLED_MESSAGE = 'Cancelled before it ran';
/** BullMQ's script codes for "not yours any more": no job, no lock, not active, someone else's lock. */
const LOCK_ERROR_CODES = new Set([-1, -2, -3, -6]);

/**
 * Parses `redis://[user:pass@]host[:port][/db][?prefix=…&stalledIntervalMs=…]` (or
 * `rediss://` for TLS) into client options and queue options.
 */
export interface RedisConnectionSettings {
  host: string;
  port: number;
  db: number;
  username?: string;
  password?: string;
  tls?: Record<string, never>;
}

export function parseRedisQueueUrl(url: string): { redis: RedisConnectionSettings; options: BullmqJobQueueOptions } {
  const u = new URL(url);
  if (u.protocol !== 'redis:' && u.protocol !== 'rediss:') {
    throw new OrchardError('ORCH_CONFIG_INVALID', { message: `Not a Redis URL: ${u.protocol}` });
  }
  const db = u.pathname.length > 1 ? Number(u.pathname.slice(1)) : 0;
  const interval = u.searchParams.get('stalledIntervalMs');
  const prefix = u.searchParams.get('prefix');
  if (!Number.isInteger(db) || db < 0) throw new OrchardError('ORCH_CONFIG_INVALID', { message: 'Invalid Redis database number' });
  if (prefix !== null && !/^[A-Za-z0-9._-]{1,100}$/.test(prefix)) {
    throw new OrchardError('ORCH_CONFIG_INVALID', { message: `Invalid queue prefix '${prefix}'` });
  }
  if (interval !== null && !(Number.isInteger(Number(interval)) && Number(interval) >= 10)) {
    throw new OrchardError('ORCH_CONFIG_INVALID', { message: 'stalledIntervalMs must be an integer of at least 10' });
  }
  return {
    redis: {
      host: u.hostname || '127.0.0.1',
      port: u.port ? Number(u.port) : 6379,
      db,
      ...(u.username ? { username: decodeURIComponent(u.username) } : {}),
      ...(u.password ? { password: decodeURIComponent(u.password) } : {}),
      ...(u.protocol === 'rediss:' ? { tls: {} } : {}),
    },
    options: {
      ...(prefix !== null ? { prefix } : {}),
      ...(interval !== null ? { stalledIntervalMs: Number(interval) } : {}),
    },
  };
}

/**
 * The fleet job queue: one BullMQ queue per job kind on Redis, processed manually
 * (`Worker.getNextJob` with a token per claim, `extendLock` as heartbeat,
 * `moveToCompleted`/`moveToFailed` with that token), so BullMQ's lock is the lease and
 * its stalled-job checker returns expired leases to the queue.
 *
 * Beside BullMQ's own keys, a small hash per job (`<prefix>:~orchard:job:<id>`) holds what
 * BullMQ has no place for: the job's kind (ids are global here, per queue in BullMQ), the
 * cancellation request, the last claimer and the attempts handed back at shutdown.
 *
 * Durability is Redis's: with AOF (`appendfsync always`, or `everysec` at the risk of the
 * last second) acknowledged jobs survive a Redis restart; without persistence they do not.
 * The clients reconnect on their own after a dropped connection (Redis restarted, network);
 * calls made meanwhile wait for the reconnection rather than fail. A lease outlives an
 * outage shorter than itself; a longer one costs the attempt (it is claimed again).
 *
 * Lost data is detected: an epoch key written at start is looked for after every
 * reconnection; when it has gone (a Redis without persistence restarted), the
 * {@link JobQueue.onJobsLost} listeners run so that the jobs' owners can enqueue again.
 */
export async function createBullmqJobQueue(url: string, overrides: BullmqJobQueueOptions = {}): Promise<JobQueue> {
  const parsed = parseRedisQueueUrl(url);
  const prefix = overrides.prefix ?? parsed.options.prefix ?? 'orchard';
  const stalledIntervalMs = overrides.stalledIntervalMs ?? parsed.options.stalledIntervalMs ?? DEFAULT_STALLED_INTERVAL_MS;
  const bullmq = await import('bullmq');
  const ioredis = await import('ioredis');
  const Redis = ioredis.Redis;
  const { Queue, Worker, Job, UnrecoverableError } = bullmq;

  // Workers need maxRetriesPerRequest: null (BullMQ's requirement for blocking commands);
  // the same for our own client keeps every call waiting through a reconnect alike.
  const connection: BullRedisOptions = { ...parsed.redis, maxRetriesPerRequest: null };
  const redis: RedisClient = new Redis({ ...parsed.redis, maxRetriesPerRequest: null, lazyConnect: true, connectionName: `${prefix}:~orchard` });
  redis.on('error', () => undefined); // reconnects by itself; calls wait meanwhile
  try {
    await redis.connect();
  } catch (cause) {
    redis.disconnect();
    throw new OrchardError('ORCH_QUEUE_UNAVAILABLE', {
      message: `Cannot connect to Redis at ${parsed.redis.host}:${parsed.redis.port}`,
      cause,
    });
  }

  // The epoch: a value this Redis holds for as long as it keeps its data.
  const epochKey = `${prefix}:~orchard:epoch`;
  const lostListeners = new Set<() => void>();
  await redis.set(epochKey, randomUUID(), 'NX');
  let epoch = await redis.get(epochKey);
  const checkEpoch = async () => {
    if (closed) return;
    const current = await redis.get(epochKey);
    if (current === epoch) return;
    if (current === null) await redis.set(epochKey, randomUUID(), 'NX');
    epoch = await redis.get(epochKey);
    for (const listener of [...lostListeners]) {
      try {
        listener();
      } catch {
        // one listener's failure must not keep the others from running
      }
    }
  };
  // 'ready' follows every reconnection.
  redis.on('ready', () => void checkEpoch().catch(() => undefined));

  const queues = new Map<string, Queue>();
  const workers = new Map<string, Promise<Worker>>();
  /** BullMQ job objects of the leases this handle holds, by lease token. */
  const held = new Map<string, Job>();
  let closed = false;

  const metaKey = (id: string) => `${prefix}:~orchard:job:${id}`;
  const checkOpen = () => {
    if (closed) throw queueClosed();
  };

  function queueFor(kind: string): Queue {
    let q = queues.get(kind);
    if (!q) {
      q = new Queue(kind, { connection, prefix });
      q.on('error', () => undefined);
      queues.set(kind, q);
    }
    return q;
  }

  function workerFor(kind: string): Promise<Worker> {
    let w = workers.get(kind);
    if (!w) {
      w = (async () => {
        const worker = new Worker(kind, null, {
          connection,
          prefix,
          autorun: false,
          skipLockRenewal: true, // the lease is ours to extend (heartbeat), never automatic
          stalledInterval: stalledIntervalMs,
          // Stalls count as attempts here (checked at claim against maxAttempts), so
          // BullMQ's own stall limit must never fail a job first.
          maxStalledCount: 1_000_000_000,
          settings: {
            // Exponential in the attempt number, stalls included (BullMQ's attemptsMade
            // counts failures only).
            backoffStrategy: (_made: number, _type?: string, _err?: Error, job?: MinimalJob) => {
              const backoff = job?.opts.backoff;
              return retryDelayMs(Number(backoff && typeof backoff === 'object' ? (backoff.delay ?? 0) : 0), (job as { attemptsStarted?: number } | undefined)?.attemptsStarted ?? 1);
            },
          },
        });
        worker.on('error', () => undefined);
        await worker.waitUntilReady();
        void worker.startStalledCheckTimer().catch(() => undefined);
        return worker;
      })();
      workers.set(kind, w);
    }
    return w;
  }

  /** The BullMQ job behind a claim, bound to the kind's worker (whose settings hold the backoff). */
  async function heldJob(job: ClaimedJob): Promise<Job> {
    const cached = held.get(job.leaseToken);
    if (cached) return cached;
    const worker = await workerFor(job.kind);
    const found = await Job.fromId(worker, job.id);
    if (!found) throw new JobLeaseLostError(job.id, 'lost');
    return found;
  }

  const leaseError = (id: string, err: unknown): unknown => {
    const code = (err as { code?: unknown } | null)?.code;
    return typeof code === 'number' && LOCK_ERROR_CODES.has(code) ? new JobLeaseLostError(id, 'lost', err) : err;
  };

  async function claim<P>(kinds: string[], opts: ClaimOptions): Promise<ClaimedJob<P> | null> {
    checkOpen();
    assertClaimOptions(kinds, opts);
    // No order across kinds: each kind is its own BullMQ queue, asked in the order given.
    for (const kind of kinds) {
      const worker = await workerFor(kind);
      for (;;) {
        const token = randomUUID();
        const job = (await worker.getNextJob(token, { block: false })) as Job | undefined;
        if (!job || !job.id) break;
        const leaseExpiresAt = new Date(Date.now() + opts.leaseMs);
        if (Number(await job.extendLock(token, opts.leaseMs)) !== 1) continue;
        const [cancel, released] = await redis.hmget(metaKey(job.id), 'cancel', 'released');
        const attempt = job.attemptsStarted;
        if (cancel === '1' || attempt > (job.opts.attempts ?? 1) + Number(released ?? 0)) {
          // Cancelled while queued, or its last attempt's lease ran out: end it, look further.
          const reason = cancel === '1' ? CANCELLED_MESSAGE : LEASE_EXPIRED_MESSAGE;
          await job.moveToFailed(new UnrecoverableError(reason), token, false).catch(() => undefined);
          continue;
        }
        await redis.hset(metaKey(job.id), 'workerId', opts.workerId);
        held.set(token, job);
        return { id: job.id, kind, payload: job.data as P, attempt, leaseToken: token, leaseExpiresAt };
      }
    }
    return null;
  }

  async function fail(job: ClaimedJob, error: FailInfo): Promise<FailOutcome> {
    checkOpen();
    const bjob = await heldJob(job);
    const [cancelled, released] = await redis.hmget(metaKey(job.id), 'cancel', 'released');
    const cancel = cancelled === '1';
    const maxAttempts = (bjob.opts.attempts ?? 1) + Number(released ?? 0);
    const retry = !cancel && error.retryable !== false && job.attempt < maxAttempts;
    const backoff = bjob.opts.backoff && typeof bjob.opts.backoff === 'object' ? Number(bjob.opts.backoff.delay ?? 0) : 0;
    const nextAttemptAt = retry ? new Date(Date.now() + retryDelayMs(backoff, job.attempt)) : undefined;
    const err = retry ? new Error(String(error.message)) : new UnrecoverableError(String(error.message));
    try {
      await bjob.moveToFailed(err, job.leaseToken, false);
    } catch (e) {
      throw leaseError(job.id, e);
    } finally {
      held.delete(job.leaseToken);
    }
    return nextAttemptAt ? { willRetry: true, nextAttemptAt } : { willRetry: false };
  }

  /**
   * Hands the job back to its wait list (BullMQ's `moveToWait`, checked against our lock
   * token). BullMQ counts the attempt as started all the same, so the attempts handed back
   * are counted beside the job (`released`) and added to its allowance.
   */
  async function release(job: ClaimedJob): Promise<void> {
    checkOpen();
    const bjob = await heldJob(job);
    const key = metaKey(job.id);
    if ((await redis.hget(key, 'cancel')) === '1') {
      // The request stands: the job stays under the lease and ends cancelled when it runs out.
      const mine = (await redis.get(`${prefix}:${job.kind}:${job.id}:lock`)) === job.leaseToken;
      throw new JobLeaseLostError(job.id, mine ? 'cancel_requested' : 'lost');
    }
    // Counted first: a claim that follows the move at once must already see the allowance.
    await redis.hincrby(key, 'released', 1);
    try {
      await bjob.moveToWait(job.leaseToken);
    } catch (e) {
      await redis.hincrby(key, 'released', -1);
      throw leaseError(job.id, e);
    } finally {
      held.delete(job.leaseToken);
    }
  }

  async function get<P = unknown>(id: string): Promise<JobRecord<P> | null> {
    checkOpen();
    const meta = await redis.hgetall(metaKey(id));
    if (!meta.kind) return null;
    const job = await Job.fromId(queueFor(meta.kind), id);
    if (!job) return null;
    const bstate = await job.getState();
    const cancel = meta.cancel === '1';
    let state: JobState;
    if (bstate === 'active') state = 'running';
    else if (bstate === 'completed') state = 'succeeded';
    else if (bstate === 'failed') state = cancel ? 'cancelled' : 'failed';
    else state = cancel ? 'cancelled' : 'queued';
    const touched = Math.max(job.timestamp, job.processedOn ?? 0, job.finishedOn ?? 0);
    return {
      id,
      kind: meta.kind,
      payload: job.data as P,
      state,
      attempt: job.attemptsStarted,
      maxAttempts: (job.opts.attempts ?? 1) + Number(meta.released ?? 0),
      lastError: job.failedReason || null,
      result: state === 'succeeded' ? (job.returnvalue ?? null) : null,
      cancelRequested: cancel,
      createdAt: new Date(job.timestamp),
      updatedAt: new Date(touched),
      workerId: meta.workerId ?? null,
    };
  }

  return {
    async enqueue<P>(kind: string, payload: P, opts?: EnqueueOptions) {
      checkOpen();
      assertKind(kind);
      const o = resolveEnqueueOptions(opts);
      const id = o.jobId ?? newId('job');
      const key = metaKey(id);
      // The first enqueue of an id fixes its kind; BullMQ's add is itself a no-op for an
      // existing id, so repeating both steps after a crash between them is safe.
      const res = await redis.multi().hsetnx(key, 'kind', kind).hget(key, 'kind').exec();
      const storedKind = String(res?.[1]?.[1] ?? kind);
      const delay = o.runAfter ? Math.max(0, o.runAfter.getTime() - Date.now()) : 0;
      await queueFor(storedKind).add(storedKind, payload ?? null, {
        jobId: id,
        attempts: o.maxAttempts,
        backoff: { type: 'orchard', delay: o.backoffMs },
        ...(o.priority > 0 ? { priority: o.priority } : {}),
        ...(delay > 0 ? { delay } : {}),
        removeOnComplete: false,
        removeOnFail: false,
      });
      return { id };
    },

    claim,

    async heartbeat(job: ClaimedJob, leaseMs: number) {
      checkOpen();
      assertLeaseMs(leaseMs);
      const bjob = await heldJob(job);
      const expires = new Date(Date.now() + leaseMs);
      // BullMQ's lock must still carry our token; once it has expired it is gone for good.
      if (Number(await bjob.extendLock(job.leaseToken, leaseMs)) !== 1) {
        held.delete(job.leaseToken);
        throw new JobLeaseLostError(job.id, 'lost');
      }
      job.leaseExpiresAt = expires;
      if ((await redis.hget(metaKey(job.id), 'cancel')) === '1') throw new JobLeaseLostError(job.id, 'cancel_requested');
    },

    async complete(job: ClaimedJob, result?: unknown) {
      checkOpen();
      const bjob = await heldJob(job);
      try {
        await bjob.moveToCompleted(result === undefined ? null : result, job.leaseToken, false);
      } catch (e) {
        throw leaseError(job.id, e);
      } finally {
        held.delete(job.leaseToken);
      }
    },

    fail,
    release,

    async cancel(id: string) {
      checkOpen();
      const key = metaKey(id);
      const meta = await redis.hgetall(key);
      if (!meta.kind) throw jobNotFound(id);
      const job = await Job.fromId(queueFor(meta.kind), id);
      const bstate = job ? await job.getState() : 'unknown';
      if (bstate === 'completed') throw jobInvalidState(id, 'succeeded', 'cancel');
      if (bstate === 'failed') {
        if (meta.cancel === '1') return;
        throw jobInvalidState(id, 'failed', 'cancel');
      }
      // A queued job is left where it is and reads as cancelled; the next claim of its kind
      // ends it without handing it out. A running job's worker sees the request.
      await redis.hset(key, 'cancel', '1');
    },

    async isCancelRequested(id: string) {
      checkOpen();
      const meta = await redis.hmget(metaKey(id), 'kind', 'cancel');
      if (!meta[0]) throw jobNotFound(id);
      return meta[1] === '1';
    },

    get,

    onJobsLost(listener: () => void) {
      lostListeners.add(listener);
      return () => lostListeners.delete(listener);
    },

    async close() {
      if (closed) return;
      closed = true;
      held.clear();
      const ws = await Promise.all([...workers.values()].map((w) => w.catch(() => undefined)));
      // force: leases held through this handle are not waited for; they run out and the
      // jobs come back, as after a crash.
      await Promise.all(ws.map((w) => w?.close(true)));
      await Promise.all([...queues.values()].map((q) => q.close()));
      await redis.quit().catch(() => redis.disconnect());
    },
  };
}
