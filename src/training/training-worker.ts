import { createWriteStream } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import * as tar from 'tar';
import { getAlgorithm, registerBuiltins } from '../algorithms/index.js';
import { asStorageFull, isOrchardError, newId, OrchardError } from '../core/index.js';
import type { DatasetService } from '../data/index.js';
import { interruptedByPlatform, JobLeaseLostError, modelArchiveStream, runnerProgram, runScriptAttempt, startWorkerLoop, workDirAt, type AttemptContext, type AttemptResult, type ClaimedJob, type JobHandler, type JobQueue, type ModelArchiveStream, type WorkerLoop } from '../jobs/index.js';
import type { ArtifactStore, MetadataStore } from '../storage/index.js';
import { ARTIFACT_CHANNEL, ARTIFACT_CHANNEL_TYPE, downloadArtifactPrefix, downloadManifestObjects, isArtifactChannel } from './artifact-channels.js';
import { CheckpointSync } from './checkpoints.js';
import { reapOrphans, removeOwner, writeOwner } from './orphans.js';
import { writeResolvedHyperparameters } from './resolved-hyperparameters.js';
import { startAttemptSampler, type AttemptSampler, type MetricsPort } from '../metrics/index.js';
import type { AttemptWatch, TrainingRulesPort } from './rules-port.js';
import { trainingLogSink } from './training-log-sink.js';
import { queueJobId, TRAINING_KIND } from './training-jobs.js';
import { TrainingStore, type TrainingSpec } from './training-store.js';

export interface TrainingWorkerDeps {
  metadata: MetadataStore;
  queue: JobQueue;
  datasets: DatasetService;
  artifacts: ArtifactStore;
  /** Parent of the attempts' working folders; must be traversable by the unprivileged user. */
  attemptsDir: string;
  /** Cores the worker shares out (used by {@link startTrainingWorkers}). @default os.availableParallelism() */
  cpus?: number;
  leaseMs?: number;
  pollMs?: number;
  /** How often a running attempt's checkpoints are copied to the store. @default 10000 */
  checkpointSyncMs?: number;
  /** Where the attempt's CPU and memory go per minute (job namespace); none recorded without it. */
  metrics?: MetricsPort;
  /** How often the attempt's process group is sampled. @default 5000 */
  metricsSampleMs?: number;
  /** How often its samples are written. @default 60000 */
  metricsFlushMs?: number;
  /** The debugger: evaluates the job's rules and profiles the attempt (wired by the platform). */
  rules?: TrainingRulesPort;
}

export interface TrainingWorkers {
  stop(): Promise<void>;
}

type TrainingPayload = { name: string };

/**
 * What an attempt came to, kept by the worker loop until `record` has written it. The
 * attempt's folder (and the model archive in it) stays until then.
 */
type TrainingOutcome =
  | { kind: 'settled' }
  | { kind: 'interrupted'; reason: 'shutdown' | 'lease' }
  | { kind: 'attempt'; spec: TrainingSpec; result: AttemptResult }
  | { kind: 'error'; spec: TrainingSpec; reason: string; retryable: boolean };

/** A parameter the job's code logged: `#param <name>=<value>` (value up to 1 KiB). */
const PARAM_LINE = /^#param ([A-Za-z0-9_.:/-]{1,128})=(.{0,1024})$/;
const METRIC_LINE = /^#metric ([^=\s]+)=(-?[0-9.eE+-]+|NaN|-?Infinity)(?: step=(\d+))?$/;
/** A phase the job's code starts: `#phase evaluation` (the profiler's time per phase). */
const PHASE_LINE = /^#phase ([a-z][a-z0-9_-]{0,31})$/;

/**
 * The `training` job kind for the worker loop. Before it is handed out, the attempts
 * left running by a worker that died on this machine are ended (see `orphans.ts`), so
 * the claim that retries one never runs beside it.
 */
