import { createReadStream, createWriteStream } from 'node:fs';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import * as tar from 'tar';
import { fileURLToPath } from 'node:url';
import { isOrchardError, newId } from '../core/index.js';
import type { DatasetService } from '../data/index.js';
import { JobLeaseLostError, runScriptAttempt, type AttemptResult, type ClaimedJob, type JobQueue } from '../jobs/index.js';
import type { ArtifactStore, MetadataStore } from '../storage/index.js';
import { CheckpointSync } from './checkpoints.js';
import { reapOrphans, removeOwner, writeOwner } from './orphans.js';
import { queueJobId, TRAINING_KIND } from './training-jobs.js';
import { TrainingStore, type TrainingSpec } from './training-store.js';

export interface TrainingWorkerDeps {
  metadata: MetadataStore;
  queue: JobQueue;
  datasets: DatasetService;
  artifacts: ArtifactStore;
  /** Parent of the attempts' working folders; must be traversable by the unprivileged user. */
  attemptsDir: string;
  /** Threads each attempt may use. */
  threads: number;
  leaseMs?: number;
  pollMs?: number;
  /** How often a running attempt's checkpoints are copied to the store. @default 10000 */
  checkpointSyncMs?: number;
}

export interface TrainingWorkers {
  stop(): Promise<void>;
}

/** A parameter the job's code logged: `#param <name>=<value>` (value up to 1 KiB). */
const PARAM_LINE = /^#param ([A-Za-z0-9_.:/-]{1,128})=(.{0,1024})$/;
const METRIC_LINE = /^#metric ([^=\s]+)=(-?[0-9.eE+-]+|NaN|-?Infinity)(?: step=(\d+))?$/;

/** The built-in runner's file, next to this one (compiled `.js`, or `.ts` under tsx/vitest). */
function runnerProgram(): { command: string; args: string[] } {
  const here = fileURLToPath(import.meta.url);
  const ext = path.extname(here);
  const runner = path.join(path.dirname(here), `algorithm-runner${ext}`);
  return ext === '.ts' ? { command: process.execPath, args: ['--import', import.meta.resolve('tsx'), runner] } : { command: process.execPath, args: [runner] };
}

/** Starts `count` loops that claim training attempts from the queue and run them. */
export async function startTrainingWorkers(deps: TrainingWorkerDeps, count: number): Promise<TrainingWorkers> {
  await fs.mkdir(deps.attemptsDir, { recursive: true, mode: 0o711 });
  await fs.chmod(deps.attemptsDir, 0o711);
  await reapOrphans(deps.attemptsDir);
  const store = new TrainingStore(deps.metadata);
  let stopping = false;
  const running = new Set<AbortController>();
  const loops = Array.from({ length: count }, (_, i) =>
    (async () => {
      const workerId = `${os.hostname()}-${process.pid}-${i}`;
      while (!stopping) {
        const job = await deps.queue.claim<{ name: string }>([TRAINING_KIND], { workerId, leaseMs: deps.leaseMs ?? 30_000 }).catch(() => null);
        if (!job) {
          await new Promise((r) => setTimeout(r, deps.pollMs ?? 500));
          continue;
        }
        const controller = new AbortController();
        running.add(controller);
        await runJob(deps, store, job, controller).catch(() => undefined);
        running.delete(controller);
      }
    })(),
  );
  return {
    async stop() {
      stopping = true;
      for (const c of running) c.abort('shutdown');
      await Promise.all(loops);
    },
  };
}

