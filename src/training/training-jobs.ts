import { checkHyperparameters, getAlgorithm, registerBuiltins, type Algorithm, type Hyperparameters } from '../algorithms/index.js';
import { errorOfProblems, OrchardError, type RequestProblem } from '../core/index.js';
import type { DatasetService } from '../data/index.js';
import { compileMetricDefinitions, type JobQueue } from '../jobs/index.js';
import type { ArtifactStore, MetadataStore } from '../storage/index.js';
import type { TrainingRulesPort } from './rules-port.js';
import type { TrainingJobFilter, TrainingService } from './training-service.js';
import { TrainingStore, type TrainingSpec } from './training-store.js';
import type { CreateTrainingJobInput, TrainingJob } from './types.js';
import { ARTIFACT_CHANNEL_TYPE, checkArtifactChannel, isArtifactChannel } from './artifact-channels.js';

/** Queue kind of a training attempt. */
export const TRAINING_KIND = 'training';
const NAME = /^[A-Za-z0-9](-*[A-Za-z0-9]){0,62}$/;

/** The experiment a job belongs to when its creator names none. */
export const DEFAULT_EXPERIMENT = 'Default';

export const queueJobId = (name: string) => `training-${name}`;
/** Attempts a job may lose to the platform (a worker killed, a restart) beyond its own retries. */
export const PLATFORM_RETRIES = 3;

/**
 * The experiments a job may name, as training needs them: created on first use. A port
 * the platform wires to the experiments capability's store, so training neither imports
 * experiments (which read runs through training's service) nor writes their table.
 */
export interface ExperimentPort {
  ensure(name: string, createdBy: string | null): Promise<void>;
}

export interface TrainingDeps {
  metadata: MetadataStore;
  queue: JobQueue;
  datasets: DatasetService;
  artifacts: ArtifactStore;
  experiments: ExperimentPort;
  /** The debugger, wired by the platform; without it a job with rules is refused. */
  rules?: TrainingRulesPort;
}

/** Creates the training service: validation before queueing, then the queue does the rest. */
export function createTrainingService(deps: TrainingDeps): TrainingService {
  registerBuiltins();
  const store = new TrainingStore(deps.metadata);
  // One queue entry per job, by a fixed id: enqueueing again is a no-op while it exists.
  const enqueue = (name: string, spec: TrainingSpec) =>
    deps.queue.enqueue(TRAINING_KIND, { name }, { jobId: queueJobId(name), maxAttempts: spec.maxRetries + 1 + PLATFORM_RETRIES, backoffMs: 1000 });
  return {
    async create(input: CreateTrainingJobInput): Promise<TrainingJob> {
      const spec = await validate(deps, input);
      const experiment = input.experiment ?? DEFAULT_EXPERIMENT;
      await deps.experiments.ensure(experiment, input.createdBy ?? null);
      await store.insert(input.name, spec, input.createdBy ?? null, experiment);
      await enqueue(input.name, spec);
      return store.describe(input.name);
    },
    async requeueLost() {
      let requeued = 0;
      for (const row of await store.unfinished()) {
        if (await deps.queue.get(queueJobId(row.name))) continue;
        if (row.status === 'Stopping') {
          // Its queue entry (and so its cancellation) is gone; the attempt, if any, is told by its lost lease.
          await store.setStatus(row.name, 'Stopped', 'Stopped');
          continue;
        }
        await enqueue(row.name, JSON.parse(row.spec_json) as TrainingSpec);
        requeued++;
      }
      return requeued;
    },
    list: (filter: TrainingJobFilter = {}) => store.list(filter),
    runCounts: (experiment) => store.runCounts(experiment),
    statusChanges: (since, limit, after) => store.statusChanges(since, limit, after),
    async describe(name: string) {
      const job = await store.describe(name);
      if (!deps.rules) return job;
      const rules = await deps.rules.statuses(name);
      if (rules.length) return { ...job, rules };
      // Not started yet: the rules it was given, each InProgress.
      const spec = JSON.parse((await store.row(name)).spec_json) as TrainingSpec;
      if (!spec.rules?.length) return job;
      return { ...job, rules: spec.rules.map((r) => ({ name: r.name, status: 'InProgress' as const, action: r.action ?? 'none', message: null, updatedAt: job.createdAt })) };
    },
    async logs(name, options = {}) {
      const after = options.after ?? 0;
      const lines = await store.logs(name, after, Math.min(options.limit ?? 1000, 10_000));
      return { lines, nextSeq: lines.length ? lines[lines.length - 1].seq : after };
    },
    async progress(name, position) {
      const job = await store.status(name);
      if (!job) throw new OrchardError('ORCH_JOB_NOT_FOUND', { message: `No training job '${name}'` });
      const limit = Math.min(position.limit ?? 1000, 10_000);
      const lines = await store.logsAfter(name, position.afterLog, limit);
      const metrics = await store.metricsAfter(name, position.afterMetric, limit);
      return { job, lines, metrics, complete: lines.length < limit && metrics.length < limit };
    },
    async stop(name: string): Promise<TrainingJob> {
      const row = await store.row(name);
      if (row.status !== 'InProgress') return store.describe(name);
      await store.setStatus(name, 'Stopping', 'Stopping', { stop_requested: 1 });
      const queued = await deps.queue.get(queueJobId(name));
      await deps.queue.cancel(queueJobId(name)).catch(() => undefined);
      // A job no worker holds stops at once; a running one when its worker sees the request.
      if (!queued || queued.state === 'queued') await store.setStatus(name, 'Stopped', 'Stopped');
      return store.describe(name);
    },
  };
}

