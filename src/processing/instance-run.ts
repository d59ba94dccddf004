/**
 * One instance's attempt of a processing job: the script run in its own folder standing in
 * for `/opt/ml`, its outputs staged for the assembly, and the recording of what the attempt
 * came to (completed, stopped, timed out, failed and perhaps retried).
 */
import { createReadStream, createWriteStream } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import * as tar from 'tar';
import { asStorageFull, isOrchardError, OrchardError } from '../core/index.js';
import {
  chownTree,
  commandFor,
  interruptedByPlatform,
  JobLeaseLostError,
  linkRunHelpers,
  PACKAGE_ROOT,
  runProcess,
  UNPRIVILEGED,
  type AttemptContext,
  type ClaimedJob,
} from '../jobs/index.js';
import type { ArtifactStore } from '../storage/index.js';
import { startAttemptSampler, type AttemptSampler } from '../metrics/index.js';
import { writeOwner } from '../training/index.js';
import { writeInput } from './input-writer.js';
import { endIfStopped, endJob, maybeAssemble, NOT_RETRIED } from './job-end.js';
import { processingLogSink } from './log-sink.js';
import { changesOutside, datasetFormatOf, outputFiles, outsideError, snapshot } from './outputs.js';
import { CODE_PATH, envName, localPathOf, processingJobConfig, rewriteArgument, standInRoot } from './paths.js';
import type { ProcessingWorkerDeps } from './processing-worker.js';
import { isEnded, type ProcessingStore } from './processing-store.js';
import { hostOf, instanceStagingPrefix, type ProcessingSpec } from './types.js';

export type InstancePayload = { name: string; instance: number };

/** What an instance attempt came to, kept by the worker loop until `record` has written it. */
export type Outcome =
  | { kind: 'settled' }
  | { kind: 'interrupted'; reason: 'shutdown' | 'lease' }
  | { kind: 'completed'; spec: ProcessingSpec; queueDone?: boolean }
  | { kind: 'stopped' }
  | { kind: 'timeout'; spec: ProcessingSpec; reason: string }
  | { kind: 'failed'; spec: ProcessingSpec; reason: string; retryable: boolean };

const METRIC_LINE = /^#metric ([^=\s]+)=(-?[0-9.eE+-]+|NaN|-?Infinity)(?: step=(\d+))?$/;
/** Files a script may write under `/opt/ml/output/` to say why it failed (SageMaker's). */
const FAILURE_FILES = ['failure', 'message'];