async function runJob(deps: TrainingWorkerDeps, store: TrainingStore, job: ClaimedJob<{ name: string }>, controller: AbortController): Promise<void> {
  const name = job.payload.name;
  const row = await store.row(name);
  if (row.status === 'Completed' || row.status === 'Failed' || row.status === 'Stopped') {
    // Already ended by an earlier attempt whose report to the queue did not arrive (its
    // lease ran out while the queue was away): settle the queue entry, keep the job as it is.
    if (row.status === 'Completed') await deps.queue.complete(job, { modelArtifact: `jobs/${name}/output/model.tar.gz` });
    else await deps.queue.fail(job, { message: row.failure_reason ?? row.status, retryable: false });
    return;
  }
  if (row.stop_requested || row.status !== 'InProgress') {
    await store.setStatus(name, 'Stopped', 'Stopped');
    await deps.queue.fail(job, { message: 'stopped', retryable: false });
    return;
  }
  const spec = JSON.parse(row.spec_json) as TrainingSpec;
  // The job's attempt number: the queue's, unless the queue lost the job and counts afresh.
  const attempt = Math.max(job.attempt, Number(row.attempts) + 1);
  await store.setStatus(name, 'InProgress', 'Starting', { attempts: attempt, ...(row.started_at ? {} : { started_at: new Date().toISOString() }) });
  const heartbeat = setInterval(() => {
    deps.queue.heartbeat(job, deps.leaseMs ?? 30_000).catch((err: { reason?: string }) => controller.abort(err?.reason === 'cancel_requested' ? 'stop' : 'lease'));
  }, Math.max(1000, (deps.leaseMs ?? 30_000) / 3));
  const root = path.join(deps.attemptsDir, `${name}-${attempt}-${newId('at').slice(3)}`);
  const sink = await logSink(store, name, attempt);
  try {
    await store.setStatus(name, 'InProgress', 'Downloading');
    const channels = await downloadChannels(deps, spec, `${root}-in`);
    const sourceDir = spec.script ? await downloadSource(deps, spec.script.sourceKey, `${root}-in`) : undefined;
    await store.setStatus(name, 'InProgress', 'Training');
    const checkpoints = new CheckpointSync(deps.artifacts, `jobs/${name}/checkpoints`);
    const checkpointDir = path.join(root, 'checkpoints');
    const syncTimer = setInterval(() => void checkpoints.sync(checkpointDir), deps.checkpointSyncMs ?? 10_000);
    const result = await runScriptAttempt({
      onSpawn: (pgid) => void writeOwner(root, pgid).catch(() => undefined),
      beforeRun: async (workDir) => {
        const restored = await checkpoints.restore(workDir.checkpointDir);
        if (restored > 0) sink.log(`[orchard] restored ${restored} checkpoint file(s) from the previous attempt`);
      },
      jobName: name,
      root,
      entryPoint: spec.algorithm ?? spec.script!.entryPoint,
      sourceDir,
      program: spec.algorithm ? { command: runnerProgram().command, args: [...runnerProgram().args, spec.algorithm] } : undefined,
      hyperparameters: spec.hyperParameters,
      channels,
      metricDefinitions: spec.metricDefinitions,
      timeLimitMs: spec.maxRuntimeSeconds * 1000,
      signal: controller.signal,
      numCpus: deps.threads,
      onLog: (line) => {
        const m = METRIC_LINE.exec(line);
        const p = m ? null : PARAM_LINE.exec(line);
        if (m) sink.metric(m[1], Number(m[2]), m[3] === undefined ? null : Number(m[3]));
        else if (p) sink.param(p[1], p[2]);
        else sink.log(line);
      },
      onMetric: (metric, value) => sink.metric(metric, value, null),
    }).finally(() => clearInterval(syncTimer));
    await checkpoints.sync(checkpointDir);
    await sink.flush();
    if (interruptedByPlatform(controller)) {
      // Shutting down, or the lease went to another worker: the attempt is not the job's
      // fault. Leave the queue job to expire and be claimed again; record nothing final.
      if (controller.signal.reason === 'shutdown') await store.setStatus(name, 'InProgress', 'Restarting');
      return;
    }
    await finish(deps, store, job, spec, result);
  } catch (err) {
    await sink.flush();
    if (interruptedByPlatform(controller)) return;
    const message = isOrchardError(err) ? `${err.code}: ${err.message}` : `InternalServerError: ${(err as Error).message}`;
    await failOrRetry(deps, store, job, spec, message);
  } finally {
    clearInterval(heartbeat);
    await removeOwner(root);
    await fs.rm(root, { recursive: true, force: true });
    await fs.rm(`${root}-in`, { recursive: true, force: true });
  }
}

async function finish(deps: TrainingWorkerDeps, store: TrainingStore, job: ClaimedJob<{ name: string }>, spec: TrainingSpec, result: AttemptResult): Promise<void> {
  const name = job.payload.name;
  if (result.status === 'Completed') {
    // Only the holder of the lease may end the job: one whose lease ran out (the queue
    // was away longer than the lease) leaves it to the attempt that took over.
    if (!(await stillHeld(deps, job))) return;
    await store.setStatus(name, 'InProgress', 'Uploading');
    const key = `jobs/${name}/output/model.tar.gz`;
    await deps.artifacts.put(key, createReadStream(result.modelArchive!));
    await store.setStatus(name, 'Completed', 'Completed', { model_artifact: `${deps.artifacts.url}/${key}`, failure_reason: null });
    // The job is done whatever the queue answers now; an entry left unsettled is settled
    // by the next claim of it (see runJob).
    await deps.queue.complete(job, { modelArtifact: key }).catch(() => undefined);
    return;
  }
  if (result.status === 'Stopped') {
    await store.setStatus(name, 'Stopped', result.secondaryStatus === 'MaxRuntimeExceeded' ? 'MaxRuntimeExceeded' : 'Stopped', { failure_reason: result.failureReason });
    await deps.queue.fail(job, { message: result.failureReason ?? 'stopped', retryable: false }).catch(() => undefined);
    return;
  }
  await failOrRetry(deps, store, job, spec, result.failureReason ?? 'AlgorithmError');
}

/** Extends the lease once more; false when it is lost (a cancellation request still counts as held). */
async function stillHeld(deps: TrainingWorkerDeps, job: ClaimedJob): Promise<boolean> {
  try {
    await deps.queue.heartbeat(job, deps.leaseMs ?? 30_000);
    return true;
  } catch (err) {
    return err instanceof JobLeaseLostError && err.reason === 'cancel_requested';
  }
}

