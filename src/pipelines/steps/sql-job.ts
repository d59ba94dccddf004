/**
 * The `pipeline-sql` job kind: a SQL step's SELECT, run on a worker, its result registered
 * as the next version of the output dataset (Athena's CTAS). The dataset service stages
 * the Parquet file, stores it and only then publishes the version, so a worker that dies
 * midway leaves nothing visible and the queue's next attempt runs the query again. The
 * version carries the step's resource as its `orchard:pipeline-step` tag: an attempt that
 * finds it (its worker died after the publish) does not run the query twice. The outcome
 * is stored beside the step's resource before the queue hears of it, so the step reads it
 * even if the queue forgets the job.
 */
import { isOrchardError } from '../../core/index.js';
import type { DatasetService, DatasetVersion } from '../../data/index.js';
import type { JobHandler, JobQueue } from '../../jobs/index.js';
import type { ArtifactStore } from '../../storage/index.js';
import { readJson, stepKey, stepTags } from './ports.js';

export const PIPELINE_SQL_KIND = 'pipeline-sql';
/** Attempts a query gets when its worker is lost or the stores fail it (a refused query is not retried here: the step's retry rules decide). */
export const SQL_JOB_ATTEMPTS = 3;

export interface SqlPayload {
  /** The step's resource: the job id, the version's tag and the folder of its result. */
  resource: string;
  execution: string;
  pipeline: string;
  query: string;
  /** The dataset the result becomes the next version of. */
  output: string;
  description?: string;
  createdBy: string | null;
}

/** The step's outputs: the same whether the query ran now or before. */
export interface SqlOutputs {
  dataset: string;
  datasetName: string;
  version: number;
  rows: number;
}

/** What a run came to: the outputs, or the error the dataset service gave (its code kept, so retry rules match it). */
export type SqlResult = { ok: true; outputs: SqlOutputs } | { ok: false; code: string; message: string; retryable: boolean };

export const sqlResultKey = (resource: string) => stepKey(resource, 'sql-result.json');

export function sqlOutputs(version: Pick<DatasetVersion, 'name' | 'version' | 'rowCount'>): SqlOutputs {
  return { dataset: `${version.name}@${version.version}`, datasetName: version.name, version: version.version, rows: version.rowCount };
}

/** The version a step's query registered, found by its resource tag (null when none). */
export async function taggedVersion(datasets: Pick<DatasetService, 'versions'>, output: string, resource: string): Promise<DatasetVersion | null> {
  let versions: DatasetVersion[];
  try {
    versions = await datasets.versions(output);
  } catch (err) {
    if (isOrchardError(err) && err.code === 'ORCH_DATASET_NOT_FOUND') return null;
    throw err;
  }
  return versions.find((v) => v.tags['orchard:pipeline-step'] === resource) ?? null;
}

export interface SqlJobDeps {
  queue: JobQueue;
  datasets: Pick<DatasetService, 'createFromQuery' | 'versions'>;
  artifacts: Pick<ArtifactStore, 'get' | 'head' | 'put'>;
}

type Outcome = { kind: 'ran'; result: SqlResult; reported?: boolean } | { kind: 'settled' };

export function pipelineSqlJobHandler(deps: SqlJobDeps): JobHandler<SqlPayload, Outcome> {
  return {
    kinds: [PIPELINE_SQL_KIND],
    // DuckDB runs in this process with its own threads; one core is what the slot costs the worker.
    cpus: () => 1,
    async run(job, ctx) {
      const p = job.payload;
      if (await readJson<SqlResult>(deps.artifacts, sqlResultKey(p.resource))) {
        // Ran before and stored its outcome (the queue had lost the job): not run twice.
        await deps.queue.complete(job);
        return { kind: 'settled' };
      }
      // The last attempt's worker died after publishing the version: that version is the result.
      const made = await taggedVersion(deps.datasets, p.output, p.resource);
      if (made) return { kind: 'ran', result: { ok: true, outputs: sqlOutputs(made) } };
      if (ctx.signal.aborted) return stopped(deps.queue, job, ctx.signal);
      let result: SqlResult;
      try {
        const tags = stepTags({ execution: { id: p.execution, pipeline: p.pipeline }, resource: p.resource });
        const version = await deps.datasets.createFromQuery({ name: p.output, sql: p.query, description: p.description, tags, createdBy: p.createdBy ?? undefined });
        result = { ok: true, outputs: sqlOutputs(version) };
      } catch (err) {
        // Anything but the platform's own errors (a driver's, say) is thrown on: the queue tries again.
        if (!isOrchardError(err)) throw err;
        // A query the service refuses stays refused; a store that failed may not (as the engine judges a service's error).
        result = { ok: false, code: err.code, message: err.message, retryable: err.status >= 500 || err.status === 409 };
      }
      // A stop that came while DuckDB ran (it is not interrupted): the job ends cancelled. What
      // was registered stays, tagged with the step, as a dataset version created by hand would.
      if (ctx.signal.aborted) return stopped(deps.queue, job, ctx.signal);
      return { kind: 'ran', result };
    },
    async record(job, outcome) {
      if (outcome.kind !== 'ran' || outcome.reported) return;
      const { result } = outcome;
      // The outcome first: the step reads it, whatever the queue keeps.
      await deps.artifacts.put(sqlResultKey(job.payload.resource), JSON.stringify(result));
      if (result.ok) await deps.queue.complete(job, result.outputs);
      else await deps.queue.fail(job, { message: `${result.code}: ${result.message}`, retryable: false });
      outcome.reported = true;
    },
  };
}

/** Stopped with its step: the job ends cancelled. Shut down or lost: the queue hands it out again. */
async function stopped(queue: JobQueue, job: Parameters<JobQueue['fail']>[0], signal: AbortSignal): Promise<Outcome> {
  if (signal.reason === 'stop') await queue.fail(job, { message: 'stopped', retryable: false });
  return { kind: 'settled' };
}