export async function runInstance(deps: ProcessingWorkerDeps, store: ProcessingStore, job: ClaimedJob<InstancePayload>, ctx: AttemptContext, root: string): Promise<Outcome> {
  const { name, instance } = job.payload;
  const row = await store.row(name);
  const inst = await store.instance(name, instance);
  if (isEnded(row.status)) {
    // Ended by another instance, a stop, or an earlier attempt whose report was cut off.
    await deps.queue.fail(job, { message: `the processing job is ${row.status}`, retryable: false }).catch(() => undefined);
    return { kind: 'settled' };
  }
  if (row.stop_requested || row.status !== 'InProgress' || ctx.signal.reason === 'stop') return { kind: 'stopped' };
  if (inst.status === 'Completed') {
    // An earlier attempt finished and was cut off before reporting: nothing to redo.
    await deps.queue.complete(job).catch(() => undefined);
    await maybeAssemble(deps, store, name);
    return { kind: 'settled' };
  }
  const spec = JSON.parse(row.spec_json) as ProcessingSpec;
  const count = Number(row.instance_count);
  const host = hostOf(instance);
  // The instance's attempt number: the queue's, unless the queue lost the job and counts afresh.
  const attempt = Math.max(job.attempt, Number(inst.attempts) + 1);
  await store.setInstance(name, instance, 'InProgress', { attempts: attempt });
  if (!row.started_at) await store.update(name, { started_at: new Date().toISOString() });
  const sink = await processingLogSink(store, name, instance, attempt, (metric) => (count > 1 ? `${host}:${metric}` : metric));
  try {
    sink.log(`[orchard] ${host} attempt ${attempt} on ${ctx.workerId}: ${ctx.cpus} cpu(s)`);
    const standIn = standInRoot(root);
    const codeDir = localPathOf(CODE_PATH, standIn);
    const work = path.join(root, 'work');
    const tmp = path.join(root, 'tmp');
    const scratch = `${root}-in`;
    for (const dir of [codeDir, path.join(standIn, 'config'), path.join(standIn, 'output'), work, tmp, scratch]) await fs.mkdir(dir, { recursive: true });
    const outputDirs = spec.outputs.map((o) => localPathOf(o.localPath, standIn));
    for (const dir of outputDirs) await fs.mkdir(dir, { recursive: true });
    await unpackSource(deps.artifacts, spec.script.sourceKey, codeDir, scratch);
    for (const input of spec.inputs) {
      const files = await writeInput(deps, input, localPathOf(input.localPath, standIn), instance, count, scratch);
      sink.log(`[orchard] input ${input.name}: ${input.dataset}@${input.version} as ${files.length} ${input.format} file(s) in ${input.localPath} (${input.distribution})`);
    }
    const args = spec.arguments.map((a) => rewriteArgument(a, standIn));
    const configFile = path.join(standIn, 'config', 'processingjobconfig.json');
    const hosts = Array.from({ length: count }, (_, i) => hostOf(i));
    const config = processingJobConfig({ name, entryPoint: spec.script.entryPoint, sourceKey: spec.script.sourceKey, arguments: args, environment: spec.environment, inputs: spec.inputs, outputs: spec.outputs, instanceCount: count, maxRuntimeSeconds: spec.maxRuntimeSeconds, standIn, artifactsUrl: deps.artifacts.url });
    await fs.writeFile(configFile, JSON.stringify(config, null, 2) + '\n');
    await fs.writeFile(path.join(standIn, 'config', 'resourceconfig.json'), JSON.stringify({ current_host: host, hosts }, null, 2) + '\n');
    const asRoot = process.getuid?.() === 0;
    if (asRoot) await chownTree(root, UNPRIVILEGED.uid, UNPRIVILEGED.gid);
    // After the chown: the link must not hand this package's files to the script's user.
    await linkRunHelpers(codeDir);
    const env: Record<string, string> = {
      PATH: '/usr/local/bin:/usr/bin:/bin',
      HOME: work,
      TMPDIR: tmp,
      LANG: 'C.UTF-8',
      PYTHONUNBUFFERED: '1',
      PYTHONDONTWRITEBYTECODE: '1',
      PYTHONPATH: path.join(PACKAGE_ROOT, 'python'),
      ...spec.environment,
      ORCHARD_PROCESSING_JOB_NAME: name,
      ORCHARD_OPT_ML: standIn,
      ORCHARD_PROCESSING_CONFIG: configFile,
      ORCHARD_CURRENT_HOST: host,
      ORCHARD_HOSTS: JSON.stringify(hosts),
      ORCHARD_NUM_CPUS: String(ctx.cpus),
    };
    for (const input of spec.inputs) env[`ORCHARD_PROCESSING_INPUT_${envName(input.name)}`] = localPathOf(input.localPath, standIn);
    for (const output of spec.outputs) env[`ORCHARD_PROCESSING_OUTPUT_${envName(output.name)}`] = localPathOf(output.localPath, standIn);
    const before = await snapshot(standIn);
    const { command, args: interpreterArgs } = commandFor(path.join(codeDir, spec.script.entryPoint));
    sink.log(`[orchard] running ${spec.script.entryPoint}${args.length ? ` with ${args.length} argument(s)` : ''}`);
    let usage: AttemptSampler | undefined;
    const result = await runProcess({
      command,
      args: [...interpreterArgs, ...args],
      cwd: work,
      env,
      timeLimitMs: spec.maxRuntimeSeconds * 1000,
      signal: ctx.signal,
      ...(asRoot ? UNPRIVILEGED : {}),
      onSpawn: (pgid) => {
        void writeOwner(root, pgid).catch(() => undefined);
        if (deps.metrics) usage = startAttemptSampler({ pgid, kind: 'processing', job: name, dimensions: { host }, metrics: deps.metrics, sampleMs: deps.metricsSampleMs, flushMs: deps.metricsFlushMs, log: (m) => sink.log(`[orchard] ${m}`) });
      },
      onLine: (line) => {
        const m = METRIC_LINE.exec(line);
        if (m) sink.metric(m[1], Number(m[2]), m[3] === undefined ? null : Number(m[3]));
        else sink.log(line);
      },
    }).finally(() => usage?.stop());
    if (interruptedByPlatform(ctx.signal)) return { kind: 'interrupted', reason: ctx.signal.reason as 'shutdown' | 'lease' };
    if (result.ended === 'timeout') return { kind: 'timeout', spec, reason: `MaxRuntimeExceeded: ${host} ran longer than ${spec.maxRuntimeSeconds} s` };
    if (result.ended === 'stopped') return { kind: 'stopped' };
    if (result.exitCode !== 0) return { kind: 'failed', spec, reason: await failureReason(standIn, result), retryable: true };
    const changes = changesOutside(before, await snapshot(standIn), outputDirs.map((d) => path.relative(standIn, d)), FAILURE_FILES.map((f) => path.join('output', f)), standIn);
    if (changes.length > 0) throw outsideError(changes);
    await stageOutputs(deps.artifacts, name, instance, spec, outputDirs);
    sink.log(`[orchard] ${host} completed`);
    return { kind: 'completed', spec };
  } catch (err) {
    if (interruptedByPlatform(ctx.signal)) return { kind: 'interrupted', reason: ctx.signal.reason as 'shutdown' | 'lease' };
    // A full disk names itself in the failure reason rather than as an internal error.
    const named = asStorageFull(err, 'running the job');
    const reason = isOrchardError(named) ? `${named.code}: ${named.message}` : `InternalServerError: ${(err as Error)?.message ?? err}`;
    sink.log(`[orchard] ${reason}`);
    return { kind: 'failed', spec, reason, retryable: !(isOrchardError(err) && NOT_RETRIED.has(err.code)) };
  } finally {
    await sink.flush();
  }
}