const ENTRY_POINT = /^(?!\/)(?!.*(^|\/)\.\.(\/|$))[\w./-]{1,255}\.(py|js|mjs|cjs|ts|mts)$/;

async function validateScript(deps: TrainingDeps, script: { entryPoint: string; sourceKey: string }): Promise<void> {
  if (typeof script.entryPoint !== 'string' || !ENTRY_POINT.test(script.entryPoint)) {
    throw new OrchardError('ORCH_TRAINING_INVALID', { message: 'script.entryPoint is a relative path inside the source ending in .py, .js, .mjs, .cjs or .ts' });
  }
  if (!(await deps.artifacts.head(script.sourceKey))) {
    throw new OrchardError('ORCH_ARTIFACT_NOT_FOUND', { message: `No source archive at '${script.sourceKey}'`, details: { sourceKey: script.sourceKey } });
  }
}

/**
 * A built-in algorithm's hyperparameters (resolved here, once: the job keeps the result)
 * and channels. Every problem is reported in one error (`details.errors`), hyperparameters
 * first, so a request is fixed in one go; the error's code is its first problem's.
 */
function checkAlgorithmInput(algorithm: Algorithm, hyperParameters: Record<string, string>, channelRefs: Record<string, string>, ruleProblems: RequestProblem[]): Hyperparameters {
  const { values, problems } = checkHyperparameters(algorithm, hyperParameters);
  const found: RequestProblem[] = [...problems];
  for (const required of algorithm.requiredChannels) {
    if (!channelRefs[required]) found.push({ field: `channels.${required}`, code: 'ORCH_TRAINING_CHANNEL_MISSING', message: `${algorithm.name} needs a '${required}' channel`, details: { channel: required } });
  }
  const known = new Set([...algorithm.requiredChannels, ...algorithm.optionalChannels]);
  for (const name of Object.keys(channelRefs)) {
    if (!known.has(name)) found.push({ field: `channels.${name}`, code: 'ORCH_TRAINING_CHANNEL_MISSING', message: `${algorithm.name} has no '${name}' channel; it reads ${[...known].join(', ')}` });
  }
  found.push(...ruleProblems);
  if (found.length > 0) throw errorOfProblems(found);
  return values;
}

