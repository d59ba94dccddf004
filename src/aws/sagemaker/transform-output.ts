/**
 * A SageMaker transform job's output, written where SageMaker writes it
 * (`<S3OutputPath>/<input file name>.out`) when the Orchard job completes: a settler on each
 * server follows the transform jobs' status changes (the feed the event hub reads) and
 * writes the output of a completed job that has a stored SageMaker request not yet
 * `written`; at start it sweeps the stored requests for jobs that completed while no server
 * ran. `DescribeTransformJob` writes it too when it sees a completed job first.
 *
 * A pipeline's Transform step makes an Orchard job the control plane did not create: the
 * execution's record holds its request and output key by step, and the job (tagged with
 * its execution) gets them the first time it is seen here.
 *
 * Idempotent: the output is the job's output dataset version as CSV, the same bytes whoever
 * writes it, and an artifact write replaces the object whole. Within a process one write per
 * job runs at a time; two servers may both write it once.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { FastifyBaseLogger, FastifyInstance } from 'fastify';
import { imageOutputColumns, SOURCE_REF, type TransformJob } from '../../serving/transform/index.js';
import type { SageMakerDeps } from './operation.js';
import { SOURCE_KEY_TAG } from '../../pipelines/index.js';
import { PIPELINE_EXECUTION_KIND, type StoredExecution } from './pipeline-records.js';
import type { SageMakerStore } from './sagemaker-store.js';

export const TRANSFORM_KIND = 'transform-job';

/** What CreateTransformJob stores: the request as sent, and where its output goes. */
export interface StoredTransform {
  TransformInput?: Record<string, unknown>;
  TransformOutput?: Record<string, unknown>;
  TransformResources?: Record<string, unknown>;
  DataProcessing?: Record<string, unknown>;
  BatchStrategy?: string;
  MaxPayloadInMB?: number;
  /** Where the output file goes (artifact key), and whether it has been written. */
  outputKey: string;
  written?: boolean;
  /** An image transform: one `<outputKey><path below inputPrefix>.out` per image instead of one file. */
  images?: { inputPrefix: string };
}

/** Writes in flight, per control-plane store (one per server) and job name. */
const inFlight = new WeakMap<SageMakerStore, Map<string, Promise<void>>>();

/**
 * Writes a completed job's output dataset to its S3 output key, unless its stored request
 * says it is written (re-read here, so a write that finished meanwhile is not repeated).
 * A no-op for a job that is not Completed or has no stored SageMaker request.
 */
export function writeTransformOutput(deps: SageMakerDeps, job: TransformJob): Promise<void> {
  if (job.status !== 'Completed' || job.output.version === null) return Promise.resolve();
  let writes = inFlight.get(deps.store);
  if (!writes) inFlight.set(deps.store, (writes = new Map()));
  const running = writes.get(job.name);
  if (running) return running;
  const write = writeOnce(deps, job).finally(() => writes.delete(job.name));
  writes.set(job.name, write);
  return write;
}