export async function trainingJobHandler(deps: TrainingWorkerDeps): Promise<JobHandler<TrainingPayload, TrainingOutcome>> {
  await fs.mkdir(deps.attemptsDir, { recursive: true, mode: 0o711 });
  await fs.chmod(deps.attemptsDir, 0o711);
  await reapOrphans(deps.attemptsDir);
  const store = new TrainingStore(deps.metadata);
  const roots = new WeakMap<ClaimedJob, string>();
  const watches = new WeakMap<ClaimedJob, AttemptWatch>();
  return {
    kinds: [TRAINING_KIND],
    async cpus(job) {
      return cpusOf(JSON.parse((await store.row(job.payload.name)).spec_json) as TrainingSpec);
    },
    async run(job, ctx) {
      const root = path.join(deps.attemptsDir, `${job.payload.name}-${job.attempt}-${newId('at').slice(3)}`);
      roots.set(job, root);
      return runAttempt(deps, store, job, ctx, root, (w) => watches.set(job, w));
    },
    record: (job, outcome, ctx) => recordOutcome(deps, store, job, outcome, ctx, watches.get(job)),
    async settled(job) {
      await watches.get(job)?.close();
      watches.delete(job);
      // Recorded, or given up (a lost lease): the attempt's folders go either way.
      const root = roots.get(job);
      if (!root) return;
      roots.delete(job);
      await removeOwner(root);
      await fs.rm(root, { recursive: true, force: true });
      await fs.rm(`${root}-in`, { recursive: true, force: true });
    },
  };
}

/** Starts a worker loop that runs only training attempts, `count` at a time at most. */
export async function startTrainingWorkers(deps: TrainingWorkerDeps, count: number): Promise<TrainingWorkers & Pick<WorkerLoop, 'freeCpus' | 'running'>> {
  return startWorkerLoop({ queue: deps.queue, handlers: [await trainingJobHandler(deps)], slots: count, cpus: deps.cpus, leaseMs: deps.leaseMs, pollMs: deps.pollMs });
}

/** Cores a job asks for: its own `cpus`, else its algorithm's default, else all of the worker's. */
export function cpusOf(spec: TrainingSpec): number | undefined {
  if (spec.cpus !== undefined) return spec.cpus;
  if (!spec.algorithm) return undefined;
  registerBuiltins();
  return getAlgorithm(spec.algorithm).defaultCpus;
}

