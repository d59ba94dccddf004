import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isOrchardError } from '../../core/errors.js';
import type { JobQueue, JobRecord } from './job-queue.js';

/** One backend under test: handles on one shared store, like separate processes. */
export interface JobQueueHarness {
  /** A new queue handle on the same store (close it yourself or leave it to cleanup). */
  open(): Promise<JobQueue>;
  /**
   * Closes every handle and the store's connections, then reopens the store, as a server
   * restart would. Handles from `open()` afterwards see the persisted state.
   */
  restart(): Promise<void>;
  cleanup(): Promise<void>;
}

const LEASE_MS = 300;
const WORKER = { workerId: 'w-test', leaseMs: LEASE_MS };
/** Generous: slow CI and BullMQ's stalled checker (it needs two sweeps) must both fit. */
const DEADLINE_MS = 15_000;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Polls `fn` until it returns a value that is not null/undefined, or fails at the deadline. */
export async function eventually<T>(fn: () => Promise<T | null | undefined>, what: string, deadlineMs = DEADLINE_MS): Promise<T> {
  const until = Date.now() + deadlineMs;
  for (;;) {
    const v = await fn();
    if (v !== null && v !== undefined) return v;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await sleep(25);
  }
}

async function expectCode(p: Promise<unknown>, code: string, reason?: string): Promise<void> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err, `expected ${code}`).toBeDefined();
  expect(isOrchardError(err) ? err.code : err).toBe(code);
  if (reason && isOrchardError(err)) expect(err.details?.reason).toBe(reason);
}

/**
 * The behaviour every JobQueue backend promises. Timing never decides a verdict: waits
 * poll with a deadline, and leases are short so expiry happens quickly.
 */