async function validate(deps: TrainingDeps, input: CreateTrainingJobInput): Promise<TrainingSpec> {
  if (!input || typeof input.name !== 'string' || !NAME.test(input.name)) {
    throw new OrchardError('ORCH_TRAINING_INVALID', { message: 'Training job names are 1-63 letters, digits and hyphens, starting and ending with a letter or digit' });
  }
  if (input.experiment !== undefined && (typeof input.experiment !== 'string' || !NAME.test(input.experiment))) {
    throw new OrchardError('ORCH_TRAINING_INVALID', { message: 'Experiment names are 1-63 letters, digits and hyphens, starting and ending with a letter or digit' });
  }
  if (Boolean(input.algorithm) === Boolean(input.script)) throw new OrchardError('ORCH_TRAINING_INVALID', { message: 'Give exactly one of algorithm or script' });
  if (input.script) await validateScript(deps, input.script);
  const hyperParameters = Object.fromEntries(Object.entries(input.hyperParameters ?? {}).map(([k, v]) => [k, String(v)]));
  const channelRefs = input.channels ?? {};
  // The rules' problems are reported with the hyperparameters' and channels', in one error.
  if (input.rules?.length && !deps.rules) throw new OrchardError('ORCH_DEBUGGER_RULE_INVALID', { message: 'This server evaluates no Debugger rules' });
  const ruleProblems = input.rules?.length ? deps.rules!.check(input.rules) : [];
  const resolvedHyperParameters = input.algorithm ? checkAlgorithmInput(getAlgorithm(input.algorithm), hyperParameters, channelRefs, ruleProblems) : undefined;
  try {
    compileMetricDefinitions(input.metricDefinitions ?? []);
  } catch (err) {
    throw new OrchardError('ORCH_TRAINING_INVALID', { message: (err as Error).message });
  }
  if (ruleProblems.length > 0) throw errorOfProblems(ruleProblems);
  const channels: TrainingSpec['channels'] = {};
  for (const [channel, ref] of Object.entries(channelRefs)) {
    // `artifacts:<prefix>`: the objects under a prefix (images), for script mode and the built-ins that read them.
    if (isArtifactChannel(ref)) {
      if (input.algorithm && !getAlgorithm(input.algorithm).inputContentTypes.includes(ARTIFACT_CHANNEL_TYPE)) {
        throw new OrchardError('ORCH_TRAINING_DATA_INVALID', { message: `Channel '${channel}': ${input.algorithm} reads datasets, not stored objects (${ref})`, details: { field: `channels.${channel}`, channel } });
      }
      await checkArtifactChannel(deps.artifacts, channel, ref);
      channels[channel] = { dataset: ref, version: 0, contentType: ARTIFACT_CHANNEL_TYPE };
      continue;
    }
    const version = await deps.datasets.describe(ref);
    // A built-in reads CSV without a header, target first, or Parquet (target the first
    // column, as SageMaker's application/x-parquet), and JSON Lines when it declares them
    // (DeepAR's series, factorization machines' sparse records); JSON Lines alone when that is all it declares.
    const types = input.algorithm ? getAlgorithm(input.algorithm).inputContentTypes : [];
    const readsJsonl = types.includes('application/jsonlines');
    const readsRows = !readsJsonl || types.includes('text/csv');
    // A text dataset (one record a line) goes to the algorithms that read text/plain, as the file uploaded.
    const readsText = types.includes('text/plain');
    if (input.algorithm && (readsText || version.format === 'text') && (version.format === 'text') !== readsText) {
      throw new OrchardError('ORCH_TRAINING_DATA_INVALID', {
        message: readsText
          ? `Channel '${channel}': ${input.algorithm} reads text datasets, one record a line (dataset ${version.name}@${version.version} is ${version.format}; create it with --format text)`
          : `Channel '${channel}': ${input.algorithm} does not read text datasets (dataset ${version.name}@${version.version} is text)`,
        details: { field: `channels.${channel}`, channel, format: version.format },
      });
    }
    if (input.algorithm && !readsText && (version.format === 'jsonl' ? !readsJsonl : !readsRows || (version.format === 'csv' && version.header))) {
      throw new OrchardError('ORCH_TRAINING_DATA_INVALID', {
        message: !readsRows
          ? `Channel '${channel}': ${input.algorithm} reads JSON Lines (dataset ${version.name}@${version.version} is ${version.format})`
          : `Channel '${channel}': built-in algorithms read CSV without a header or Parquet, target first${readsJsonl ? `; ${input.algorithm} also reads JSON Lines` : ''} (dataset ${version.name}@${version.version} is ${version.format}${version.header ? ' with a header' : ''})`,
      });
    }
    channels[channel] = { dataset: version.name, version: version.version, contentType: version.format === 'text' ? 'text/plain' : version.format === 'csv' ? 'text/csv' : version.format === 'jsonl' ? 'application/jsonlines' : 'application/x-parquet' };
  }
  return {
    algorithm: input.algorithm ?? null,
    script: input.script ?? null,
    hyperParameters,
    ...(resolvedHyperParameters ? { resolvedHyperParameters } : {}),
    channels,
    maxRuntimeSeconds: input.maxRuntimeSeconds ?? 86_400,
    maxRetries: input.maxRetries ?? 0,
    metricDefinitions: input.metricDefinitions ?? [],
    tags: input.tags ?? {},
    ...(input.cpus !== undefined ? { cpus: input.cpus } : {}),
    ...(input.rules?.length ? { rules: input.rules } : {}),
  };
}