/** SageMaker's contract: `/opt/ml/output/failure` (or `message`) says why; else the last lines of the log. */
async function failureReason(standIn: string, result: { exitCode: number | null; signal: string | null; tail: string[] }): Promise<string> {
  for (const file of FAILURE_FILES) {
    const written = await fs.readFile(path.join(standIn, 'output', file), 'utf8').catch(() => '');
    if (written.trim()) return written.trim().slice(0, 1024);
  }
  const how = result.signal ? `was killed by ${result.signal}` : `exited with code ${result.exitCode}`;
  const tail = result.tail.slice(-10).join('\n');
  return `AlgorithmError: the script ${how}${tail ? `; last log lines:\n${tail}` : ''}`.slice(0, 4096);
}

/**
 * Unpacks the script's `sourcedir.tar.gz` into the code folder. tar refuses absolute and
 * `..` paths and links that leave the folder; such an archive fails the job (not retried).
 */
async function unpackSource(artifacts: ArtifactStore, key: string, codeDir: string, scratch: string): Promise<void> {
  const archive = path.join(scratch, 'sourcedir.tar.gz');
  await pipeline(await artifacts.get(key), createWriteStream(archive));
  try {
    await tar.x({ file: archive, cwd: codeDir, strict: true });
  } catch (err) {
    const e = err as { tarCode?: string; code?: string; message?: string };
    if (e?.tarCode !== undefined || /^(TAR_|Z_)/.test(e?.code ?? '')) {
      throw new OrchardError('ORCH_PROCESSING_SOURCE_INVALID', { message: `The source archive cannot be unpacked: ${e.message ?? e.code}`, cause: err });
    }
    throw err;
  }
}

/**
 * Stores an instance's output files under the job's platform folder, where they wait for
 * the other instances. A dataset output's files must have a dataset format (checked here,
 * so the instance fails rather than the assembly); what a previous attempt left is removed.
 */
async function stageOutputs(artifacts: ArtifactStore, name: string, instance: number, spec: ProcessingSpec, outputDirs: string[]): Promise<void> {
  const files = await Promise.all(spec.outputs.map((o, i) => outputFiles(outputDirs[i], o.name, o.dataset !== null)));
  spec.outputs.forEach((o, i) => {
    if (o.dataset !== null && files[i].length > 0) datasetFormatOf(o.name, files[i]);
  });
  await artifacts.deletePrefix(instanceStagingPrefix(name, instance));
  for (const [i, o] of spec.outputs.entries()) {
    for (const rel of files[i]) await artifacts.put(`${instanceStagingPrefix(name, instance, o.name)}${rel}`, createReadStream(path.join(outputDirs[i], ...rel.split('/'))));
  }
}

