import { errorOfProblems, OrchardError } from '../../core/index.js';
import { validateDatasetName, type DatasetService } from '../../data/index.js';
import type { JobQueue } from '../../jobs/index.js';
import type { ModelService } from '../../registry/index.js';
import type { ArtifactStore, MetadataStore, StatusChanges } from '../../storage/index.js';
import { DEFAULT_IMAGE_SHARD_ROWS, DEFAULT_IMAGE_TYPE, IMAGE_BATCH, isArtifactInput, isImageContentType, listImageKeys, manifestBody, SOURCE_REF } from './image-input.js';
import { parseInputFilter, readColumnFilter } from './column-filter.js';
import { TransformStore } from './transform-store.js';
import type { CreateTransformJobInput, TransformJob, TransformJobStatus, TransformSpec } from './types.js';

/** Queue kinds: one job per shard, then one that assembles the output dataset. */
export const SHARD_KIND = 'transform-shard';
export const ASSEMBLE_KIND = 'transform-assemble';
export const DEFAULT_SHARD_ROWS = 100_000;
/** Shard attempts in all (a worker killed mid-shard costs one). */
export const SHARD_ATTEMPTS = 4;
/** Assembly attempts in all. */
export const ASSEMBLE_ATTEMPTS = 5;

const JOB_NAME = /^[A-Za-z0-9](-*[A-Za-z0-9]){0,62}$/;

export const shardJobId = (name: string, shard: number) => `transform.${name}.${shard}`;
export const assembleJobId = (name: string) => `transform.${name}.assemble`;

export interface TransformDeps {
  metadata: MetadataStore;
  queue: JobQueue;
  datasets: DatasetService;
  models: Pick<ModelService, 'describe'>;
  /** Where `artifacts:<prefix>` image inputs are listed (absent: such inputs are refused). */
  artifacts?: ArtifactStore;
}

/** Batch transform jobs (SageMaker CreateTransformJob): a model over a whole dataset, by shards. */
export class TransformService {
  private readonly store: TransformStore;

  constructor(private readonly deps: TransformDeps) {
    this.store = new TransformStore(deps.metadata);
  }

  /** Jobs whose status changed since a time, for the platform feed (see `StatusChanges`). */
  readonly statusChanges: StatusChanges = (since, limit, after) => this.store.statusChanges(since, limit, after);

  async create(input: CreateTransformJobInput): Promise<TransformJob> {
    // The output filter's grammar first: its indexes are checked against the written row in each shard,
    // once the model's prediction columns are known.
    const outputFilter = readColumnFilter(input.outputFilter, 'outputFilter');
    const model = await this.deps.models.describe(input.model);
    const name = input.name ?? `${model.name.slice(0, 40)}-${new Date().toISOString().replace(/[^0-9]/g, '').slice(0, 14)}`;
    if (!JOB_NAME.test(name)) throw invalid(`Invalid transform job name '${name}': 1-63 letters, digits and hyphens`);
    validateDatasetName(input.output);
    const image = isImageContentType(input.contentType) || (input.contentType === undefined && isArtifactInput(input.input));
    if (input.contentType !== undefined && !image && !/^(text\/csv|application\/(json|jsonlines|x-parquet))\b/i.test(input.contentType)) {
      throw invalid(`contentType ${JSON.stringify(input.contentType)} is not read by batch transform: give application/x-image (images) or leave it out (rows of the dataset)`);
    }
    if (isArtifactInput(input.input) && !image) throw invalid(`An artifacts: input is images: its contentType is application/x-image`);
    if (image && model.format !== 'algorithm') throw invalid(`Model ${model.name} is an ONNX model, which reads numbers; images are read by built-ins such as image-classification`);
    if (image && input.inputFilter) throw invalid('inputFilter picks columns of rows; an image job reads each image whole (leave it out)');
    // An image job's output columns are fixed: source-ref (or the manifest's columns), prediction and error, which its failure count and SageMaker's per-image output read.
    if (image && outputFilter.kind !== 'all') throw invalid("outputFilter picks columns of rows; an image job's output is each image's source-ref, prediction and error (leave it out)", 'outputFilter');
    const version = image && isArtifactInput(input.input) ? await this.imageManifest(name, input) : await this.deps.datasets.describe(input.input);
    if (version.rowCount === 0) throw invalid(`Dataset ${version.name}@${version.version} has no rows`);
    const columns = version.columns.map((c) => c.name);
    // An inference pipeline reads the recipe's raw columns: by name when the dataset has
    // them all and no filter is given, else the filter's columns in the recipe's order.
    const recipeColumns = model.recipe?.inputColumns.map((c) => c.name);
    const byName = recipeColumns && !input.inputFilter && recipeColumns.every((c) => columns.includes(c));
    if (image && !columns.includes(SOURCE_REF)) throw invalid(`Dataset ${version.name}@${version.version} has no ${SOURCE_REF} column naming each image (columns: ${columns.join(', ')})`);
    const features = image ? [SOURCE_REF] : byName ? recipeColumns : parseInputFilter(input.inputFilter, columns);
    const batchStrategy = input.batchStrategy ?? 'MultiRecord';
    const maxPayloadMb = input.maxPayloadMb ?? 6;
    if (!(maxPayloadMb >= 1 && maxPayloadMb <= 100)) throw invalid('maxPayloadMb must be between 1 and 100 (SageMaker: at most 100)');
    const shardRows = input.shardRows ?? (image ? DEFAULT_IMAGE_SHARD_ROWS : DEFAULT_SHARD_ROWS);
    if (!Number.isInteger(shardRows) || shardRows < 1) throw invalid('shardRows must be a positive whole number');
    const spec: TransformSpec = {
      model: model.name,
      input: { dataset: version.name, version: version.version, rows: version.rowCount },
      output: input.output,
      // Images are read whole (SageMaker's SplitType None for application/x-image).
      splitType: input.splitType ?? (image ? 'None' : 'Line'),
      batchStrategy,
      maxPayloadMb,
      joinSource: input.joinSource ?? 'None',
      inputFilter: input.inputFilter ?? null,
      outputFilter: input.outputFilter ?? null,
      features,
      inputColumns: columns,
      // A mini-batch is what fits the payload as CSV (about 12 bytes a value), as SageMaker sizes MultiRecord requests.
      batchRows: batchStrategy === 'SingleRecord' ? 1 : image ? IMAGE_BATCH : Math.max(1, Math.min(65_536, Math.floor((maxPayloadMb * 1024 * 1024) / (12 * Math.max(1, features.length))))),
      tags: input.tags ?? {},
      ...(image ? { contentType: isImageContentType(input.contentType) ? input.contentType! : DEFAULT_IMAGE_TYPE } : {}),
    };
    const shards: Array<{ start: number; count: number }> = [];
    for (let start = 0; start < version.rowCount; start += shardRows) shards.push({ start, count: Math.min(shardRows, version.rowCount - start) });
    await this.store.insert(name, spec, shards, input.createdBy ?? null);
    for (let i = 0; i < shards.length; i++) {
      await this.deps.queue.enqueue(SHARD_KIND, { name, shard: i }, { jobId: shardJobId(name, i), maxAttempts: SHARD_ATTEMPTS, backoffMs: 500 });
    }
    return this.store.describe(name);
  }