async function runAttempt(deps: TrainingWorkerDeps, store: TrainingStore, job: ClaimedJob<TrainingPayload>, ctx: AttemptContext, root: string, watching: (w: AttemptWatch) => void): Promise<TrainingOutcome> {
  const name = job.payload.name;
  const row = await store.row(name);
  if (row.status === 'Completed' || row.status === 'Failed' || row.status === 'Stopped') {
    // Already ended by an earlier attempt whose report to the queue did not arrive (its
    // lease ran out while the queue was away): settle the queue entry, keep the job as it is.
    if (row.status === 'Completed') await deps.queue.complete(job, { modelArtifact: `jobs/${name}/output/model.tar.gz` });
    else await deps.queue.fail(job, { message: row.failure_reason ?? row.status, retryable: false });
    return { kind: 'settled' };
  }
  if (row.stop_requested || row.status !== 'InProgress' || ctx.signal.reason === 'stop') {
    await store.setStatus(name, 'Stopped', 'Stopped');
    await deps.queue.fail(job, { message: 'stopped', retryable: false });
    return { kind: 'settled' };
  }
  const spec = JSON.parse(row.spec_json) as TrainingSpec;
  // The job's attempt number: the queue's, unless the queue lost the job and counts afresh.
  const attempt = Math.max(job.attempt, Number(row.attempts) + 1);
  await store.setStatus(name, 'InProgress', 'Starting', { attempts: attempt, ...(row.started_at ? {} : { started_at: new Date().toISOString() }) });
  const sink = await trainingLogSink(store, name, attempt);
  // A rule with action `stop` that finds issues ends the attempt as a stop would, naming itself.
  const ruleStop = new AbortController();
  let watch: AttemptWatch | undefined;
  try {
    sink.log(`[orchard] attempt ${attempt} on ${ctx.workerId}: ${ctx.cpus} cpu(s)`);
    watch = await deps.rules?.watch({ job: name, attempt, rules: spec.rules ?? [], datasets: spec.channels, stop: (reason) => ruleStop.abort(reason) });
    if (watch) watching(watch);
    watch?.phase('download');
    await store.setStatus(name, 'InProgress', 'Downloading');
    const channels = await downloadChannels(deps, spec, `${root}-in`);
    const sourceDir = spec.script ? await downloadSource(deps, spec.script.sourceKey, `${root}-in`) : undefined;
    await watch?.dataReady(channels);
    if (ruleStop.signal.aborted) return { kind: 'attempt', spec, result: stoppedByRule(ruleStop.signal, root) };
    watch?.phase('training');
    await store.setStatus(name, 'InProgress', 'Training');
    const checkpoints = new CheckpointSync(deps.artifacts, `jobs/${name}/checkpoints`);
    const checkpointDir = path.join(root, 'checkpoints');
    const syncTimer = setInterval(() => void checkpoints.sync(checkpointDir), deps.checkpointSyncMs ?? 10_000);
    const program = runnerProgram(import.meta.url, 'algorithm-runner');
    let usage: AttemptSampler | undefined;
    const result = await runScriptAttempt({
      onSpawn: (pgid) => {
        watch?.processGroup(pgid);
        void writeOwner(root, pgid).catch(() => undefined);
        usage = startUsage(deps, name, pgid, sink);
      },
      beforeRun: async (workDir) => {
        await writeResolvedHyperparameters(workDir.configDir, spec);
        const { restored, torn } = await checkpoints.restore(workDir.checkpointDir);
        if (restored > 0) sink.log(`[orchard] restored ${restored} checkpoint file(s) from the previous attempt`);
        if (torn.length > 0) sink.log(`[orchard] left out ${torn.length} checkpoint file(s) the previous attempt did not finish writing: ${torn.join(', ')}`);
      },
      jobName: name,
      root,
      entryPoint: spec.algorithm ?? spec.script!.entryPoint,
      sourceDir,
      program: spec.algorithm ? { command: program.command, args: [...program.args, spec.algorithm] } : undefined,
      hyperparameters: spec.hyperParameters,
      channels,
      metricDefinitions: spec.metricDefinitions,
      timeLimitMs: spec.maxRuntimeSeconds * 1000,
      signal: watch ? AbortSignal.any([ctx.signal, ruleStop.signal]) : ctx.signal,
      numCpus: ctx.cpus,
      // model/ is packed as it streams into the store, when the attempt is recorded.
      packModel: false,
      onLog: (line) => {
        const m = METRIC_LINE.exec(line);
        const p = m ? null : PARAM_LINE.exec(line);
        const ph = m || p ? null : PHASE_LINE.exec(line);
        if (m) {
          const step = m[3] === undefined ? null : Number(m[3]);
          sink.metric(m[1], Number(m[2]), step);
          watch?.metric(m[1], Number(m[2]), step);
        } else if (p) sink.param(p[1], p[2]);
        else if (ph) watch?.phase(ph[1]);
        else sink.log(line);
      },
      onMetric: (metric, value) => {
        sink.metric(metric, value, null);
        watch?.metric(metric, value, null);
      },
    }).finally(() => {
      clearInterval(syncTimer);
      return usage?.stop();
    });
    // Stopped by a rule while it ran; a process that had completed anyway (or a rule that
    // finds issues only in the final judgement below) keeps its Completed.
    const stoppedByRuleWhileRunning = ruleStop.signal.aborted && result.status !== 'Completed';
    watch?.phase('checkpointing');
    await checkpoints.sync(checkpointDir);
    watch?.phase(null);
    await watch?.end(!interruptedByPlatform(ctx.signal));
    await sink.flush();
    if (stoppedByRuleWhileRunning && !interruptedByPlatform(ctx.signal)) return { kind: 'attempt', spec, result: stoppedByRule(ruleStop.signal, root, result) };
    // Shutting down, or the lease went to another worker: the attempt is not the job's
    // fault. Leave the queue job to expire and be claimed again; record nothing final.
    if (interruptedByPlatform(ctx.signal)) return { kind: 'interrupted', reason: ctx.signal.reason as 'shutdown' | 'lease' };
    return { kind: 'attempt', spec, result };
  } catch (err) {
    await watch?.end(false).catch(() => undefined);
    await sink.flush();
    if (interruptedByPlatform(ctx.signal)) return { kind: 'interrupted', reason: ctx.signal.reason as 'shutdown' | 'lease' };
    // A full disk names itself in the failure reason rather than as an internal error.
    const named = asStorageFull(err, 'running the job');
    const message = isOrchardError(named) ? `${named.code}: ${named.message}` : `InternalServerError: ${(err as Error).message}`;
    // The user's own input (a bad source archive) fails alike on every attempt.
    const retryable = !(isOrchardError(err) && err.code === 'ORCH_TRAINING_SOURCE_INVALID');
    return { kind: 'error', spec, reason: message, retryable };
  }
}

/** The result of an attempt a Debugger rule stopped: Stopped, its reason naming the rule (never retried). */
function stoppedByRule(signal: AbortSignal, root: string, result?: AttemptResult): AttemptResult {
  const base = result ?? { workDir: workDirAt(root), logTruncated: false };
  return { ...base, status: 'Stopped', secondaryStatus: 'Stopped', failureReason: String(signal.reason), modelArchive: null };
}

