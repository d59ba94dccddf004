import { createReadStream } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { buffer } from 'node:stream/consumers';
import { isOrchardError, newId } from '../core/index.js';
import { openDuckDB, sqlString, type DatasetService, type DatasetVersion } from '../data/index.js';
import { interruptedByPlatform, type ClaimedJob, type JobHandler, type JobQueue } from '../jobs/index.js';
import type { ArtifactStore, MetadataStore } from '../storage/index.js';
import { applyRecipe, fitRecipe, rowTransform, type FittedRecipe, type RecipeSpec } from './engine/index.js';
import { RecipeStore, type FitColumns, type RecipeJobsTable } from './recipe-store.js';
import { APPLY_KIND, FIT_KIND, type RecipeJobOutput, type RecipeSplit } from './types.js';

export interface RecipeWorkerDeps {
  metadata: MetadataStore;
  queue: JobQueue;
  artifacts: ArtifactStore;
  datasets: Pick<DatasetService, 'create' | 'versions' | 'delete' | 'localParquet'>;
  /** Scratch space for fits and applied outputs. */
  workDir: string;
}

/** Cores a fit or apply job asks for (the engine's DuckDB threads). */
export const RECIPE_JOB_CPUS = 2;

type Payload = { name: string };
/** What a finished attempt leaves for `record` (kept by the loop until it is written). */
type Outcome =
  | { kind: 'fit'; name: string; key: string; sha256: string; columns: FitColumns; completed?: boolean }
  | { kind: 'apply'; name: string; outputs: RecipeJobOutput[]; completed?: boolean }
  | { kind: 'settled' };

/** Split order of the outputs (and of the datasets an apply registers). */
const SPLIT_ORDER: RecipeSplit[] = ['all', 'train', 'validation', 'test'];

/**
 * Recipe fit and apply jobs on the one worker loop. A fit stores its parameters as an
 * artifact and the next fit version is numbered when the outcome is recorded; an apply
 * registers its outputs as dataset versions tagged with the job, so a retry after a crash
 * finds what it made, and a job that ends failed or stopped takes them away again.
 */
export async function recipeJobHandler(deps: RecipeWorkerDeps): Promise<JobHandler<Payload, Outcome>> {
  await fs.mkdir(deps.workDir, { recursive: true });
  const store = new RecipeStore(deps.metadata);
  return {
    kinds: [FIT_KIND, APPLY_KIND],
    cpus: () => RECIPE_JOB_CPUS,
    async run(job, ctx) {
      const row = await store.jobRow(job.payload.name).catch(() => null);
      if (!row || row.status !== 'InProgress' || row.stop_requested) {
        await deps.queue.fail(job, { message: 'the recipe job is not running', retryable: false });
        return { kind: 'settled' };
      }
      if (!row.started_at) await store.updateJob(row.name, { started_at: new Date().toISOString() });
      const scratch = path.join(deps.workDir, `recipe-${row.name}-${newId('at').slice(3)}`);
      await fs.mkdir(scratch, { recursive: true });
      try {
        return row.kind === 'fit' ? await runFit(deps, row, scratch, ctx.cpus, ctx.signal) : await runApply(deps, row, scratch, ctx.cpus, ctx.signal);
      } catch (err) {
        if (interruptedByPlatform(ctx.signal)) return { kind: 'settled' }; // the queue hands the job out again
        if (ctx.signal.aborted) {
          await deps.queue.fail(job, { message: 'stopped', retryable: false }).catch(() => undefined);
          await removeOutputs(deps, row);
          return { kind: 'settled' };
        }
        const reason = reasonOf(err);
        // A problem of the recipe or the data fails the job at once; anything else is retried.
        const retryable = !isOrchardError(err) || err.status >= 500;
        const outcome = await deps.queue.fail(job, { message: reason, retryable });
        if (!outcome.willRetry) await failJob(deps, store, row, reason);
        return { kind: 'settled' };
      } finally {
        await fs.rm(scratch, { recursive: true, force: true });
      }
    },
    async record(job, outcome) {
      if (outcome.kind === 'settled') return;
      const row = await store.jobRow(outcome.name);
      if (outcome.kind === 'fit') {
        if (row.status === 'InProgress') {
          const version = await store.insertNextFit({
            recipe: row.recipe,
            job_name: row.name,
            dataset_name: row.dataset_name,
            dataset_version: Number(row.dataset_version),
            artifact_key: outcome.key,
            sha256: outcome.sha256,
            columns_json: JSON.stringify(outcome.columns),
            created_by: row.created_by,
            created_at: new Date().toISOString(),
          });
          await store.endJob(row.name, 'Completed', { fit_version: version, failure_reason: null });
        } else if (!(await store.fitOfJob(row.name))) {
          // Stopped while it ran: its parameters are not a fit.
          await deps.artifacts.deletePrefix(path.posix.dirname(outcome.key) + '/').catch(() => undefined);
        }
      } else {
        const ended = await store.endJob(row.name, 'Completed', { outputs_json: JSON.stringify(outcome.outputs), failure_reason: null });
        if (!ended && (await store.jobRow(row.name)).status !== 'Completed') await removeOutputs(deps, row);
      }
      // Each step above is safe to repeat; the queue's completion is not, so it is remembered.
      if (!outcome.completed) {
        await deps.queue.complete(job as ClaimedJob);
        outcome.completed = true;
      }
    },
  };
}

