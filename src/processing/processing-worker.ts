import { createReadStream, createWriteStream } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import * as tar from 'tar';
import { asStorageFull, isOrchardError, newId, OrchardError } from '../core/index.js';
import type { DatasetService } from '../data/index.js';
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
  type JobHandler,
  type JobQueue,
} from '../jobs/index.js';
import type { ArtifactStore, MetadataStore } from '../storage/index.js';
import { removeOwner, writeOwner } from '../training/index.js';
import { combineOutput } from './combine.js';
import { writeInput } from './input-writer.js';
import { processingLogSink } from './log-sink.js';
import { changesOutside, datasetFormatOf, outputFiles, outsideError, snapshot } from './outputs.js';
import { CODE_PATH, envName, localPathOf, processingJobConfig, rewriteArgument, standInRoot } from './paths.js';
import { isEnded, ProcessingStore } from './processing-store.js';
import {
  ASSEMBLE_ATTEMPTS,
  assembleJobId,
  hostOf,
  instanceJobId,
  instanceStagingPrefix,
  PROCESSING_ASSEMBLE_KIND,
  PROCESSING_KIND,
  stagingPrefix,
  type ProcessingSpec,
} from './types.js';

export interface ProcessingWorkerDeps {
  metadata: MetadataStore;
  queue: JobQueue;
  datasets: DatasetService;
  artifacts: ArtifactStore;
  /**
   * Parent of the attempts' folders (the training attempts' folder: a starting worker
   * ends the attempts a dead one left running there); traversable by the unprivileged user.
   */
  attemptsDir: string;
  /** Scratch space of the output assembly. */
  workDir: string;
}

type InstancePayload = { name: string; instance: number };
type AssemblePayload = { name: string };

/** What an instance attempt came to, kept by the worker loop until `record` has written it. */
type Outcome =
  | { kind: 'settled' }
  | { kind: 'interrupted'; reason: 'shutdown' | 'lease' }
  | { kind: 'completed'; spec: ProcessingSpec; queueDone?: boolean }
  | { kind: 'stopped' }
  | { kind: 'timeout'; spec: ProcessingSpec; reason: string }
  | { kind: 'failed'; spec: ProcessingSpec; reason: string; retryable: boolean };

const METRIC_LINE = /^#metric ([^=\s]+)=(-?[0-9.eE+-]+|NaN|-?Infinity)(?: step=(\d+))?$/;
/** Failures of the job's own making: every attempt would fail alike. */
const NOT_RETRIED = new Set(['ORCH_PROCESSING_OUTPUT_OUTSIDE', 'ORCH_PROCESSING_OUTPUT_INVALID', 'ORCH_PROCESSING_SOURCE_INVALID', 'ORCH_DATASET_NOT_FOUND', 'ORCH_DATASET_DELETED']);
/** Files a script may write under `/opt/ml/output/` to say why it failed (SageMaker's). */
const FAILURE_FILES = ['failure', 'message'];

/**
 * The processing job kinds for the worker loop: one attempt per instance (a script run in
 * its own folder standing in for `/opt/ml`), and the assembly that registers the outputs
 * once every instance has succeeded.
 */
export async function processingJobHandler(deps: ProcessingWorkerDeps): Promise<JobHandler<InstancePayload | AssemblePayload, Outcome>> {
  await fs.mkdir(deps.attemptsDir, { recursive: true, mode: 0o711 });
  await fs.chmod(deps.attemptsDir, 0o711);
  await fs.mkdir(deps.workDir, { recursive: true });
  const store = new ProcessingStore(deps.metadata);
  const roots = new WeakMap<ClaimedJob, string>();
  return {
    kinds: [PROCESSING_KIND, PROCESSING_ASSEMBLE_KIND],
    async cpus(job) {
      if (job.kind === PROCESSING_ASSEMBLE_KIND) return 1;
      const row = await store.row(job.payload.name);
      return (JSON.parse(row.spec_json) as ProcessingSpec).cpus;
    },
    async run(job, ctx) {
      if (job.kind === PROCESSING_ASSEMBLE_KIND) {
        await assemble(deps, store, job as ClaimedJob<AssemblePayload>);
        return { kind: 'settled' };
      }
      const { name, instance } = job.payload as InstancePayload;
      const root = path.join(deps.attemptsDir, `processing-${name}-${instance}-${job.attempt}-${newId('at').slice(3)}`);
      roots.set(job, root);
      return runInstance(deps, store, job as ClaimedJob<InstancePayload>, ctx, root);
    },
    record: (job, outcome, ctx) => recordOutcome(deps, store, job as ClaimedJob<InstancePayload>, outcome, ctx),
    async settled(job) {
      const root = roots.get(job);
      if (!root) return;
      roots.delete(job);
      await removeOwner(root);
      await fs.rm(root, { recursive: true, force: true });
      await fs.rm(`${root}-in`, { recursive: true, force: true });
    },
  };
}

