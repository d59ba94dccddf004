import { errorOfProblems, OrchardError, type RequestProblem } from '../core/index.js';
import { validateDatasetName, type DatasetService } from '../data/index.js';
import type { JobQueue } from '../jobs/index.js';
import { userWritableKey, type ArtifactStore, type MetadataStore, type StatusChanges } from '../storage/index.js';
import { checkLocalPath, defaultInputPath, defaultOutputPath, folderConflicts } from './paths.js';
import { isEnded, ProcessingStore } from './processing-store.js';
import {
  ASSEMBLE_ATTEMPTS,
  assembleJobId,
  instanceJobId,
  PLATFORM_RETRIES,
  PROCESSING_ASSEMBLE_KIND,
  PROCESSING_KIND,
  stagingPrefix,
  type CreateProcessingJobInput,
  type ProcessingInput,
  type ProcessingJob,
  type ProcessingJobFilter,
  type ProcessingLogLine,
  type ProcessingOutput,
  type ProcessingSpec,
} from './types.js';

const JOB_NAME = /^[A-Za-z0-9](-*[A-Za-z0-9]){0,62}$/;
const IO_NAME = /^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/;
const ENTRY_POINT = /^(?!\/)(?!.*(^|\/)\.\.(\/|$))[\w./-]{1,255}\.(py|js|mjs|cjs|ts|mts)$/;
const ENV_KEY = /^[A-Za-z_][A-Za-z0-9_]{0,255}$/;
/** Variables the platform sets itself; a job may not replace them. */
const RESERVED_ENV = /^(PATH|HOME|TMPDIR|LANG|PYTHONPATH|PYTHONUNBUFFERED|PYTHONDONTWRITEBYTECODE|ORCHARD_.*|SM_.*)$/;

export interface ProcessingDeps {
  metadata: MetadataStore;
  queue: JobQueue;
  datasets: DatasetService;
  artifacts: ArtifactStore;
}

/** Processing jobs (SageMaker CreateProcessingJob): validated, queued as one job per instance, then assembled. */
export class ProcessingService {
  private readonly store: ProcessingStore;

  constructor(private readonly deps: ProcessingDeps) {
    this.store = new ProcessingStore(deps.metadata);
  }

  /** Jobs whose status changed since a time, for the platform feed (see `StatusChanges`). */
  readonly statusChanges: StatusChanges = (since, limit, after) => this.store.statusChanges(since, limit, after);

  async create(input: CreateProcessingJobInput): Promise<ProcessingJob> {
    const { spec, instanceCount } = await this.validate(input);
    await this.store.insert(input.name, spec, instanceCount, input.createdBy ?? null);
    for (let i = 0; i < instanceCount; i++) await this.enqueueInstance(input.name, i, spec);
    return this.store.describe(input.name);
  }

  describe(name: string): Promise<ProcessingJob> {
    return this.store.describe(name);
  }

  list(filter: ProcessingJobFilter = {}): Promise<{ items: ProcessingJob[]; total: number }> {
    return this.store.list(filter);
  }

  /** Log lines of every instance after `after` (a seq), oldest first; `nextSeq` is what to pass next time. */
  async logs(name: string, options: { after?: number; limit?: number } = {}): Promise<{ lines: ProcessingLogLine[]; nextSeq: number }> {
    const after = options.after ?? 0;
    const lines = await this.store.logs(name, after, Math.min(options.limit ?? 1000, 10_000));
    return { lines, nextSeq: lines.length ? lines[lines.length - 1].seq : after };
  }

  /**
   * Requests a stop: queued instances are cancelled at once, running ones are ended by
   * their workers; the job is Stopped once no instance runs. Nothing is registered.
   */
  async stop(name: string): Promise<ProcessingJob> {
    const row = await this.store.row(name);
    if (row.status !== 'InProgress') return this.store.describe(name);
    await this.store.update(name, { status: 'Stopping', stop_requested: 1 });
    await this.deps.queue.cancel(assembleJobId(name)).catch(() => undefined);
    let running = 0;
    for (const inst of await this.store.instances(name)) {
      const id = instanceJobId(name, Number(inst.instance));
      const queued = await this.deps.queue.get(id);
      await this.deps.queue.cancel(id).catch(() => undefined);
      if (queued && queued.state === 'running') running++;
      else if (inst.status === 'Pending' || inst.status === 'InProgress') await this.store.setInstance(name, Number(inst.instance), 'Stopped', {}, ['Completed', 'Failed', 'Stopped']);
    }
    if (running === 0 && (await this.store.end(name, 'Stopped'))) await this.deps.artifacts.deletePrefix(stagingPrefix(name)).catch(() => undefined);
    return this.store.describe(name);
  }