async function writeOnce(deps: SageMakerDeps, job: TransformJob): Promise<void> {
  const stored = (await deps.store.get<StoredTransform>(TRANSFORM_KIND, job.name))?.request ?? (await pipelineTransform(deps, job));
  if (!stored || stored.written) return;
  if (stored.images) {
    await writeImageOutputs(deps, job, stored, stored.images.inputPrefix);
    await deps.store.setRequest(TRANSFORM_KIND, job.name, { ...stored, written: true });
    return;
  }
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'orchard-sm-transform-'));
  try {
    const file = path.join(dir, 'out.csv');
    await deps.datasets.writeCsv(`${job.output.dataset}@${job.output.version}`, file);
    await deps.artifacts.put(stored.outputKey, fs.createReadStream(file));
    await deps.store.setRequest(TRANSFORM_KIND, job.name, { ...stored, written: true });
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * SageMaker's image transform output: for each image that has a prediction, its answer
 * (the JSON list of probabilities) at `<output prefix>/<key below the input prefix>.out`;
 * an image that failed gets no object, as in SageMaker.
 */
async function writeImageOutputs(deps: SageMakerDeps, job: TransformJob, stored: StoredTransform, inputPrefix: string): Promise<void> {
  const { openDuckDB, sqlIdent, sqlString } = await import('../../data/index.js');
  const { path: parquet } = await deps.datasets.localParquet(`${job.output.dataset}@${job.output.version}`);
  // The input of an S3Prefix is the job's own manifest: source-ref is its one column.
  const names = imageOutputColumns([SOURCE_REF]);
  const db = await openDuckDB();
  let rows: { ref: string; prediction: string }[];
  try {
    const result = await db.connection.run(`SELECT CAST(${sqlIdent(SOURCE_REF)} AS VARCHAR) AS ref, ${sqlIdent(names.prediction)} AS prediction FROM read_parquet(${sqlString(parquet)}) WHERE ${sqlIdent(names.prediction)} IS NOT NULL`);
    rows = (await result.getRowObjects()).map((r) => ({ ref: String(r.ref), prediction: String(r.prediction) }));
  } finally {
    db.close();
  }
  // A prefix that ends inside a name ("img/tr") keeps the rest of the name's folder, as SageMaker does.
  const cut = inputPrefix.endsWith('/') || inputPrefix === '' ? inputPrefix.length : inputPrefix.lastIndexOf('/') + 1;
  for (const r of rows) await deps.artifacts.put(`${stored.outputKey}${r.ref.slice(cut)}.out`, r.prediction);
}

/** The request of a pipeline's Transform step's job, stored under the job's name from its execution's record; undefined for other jobs. */
async function pipelineTransform(deps: SageMakerDeps, job: TransformJob): Promise<StoredTransform | undefined> {
  const executionId = job.tags?.['orchard:pipeline-execution'];
  if (!executionId || !deps.pipelines) return undefined;
  const plans = (await deps.store.get<StoredExecution>(PIPELINE_EXECUTION_KIND, executionId))?.request.transforms;
  if (!plans) return undefined;
  const step = (await deps.pipelines.execution(executionId)).steps.find((s) => s.resource === job.name);
  let stored = step ? plans[step.name] : undefined;
  if (stored?.outputKey.endsWith('/')) stored = await namedAfterInput(deps, job, stored);
  if (stored) await deps.store.put(TRANSFORM_KIND, job.name, stored, job.createdBy ?? null);
  return stored;
}

/**
 * A step whose input another step wrote (a Processing step's output) has only its output
 * prefix in the plan: the file is named after the first object the input was read from,
 * which the input's dataset version records, and that location is the input's S3Uri.
 */
async function namedAfterInput(deps: SageMakerDeps, job: TransformJob, stored: StoredTransform): Promise<StoredTransform> {
  const version = await deps.datasets.describe(`${job.input.dataset}@${job.input.version}`);
  const source = version.tags[SOURCE_KEY_TAG];
  if (!source) throw new Error(`the input of transform job '${job.name}' does not say which file it was read from`);
  const input = { ...stored.TransformInput };
  const dataSource = isRecord(input.DataSource) ? input.DataSource : {};
  const s3 = isRecord(dataSource.S3DataSource) ? dataSource.S3DataSource : {};
  const folder = source.includes('/') ? source.slice(0, source.lastIndexOf('/')) : '';
  if (s3.S3Uri === undefined) input.DataSource = { ...dataSource, S3DataSource: { ...s3, S3Uri: `s3://${deps.bucket ?? 'orchard'}/${folder}` } };
  return { ...stored, TransformInput: input, outputKey: `${stored.outputKey}${path.posix.basename(source)}.out` };
}

const isRecord = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

export interface TransformOutputSettlerOptions {
  /** How often the transform jobs' status changes are read. @default 1000 */
  pollMs?: number;
  /** How far before the last read a read starts (other writers' late commits, clock skew). @default 5000 */
  lookbackMs?: number;
  log?: Pick<FastifyBaseLogger, 'warn'>;
}

const PAGE = 100;

/** Follows transform status changes and writes each completed SageMaker job's output; see the module comment. */
export class TransformOutputSettler {
  private readonly pollMs: number;
  private readonly lookbackMs: number;
  private from = new Date().toISOString();
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private closed = false;

  constructor(
    private readonly deps: SageMakerDeps,
    private readonly options: TransformOutputSettlerOptions = {},
  ) {
    this.pollMs = options.pollMs ?? 1000;
    this.lookbackMs = options.lookbackMs ?? 5000;
  }

  /** Sweeps the stored requests once, then follows status changes until `close`. */
  start(): void {
    if (this.running || this.closed) return;
    this.from = new Date().toISOString();
    this.running = this.sweep()
      .catch((err) => this.options.log?.warn({ err }, 'sweeping SageMaker transform outputs failed'))
      .finally(() => this.schedule());
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    await this.running;
  }

  /** Every stored transform request not yet written whose job has completed. */
  async sweep(): Promise<void> {
    for (let offset = 0; !this.closed; offset += PAGE) {
      const page = await this.deps.store.list<StoredTransform>(TRANSFORM_KIND, { limit: PAGE, offset });
      for (const entry of page) if (!entry.request.written) await this.settle(entry.name);
      if (page.length < PAGE) return;
    }
  }

  /** The transform jobs that changed since the last read (and the look-back before it). */
  async poll(): Promise<void> {
    const now = new Date().toISOString();
    const since = new Date(Date.parse(this.from) - this.lookbackMs).toISOString();
    let after: { updatedAt: string; name: string } | undefined;
    for (;;) {
      const rows = await this.deps.transforms.statusChanges(since, PAGE, after);
      for (const row of rows) if (row.status === 'Completed') await this.settle(row.name);
      if (rows.length < PAGE) break;
      const last = rows[rows.length - 1];
      after = { updatedAt: last.updatedAt, name: last.name };
    }
    this.from = now;
  }

  private schedule(): void {
    if (this.closed) return;
    this.timer = setTimeout(() => {
      this.running = this.poll()
        .catch((err) => this.options.log?.warn({ err }, 'reading transform status changes failed'))
        .finally(() => this.schedule());
    }, this.pollMs);
    this.timer.unref();
  }

  /** One job: skipped when it has no stored SageMaker request or is written; a failure is logged, and retried by the next sweep or Describe. */
  private async settle(name: string): Promise<void> {
    try {
      const stored = (await this.deps.store.get<StoredTransform>(TRANSFORM_KIND, name))?.request;
      if (stored?.written) return;
      const job = await this.deps.transforms.describe(name);
      // Without a stored request only a pipeline's Transform step's job has an output to write.
      if (!stored && !job.tags?.['orchard:pipeline-execution']) return;
      await writeTransformOutput(this.deps, job);
    } catch (err) {
      this.options.log?.warn({ err, transformJob: name }, 'writing a SageMaker transform output failed');
    }
  }
}

/** Runs a settler for the server's lifetime (from ready to close). */
export function settleTransformOutputs(app: FastifyInstance, deps: SageMakerDeps, options: Omit<TransformOutputSettlerOptions, 'log'> = {}): void {
  const settler = new TransformOutputSettler(deps, { ...options, log: app.log });
  app.addHook('onReady', async () => settler.start());
  app.addHook('onClose', async () => settler.close());
}