/** Writes an attempt's outcome; called again by the loop after a backoff if it throws, so each step is idempotent. */
export async function recordOutcome(deps: ProcessingWorkerDeps, store: ProcessingStore, job: ClaimedJob<InstancePayload>, outcome: Outcome, ctx: AttemptContext): Promise<void> {
  if (outcome.kind === 'settled') return;
  const { name, instance } = job.payload;
  if (outcome.kind === 'interrupted') {
    // Left to its lease: the queue hands the instance out again.
    if (outcome.reason === 'shutdown') await store.setInstance(name, instance, 'Pending', {}, ['Completed', 'Failed', 'Stopped']);
    return;
  }
  if (outcome.kind === 'completed') {
    // Only the holder of the lease may end the instance: one whose lease ran out leaves it to the attempt that took over.
    if (!(await ctx.stillHeld())) return;
    await store.setInstance(name, instance, 'Completed', { failure_reason: null }, ['Completed']);
    if (!outcome.queueDone) {
      await deps.queue.complete(job).catch(() => undefined);
      outcome.queueDone = true;
    }
    // Another instance failed (or a stop came) while this one ran: what it staged goes.
    if (isEnded((await store.row(name)).status)) {
      await deps.artifacts.deletePrefix(instanceStagingPrefix(name, instance));
      return;
    }
    await maybeAssemble(deps, store, name);
    return;
  }
  if (outcome.kind === 'stopped') {
    await store.setInstance(name, instance, 'Stopped', {}, ['Completed', 'Failed', 'Stopped']);
    await deps.queue.fail(job, { message: 'stopped', retryable: false }).catch(() => undefined);
    await endIfStopped(deps, store, name);
    // Stopped because another instance failed the job while this one was staging its
    // output: the job's clean-up may have run before the last file landed.
    if (isEnded((await store.row(name)).status)) await deps.artifacts.deletePrefix(instanceStagingPrefix(name, instance)).catch(() => undefined);
    return;
  }
  if (outcome.kind === 'timeout') {
    await store.setInstance(name, instance, 'Stopped', { failure_reason: outcome.reason }, ['Completed', 'Failed', 'Stopped']);
    await deps.queue.fail(job, { message: outcome.reason, retryable: false }).catch(() => undefined);
    await endJob(deps, store, name, 'Stopped', outcome.reason);
    return;
  }
  await failOrRetry(deps, store, job, outcome);
}

/** What a failure's recording has done so far, kept across the loop's retries of `record`. */
const failureSteps = new WeakMap<Outcome, { failed?: number; outcome?: { willRetry: boolean } | 'lost' }>();

async function failOrRetry(deps: ProcessingWorkerDeps, store: ProcessingStore, job: ClaimedJob<InstancePayload>, outcome: Extract<Outcome, { kind: 'failed' }>): Promise<void> {
  const { name, instance } = job.payload;
  const steps = failureSteps.get(outcome) ?? {};
  failureSteps.set(outcome, steps);
  steps.failed ??= Number((await store.instance(name, instance)).failed_attempts) + 1;
  if (steps.outcome === undefined) {
    try {
      steps.outcome = await deps.queue.fail(job, { message: outcome.reason, retryable: outcome.retryable && steps.failed <= outcome.spec.maxRetries });
    } catch (err) {
      // Another attempt holds the instance now: this one's failure is not the job's.
      if (err instanceof JobLeaseLostError && err.reason === 'lost') steps.outcome = 'lost';
      else if (isOrchardError(err)) steps.outcome = { willRetry: false };
      else throw err;
    }
  }
  if (steps.outcome === 'lost') return;
  if (steps.outcome.willRetry) {
    await store.setInstance(name, instance, 'Pending', { failed_attempts: steps.failed, failure_reason: outcome.reason }, ['Completed', 'Failed', 'Stopped']);
    return;
  }
  await store.setInstance(name, instance, 'Failed', { failed_attempts: steps.failed, failure_reason: outcome.reason }, ['Completed', 'Failed', 'Stopped']);
  await endJob(deps, store, name, 'Failed', `${hostOf(instance)}: ${outcome.reason}`);
}