  /**
   * The dataset an `artifacts:<prefix>` input is read from: its PNG and JPEG keys as a JSON
   * Lines manifest, a new version of `<job>-images` tagged with the job.
   */
  private async imageManifest(name: string, input: CreateTransformJobInput) {
    if (!this.deps.artifacts) throw invalid('This server reads no artifacts: inputs');
    if (await this.store.row(name).catch(() => null)) throw new OrchardError('ORCH_TRANSFORM_EXISTS', { message: `A transform job named '${name}' exists`, details: { name } });
    const keys = await listImageKeys(this.deps.artifacts, input.input);
    return this.deps.datasets.create({
      name: `${name}-images`,
      format: 'jsonl',
      body: manifestBody(keys),
      description: `The images under ${input.input} read by batch transform ${name}`,
      tags: { transformJob: name, input: input.input },
      ...(input.createdBy ? { createdBy: input.createdBy } : {}),
    });
  }

  async describe(name: string): Promise<TransformJob> {
    return this.store.describe(name);
  }

  async list(filter: { status?: TransformJobStatus; limit?: number; offset?: number } = {}): Promise<{ items: TransformJob[]; total: number }> {
    return this.store.list(filter);
  }

  /**
   * Enqueues again what the queue lost (its data gone): each pending shard of a running
   * job without its queue entry, and the assembly of a job whose shards are all done.
   * Enqueue is idempotent by id, so this is safe at any time. Returns how many were enqueued.
   */
  async requeueLost(): Promise<number> {
    let requeued = 0;
    for (const name of await this.store.unfinished()) {
      const pending = (await this.store.shards(name)).filter((s) => s.status === 'pending');
      for (const shard of pending) {
        const id = shardJobId(name, Number(shard.shard));
        if (await this.deps.queue.get(id)) continue;
        await this.deps.queue.enqueue(SHARD_KIND, { name, shard: Number(shard.shard) }, { jobId: id, maxAttempts: SHARD_ATTEMPTS, backoffMs: 500 });
        requeued++;
      }
      if (pending.length === 0 && !(await this.deps.queue.get(assembleJobId(name)))) {
        await this.deps.queue.enqueue(ASSEMBLE_KIND, { name }, { jobId: assembleJobId(name), maxAttempts: ASSEMBLE_ATTEMPTS, backoffMs: 1000 });
        requeued++;
      }
    }
    return requeued;
  }

  /** Stops a running job: queued shards are cancelled, running ones are killed by their workers. */
  async stop(name: string): Promise<TransformJob> {
    const row = await this.store.row(name);
    if (row.status !== 'InProgress') return this.store.describe(name);
    await this.store.update(name, { stop_requested: 1 });
    for (const shard of await this.store.shards(name)) {
      if (shard.status === 'pending') await this.deps.queue.cancel(shardJobId(name, Number(shard.shard))).catch(() => undefined);
    }
    await this.store.end(name, 'Stopped', { failure_reason: null });
    return this.store.describe(name);
  }
}

function invalid(message: string, field?: string): OrchardError {
  if (field) return errorOfProblems([{ field, code: 'ORCH_TRANSFORM_INVALID', message, details: { field } }]);
  return new OrchardError('ORCH_TRANSFORM_INVALID', { message });
}