export function describeJobQueueContract(name: string, setup: () => Promise<JobQueueHarness>): void {
  describe(`JobQueue contract: ${name}`, () => {
    let harness: JobQueueHarness;
    let q: JobQueue;
    let kindSeq = 0;
    // A fresh kind per test keeps cases apart even on a shared store.
    let kind: string;

    beforeEach(async () => {
      harness = await setup();
      q = await harness.open();
      kind = `k${Date.now().toString(36)}-${kindSeq++}`;
    });
    afterEach(async () => {
      await harness.cleanup();
    });

    const claimEventually = <P>(queue: JobQueue = q, kinds = [kind], workerId = 'w-test') =>
      eventually(() => queue.claim<P>(kinds, { workerId, leaseMs: LEASE_MS }), 'a claimable job');

    it('enqueues, claims and completes a job', async () => {
      const { id } = await q.enqueue(kind, { n: 1, s: 'é' });
      const queued = await q.get(id);
      expect(queued).toMatchObject({ id, kind, state: 'queued', attempt: 0, maxAttempts: 3, payload: { n: 1, s: 'é' } });
      const job = await claimEventually<{ n: number }>();
      expect(job).toMatchObject({ id, kind, attempt: 1, payload: { n: 1, s: 'é' } });
      expect(job.leaseToken).toEqual(expect.any(String));
      expect(job.leaseExpiresAt.getTime()).toBeGreaterThan(Date.now() - 1000);
      expect(await q.get(id)).toMatchObject({ state: 'running', attempt: 1, workerId: 'w-test' });
      await q.complete(job, { ok: true });
      const done = (await q.get(id)) as JobRecord;
      expect(done).toMatchObject({ state: 'succeeded', attempt: 1, result: { ok: true } });
      expect(done.createdAt).toBeInstanceOf(Date);
      expect(await q.claim([kind], WORKER)).toBeNull();
      await expectCode(q.complete(job), 'ORCH_JOB_LEASE_LOST');
    });

    it('returns null when nothing is ready, and null for unknown jobs', async () => {
      expect(await q.claim([kind], WORKER)).toBeNull();
      expect(await q.get('job-does-not-exist')).toBeNull();
      await expectCode(q.cancel('job-does-not-exist'), 'ORCH_JOB_NOT_FOUND');
    });

    it('is idempotent by jobId', async () => {
      const a = await q.enqueue(kind, { v: 1 }, { jobId: 'fixed-id-1' });
      const b = await q.enqueue(kind, { v: 2 }, { jobId: 'fixed-id-1' });
      expect(a.id).toBe('fixed-id-1');
      expect(b.id).toBe('fixed-id-1');
      const job = await claimEventually<{ v: number }>();
      expect(job.payload).toEqual({ v: 1 });
      expect(await q.claim([kind], WORKER)).toBeNull();
      await q.complete(job);
      await q.enqueue(kind, { v: 3 }, { jobId: 'fixed-id-1' });
      expect(await q.get('fixed-id-1')).toMatchObject({ state: 'succeeded', payload: { v: 1 } });
      await expectCode(q.enqueue(kind, {}, { jobId: 'bad id!' }), 'ORCH_JOB_INVALID');
    });

    it('claims FIFO within a priority, lower priority numbers first', async () => {
      const order: string[] = [];
      for (let i = 0; i < 4; i++) order.push((await q.enqueue(kind, { i }, { priority: 5 })).id);
      const urgent = (await q.enqueue(kind, { urgent: true }, { priority: 1 })).id;
      const got: string[] = [];
      for (;;) {
        const job = await q.claim([kind], WORKER);
        if (!job) break;
        got.push(job.id);
        await q.complete(job);
      }
      expect(got).toEqual([urgent, ...order]);
    });

    it('never gives one job to two concurrent claimers', async () => {
      const handles = [q, await harness.open(), await harness.open(), await harness.open()];
      const ids = new Set<string>();
      for (let i = 0; i < 50; i++) ids.add((await q.enqueue(kind, { i })).id);
      const claimedBy = new Map<string, number>();
      let duplicates = 0;
      await Promise.all(
        handles.map(async (h, w) => {
          for (;;) {
            const job = await h.claim([kind], { workerId: `w${w}`, leaseMs: 30_000 });
            if (!job) return;
            if (claimedBy.has(job.id)) duplicates++;
            claimedBy.set(job.id, w);
            await h.complete(job);
          }
        }),
      );
      expect(duplicates).toBe(0);
      expect(new Set(claimedBy.keys())).toEqual(ids);
    });

    it('reclaims a job whose lease expired, with the next attempt, and refuses the old holder', async () => {
      const other = await harness.open();
      const { id } = await q.enqueue(kind, { x: 1 });
      const first = await claimEventually();
      expect(first.attempt).toBe(1);
      // The first holder "dies": no heartbeat. Another worker gets the job once the lease is gone.
      const second = await claimEventually(other, [kind], 'w-other');
      expect(second).toMatchObject({ id, attempt: 2 });
      expect(second.leaseToken).not.toBe(first.leaseToken);
      await expectCode(q.complete(first, 'late'), 'ORCH_JOB_LEASE_LOST');
      await expectCode(q.heartbeat(first, LEASE_MS), 'ORCH_JOB_LEASE_LOST');
      await expectCode(q.fail(first, { message: 'late' }), 'ORCH_JOB_LEASE_LOST');
      await other.complete(second, 'second');
      expect(await q.get(id)).toMatchObject({ state: 'succeeded', attempt: 2, result: 'second', workerId: 'w-other' });
    });

    it('keeps the lease while the worker heartbeats', async () => {
      const { id } = await q.enqueue(kind, {});
      const job = await claimEventually();
      const before = job.leaseExpiresAt.getTime();
      // Hold the job for several lease lengths; nobody else may claim it meanwhile.
      const until = Date.now() + LEASE_MS * 4;
      while (Date.now() < until) {
        await q.heartbeat(job, LEASE_MS * 10);
        expect(await q.claim([kind], WORKER)).toBeNull();
        await sleep(LEASE_MS / 4);
      }
      expect(job.leaseExpiresAt.getTime()).toBeGreaterThan(before);
      await q.complete(job);
      expect(await q.get(id)).toMatchObject({ state: 'succeeded', attempt: 1 });
    });

    it('retries a failed attempt after a backoff', async () => {
      const { id } = await q.enqueue(kind, {}, { maxAttempts: 3, backoffMs: 200 });
      const job = await claimEventually();
      const outcome = await q.fail(job, { message: 'boom 1' });
      expect(outcome.willRetry).toBe(true);
      expect(outcome.nextAttemptAt).toBeInstanceOf(Date);
      expect(await q.get(id)).toMatchObject({ state: 'queued', attempt: 1, lastError: 'boom 1' });
      const again = await claimEventually();
      expect(again).toMatchObject({ id, attempt: 2 });
      // The retry was not handed out before its backoff ran out.
      expect(Date.now()).toBeGreaterThanOrEqual(outcome.nextAttemptAt!.getTime() - 50);
      await q.complete(again);
      expect(await q.get(id)).toMatchObject({ state: 'succeeded', attempt: 2 });
    });

    it('fails for good once maxAttempts are used up', async () => {
      const { id } = await q.enqueue(kind, {}, { maxAttempts: 2, backoffMs: 10 });
      const a1 = await claimEventually();
      expect((await q.fail(a1, { message: 'first' })).willRetry).toBe(true);
      const a2 = await claimEventually();
      expect(a2.attempt).toBe(2);
      expect(await q.fail(a2, { message: 'second' })).toEqual({ willRetry: false });
      expect(await q.get(id)).toMatchObject({ state: 'failed', attempt: 2, lastError: 'second' });
      expect(await q.claim([kind], WORKER)).toBeNull();
    });

    it('counts an expired lease as an attempt', async () => {
      const { id } = await q.enqueue(kind, {}, { maxAttempts: 1 });
      await claimEventually();
      // The only attempt's worker dies; the job must end failed, not run again.
      const rec = await eventually(async () => {
        expect(await q.claim([kind], WORKER)).toBeNull();
        const r = await q.get(id);
        return r?.state === 'failed' ? r : null;
      }, 'the job to fail');
      expect(rec.lastError).toEqual(expect.any(String));
    });

    it('hands a job back at once, to be claimed with the next attempt number, without spending an attempt', async () => {
      const other = await harness.open();
      const long = (workerId: string) => ({ workerId, leaseMs: 60_000 });
      const { id } = await q.enqueue(kind, { r: 1 }, { maxAttempts: 2, backoffMs: 10 });
      const first = await eventually(() => q.claim([kind], long('w-test')), 'a claimable job');
      await q.release(first);
      expect(await q.get(id)).toMatchObject({ state: 'queued', attempt: 1, maxAttempts: 3, lastError: null });
      // Claimable now: the released lease had a minute left.
      const second = await eventually(() => other.claim<{ r: number }>([kind], long('w-other')), 'the job handed back');
      expect(second).toMatchObject({ id, attempt: 2, payload: { r: 1 } });
      await expectCode(q.release(first), 'ORCH_JOB_LEASE_LOST', 'lost');
      await expectCode(q.complete(first), 'ORCH_JOB_LEASE_LOST');
      // Two attempts of its own still: the second failure is the last.
      expect((await other.fail(second, { message: 'boom 1' })).willRetry).toBe(true);
      const third = await eventually(() => other.claim([kind], long('w-other')), 'the retry');
      expect(third.attempt).toBe(3);
      expect(await other.fail(third, { message: 'boom 2' })).toEqual({ willRetry: false });
      expect(await q.get(id)).toMatchObject({ state: 'failed', attempt: 3, maxAttempts: 3, lastError: 'boom 2' });
    });

    it('does not hand back a job whose cancellation was asked for', async () => {
      const { id } = await q.enqueue(kind, {});
      const job = await eventually(() => q.claim([kind], { workerId: 'w-test', leaseMs: 60_000 }), 'a claimable job');
      await q.cancel(id);
      await expectCode(q.release(job), 'ORCH_JOB_LEASE_LOST', 'cancel_requested');
      expect(await q.get(id)).toMatchObject({ state: 'running', cancelRequested: true });
      expect(await q.fail(job, { message: 'cancelled', retryable: false })).toEqual({ willRetry: false });
      expect(await q.get(id)).toMatchObject({ state: 'cancelled' });
    });

    it('fails at once when the error is not retryable', async () => {
      const { id } = await q.enqueue(kind, {}, { maxAttempts: 5 });
      const job = await claimEventually();
      expect(await q.fail(job, { message: 'bad input', retryable: false })).toEqual({ willRetry: false });
      expect(await q.get(id)).toMatchObject({ state: 'failed', attempt: 1, lastError: 'bad input' });
    });

    it('cancels a queued job at once', async () => {
      const { id } = await q.enqueue(kind, { p: 1 });
      await q.cancel(id);
      expect(await q.get(id)).toMatchObject({ state: 'cancelled', payload: { p: 1 } });
      expect(await q.isCancelRequested(id)).toBe(true);
      expect(await q.claim([kind], WORKER)).toBeNull();
      await q.cancel(id); // again: nothing to do
      await q.enqueue(kind, {}, { jobId: id });
      expect(await q.get(id)).toMatchObject({ state: 'cancelled' });
    });

    it('asks a running job to stop; the worker ends it cancelled', async () => {
      const { id } = await q.enqueue(kind, {});
      const job = await claimEventually();
      expect(await q.isCancelRequested(id)).toBe(false);
      await q.cancel(id);
      expect(await q.isCancelRequested(id)).toBe(true);
      expect(await q.get(id)).toMatchObject({ state: 'running', cancelRequested: true });
      await expectCode(q.heartbeat(job, LEASE_MS), 'ORCH_JOB_LEASE_LOST', 'cancel_requested');
      expect(await q.fail(job, { message: 'cancelled', retryable: false })).toEqual({ willRetry: false });
      expect(await q.get(id)).toMatchObject({ state: 'cancelled' });
    });

    it('does not retry a cancelled job even if the failure was retryable', async () => {
      const { id } = await q.enqueue(kind, {}, { backoffMs: 10 });
      const job = await claimEventually();
      await q.cancel(id);
      expect((await q.fail(job, { message: 'stopped' })).willRetry).toBe(false);
      expect(await q.get(id)).toMatchObject({ state: 'cancelled' });
      await q.cancel(id); // already cancelled: nothing to do
    });

    it('refuses to cancel a finished job', async () => {
      const { id } = await q.enqueue(kind, {});
      await q.complete(await claimEventually());
      await expectCode(q.cancel(id), 'ORCH_JOB_INVALID_STATE');
    });

    it('holds a job back until runAfter', async () => {
      const runAfter = new Date(Date.now() + 600);
      const { id } = await q.enqueue(kind, {}, { runAfter });
      expect(await q.claim([kind], WORKER)).toBeNull();
      const job = await claimEventually();
      expect(job.id).toBe(id);
      expect(Date.now()).toBeGreaterThanOrEqual(runAfter.getTime() - 50);
    });

    it('claims only the kinds asked for', async () => {
      const other = `${kind}-other`;
      const { id } = await q.enqueue(other, {});
      expect(await q.claim([kind], WORKER)).toBeNull();
      const job = await claimEventually(q, [kind, other]);
      expect(job).toMatchObject({ id, kind: other });
    });

    it('keeps jobs across a restart', async () => {
      const { id } = await q.enqueue(kind, { keep: true });
      const running = await q.enqueue(kind, { keep: 'running' });
      const held = await claimEventually<{ keep: unknown }>();
      expect(held.id).toBe(id);
      await harness.restart();
      const q2 = await harness.open();
      expect(await q2.get(id)).toMatchObject({ state: 'running', payload: { keep: true } });
      // The queued job is claimable, and the job held before the restart comes back once
      // its lease runs out. Which comes first depends on how long the restart took
      // against the short lease, so the order is not asserted.
      const first = await claimEventually(q2);
      await q2.complete(first);
      const second = await claimEventually(q2);
      await q2.complete(second);
      const byId = new Map([first, second].map((j) => [j.id, j]));
      expect([...byId.keys()].sort()).toEqual([id, running.id].sort());
      expect(byId.get(id)).toMatchObject({ attempt: 2 });
      expect(byId.get(running.id)).toMatchObject({ attempt: 1 });
      expect(await q2.get(id)).toMatchObject({ state: 'succeeded' });
    });

    it('refuses work after close', async () => {
      const h = await harness.open();
      await h.close();
      await expect(h.enqueue(kind, {})).rejects.toMatchObject({ code: 'ORCH_QUEUE_UNAVAILABLE' });
    });
  });
}