/** Samples the attempt's process group for the job's CPUUtilization and MemoryUsedMiB metrics. */
function startUsage(deps: TrainingWorkerDeps, job: string, pgid: number, sink: { log(line: string): void }): AttemptSampler | undefined {
  if (!deps.metrics) return undefined;
  return startAttemptSampler({ pgid, kind: 'training', job, metrics: deps.metrics, sampleMs: deps.metricsSampleMs, flushMs: deps.metricsFlushMs, log: (m) => sink.log(`[orchard] ${m}`) });
}

/** Writes an attempt's outcome; called again by the loop after a backoff if it throws, so each step is idempotent. */
async function recordOutcome(deps: TrainingWorkerDeps, store: TrainingStore, job: ClaimedJob<TrainingPayload>, outcome: TrainingOutcome, ctx: AttemptContext, watch?: AttemptWatch): Promise<void> {
  const name = job.payload.name;
  if (outcome.kind === 'settled') return;
  if (outcome.kind === 'interrupted') {
    if (outcome.reason === 'shutdown') await store.setStatus(name, 'InProgress', 'Restarting');
    return;
  }
  if (outcome.kind === 'error') return failOrRetry(deps, store, job, outcome, outcome.reason, outcome.retryable);
  const { result } = outcome;
  if (result.status === 'Completed') {
    // Only the holder of the lease may end the job: one whose lease ran out (the queue
    // was away longer than the lease) leaves it to the attempt that took over.
    if (!(await ctx.stillHeld())) return;
    await store.setStatus(name, 'InProgress', 'Uploading');
    const key = `jobs/${name}/output/model.tar.gz`;
    watch?.phase('upload');
    const unpackable = unpackableModels.get(outcome) ?? (await storeModel(deps.artifacts, key, result.workDir.modelDir));
    watch?.phase(null);
    if (unpackable) {
      // The folder the job left cannot be packed: the attempt failed, as a crash would have.
      unpackableModels.set(outcome, unpackable);
      return failOrRetry(deps, store, job, outcome, unpackable, true);
    }
    await store.setStatus(name, 'Completed', 'Completed', { model_artifact: `${deps.artifacts.url}/${key}`, failure_reason: null });
    // The job is done whatever the queue answers now; an entry left unsettled is settled
    // by the next claim of it (see runAttempt).
    await deps.queue.complete(job, { modelArtifact: key }).catch(() => undefined);
    return;
  }
  if (result.status === 'Stopped') {
    await store.setStatus(name, 'Stopped', result.secondaryStatus === 'MaxRuntimeExceeded' ? 'MaxRuntimeExceeded' : 'Stopped', { failure_reason: result.failureReason });
    await deps.queue.fail(job, { message: result.failureReason ?? 'stopped', retryable: false }).catch(() => undefined);
    return;
  }
  await failOrRetry(deps, store, job, outcome, result.failureReason ?? 'AlgorithmError', true);
}

/** Attempts whose model folder could not be packed (the failure reason), kept across the loop's retries of `record`. */
const unpackableModels = new WeakMap<TrainingOutcome, string>();

/**
 * Streams an attempt's `model/` into the store as `key`, packed as it goes (no archive is
 * written in the attempt's folder and read back). Null once stored; the reason when the
 * folder itself could not be packed (a file the job removed or made unreadable). A store's
 * failure throws, for the loop to run `record` again: the folder stays until it is recorded.
 */
async function storeModel(artifacts: ArtifactStore, key: string, modelDir: string): Promise<string | null> {
  const unpackable = (err: unknown) => `AlgorithmError: the model folder could not be packed: ${(err as Error).message}`;
  let packed: ModelArchiveStream;
  try {
    packed = await modelArchiveStream(modelDir);
  } catch (err) {
    return unpackable(err);
  }
  try {
    await artifacts.put(key, packed.stream);
    return null;
  } catch (err) {
    const failure = packed.packingError();
    if (failure) return unpackable(failure);
    throw err;
  }
}

/** What a failure's recording has done so far, kept across the loop's retries of `record`. */
const failureSteps = new WeakMap<TrainingOutcome, { failed?: number; outcome?: { willRetry: boolean } | 'lost' }>();