async function runFit(deps: RecipeWorkerDeps, row: RecipeJobsTable, scratch: string, threads: number, signal: AbortSignal): Promise<Outcome> {
  const input = await deps.datasets.localParquet(`${row.dataset_name}@${row.dataset_version}`);
  const spec = JSON.parse(row.spec_json) as RecipeSpec;
  const fitted = await fitRecipe(spec, { parquetPath: input.path, columns: columnsOf(input.version) }, { scratchDir: scratch, threads: Math.max(1, threads), signal });
  signal.throwIfAborted();
  const online = rowTransform(fitted);
  const types = new Map(fitted.inputColumns.map((c) => [c.name, c.type]));
  const columns: FitColumns = {
    target: fitted.spec.target ?? null,
    inputColumns: online.inputColumns.map((name) => ({ name, type: types.get(name) ?? 'VARCHAR' })),
    outputColumns: fitted.outputColumns,
    numFeatures: online.numFeatures,
  };
  const key = `recipes/${row.recipe}/fits/${row.name}/fitted.json`;
  const info = await deps.artifacts.put(key, Buffer.from(JSON.stringify(fitted)));
  return { kind: 'fit', name: row.name, key, sha256: info.sha256, columns };
}

async function runApply(deps: RecipeWorkerDeps, row: RecipeJobsTable, scratch: string, threads: number, signal: AbortSignal): Promise<Outcome> {
  const fitKey = await fitKeyOf(deps, row);
  const fitted = JSON.parse((await buffer(await deps.artifacts.get(fitKey))).toString('utf8')) as FittedRecipe;
  const input = await deps.datasets.localParquet(`${row.dataset_name}@${row.dataset_version}`);
  const outputDir = path.join(scratch, 'out');
  await fs.mkdir(outputDir, { recursive: true });
  const result = await applyRecipe(fitted, { parquetPath: input.path }, { outputDir, scratchDir: path.join(scratch, 'spill'), threads: Math.max(1, threads), signal });
  signal.throwIfAborted();
  const outputs = [...result.outputs].sort((a, b) => SPLIT_ORDER.indexOf(a.split) - SPLIT_ORDER.indexOf(b.split));
  const tags: Record<string, string> = {
    ...(JSON.parse(row.tags_json) as Record<string, string>),
    recipe: row.recipe,
    recipeFit: `${row.recipe}@${row.fit_version}`,
    recipeJob: row.name,
    sourceDataset: `${row.dataset_name}@${row.dataset_version}`,
  };
  const made: RecipeJobOutput[] = [];
  const csv = row.output_format === 'csv';
  try {
    for (const out of outputs) {
      const name = outputName(row.output_name!, out.split);
      const file = csv ? await toCsv(out.parquetPath, scratch) : out.parquetPath;
      // A retry after a crash finds the version an earlier attempt registered.
      let version = (await deps.datasets.versions(name).catch(() => [])).find((v) => v.tags.recipeJob === row.name);
      version ??= await deps.datasets.create({
        name,
        format: csv ? 'csv' : 'parquet',
        // The Parquet the engine wrote is registered as it is (profiled in place, stored
        // once); a CSV output is an upload like any other.
        ...(csv ? { header: false, body: createReadStream(file) } : { parquetFile: file }),
        description: `Recipe ${row.recipe}@${row.fit_version} applied to ${row.dataset_name}@${row.dataset_version}${out.split === 'all' ? '' : ` (${out.split} split)`}`,
        tags: { ...tags, split: out.split },
        createdBy: row.created_by ?? undefined,
      });
      made.push({ split: out.split, ref: `${version.name}@${version.version}`, dataset: version.name, version: version.version, rows: version.rowCount });
      signal.throwIfAborted();
    }
  } catch (err) {
    // Nothing half-written stays registered: an attempt that fails here takes back what it made.
    if (!interruptedByPlatform(signal)) await removeOutputs(deps, row);
    throw err;
  }
  return { kind: 'apply', name: row.name, outputs: made };
}