function interruptedByPlatform(controller: AbortController): boolean {
  return controller.signal.aborted && (controller.signal.reason === 'shutdown' || controller.signal.reason === 'lease');
}

async function failOrRetry(deps: TrainingWorkerDeps, store: TrainingStore, job: ClaimedJob<{ name: string }>, spec: TrainingSpec, reason: string): Promise<void> {
  const name = job.payload.name;
  const failed = Number((await store.row(name)).failed_attempts) + 1;
  let outcome: { willRetry: boolean };
  try {
    outcome = await deps.queue.fail(job, { message: reason, retryable: failed <= spec.maxRetries });
  } catch (err) {
    // Another attempt holds the job now: this one's failure is not the job's.
    if (err instanceof JobLeaseLostError && err.reason === 'lost') return;
    outcome = { willRetry: false };
  }
  await store.update(name, { failed_attempts: failed });
  if (outcome.willRetry) await store.setStatus(name, 'InProgress', 'Restarting', { failure_reason: reason });
  else await store.setStatus(name, 'Failed', 'Failed', { failure_reason: reason });
}

/** Unpacks a script's `sourcedir.tar.gz` (tar refuses absolute and `..` paths). */
async function downloadSource(deps: TrainingWorkerDeps, key: string, dir: string): Promise<string> {
  const archive = path.join(dir, 'sourcedir.tar.gz');
  const code = path.join(dir, 'code');
  await fs.mkdir(code, { recursive: true });
  await pipeline(await deps.artifacts.get(key), createWriteStream(archive));
  await tar.x({ file: archive, cwd: code, strict: true });
  return code;
}

/** Copies each channel's dataset version (its CSV as uploaded) to local files. */
async function downloadChannels(deps: TrainingWorkerDeps, spec: TrainingSpec, dir: string) {
  const channels: Record<string, { contentType: string; files: string[] }> = {};
  for (const [channel, c] of Object.entries(spec.channels)) {
    const version = await deps.datasets.describe(`${c.dataset}@${c.version}`);
    const key = version.sourceUri.slice(deps.artifacts.url.length + 1);
    const file = path.join(dir, channel, `${c.dataset}-${c.version}${path.extname(key)}`);
    await fs.mkdir(path.dirname(file), { recursive: true });
    await pipeline(await deps.artifacts.get(key), createWriteStream(file));
    channels[channel] = { contentType: c.contentType, files: [file] };
  }
  return channels;
}

/**
 * Buffers log lines and metric points and writes them in batches. Seqs are given at
 * write time: if another attempt of the job wrote meanwhile (one that had lost its lease
 * and not yet noticed), the batch takes the next free seqs instead of being lost.
 */
async function logSink(store: TrainingStore, name: string, attempt: number) {
  const next = {
    training_job_logs: await store.nextSeq('training_job_logs', name),
    training_job_metrics: await store.nextSeq('training_job_metrics', name),
  };
  let lines: Array<{ attempt: number; line: string; at: string }> = [];
  let points: Array<{ name: string; value: number; step: number | null; at: string }> = [];
  let params: Array<[string, string]> = [];
  const finals: Record<string, number> = {};
  let writing: Promise<void> = Promise.resolve();
  const numbered = async <T>(table: keyof typeof next, items: T[], insert: (rows: Array<T & { seq: number }>) => Promise<void>) => {
    for (let tries = 0; items.length > 0; tries++) {
      const base = next[table];
      try {
        await insert(items.map((item, i) => ({ ...item, seq: base + i })));
        next[table] = base + items.length;
        return;
      } catch (err) {
        if (tries >= 3) throw err;
        next[table] = await store.nextSeq(table, name);
      }
    }
  };
  const flush = () => {
    const [l, p, q] = [lines, points, params];
    lines = [];
    points = [];
    params = [];
    const snapshot = { ...finals };
    writing = writing.then(async () => {
      await numbered('training_job_logs', l, (rows) => store.appendLogs(name, rows));
      await numbered('training_job_metrics', p, (rows) => store.appendMetrics(name, rows));
      for (const [param, value] of q) await store.setParam(name, param, value);
      if (p.length) await store.update(name, { final_metrics_json: JSON.stringify(snapshot) });
    }).catch(() => undefined);
    return writing;
  };
  const timer = setInterval(() => void flush(), 500);
  return {
    log(line: string) {
      lines.push({ attempt, line, at: new Date().toISOString() });
      if (lines.length >= 500) void flush();
    },
    metric(metric: string, value: number, step: number | null) {
      if (!Number.isFinite(value)) return;
      finals[metric] = value;
      points.push({ name: metric, value, step, at: new Date().toISOString() });
    },
    param(param: string, value: string) {
      params.push([param, value]);
    },
    async flush() {
      clearInterval(timer);
      await flush();
    },
  };
}

export { queueJobId };