async function failOrRetry(deps: TrainingWorkerDeps, store: TrainingStore, job: ClaimedJob<TrainingPayload>, outcome: TrainingOutcome & { spec: TrainingSpec }, reason: string, retryable: boolean): Promise<void> {
  const name = job.payload.name;
  const { spec } = outcome;
  const steps = failureSteps.get(outcome) ?? {};
  failureSteps.set(outcome, steps);
  steps.failed ??= Number((await store.row(name)).failed_attempts) + 1;
  if (steps.outcome === undefined) {
    try {
      steps.outcome = await deps.queue.fail(job, { message: reason, retryable: retryable && steps.failed <= spec.maxRetries });
    } catch (err) {
      // Another attempt holds the job now: this one's failure is not the job's.
      if (err instanceof JobLeaseLostError && err.reason === 'lost') steps.outcome = 'lost';
      // The queue refused for a reason of its own (not a blink): the job ends here.
      else if (isOrchardError(err)) steps.outcome = { willRetry: false };
      else throw err;
    }
  }
  if (steps.outcome === 'lost') return;
  await store.update(name, { failed_attempts: steps.failed });
  if (steps.outcome.willRetry) await store.setStatus(name, 'InProgress', 'Restarting', { failure_reason: reason });
  else await store.setStatus(name, 'Failed', 'Failed', { failure_reason: reason });
}

/**
 * Unpacks a script's `sourcedir.tar.gz`. tar refuses absolute and `..` paths and links
 * that leave the folder; such an archive is the user's input, so it fails the job with
 * a reason that says so (not retried).
 */
async function downloadSource(deps: TrainingWorkerDeps, key: string, dir: string): Promise<string> {
  const archive = path.join(dir, 'sourcedir.tar.gz');
  const code = path.join(dir, 'code');
  await fs.mkdir(code, { recursive: true });
  await pipeline(await deps.artifacts.get(key), createWriteStream(archive));
  try {
    await tar.x({ file: archive, cwd: code, strict: true });
  } catch (err) {
    const e = err as { tarCode?: string; code?: string; message?: string };
    if (e?.tarCode !== undefined || /^(TAR_|Z_)/.test(e?.code ?? '')) {
      throw new OrchardError('ORCH_TRAINING_SOURCE_INVALID', { message: `The source archive cannot be unpacked: ${e.message ?? e.code}`, cause: err });
    }
    throw err;
  }
  return code;
}

/**
 * Copies each channel's dataset version (its CSV as uploaded) to local files, in the
 * attempt's scratch folder: they are moved into its `input/data/`, not copied again.
 */
async function downloadChannels(deps: TrainingWorkerDeps, spec: TrainingSpec, dir: string) {
  const channels: Record<string, { contentType: string; files: string[]; move: true }> = {};
  const readsImages = spec.algorithm !== null && getAlgorithm(spec.algorithm).inputContentTypes.includes(ARTIFACT_CHANNEL_TYPE);
  for (const [channel, c] of Object.entries(spec.channels)) {
    if (isArtifactChannel(c.dataset)) {
      await downloadArtifactPrefix(deps.artifacts, c.dataset.slice(ARTIFACT_CHANNEL.length), path.join(dir, channel));
      channels[channel] = { contentType: c.contentType, files: (await fs.readdir(path.join(dir, channel))).sort().map((f) => path.join(dir, channel, f)), move: true };
      continue;
    }
    const version = await deps.datasets.describe(`${c.dataset}@${c.version}`);
    if (spec.algorithm && version.format === 'parquet') {
      // A built-in reads its rows as CSV without a header, target first.
      const file = path.join(dir, channel, `${c.dataset}-${c.version}.csv`);
      await fs.mkdir(path.dirname(file), { recursive: true });
      await deps.datasets.writeCsv(`${c.dataset}@${c.version}`, file);
      channels[channel] = { contentType: 'text/csv', files: [file], move: true };
      continue;
    }
    const key = version.sourceUri.slice(deps.artifacts.url.length + 1);
    const file = path.join(dir, channel, `${c.dataset}-${c.version}${path.extname(key)}`);
    await fs.mkdir(path.dirname(file), { recursive: true });
    await pipeline(await deps.artifacts.get(key), createWriteStream(file));
    // An augmented manifest for an image algorithm brings the images its lines name.
    if (readsImages && version.format === 'jsonl') {
      const names = String(spec.hyperParameters.attribute_names ?? '').split(',');
      await downloadManifestObjects(deps.artifacts, file, path.join(dir, channel), names.length === 2 ? names[0].trim() : 'source-ref');
    }
    channels[channel] = { contentType: c.contentType, files: [file], move: true };
  }
  return channels;
}

export { queueJobId };
