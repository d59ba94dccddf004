import os from 'node:os';
import { JobLeaseLostError, type ClaimedJob, type JobQueue } from './queue/index.js';

/** Why an attempt's signal fired: the worker shuts down, the lease went elsewhere, or a stop was asked for. */
export type AbortReason = 'shutdown' | 'lease' | 'stop';

/** What the loop gives one attempt of a job. */
export interface AttemptContext {
  /** Fires on shutdown, lease loss or a stop request; `signal.reason` is an {@link AbortReason}. */
  readonly signal: AbortSignal;
  /** Cores granted to this attempt (what its threads and `SM_NUM_CPUS` should be). */
  readonly cpus: number;
  readonly workerId: string;
  /**
   * Extends the lease once more, right now: false when it is lost. Only the lease holder
   * may end a job; a cancellation request still counts as held.
   */
  stillHeld(): Promise<boolean>;
}

/** One kind of queued work (or a few kinds handled together): what runs and how its outcome is written. */
export interface JobHandler<P = unknown, R = unknown> {
  readonly kinds: readonly string[];
  /**
   * Cores the job asks for; undefined asks for all of the worker's cores (as an instance
   * type gives a job its whole instance). More than the worker has is granted as all.
   * @default all of the worker's cores
   */
  cpus?(job: ClaimedJob<P>): Promise<number | undefined> | number | undefined;
  /** Runs the attempt. What it returns is handed to `record`. */
  run(job: ClaimedJob<P>, ctx: AttemptContext): Promise<R>;
  /**
   * Writes the outcome (metadata and queue). Called again with the same result after a
   * backoff when it throws, so a finished attempt's result survives a metadata store
   * that blinks: it must be idempotent. Gives up only when the lease is lost.
   */
  record(job: ClaimedJob<P>, result: R, ctx: AttemptContext): Promise<void>;
  /**
   * Called once the attempt is over (recorded, given up, or `run` threw: then `result` is
   * undefined), to free what `run` kept for `record` (an attempt's folder, say).
   */
  settled?(job: ClaimedJob<P>, result: R | undefined): Promise<void>;
}

/** Options of {@link startWorkerLoop}. */
export interface WorkerLoopOptions {
  queue: JobQueue;
  handlers: ReadonlyArray<JobHandler<any, any>>;
  /** Attempts run at once, at most. */
  slots: number;
  /** Cores this worker shares out between its attempts. @default os.availableParallelism() */
  cpus?: number;
  /** @default 30000 */
  leaseMs?: number;
  /** Wait between empty claims. @default 500 */
  pollMs?: number;
  /** First wait before recording an outcome again; doubles up to 10 s. @default 250 */
  recordBackoffMs?: number;
  /** Where the loop reports trouble it handles (a failed write it retries, a lost lease). @default stderr */
  log?: (message: string) => void;
  /** @default `<host>-<pid>` */
  workerId?: string;
}

/** A running loop. */
export interface WorkerLoop {
  /** Cores not granted to a running attempt. */
  readonly freeCpus: number;
  /** Attempts running now. */
  readonly running: number;
  /**
   * Calls `listener` with each job whose attempt in this loop is over (its outcome recorded,
   * or given up), so a controller in the same process looks at the job's end now rather
   * than at its next pass. Jobs run by other workers are not seen here. Returns a function
   * that removes the listener.
   */
  onAttemptEnded(listener: (job: { id: string; kind: string }) => void): () => void;
  /**
   * Aborts running attempts (reason `shutdown`), hands their jobs back to the queue once
   * each attempt is over (a crash leaves them to their leases instead), and waits for the
   * loop to end.
   */
  stop(): Promise<void>;
}

/** True when an attempt was cut off by the platform (shutdown or a lost lease), not by the job. */
export function interruptedByPlatform(signal: AbortSignal): boolean {
  return signal.aborted && (signal.reason === 'shutdown' || signal.reason === 'lease');
}

const MAX_RECORD_BACKOFF_MS = 10_000;
/** Longest a shutdown waits for the queue to take a job back. */
const RELEASE_WAIT_MS = 5_000;

/**
 * The one queue worker loop every job kind runs on: claims with a lease, heartbeats,
 * turns a cancellation request into a `stop` abort and a lost lease into a `lease`
 * abort, retries recording a finished attempt's outcome with backoff, and shuts down by
 * aborting its attempts and handing their jobs back to the queue. Attempts run side by
 * side while slots and free cores allow; a claimed job that needs more cores than are
 * free waits (its lease kept) for running attempts to end, and nothing more is claimed
 * meanwhile.
 */
