import { createReadStream, createWriteStream } from 'node:fs';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { isOrchardError, newId } from '../../core/index.js';
import { openDuckDB, sqlIdent, sqlString, type DatasetService } from '../../data/index.js';
import { runnerProgram, runProcess, type ClaimedJob, type JobHandler, type JobQueue } from '../../jobs/index.js';
import { materializeModel, UNPACKED_RECIPE_FILE, type ModelService } from '../../registry/index.js';
import type { ArtifactStore, MetadataStore } from '../../storage/index.js';
import { ASSEMBLE_ATTEMPTS, ASSEMBLE_KIND, assembleJobId, shardJobId, SHARD_KIND } from './transform-service.js';
import { imageOutputColumns, refKey, SOURCE_REF } from './image-input.js';
import { shardFailureReason } from './shard-failure.js';
import { TransformStore } from './transform-store.js';
import { DATA_ERROR_EXIT, type ShardSpec, type TransformSpec } from './types.js';

export interface TransformWorkerDeps {
  metadata: MetadataStore;
  queue: JobQueue;
  datasets: DatasetService;
  artifacts: ArtifactStore;
  models: Pick<ModelService, 'describe'>;
  /** Scratch space for shard inputs and outputs. */
  workDir: string;
  /** Unpacked models, shared by all shards on this machine. */
  modelCacheDir: string;
  /** Cores the worker shares out, split between a job's shards (see `shardCpus`). @default os.availableParallelism() */
  cpus?: number;
}

type ShardPayload = { name: string; shard: number };
type AssemblePayload = { name: string };

/** A shard whose output is stored: what is left to record (kept by the loop until it is). */
type ShardOutcome = { kind: 'shard'; name: string; shard: number; key: string; rows: number; completed?: boolean };
type TransformOutcome = ShardOutcome | { kind: 'settled' };

/**
 * Cores one of a job's `shards` shards asks for: the worker's cores shared between them,
 * at least one. A job of one shard gets them all (a SageMaker instance serves one
 * transform with its whole machine), so a model that predicts on threads (k-NN's search,
 * an ONNX session) loads once and searches on every core; a job of as many shards as
 * cores or more runs them side by side, one core each.
 */
export function shardCpus(workerCpus: number, shards: number): number {
  return Math.max(1, Math.floor(workerCpus / Math.max(1, shards)));
}

/**
 * Batch transform's job kinds (shards and the output assembly) for the worker loop. A
 * shard asks for its share of the worker's cores (`shardCpus`), so shards run side by side
 * while cores are free; its model predicts on the cores it was given.
 */
export async function transformJobHandler(deps: TransformWorkerDeps): Promise<JobHandler<ShardPayload | AssemblePayload, TransformOutcome>> {
  await fs.mkdir(deps.workDir, { recursive: true });
  const store = new TransformStore(deps.metadata);
  const workerCpus = Math.max(1, Math.floor(deps.cpus ?? os.availableParallelism()));
  return {
    kinds: [SHARD_KIND, ASSEMBLE_KIND],
    async cpus(job) {
      if (job.kind !== SHARD_KIND) return 1;
      const shards = await store.shards((job.payload as ShardPayload).name);
      return shardCpus(workerCpus, shards.length);
    },
    async run(job, ctx) {
      if (job.kind === SHARD_KIND) return runShard(deps, store, job as ClaimedJob<ShardPayload>, ctx.signal, ctx.cpus);
      await assemble(deps, store, job as ClaimedJob<AssemblePayload>);
      return { kind: 'settled' };
    },
    async record(job, outcome) {
      if (outcome.kind !== 'shard') return;
      // Each step is safe to repeat; the queue's completion is not, so it is remembered.
      await store.finishShard(outcome.name, outcome.shard, outcome.key, outcome.rows);
      if (!outcome.completed) {
        await deps.queue.complete(job);
        outcome.completed = true;
      }
      await maybeAssemble(deps, store, outcome.name);
    },
  };
}

