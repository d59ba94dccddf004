import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openMetadataStore, type MetadataStore } from '../storage/index.js';
import { createEmbeddedJobQueue } from './queue/index.js';
import type { ClaimedJob, JobQueue } from './queue/index.js';
import { startWorkerLoop, type AttemptContext, type JobHandler, type WorkerLoop } from './worker-loop.js';

type Payload = { n: number; cpus?: number; ms?: number };

const until = async (check: () => boolean | Promise<boolean>, ms = 10_000) => {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 20));
  }
};

describe('the queue worker loop', () => {
  let metadata: MetadataStore;
  let queue: JobQueue;
  let loop: WorkerLoop | undefined;

  beforeEach(async () => {
    metadata = await openMetadataStore('sqlite::memory:');
    queue = createEmbeddedJobQueue(metadata);
  });
  afterEach(async () => {
    await loop?.stop();
    loop = undefined;
    await queue.close();
    await metadata.close();
  });

  /** A handler that records which attempts ran side by side and with how many cores. */
  function tracing() {
    const log: Array<{ n: number; cpus: number; overlapped: number[] }> = [];
    const running = new Set<number>();
    const handler: JobHandler<Payload, number> = {
      kinds: ['work'],
      cpus: (job) => job.payload.cpus,
      async run(job, ctx) {
        const entry = { n: job.payload.n, cpus: ctx.cpus, overlapped: [...running] };
        for (const other of running) log.find((e) => e.n === other)?.overlapped.push(job.payload.n);
        log.push(entry);
        running.add(job.payload.n);
        await new Promise((r) => setTimeout(r, job.payload.ms ?? 150));
        running.delete(job.payload.n);
        return job.payload.n;
      },
      async record(job, result) {
        await queue.complete(job, { result });
      },
    };
    return { handler, log };
  }

  it('claims a job enqueued in its own process at once, not at its next poll', async () => {
    const { handler, log } = tracing();
    // An hour between polls: only the enqueue's wake-up can start the job within the test's time.
    loop = startWorkerLoop({ queue, handlers: [handler], slots: 1, cpus: 1, pollMs: 3_600_000 });
    await new Promise((r) => setTimeout(r, 50));
    await queue.enqueue('work', { n: 1, ms: 1 });
    await until(() => log.length > 0, 4_000);
    expect(log[0].n).toBe(1);
  });

  it('gives a lone job that names no cores all of the worker\'s cores', async () => {
    const { handler, log } = tracing();
    loop = startWorkerLoop({ queue, handlers: [handler], slots: 4, cpus: 3, pollMs: 20 });
    await queue.enqueue('work', { n: 1 });
    await until(() => log.length > 0);
    expect(log[0].cpus).toBe(3);
    await until(() => loop!.freeCpus === 3 && loop!.running === 0);
  });

  it('runs jobs side by side only while free cores allow, and never past the slots', async () => {
    const { handler, log } = tracing();
    loop = startWorkerLoop({ queue, handlers: [handler], slots: 3, cpus: 2, pollMs: 20 });
    // Two one-core jobs fit together; the two-core job waits for both; the last two fit together again.
    for (const [n, cpus] of [[1, 1], [2, 1], [3, 2], [4, 1], [5, 1]] as const) await queue.enqueue('work', { n, cpus }, { jobId: `j${n}`, priority: n });
    await until(() => log.length === 5 && loop!.running === 0, 15_000);
    const of = (n: number) => log.find((e) => e.n === n)!;
    expect(of(1).overlapped).toContain(2);
    expect(of(3).cpus).toBe(2);
    expect(of(3).overlapped).toEqual([]);
    expect(of(4).overlapped).toContain(5);
    for (const e of log) expect(e.overlapped.length).toBeLessThanOrEqual(1);
    expect(loop.freeCpus).toBe(2);
  });

  it('grants a job that asks for more cores than the worker has all of them', async () => {
    const { handler, log } = tracing();
    loop = startWorkerLoop({ queue, handlers: [handler], slots: 2, cpus: 2, pollMs: 20 });
    await queue.enqueue('work', { n: 1, cpus: 64 });
    await until(() => log.length === 1);
    expect(log[0].cpus).toBe(2);
  });

  it('keeps a finished attempt\'s result and records it once the store answers again, without running it twice', async () => {
    let runs = 0;
    let failures = 3;
    const messages: string[] = [];
    const recorded: number[] = [];
    const handler: JobHandler<Payload, number> = {
      kinds: ['work'],
      async run(job) {
        runs++;
        return job.payload.n * 10;
      },
      async record(job, result) {
        // The metadata store blinks: its first writes fail as a dropped connection would.
        if (failures-- > 0) throw new Error('Connection terminated unexpectedly');
        recorded.push(result);
        await queue.complete(job, { result });
      },
    };
    loop = startWorkerLoop({ queue, handlers: [handler], slots: 1, cpus: 1, pollMs: 20, recordBackoffMs: 10, log: (m) => messages.push(m) });
    const { id } = await queue.enqueue('work', { n: 7 });
    await until(async () => (await queue.get(id))?.state === 'succeeded');
    expect(runs).toBe(1);
    expect(recorded).toEqual([70]);
    expect(messages.filter((m) => m.includes('recording its outcome failed'))).toHaveLength(3);
    expect(messages.some((m) => m.includes('after 4 tries'))).toBe(true);
  });

  it('gives up recording when the lease is lost to another attempt', async () => {
    const messages: string[] = [];
    let settled = 0;
    const handler: JobHandler<Payload, number> = {
      kinds: ['work'],
      run: async () => 1,
      async record(job) {
        // Another worker took the job over meanwhile: the queue refuses this holder.
        const stale: ClaimedJob = { ...job, leaseToken: 'someone-else' };
        await queue.complete(stale);
      },
      async settled() {
        settled++;
      },
    };
    loop = startWorkerLoop({ queue, handlers: [handler], slots: 1, cpus: 1, pollMs: 20, recordBackoffMs: 10, log: (m) => messages.push(m) });
    await queue.enqueue('work', { n: 1 });
    await until(() => settled === 1);
    expect(messages.some((m) => m.includes('the lease was lost'))).toBe(true);
  });

  it('turns a stop request into a `stop` abort and shutdown into `shutdown`', async () => {
    const reasons: unknown[] = [];
    const handler: JobHandler<Payload, void> = {
      kinds: ['work'],
      async run(_job, ctx: AttemptContext) {
        await new Promise<void>((resolve) => ctx.signal.addEventListener('abort', () => resolve()));
        reasons.push(ctx.signal.reason);
      },
      async record(job) {
        await queue.fail(job, { message: 'stopped', retryable: false }).catch(() => undefined);
      },
    };
    loop = startWorkerLoop({ queue, handlers: [handler], slots: 2, cpus: 2, leaseMs: 1500, pollMs: 20 });
    const { id } = await queue.enqueue('work', { n: 1, cpus: 1 });
    await until(async () => (await queue.get(id))?.state === 'running');
    await queue.cancel(id);
    await until(() => reasons.length === 1);
    expect(reasons[0]).toBe('stop');
    await until(async () => (await queue.get(id))?.state === 'cancelled');
    await queue.enqueue('work', { n: 2, cpus: 1 }, { jobId: 'second' });
    await until(async () => (await queue.get('second'))?.state === 'running');
    await loop.stop();
    loop = undefined;
    expect(reasons[1]).toBe('shutdown');
  });

  it('hands the jobs it shuts down back to the queue at once, not failed and with their attempts unspent', async () => {
    const started: number[] = [];
    const handler: JobHandler<Payload, string> = {
      kinds: ['work'],
      cpus: (job) => job.payload.cpus,
      async run(job, ctx) {
        started.push(job.payload.n);
        await new Promise<void>((resolve) => ctx.signal.addEventListener('abort', () => resolve()));
        // Job 2 throws as it is cut off (as a child process killed mid-write may make it).
        if (job.payload.n === 2) throw new Error('cut off');
        return String(ctx.signal.reason);
      },
      // An interrupted attempt records nothing final (training marks its job Restarting).
      async record() {},
    };
    // A ten-minute lease: only the hand-back makes the jobs claimable again within the test.
    loop = startWorkerLoop({ queue, handlers: [handler], slots: 3, cpus: 3, leaseMs: 600_000, pollMs: 20 });
    // Jobs 1 and 2 run on a core each; job 3 (two cores) is claimed and waits for cores.
    for (const [n, cpus] of [[1, 1], [2, 1], [3, 2]] as const) await queue.enqueue('work', { n, cpus }, { jobId: `j${n}`, priority: n, maxAttempts: 1 });
    await until(async () => started.length === 2 && (await queue.get('j3'))?.state === 'running');
    await loop.stop();
    loop = undefined;
    expect(started).toEqual([1, 2]);
    for (const id of ['j1', 'j2', 'j3']) expect(await queue.get(id), id).toMatchObject({ state: 'queued', attempt: 1, maxAttempts: 2, lastError: null });
    const again = await queue.claim(['work'], { workerId: 'next', leaseMs: 1000 });
    expect(again).toMatchObject({ id: 'j1', attempt: 2 });
  });

  it('stops an attempt as soon as its stop is asked for in the same process, not at its next heartbeat', async () => {
    const reasons: unknown[] = [];
    const handler: JobHandler<Payload, void> = {
      kinds: ['work'],
      async run(_job, ctx: AttemptContext) {
        await new Promise<void>((resolve) => ctx.signal.addEventListener('abort', () => resolve()));
        reasons.push(ctx.signal.reason);
      },
      async record(job) {
        await queue.fail(job, { message: 'stopped', retryable: false }).catch(() => undefined);
      },
    };
    // A ten-minute lease beats every 200 s: only the cancel notice can end this in time.
    loop = startWorkerLoop({ queue, handlers: [handler], slots: 1, cpus: 1, leaseMs: 600_000, pollMs: 20 });
    const { id } = await queue.enqueue('work', { n: 1 });
    await until(async () => (await queue.get(id))?.state === 'running');
    await queue.cancel(id);
    await until(() => reasons.length === 1);
    expect(reasons[0]).toBe('stop');
    await until(async () => (await queue.get(id))?.state === 'cancelled');
  });
});