  /**
   * Enqueues again what the queue lost (its data gone): each unfinished instance of a
   * running job without its queue entry, and the assembly of a job whose instances have
   * all completed; a job that was stopping without any entry is marked Stopped. Enqueue is
   * idempotent by id, so this is safe at any time. Returns how many were enqueued.
   */
  async requeueLost(): Promise<number> {
    let requeued = 0;
    for (const row of await this.store.unfinished()) {
      const spec = JSON.parse(row.spec_json) as ProcessingSpec;
      const instances = await this.store.instances(row.name);
      if (row.status === 'Stopping') {
        const held = await Promise.all(instances.map((i) => this.deps.queue.get(instanceJobId(row.name, Number(i.instance)))));
        if (held.every((j) => !j || j.state !== 'running') && (await this.store.end(row.name, 'Stopped'))) await this.deps.artifacts.deletePrefix(stagingPrefix(row.name)).catch(() => undefined);
        continue;
      }
      for (const inst of instances) {
        if (inst.status === 'Completed' || isEnded(inst.status)) continue;
        const id = instanceJobId(row.name, Number(inst.instance));
        if (await this.deps.queue.get(id)) continue;
        await this.enqueueInstance(row.name, Number(inst.instance), spec);
        requeued++;
      }
      if (instances.every((i) => i.status === 'Completed') && !(await this.deps.queue.get(assembleJobId(row.name)))) {
        await this.deps.queue.enqueue(PROCESSING_ASSEMBLE_KIND, { name: row.name }, { jobId: assembleJobId(row.name), maxAttempts: ASSEMBLE_ATTEMPTS, backoffMs: 1000 });
        requeued++;
      }
    }
    return requeued;
  }

  private enqueueInstance(name: string, instance: number, spec: ProcessingSpec) {
    return this.deps.queue.enqueue(PROCESSING_KIND, { name, instance }, { jobId: instanceJobId(name, instance), maxAttempts: spec.maxRetries + 1 + PLATFORM_RETRIES, backoffMs: 1000 });
  }