async function runShard(deps: TransformWorkerDeps, store: TransformStore, job: ClaimedJob<ShardPayload>, signal: AbortSignal, cpus: number): Promise<TransformOutcome> {
  const { name, shard } = job.payload;
  const row = await store.row(name);
  const shardRow = await store.shard(name, shard);
  if (row.status !== 'InProgress' || row.stop_requested) {
    await deps.queue.fail(job, { message: 'the transform job is not running', retryable: false });
    return { kind: 'settled' };
  }
  if (shardRow.status === 'done') {
    // An earlier attempt finished and was cut off before reporting: nothing to redo.
    await deps.queue.complete(job);
    await maybeAssemble(deps, store, name);
    return { kind: 'settled' };
  }
  if (!row.started_at) await store.update(name, { started_at: new Date().toISOString() });
  await store.updateShard(name, shard, { attempts: job.attempt, rows_done: 0 });
  const spec = JSON.parse(row.spec_json) as TransformSpec;
  const dir = path.join(deps.workDir, `transform-${name}-${shard}-${newId('at').slice(3)}`);
  await fs.mkdir(dir, { recursive: true });
  try {
    const model = await deps.models.describe(spec.model);
    const modelDir = await materializeModel(deps.artifacts, model, deps.modelCacheDir);
    const input = await deps.datasets.localParquet(`${spec.input.dataset}@${spec.input.version}`);
    const shardSpec: ShardSpec = {
      model: { dir: modelDir, format: model.format, algorithm: model.algorithm, threads: Math.max(1, cpus), ...(model.recipe ? { recipeFile: path.join(modelDir, UNPACKED_RECIPE_FILE) } : {}) },
      input: input.path,
      rowStart: Number(shardRow.row_start),
      rowCount: Number(shardRow.row_count),
      output: path.join(dir, 'out.parquet'),
      features: spec.features,
      inputColumns: spec.inputColumns,
      joinSource: spec.joinSource,
      outputFilter: spec.outputFilter ?? null,
      batchRows: spec.batchRows,
      tempDir: path.join(dir, 'spill'),
      ...(spec.contentType ? { images: await fetchImages(deps.artifacts, input.path, Number(shardRow.row_start), Number(shardRow.row_count), path.join(dir, 'images')) } : {}),
    };
    await fs.writeFile(path.join(dir, 'spec.json'), JSON.stringify(shardSpec));
    let rows = 0;
    let reported = 0;
    const progress = setInterval(() => {
      if (rows !== reported) void store.updateShard(name, shard, { rows_done: (reported = rows) }).catch(() => undefined);
    }, 1000);
    const program = runnerProgram(import.meta.url, 'shard-runner');
    const result = await runProcess({
      command: program.command,
      args: [...program.args, path.join(dir, 'spec.json')],
      cwd: dir,
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: dir, ...(process.env.ORCHARD_WASM_RELAXED_SIMD !== undefined ? { ORCHARD_WASM_RELAXED_SIMD: process.env.ORCHARD_WASM_RELAXED_SIMD } : {}) },
      signal,
      onLine: (line) => {
        const m = /^#rows (\d+)$/.exec(line);
        if (m) rows = Number(m[1]);
      },
    }).finally(() => clearInterval(progress));
    if (signal.aborted) return { kind: 'settled' }; // shutdown or lost lease: the queue hands the shard out again
    if (result.exitCode === DATA_ERROR_EXIT) {
      const reason = shardFailureReason(shard, job.attempt, result, true);
      await failJob(deps, store, name, reason);
      await deps.queue.fail(job, { message: reason, retryable: false });
      return { kind: 'settled' };
    }
    if (result.exitCode !== 0) {
      const reason = shardFailureReason(shard, job.attempt, result, false);
      const outcome = await deps.queue.fail(job, { message: reason });
      if (!outcome.willRetry) await failJob(deps, store, name, reason);
      return { kind: 'settled' };
    }
    const key = `transforms/${name}/shards/${String(shard).padStart(6, '0')}.parquet`;
    await deps.artifacts.put(key, createReadStream(shardSpec.output));
    return { kind: 'shard', name, shard, key, rows: Number(shardRow.row_count) };
  } finally {
    await fs.rm(dir, { recursive: true, force: true });
  }
}

/**
 * An image shard's objects, copied to `<dir>/<i>` for its i-th row: the keys the input's
 * `source-ref` column names. A row whose object is not stored (or whose key the store
 * refuses) has no file; the runner writes its reason.
 */
async function fetchImages(artifacts: ArtifactStore, parquet: string, rowStart: number, rowCount: number, dir: string): Promise<{ dir: string; refs: string[] }> {
  await fs.mkdir(dir, { recursive: true });
  const db = await openDuckDB({ tempDirectory: path.join(dir, '..', 'spill') });
  let refs: string[];
  try {
    const result = await db.connection.run(`SELECT CAST(${sqlIdent(SOURCE_REF)} AS VARCHAR) AS ref FROM read_parquet(${sqlString(parquet)}) LIMIT ${rowCount} OFFSET ${rowStart}`);
    refs = (await result.getRowObjects()).map((r) => (r.ref === null || r.ref === undefined ? '' : String(r.ref)));
  } finally {
    db.close();
  }
  for (let i = 0; i < refs.length; i++) {
    if (refs[i] === '') continue;
    try {
      await pipeline(await artifacts.get(refKey(refs[i])), createWriteStream(path.join(dir, String(i))));
    } catch (err) {
      // A missing or refused key is that record's failure, not the shard's.
      if (!isOrchardError(err)) throw err;
      await fs.rm(path.join(dir, String(i)), { force: true });
    }
  }
  return { dir, refs };
}

