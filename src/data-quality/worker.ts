import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { isOrchardError } from '../core/index.js';
import type { DatasetService } from '../data/index.js';
import type { ClaimedJob, JobHandler, JobQueue } from '../jobs/index.js';
import type { MetadataStore } from '../storage/index.js';
import type { ResolvedProblemType } from './detectors.js';
import { DATA_QUALITY_KIND } from './service.js';
import { DataQualityStore } from './store.js';
import type { DataQualityContent, DataQualityPayload } from './types.js';

export interface DataQualityWorkerDeps {
  metadata: MetadataStore;
  queue: JobQueue;
  datasets: Pick<DatasetService, 'localParquet'>;
  /** Scratch space (DuckDB spills) of running reports. */
  workDir: string;
}

/** A computed report: what is left to record (kept by the loop until it is). */
type Outcome = { kind: 'report'; id: string; report: DataQualityContent; completed?: boolean } | { kind: 'settled' };

/** Cores a report asks for: DuckDB's two threads (the quick model then uses one). */
const REPORT_CPUS = 2;

/**
 * The data-quality job kind for the worker loop: computes the report in this process
 * (DuckDB over the version's Parquet copy, the quick model on worker threads) and stores
 * it. A report is retried after platform trouble; a request the data cannot satisfy (the
 * version deleted, a target with too many classes) fails at once with its reason.
 */
export async function dataQualityJobHandler(deps: DataQualityWorkerDeps): Promise<JobHandler<DataQualityPayload, Outcome>> {
  await fs.mkdir(deps.workDir, { recursive: true });
  const store = new DataQualityStore(deps.metadata);
  return {
    kinds: [DATA_QUALITY_KIND],
    cpus: () => REPORT_CPUS,
    async run(job, ctx) {
      const { id } = job.payload;
      const row = await store.row(id).catch((err: unknown) => {
        if (isOrchardError(err) && err.code === 'ORCH_DATA_QUALITY_NOT_FOUND') return null;
        throw err;
      });
      if (!row || row.status !== 'InProgress' || ctx.signal.aborted) {
        // Stopped (or gone) before it ran: nothing to compute.
        await deps.queue.fail(job, { message: 'the data-quality report is not running', retryable: false });
        return { kind: 'settled' };
      }
      await store.update(id, { started_at: row.started_at ?? new Date().toISOString(), stage: 'reading the dataset', percent: 1 });
      try {
        const local = await deps.datasets.localParquet(`${row.dataset}@${Number(row.version)}`);
        const report = await (await import('./analyse.js')).analyseDataset({
          parquet: local.path,
          dataset: { name: local.version.name, version: local.version.version, rows: local.version.rowCount, columns: local.version.columns },
          target: row.target,
          problemType: row.target ? (row.problem_type as ResolvedProblemType) : null,
          workDir: path.join(deps.workDir, `${id}-${job.attempt}-${randomBytes(4).toString('hex')}`),
          signal: ctx.signal,
          onProgress: (stage, percent) => void store.progress(id, stage, percent).catch(() => undefined),
        });
        return { kind: 'report', id, report };
      } catch (err) {
        return settleFailure(deps, store, job, ctx.signal, err);
      }
    },
    async record(job, outcome) {
      if (outcome.kind !== 'report') return;
      // Each step is safe to repeat; the queue's completion is not, so it is remembered.
      await store.complete(outcome.id, outcome.report);
      if (!outcome.completed) {
        await deps.queue.complete(job);
        outcome.completed = true;
      }
    },
  };
}

async function settleFailure(deps: DataQualityWorkerDeps, store: DataQualityStore, job: ClaimedJob<DataQualityPayload>, signal: AbortSignal, err: unknown): Promise<Outcome> {
  const { id } = job.payload;
  if (signal.aborted) {
    if (signal.reason === 'stop') {
      await store.end(id, 'Stopped', null);
      await deps.queue.fail(job, { message: 'stopped', retryable: false });
    }
    // Shutdown or a lost lease: the queue hands the report out again.
    return { kind: 'settled' };
  }
  const message = (err as Error)?.message ?? String(err);
  // The request's own problem (a client error): trying again would give the same answer.
  if (isOrchardError(err) && err.status < 500) {
    await store.end(id, 'Failed', message);
    await deps.queue.fail(job, { message, retryable: false });
    return { kind: 'settled' };
  }
  const outcome = await deps.queue.fail(job, { message });
  if (!outcome.willRetry) await store.end(id, 'Failed', message);
  return { kind: 'settled' };
}
