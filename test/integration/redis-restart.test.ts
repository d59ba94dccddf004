import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { createBullmqJobQueue } from '../../src/jobs/queue/bullmq-queue.js';
import { Orchard, type TrainingJob } from '../../src/sdk/index.js';
import { fleetBackend } from '../support/backends.js';
import { startRedisServer, type RedisServer } from '../support/redis-server.js';
import { cli, startServer, startWorkerProcess, type RunningServer } from '../support/server.js';

const JOBS = ['rr1', 'rr2', 'rr3', 'rr4'];
const STEPS = 30;

/** A script-mode job of about STEPS × 150 ms that logs each step and writes a model. */
function writeScript(dir: string): string {
  const file = path.join(dir, 'steps.mjs');
  fs.writeFileSync(
    file,
    [
      "import fs from 'node:fs';",
      "import path from 'node:path';",
      `for (let i = 1; i <= ${STEPS}; i++) {`,
      '  console.log(`step ${i}`);',
      '  await new Promise((r) => setTimeout(r, 150));',
      '}',
      "fs.writeFileSync(path.join(process.env.SM_MODEL_DIR, 'model.json'), '{}');",
    ].join('\n') + '\n',
  );
  return file;
}

async function until<T>(what: string, fn: () => Promise<T | undefined | null | false>, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await fn();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

// The three outages side by side: each has its own redis-server, PostgreSQL schema, S3 server,
// server and workers, and spends its time waiting on jobs that sleep, so together they take
// little more than the slowest.
describe.concurrent('fleet mode through a Redis restart (PostgreSQL + S3 + a redis-server of its own)', () => {
  /** Runs a case with its own clean-ups, undone in reverse order however it ends. */
  async function withCleanups(body: (cleanups: Array<() => Promise<void>>) => Promise<void>): Promise<void> {
    const cleanups: Array<() => Promise<void>> = [];
    try {
      await body(cleanups);
    } finally {
      for (const fn of cleanups.reverse()) await fn().catch(() => undefined);
    }
  }

  /** A server without workers and two fleet workers on a fresh Redis; four jobs submitted. */
  async function fleetOn(redis: RedisServer, cleanups: Array<() => Promise<void>>, extra: Record<string, string> = {}) {
    const prefix = 'orch-rr';
    const fleet = await fleetBackend({ ORCHARD_QUEUE_URL: `${redis.url}?prefix=${prefix}&stalledIntervalMs=300`, ...extra });
    cleanups.push(() => fleet.teardown());
    const server: RunningServer = await startServer({ ...fleet.env, ORCHARD_WORKERS: '0' });
    cleanups.push(() => server.stop());
    // The two workers start side by side; one that started is stopped even if the other failed to.
    const started = await Promise.allSettled([startWorkerProcess(fleet.env), startWorkerProcess(fleet.env)]);
    const workers = started.flatMap((w) => (w.status === 'fulfilled' ? [w.value] : []));
    cleanups.push(async () => {
      for (const w of workers) await w.stop();
    });
    for (const w of started) if (w.status === 'rejected') throw w.reason;
    const admin = { url: server.url, token: server.adminToken };
    const orchard = new Orchard(admin);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'orchard-rr-'));
    cleanups.push(async () => fs.rmSync(dir, { recursive: true, force: true }));
    fs.writeFileSync(path.join(dir, 'd.csv'), '1,0.5\n0,0.2\n1,0.9\n');
    // Through the SDK (one upload, not an `orchard` process); the first job through `orchard train`, which packs the script.
    await orchard.datasets.create({ name: 'd', file: path.join(dir, 'd.csv') });
    const first = await cli(['train', '--name', JOBS[0], '--script', writeScript(dir), '--train', 'd', '--json'], admin);
    expect(first.code, first.stdout + first.stderr).toBe(0);
    // The others at once, reusing the uploaded source, so that some are still queued.
    for (const name of JOBS.slice(1)) await orchard.training.create({ name, script: first.json.script, channels: { train: 'd' } });
    return { server, workers, orchard, prefix };
  }

  /** Restarts redis-server once two jobs are training (the other two are still queued). */
  async function restartMidRun(redis: RedisServer, orchard: Orchard, downMs = 1000): Promise<void> {
    await until('two jobs training', async () => {
      const items = (await orchard.training.list()).items;
      expect(items.filter((j) => j.status !== 'InProgress')).toEqual([]);
      return items.filter((j) => j.secondaryStatus === 'Training').length >= 2;
    });
    await redis.stop();
    await new Promise((r) => setTimeout(r, downMs));
    await redis.start();
  }

  /** Every job completed with its model, and the last attempt logged every step once. */
  async function expectAllCompleted(orchard: Orchard): Promise<TrainingJob[]> {
    const jobs = await Promise.all(JOBS.map((name) => orchard.training.waitFor(name, { pollMs: 200 })));
    for (const job of jobs) {
      expect(job, job.name).toMatchObject({ status: 'Completed', secondaryStatus: 'Completed', failureReason: null });
      expect(job.modelArtifact).toMatch(new RegExp(`^s3://.*/jobs/${job.name}/output/model\\.tar\\.gz$`));
      const { lines } = await orchard.training.logs(job.name, { limit: 10_000 });
      const last = lines.filter((l) => l.attempt === job.attempts && l.line.startsWith('step '));
      expect(last.map((l) => l.line), job.name).toEqual(Array.from({ length: STEPS }, (_, i) => `step ${i + 1}`));
    }
    return jobs;
  }

  /**
   * The queue agrees: each job's queue entry succeeded, nothing waits or runs (an entry
   * whose lease was lost is settled by the attempt that claims it next); and the jobs are
   * still Completed once it has.
   */
  async function expectQueueSettled(redis: RedisServer, prefix: string, orchard: Orchard): Promise<void> {
    const queue = await createBullmqJobQueue(redis.url, { prefix });
    try {
      for (const name of JOBS) {
        const entry = await until(`the queue entry of ${name} to settle`, async () => {
          const e = await queue.get(`training-${name}`);
          return e && e.state !== 'queued' && e.state !== 'running' ? e : undefined;
        });
        expect(entry, name).toMatchObject({ state: 'succeeded' });
        expect(await orchard.training.describe(name), name).toMatchObject({ status: 'Completed' });
      }
    } finally {
      await queue.close();
    }
  }

  it('with an append-only file: every job completes exactly once, with no attempt lost', { timeout: 180_000 }, () =>
    withCleanups(async (cleanups) => {
      const redis = await startRedisServer({ persistent: true });
      cleanups.push(() => redis.stop());
      const { server, workers, orchard, prefix } = await fleetOn(redis, cleanups);
      await restartMidRun(redis, orchard);
      const jobs = await expectAllCompleted(orchard);
      // The leases outlived the outage: no attempt was lost or repeated.
      for (const job of jobs) expect(job.attempts, job.name).toBe(1);
      for (const job of jobs) {
        const { lines } = await orchard.training.logs(job.name, { limit: 10_000 });
        expect(lines.filter((l) => l.line.startsWith('step ')).length, job.name).toBe(STEPS);
      }
      await expectQueueSettled(redis, prefix, orchard);
      expect(server.process.exitCode).toBeNull();
      for (const w of workers) expect(w.process.exitCode).toBeNull();
    }));

  it('with an outage longer than the leases: attempts are lost and re-run, and each job still ends Completed once', { timeout: 180_000 }, () =>
    withCleanups(async (cleanups) => {
      const redis = await startRedisServer({ persistent: true });
      cleanups.push(() => redis.stop());
      // Leases of 1.5 s against an outage of 4 s: every running attempt loses its lease.
      const { server, workers, orchard, prefix } = await fleetOn(redis, cleanups, { ORCHARD_JOB_LEASE_MS: '1500' });
      await restartMidRun(redis, orchard, 4000);
      const jobs = await expectAllCompleted(orchard);
      expect(jobs.some((j) => j.attempts > 1)).toBe(true);
      await expectQueueSettled(redis, prefix, orchard);
      expect(server.process.exitCode).toBeNull();
      for (const w of workers) expect(w.process.exitCode).toBeNull();
    }));

  it('without persistence: the server re-queues what the database says is unfinished, and every job completes', { timeout: 180_000 }, () =>
    withCleanups(async (cleanups) => {
      const redis = await startRedisServer({ persistent: false });
      cleanups.push(() => redis.stop());
      const { server, workers, orchard, prefix } = await fleetOn(redis, cleanups);
      await restartMidRun(redis, orchard);
      await expectAllCompleted(orchard);
      await expectQueueSettled(redis, prefix, orchard);
      expect(server.process.exitCode).toBeNull();
      for (const w of workers) expect(w.process.exitCode).toBeNull();
    }));
});