export function startWorkerLoop(options: WorkerLoopOptions): WorkerLoop {
  const { queue, handlers } = options;
  const totalCpus = Math.max(1, Math.floor(options.cpus ?? os.availableParallelism()));
  const leaseMs = options.leaseMs ?? 30_000;
  const pollMs = options.pollMs ?? 500;
  const log = options.log ?? ((message: string) => process.stderr.write(`orchard: ${message}\n`));
  const workerId = options.workerId ?? `${os.hostname()}-${process.pid}`;
  const kinds = [...new Set(handlers.flatMap((h) => h.kinds))];
  const handlerOf = (kind: string) => handlers.find((h) => h.kinds.includes(kind))!;
  const controllers = new Set<AbortController>();
  const attempts = new Set<Promise<void>>();
  const ended = new Set<(job: { id: string; kind: string }) => void>();
  let freeCpus = totalCpus;
  let stopping = false;
  let wake: (() => void) | undefined;
  const sleep = (ms: number) =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        wake = undefined;
        resolve();
      }
      wake = done;
    });

  /** One heartbeat: a stop request or lost lease aborts the attempt. */
  const beatOnce = (job: ClaimedJob, controller: AbortController) =>
    queue.heartbeat(job, leaseMs).catch((err: unknown) => {
      if (err instanceof JobLeaseLostError) controller.abort(err.reason === 'cancel_requested' ? 'stop' : 'lease');
      // Any other error (the store or queue away for a moment) costs nothing while the
      // lease has time left; the next beat tries again.
      else if (job.leaseExpiresAt.getTime() < Date.now()) controller.abort('lease');
    });
  /** The jobs this loop holds, by id: a stop asked for in this process beats at once. */
  const held = new Map<string, () => void>();
  /** Keeps the lease while `signal` has not fired for the job; a stop request or lost lease aborts it. */
  const heartbeat = (job: ClaimedJob, controller: AbortController) => {
    held.set(job.id, () => void beatOnce(job, controller));
    return setInterval(() => void beatOnce(job, controller), Math.max(500, Math.floor(leaseMs / 3)));
  };

  const attempt = async (job: ClaimedJob, handler: JobHandler, cpus: number, controller: AbortController, beat: NodeJS.Timeout) => {
    const ctx: AttemptContext = {
      signal: controller.signal,
      cpus,
      workerId,
      async stillHeld() {
        try {
          await queue.heartbeat(job, leaseMs);
          return true;
        } catch (err) {
          if (err instanceof JobLeaseLostError) return err.reason === 'cancel_requested';
          throw err;
        }
      },
    };
    let result: unknown;
    try {
      try {
        result = await handler.run(job, ctx);
      } catch (err) {
        // Platform trouble outside the job's own code: the queue retries the attempt. One
        // that threw because a shutdown cut it off is handed back below instead.
        if (controller.signal.reason !== 'lease' && controller.signal.reason !== 'shutdown') await queue.fail(job, { message: (err as Error)?.message ?? String(err) }).catch(() => undefined);
        return;
      }
      await recordWithRetry(job, () => handler.record(job, result, ctx));
    } finally {
      await handler.settled?.(job, result).catch((err: unknown) => log(`job ${job.id}: cleaning up after the attempt failed (${(err as Error)?.message ?? err})`));
      clearInterval(beat);
      held.delete(job.id);
      // Cut off by a clean shutdown: back to the queue now, for whoever claims next.
      if (controller.signal.reason === 'shutdown') await handBack(job);
      controllers.delete(controller);
      freeCpus += cpus;
      wake?.();
      for (const listener of ended) {
        try {
          listener({ id: job.id, kind: job.kind });
        } catch (err) {
          log(`job ${job.id}: a listener to its end failed (${(err as Error)?.message ?? err})`);
        }
      }
    }
  };

  /**
   * Hands a job whose attempt a shutdown cut off back to the queue, so that another worker
   * (or this server restarted) takes it at once rather than when its lease runs out. A
   * job its handler ended meanwhile (completed, failed) has no lease left to hand back.
   */
  const handBack = async (job: ClaimedJob) => {
    let timer: NodeJS.Timeout | undefined;
    try {
      // A queue that does not answer (Redis away) must not hold the shutdown: the lease runs out instead.
      await Promise.race([
        queue.release(job),
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new Error(`no answer within ${RELEASE_WAIT_MS} ms`)), RELEASE_WAIT_MS);
        }),
      ]);
    } catch (err) {
      if (err instanceof JobLeaseLostError && err.reason === 'lost') return;
      log(`job ${job.id} (attempt ${job.attempt}): not handed back at shutdown (${(err as Error)?.message ?? err}); it is claimed again once its lease runs out`);
    } finally {
      clearTimeout(timer);
    }
  };

  const recordWithRetry = async (job: ClaimedJob, record: () => Promise<void>) => {
    let delay = options.recordBackoffMs ?? 250;
    for (let tries = 1; ; tries++) {
      try {
        await record();
        if (tries > 1) log(`recorded the outcome of job ${job.id} (attempt ${job.attempt}) after ${tries} tries`);
        return;
      } catch (err) {
        if (err instanceof JobLeaseLostError && err.reason === 'lost') {
          log(`job ${job.id} (attempt ${job.attempt}): the lease was lost before its outcome was recorded; the attempt that holds it now settles the job`);
          return;
        }
        // A worker that stops gives up after a few more tries: the job is handed back
        // and claimed again, its outcome found or made anew (at least once).
        if (stopping && tries >= 3) {
          log(`job ${job.id} (attempt ${job.attempt}): outcome not recorded before shutdown (${(err as Error)?.message ?? err})`);
          return;
        }
        log(`job ${job.id} (attempt ${job.attempt}): recording its outcome failed (${(err as Error)?.message ?? err}); retrying in ${delay} ms`);
        await new Promise((r) => setTimeout(r, delay));
        delay = Math.min(MAX_RECORD_BACKOFF_MS, delay * 2);
      }
    }
  };

  /** Waits until `cpus` cores are free (or the attempt is aborted); true when they are. */
  const waitForCpus = async (cpus: number, signal: AbortSignal) => {
    while (freeCpus < cpus && !signal.aborted) await sleep(pollMs);
    return !signal.aborted;
  };

  // A job enqueued in this process is claimed at once, not at the next poll.
  const unsubscribe = queue.onEnqueued?.(() => wake?.());
  // A stop asked for in this process reaches its attempt now, not at the next heartbeat.
  const unsubscribeCancel = queue.onCancelRequested?.((id) => held.get(id)?.());

  const loop = (async () => {
    while (!stopping) {
      if (controllers.size >= options.slots || freeCpus <= 0) {
        await sleep(pollMs);
        continue;
      }
      const job = await queue.claim<unknown>(kinds, { workerId, leaseMs }).catch(() => null);
      if (!job) {
        await sleep(pollMs);
        continue;
      }
      const handler = handlerOf(job.kind);
      const controller = new AbortController();
      controllers.add(controller);
      // Claimed while stop() ran: handed back below without running.
      if (stopping) controller.abort('shutdown');
      const beat = heartbeat(job, controller);
      const asked = await Promise.resolve(handler.cpus?.(job)).catch(() => undefined);
      let cpus = Math.min(totalCpus, Math.max(1, Math.floor(asked ?? totalCpus)));
      if (!(await waitForCpus(cpus, controller.signal))) {
        if (controller.signal.reason !== 'stop') {
          // Shut down or lost while waiting for cores: nothing ran. A shutdown hands the
          // job back; a lost lease has nothing to give.
          clearInterval(beat);
          held.delete(job.id);
          if (controller.signal.reason === 'shutdown') await handBack(job);
          controllers.delete(controller);
          continue;
        }
        // A stop asked for while waiting: the handler settles it without running (no cores).
        cpus = 0;
      }
      freeCpus -= cpus;
      const running = attempt(job, handler, cpus, controller, beat);
      attempts.add(running);
      void running.finally(() => attempts.delete(running));
    }
  })();

  return {
    get freeCpus() {
      return freeCpus;
    },
    get running() {
      return controllers.size;
    },
    onAttemptEnded(listener) {
      ended.add(listener);
      return () => ended.delete(listener);
    },
    async stop() {
      stopping = true;
      unsubscribe?.();
      unsubscribeCancel?.();
      for (const c of controllers) c.abort('shutdown');
      wake?.();
      await loop;
      await Promise.all([...attempts]);
    },
  };
}