/** Once no shard is pending, queues the assembly (one queue job per transform, by its id). */
async function maybeAssemble(deps: TransformWorkerDeps, store: TransformStore, name: string): Promise<void> {
  if ((await store.pendingShards(name)) > 0) return;
  await deps.queue.enqueue(ASSEMBLE_KIND, { name }, { jobId: assembleJobId(name), maxAttempts: ASSEMBLE_ATTEMPTS, backoffMs: 1000 });
}

async function failJob(deps: TransformWorkerDeps, store: TransformStore, name: string, reason: string): Promise<void> {
  if (!(await store.end(name, 'Failed', { failure_reason: reason.slice(0, 2000) }))) return;
  for (const s of await store.shards(name)) {
    if (s.status === 'pending') await deps.queue.cancel(shardJobId(name, Number(s.shard))).catch(() => undefined);
  }
}

/**
 * Joins the shards' Parquet files, in shard order, into the output dataset's new version.
 * A retry after a crash finds the version it already made by its tag instead of making a second.
 */
async function assemble(deps: TransformWorkerDeps, store: TransformStore, job: ClaimedJob<AssemblePayload>): Promise<void> {
  const { name } = job.payload;
  const row = await store.row(name);
  if (row.status !== 'InProgress') {
    await deps.queue.complete(job);
    return;
  }
  const spec = JSON.parse(row.spec_json) as TransformSpec;
  const existing = (await deps.datasets.versions(spec.output).catch(() => [])).find((v) => v.tags.transformJob === name);
  let version = existing?.version;
  if (version === undefined) {
    const dir = path.join(deps.workDir, `assemble-${name}-${newId('at').slice(3)}`);
    await fs.mkdir(dir, { recursive: true });
    try {
      const shards = await store.shards(name);
      const files: string[] = [];
      for (const s of shards) {
        const file = path.join(dir, `${String(s.shard).padStart(6, '0')}.parquet`);
        await pipeline(await deps.artifacts.get(s.output_key!), createWriteStream(file));
        files.push(file);
      }
      const out = path.join(dir, 'output.parquet');
      const db = await openDuckDB({ tempDirectory: path.join(dir, 'spill') });
      try {
        // Files are read in list order and insertion order is kept, so rows stay in input order.
        await db.exec(`COPY (SELECT * FROM read_parquet([${files.map(sqlString).join(', ')}])) TO ${sqlString(out)} (FORMAT parquet, COMPRESSION zstd)`);
      } finally {
        db.close();
      }
      let failed: number | undefined;
      if (spec.contentType) {
        const db2 = await openDuckDB({ tempDirectory: path.join(dir, 'spill') });
        try {
          const r = await db2.connection.run(`SELECT count(*) AS n FROM read_parquet(${sqlString(out)}) WHERE ${sqlIdent(imageOutputColumns(spec.joinSource === 'Input' ? spec.inputColumns : [SOURCE_REF]).error)} IS NOT NULL`);
          failed = Number((await r.getRowObjects())[0].n);
        } finally {
          db2.close();
        }
        await store.update(name, { spec_json: JSON.stringify({ ...spec, failedRecords: failed }) });
      }
      // A file the platform wrote: the version is profiled where it lies and stored once
      // (under its data key), not stored here, read back, converted and stored twice.
      const created = await deps.datasets.create({
        name: spec.output,
        format: 'parquet',
        parquetFile: out,
        description: `Batch transform ${name}: model ${spec.model} over ${spec.input.dataset}@${spec.input.version}`,
        tags: { ...spec.tags, transformJob: name, model: spec.model, ...(failed !== undefined ? { failedRecords: String(failed) } : {}) },
      });
      version = created.version;
    } finally {
      await fs.rm(dir, { recursive: true, force: true });
    }
  }
  await store.end(name, 'Completed', { output_version: version, failure_reason: null });
  await deps.queue.complete(job);
  await deps.artifacts.deletePrefix(`transforms/${name}/shards/`).catch(() => undefined);
}