/**
 * An output as the built-in algorithms train on it: CSV without a header, the target
 * first (the applied table's order), a missing value an empty field.
 */
async function toCsv(parquetPath: string, scratch: string): Promise<string> {
  const file = `${parquetPath}.csv`;
  const db = await openDuckDB({ tempDirectory: path.join(scratch, 'csv-spill') });
  try {
    await db.exec(`COPY (SELECT * FROM read_parquet(${sqlString(parquetPath)})) TO ${sqlString(file)} (FORMAT csv, HEADER false)`);
  } finally {
    db.close();
  }
  return file;
}

/** The artifact of the fit an apply job applies (read through the store's own row). */
async function fitKeyOf(deps: RecipeWorkerDeps, row: RecipeJobsTable): Promise<string> {
  const fit = await new RecipeStore(deps.metadata).fitRow(row.recipe, Number(row.fit_version));
  return fit.artifact_key;
}

/** `NAME` without a split step, `NAME-train`, `NAME-validation`, `NAME-test` with one. */
export function outputName(output: string, split: RecipeSplit): string {
  return split === 'all' ? output : `${output}-${split}`;
}

async function failJob(deps: RecipeWorkerDeps, store: RecipeStore, row: RecipeJobsTable, reason: string): Promise<void> {
  await store.endJob(row.name, 'Failed', { failure_reason: reason.slice(0, 2000) });
  await removeOutputs(deps, row);
  if (row.kind === 'fit' && !(await store.fitOfJob(row.name))) await deps.artifacts.deletePrefix(`recipes/${row.recipe}/fits/${row.name}/`).catch(() => undefined);
}

/** Purges every dataset version an apply job registered (found by its tag). */
async function removeOutputs(deps: RecipeWorkerDeps, row: RecipeJobsTable): Promise<void> {
  if (row.kind !== 'apply' || !row.output_name) return;
  for (const split of SPLIT_ORDER) {
    const name = outputName(row.output_name, split);
    const versions = await deps.datasets.versions(name, { includeDeleted: true }).catch(() => [] as DatasetVersion[]);
    for (const v of versions.filter((x) => x.tags.recipeJob === row.name)) {
      await deps.datasets.delete(`${v.name}@${v.version}`, { purge: true }).catch(() => undefined);
    }
  }
}

function columnsOf(version: DatasetVersion): Array<{ name: string; type: string }> {
  return version.columns.map((c) => ({ name: c.name, type: c.type }));
}

/** A failure as the job reports it: an Orchard error with its code, anything else by its message. */
function reasonOf(err: unknown): string {
  if (isOrchardError(err)) return `${err.code}: ${err.message}`;
  return (err as Error)?.message ?? String(err);
}