  /** Every problem of a request at once (`details.errors`); dataset refs are resolved to versions. */
  private async validate(input: CreateProcessingJobInput): Promise<{ spec: ProcessingSpec; instanceCount: number }> {
    const problems: RequestProblem[] = [];
    const bad = (field: string, message: string, code: RequestProblem['code'] = 'ORCH_PROCESSING_INVALID', details?: Record<string, unknown>) => problems.push({ field, code, message, ...(details ? { details } : {}) });
    if (!input || typeof input !== 'object') throw new OrchardError('ORCH_PROCESSING_INVALID', { message: 'A processing job needs a name, a script and its inputs and outputs' });
    if (typeof input.name !== 'string' || !JOB_NAME.test(input.name)) bad('name', 'Processing job names are 1-63 letters, digits and hyphens, starting and ending with a letter or digit');
    const script = input.script;
    if (!script || typeof script.entryPoint !== 'string' || !ENTRY_POINT.test(script.entryPoint)) bad('script.entryPoint', 'script.entryPoint is a relative path inside the source ending in .py, .js, .mjs, .cjs or .ts');
    else if (typeof script.sourceKey !== 'string' || !(await this.deps.artifacts.head(script.sourceKey).catch(() => null))) {
      bad('script.sourceKey', `No source archive at '${String(script?.sourceKey).slice(0, 200)}'`, 'ORCH_ARTIFACT_NOT_FOUND');
    }
    const instanceCount = input.instanceCount ?? 1;
    if (!Number.isInteger(instanceCount) || instanceCount < 1 || instanceCount > 100) bad('instanceCount', 'instanceCount is a whole number from 1 to 100');
    const maxRuntimeSeconds = input.maxRuntimeSeconds ?? 86_400;
    if (!Number.isInteger(maxRuntimeSeconds) || maxRuntimeSeconds < 1 || maxRuntimeSeconds > 604_800) bad('maxRuntimeSeconds', 'maxRuntimeSeconds is from 1 to 604800 (7 days)');
    const maxRetries = input.maxRetries ?? 0;
    if (!Number.isInteger(maxRetries) || maxRetries < 0 || maxRetries > 30) bad('maxRetries', 'maxRetries is from 0 to 30');
    if (input.cpus !== undefined && (!Number.isInteger(input.cpus) || input.cpus < 1)) bad('cpus', 'cpus is a positive whole number');
    const args = input.arguments ?? [];
    if (!Array.isArray(args) || args.some((a) => typeof a !== 'string' || a.length > 256 || a.includes('\0')) || args.length > 100) bad('arguments', 'arguments are at most 100 strings of at most 256 characters');
    const environment = input.environment ?? {};
    for (const key of Object.keys(environment)) {
      if (!ENV_KEY.test(key)) bad(`environment.${key}`, `'${key.slice(0, 64)}' is not a variable name (letters, digits and _, not starting with a digit)`);
      else if (RESERVED_ENV.test(key)) bad(`environment.${key}`, `${key} is set by the platform`);
    }

    const seenNames = new Set<string>();
    const inputs: ProcessingInput[] = [];
    for (const [n, i] of (input.inputs ?? []).entries()) {
      const field = `inputs[${n}]`;
      if (typeof i?.name !== 'string' || !IO_NAME.test(i.name)) {
        bad(`${field}.name`, 'Input names are 1-64 letters, digits, _ and -, starting with a letter or digit');
        continue;
      }
      if (i.name === 'code') bad(`${field}.name`, "'code' is the script's own input (/opt/ml/processing/input/code)");
      if (seenNames.has(i.name)) bad(`${field}.name`, `'${i.name}' names two inputs or outputs`);
      seenNames.add(i.name);
      const localPath = i.localPath ?? defaultInputPath(i.name);
      const pathProblem = checkLocalPath(localPath);
      if (pathProblem) bad(`${field}.localPath`, `${localPath} ${pathProblem}`);
      const distribution = i.distribution ?? 'FullyReplicated';
      if (distribution !== 'FullyReplicated' && distribution !== 'ShardedByS3Key') bad(`${field}.distribution`, 'distribution is FullyReplicated or ShardedByS3Key');
      const format = i.format ?? 'csv';
      if (format !== 'csv' && format !== 'parquet') bad(`${field}.format`, 'format is csv or parquet');
      try {
        const version = await this.deps.datasets.describe(i.dataset);
        inputs.push({ name: i.name, dataset: version.name, version: version.version, localPath: localPath.replace(/\/$/, ''), distribution, format });
      } catch (err) {
        if (err instanceof OrchardError) bad(`${field}.dataset`, `Input '${i.name}': ${err.message}`, err.code, { dataset: String(i.dataset).slice(0, 200) });
        else throw err;
      }
    }
    const outputs: ProcessingOutput[] = [];
    for (const [n, o] of (input.outputs ?? []).entries()) {
      const field = `outputs[${n}]`;
      if (typeof o?.name !== 'string' || !IO_NAME.test(o.name)) {
        bad(`${field}.name`, 'Output names are 1-64 letters, digits, _ and -, starting with a letter or digit');
        continue;
      }
      if (seenNames.has(o.name)) bad(`${field}.name`, `'${o.name}' names two inputs or outputs`);
      seenNames.add(o.name);
      const localPath = o.localPath ?? defaultOutputPath(o.name);
      const pathProblem = checkLocalPath(localPath);
      if (pathProblem) bad(`${field}.localPath`, `${localPath} ${pathProblem}`);
      if ((o.dataset === undefined) === (o.artifactPrefix === undefined)) {
        bad(field, `Output '${o.name}' goes to exactly one of a dataset or an artifact prefix`);
        continue;
      }
      let dataset: string | null = null;
      let artifactPrefix: string | null = null;
      try {
        if (o.dataset !== undefined) dataset = validateDatasetName(o.dataset);
        else artifactPrefix = userWritableKey(o.artifactPrefix!).replace(/\/+$/, '');
        if (artifactPrefix === '') throw new OrchardError('ORCH_ARTIFACT_INVALID_KEY', { message: 'The artifact prefix is empty' });
      } catch (err) {
        if (err instanceof OrchardError) bad(`${field}.${o.dataset !== undefined ? 'dataset' : 'artifactPrefix'}`, `Output '${o.name}': ${err.message}`, err.code);
        else throw err;
      }
      outputs.push({ name: o.name, dataset, artifactPrefix, localPath: localPath.replace(/\/$/, '') });
    }
    const datasetsOut = outputs.filter((o) => o.dataset).map((o) => o.dataset!);
    const twice = datasetsOut.filter((d, i) => datasetsOut.indexOf(d) !== i);
    for (const d of new Set(twice)) bad('outputs', `Two outputs write dataset '${d}'; each output makes its own version, so give each its own dataset`);
    if (problems.length === 0) for (const c of folderConflicts(inputs, outputs)) bad(c.field, c.message);
    if (problems.length > 0) throw errorOfProblems(problems);
    const spec: ProcessingSpec = {
      script: { entryPoint: script.entryPoint, sourceKey: script.sourceKey },
      arguments: args,
      environment,
      inputs,
      outputs,
      maxRuntimeSeconds,
      maxRetries,
      ...(input.cpus !== undefined ? { cpus: input.cpus } : {}),
      tags: input.tags ?? {},
    };
    return { spec, instanceCount };
  }
}