async function runInstance(deps: ProcessingWorkerDeps, store: ProcessingStore, job: ClaimedJob<InstancePayload>, ctx: AttemptContext, root: string): Promise<Outcome> {
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
    const result = await runProcess({
      command,
      args: [...interpreterArgs, ...args],
      cwd: work,
      env,
      timeLimitMs: spec.maxRuntimeSeconds * 1000,
      signal: ctx.signal,
      ...(asRoot ? UNPRIVILEGED : {}),
      onSpawn: (pgid) => void writeOwner(root, pgid).catch(() => undefined),
      onLine: (line) => {
        const m = METRIC_LINE.exec(line);
        if (m) sink.metric(m[1], Number(m[2]), m[3] === undefined ? null : Number(m[3]));
        else sink.log(line);
      },
    });
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
  await artifacts.deletePrefix(`${stagingPrefix(name)}${hostOf(instance)}/`);
  for (const [i, o] of spec.outputs.entries()) {
    for (const rel of files[i]) await artifacts.put(`${instanceStagingPrefix(name, instance, o.name)}${rel}`, createReadStream(path.join(outputDirs[i], ...rel.split('/'))));
  }
}

/** Writes an attempt's outcome; called again by the loop after a backoff if it throws, so each step is idempotent. */
async function recordOutcome(deps: ProcessingWorkerDeps, store: ProcessingStore, job: ClaimedJob<InstancePayload>, outcome: Outcome, ctx: AttemptContext): Promise<void> {
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
      await deps.artifacts.deletePrefix(`${stagingPrefix(name)}${hostOf(instance)}/`);
      return;
    }
    await maybeAssemble(deps, store, name);
    return;
  }
  if (outcome.kind === 'stopped') {
    await store.setInstance(name, instance, 'Stopped', {}, ['Completed', 'Failed', 'Stopped']);
    await deps.queue.fail(job, { message: 'stopped', retryable: false }).catch(() => undefined);
    await endIfStopped(deps, store, name);
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

/**
 * Ends a job that has not ended (Failed, or Stopped by its time limit): the other
 * instances are cancelled (running ones are stopped by their workers) and what they staged
 * is removed, so nothing is registered.
 */
async function endJob(deps: ProcessingWorkerDeps, store: ProcessingStore, name: string, status: 'Failed' | 'Stopped', reason: string): Promise<void> {
  const ended = await store.end(name, status, { failure_reason: reason.slice(0, 4096) });
  for (const inst of await store.instances(name)) {
    if (inst.status === 'Pending') await store.setInstance(name, Number(inst.instance), 'Stopped', {}, ['Completed', 'Failed', 'Stopped']);
    if (ended) await deps.queue.cancel(instanceJobId(name, Number(inst.instance))).catch(() => undefined);
  }
  await deps.artifacts.deletePrefix(stagingPrefix(name)).catch(() => undefined);
}

/** A stopping job whose instances have all ended is Stopped. */
async function endIfStopped(deps: ProcessingWorkerDeps, store: ProcessingStore, name: string): Promise<void> {
  const row = await store.row(name);
  if (row.status !== 'Stopping') return;
  const instances = await store.instances(name);
  if (instances.some((i) => i.status === 'InProgress')) return;
  await store.end(name, 'Stopped');
  await deps.artifacts.deletePrefix(stagingPrefix(name)).catch(() => undefined);
}

/** Once every instance has completed, queues the assembly (one queue job per processing job, by its id). */
async function maybeAssemble(deps: ProcessingWorkerDeps, store: ProcessingStore, name: string): Promise<void> {
  const instances = await store.instances(name);
  if (instances.some((i) => i.status !== 'Completed')) return;
  await deps.queue.enqueue(PROCESSING_ASSEMBLE_KIND, { name }, { jobId: assembleJobId(name), maxAttempts: ASSEMBLE_ATTEMPTS, backoffMs: 1000 });
}

/**
 * Registers the outputs of a job whose instances have all succeeded: each dataset output
 * becomes one new version (every instance's files together), each artifact output is
 * copied under its prefix; then the job is Completed. A failure that would repeat (files
 * that cannot make a dataset) fails the job and removes what this job registered; other
 * failures are retried, and a retry finds the versions already made by their tags.
 */
async function assemble(deps: ProcessingWorkerDeps, store: ProcessingStore, job: ClaimedJob<AssemblePayload>): Promise<void> {
  const { name } = job.payload;
  const row = await store.row(name);
  if (row.status !== 'InProgress') {
    if (row.status === 'Stopping') await endIfStopped(deps, store, name);
    await deps.queue.complete(job).catch(() => undefined);
    return;
  }
  const spec = JSON.parse(row.spec_json) as ProcessingSpec;
  try {
    const outputs = await registerOutputs(deps, name, spec, Number(row.instance_count));
    // Staged files go before the job is Completed: a retry after this finds its versions by their tags.
    await deps.artifacts.deletePrefix(stagingPrefix(name));
    await store.end(name, 'Completed', { outputs_json: JSON.stringify(outputs), failure_reason: null });
  } catch (err) {
    const permanent = isOrchardError(err) && NOT_RETRIED.has(err.code);
    if (!permanent && job.attempt < ASSEMBLE_ATTEMPTS) throw err;
    await purgeRegistered(deps.datasets, name, spec);
    const reason = isOrchardError(err) ? `${err.code}: ${err.message}` : `InternalServerError: registering the outputs failed (${(err as Error)?.message ?? err})`;
    await store.end(name, 'Failed', { failure_reason: reason.slice(0, 4096) });
  }
  await deps.queue.complete(job).catch(() => undefined);
  await deps.artifacts.deletePrefix(stagingPrefix(name)).catch(() => undefined);
}

/** Versions this job registered (found by their tags), removed with their files. */
async function purgeRegistered(datasets: DatasetService, name: string, spec: ProcessingSpec): Promise<void> {
  for (const o of spec.outputs) {
    if (!o.dataset) continue;
    const versions = await datasets.versions(o.dataset).catch(() => []);
    for (const v of versions) if (v.tags.processingJob === name) await datasets.delete(`${v.name}@${v.version}`, { purge: true }).catch(() => undefined);
  }
}

async function registerOutputs(deps: ProcessingWorkerDeps, name: string, spec: ProcessingSpec, count: number): Promise<Record<string, string>> {
  const results: Record<string, string> = {};
  const scratch = path.join(deps.workDir, `assemble-${name}-${newId('at').slice(3)}`);
  await fs.mkdir(scratch, { recursive: true });
  try {
    // Every dataset output is checked and combined before any is registered.
    const prepared: Array<{ output: ProcessingSpec['outputs'][number]; file: string; format: 'csv' | 'jsonl' | 'parquet'; header: boolean; key?: string }> = [];
    for (const o of spec.outputs) {
      if (!o.dataset) continue;
      const existing = (await deps.datasets.versions(o.dataset).catch(() => [])).find((v) => v.tags.processingJob === name && v.tags.processingOutput === o.name);
      if (existing) {
        results[o.name] = `${existing.name}@${existing.version}`;
        continue;
      }
      const keys: string[] = [];
      const rels: string[] = [];
      for (let i = 0; i < count; i++) {
        const prefix = instanceStagingPrefix(name, i, o.name);
        for (const info of await deps.artifacts.list(prefix)) {
          keys.push(info.key);
          rels.push(info.key.slice(prefix.length));
        }
      }
      const format = datasetFormatOf(o.name, rels);
      const dir = path.join(scratch, o.name);
      const local: string[] = [];
      for (const [i, key] of keys.entries()) {
        const file = path.join(dir, String(i).padStart(6, '0') + path.extname(key));
        await fs.mkdir(dir, { recursive: true });
        await pipeline(await deps.artifacts.get(key), createWriteStream(file));
        local.push(file);
      }
      const combined = await combineOutput(o.name, format, local, dir);
      prepared.push({ output: o, ...combined, ...(local.length === 1 && combined.file === local[0] ? { key: keys[0] } : {}) });
    }
    for (const p of prepared) {
      const key = p.key ?? `${stagingPrefix(name)}assembled/${p.output.name}.${p.format}`;
      if (!p.key) await deps.artifacts.put(key, createReadStream(p.file));
      try {
        const version = await deps.datasets.create({
          name: p.output.dataset!,
          format: p.format,
          header: p.header,
          sourceKey: key,
          description: `Processing job ${name}: output ${p.output.name}`,
          tags: { ...spec.tags, processingJob: name, processingOutput: p.output.name },
        });
        results[p.output.name] = `${version.name}@${version.version}`;
      } catch (err) {
        // The files cannot make a dataset (malformed, no rows, …): say which output, and do not retry.
        if (isOrchardError(err) && err.code.startsWith('ORCH_DATASET_') && err.status < 500) {
          throw new OrchardError('ORCH_PROCESSING_OUTPUT_INVALID', { message: `Output '${p.output.name}' cannot become a version of dataset '${p.output.dataset}': ${err.message}`, details: { output: p.output.name, cause: err.code }, cause: err });
        }
        throw err;
      }
    }
    for (const o of spec.outputs) {
      if (!o.artifactPrefix) continue;
      for (let i = 0; i < count; i++) {
        const prefix = instanceStagingPrefix(name, i, o.name);
        for (const info of await deps.artifacts.list(prefix)) {
          const rel = info.key.slice(prefix.length);
          // Several instances' files go to a folder per host, so names never collide.
          const dest = count > 1 ? `${o.artifactPrefix}/${hostOf(i)}/${rel}` : `${o.artifactPrefix}/${rel}`;
          await deps.artifacts.put(dest, await deps.artifacts.get(info.key));
        }
      }
      results[o.name] = `${deps.artifacts.url}/${o.artifactPrefix}/`;
    }
    return results;
  } finally {
    await fs.rm(scratch, { recursive: true, force: true });
  }
}
