/**
 * What the forecast job modules share: the worker's stores, and how an attempt ends
 * without an outcome (stopped, interrupted, skipped, refused, or failed and retried).
 */
import type { DatasetService } from '../data/index.js';
import type { ClaimedJob, JobQueue } from '../jobs/index.js';
import type { ArtifactStore, MetadataStore } from '../storage/index.js';
import type { ForecastOutcome } from './forecast-jobs.js';
import type { ImportOutcome } from './import-job.js';
import { forecastPartsPrefix } from './jobs.js';
import type { PredictorOutcome } from './predictor-jobs.js';
import type { TrainOutcome } from './train-job.js';
import type { ForecastStore } from './store.js';
import type { ForecastJobPayload } from './types.js';

export interface ForecastWorkerDeps {
  metadata: MetadataStore;
  artifacts: ArtifactStore;
  queue: JobQueue;
  datasets: Pick<DatasetService, 'create' | 'versions' | 'delete' | 'localParquet'>;
  workDir: string;
}

export type JobOutcome = ImportOutcome | TrainOutcome | PredictorOutcome | ForecastOutcome | { kind: 'settled' };

/**
 * How an attempt without an outcome ends:
 * - `skip`: the resource is no longer being created (stopped, deleted): the job ends, the resource keeps its status;
 * - `final`: the data or request cannot be satisfied: the job ends and the resource fails;
 * - `retry`: the job is retried while attempts remain, then the resource fails.
 * An aborted attempt (`signal`) only ends the job when it was stopped.
 */
export type Settle = (job: ClaimedJob<ForecastJobPayload>, message: string, how: 'skip' | 'final' | 'retry', options?: { signal?: AbortSignal; error?: { code: string; details?: Record<string, unknown> } }) => Promise<{ kind: 'settled' }>;

export interface WorkerContext {
  deps: ForecastWorkerDeps;
  store: ForecastStore;
  settle: Settle;
}

export function workerContext(deps: ForecastWorkerDeps, store: ForecastStore): WorkerContext {
  /** Marks the resource of a payload CreateFailed (and removes what its jobs wrote). */
  async function fail(p: ForecastJobPayload, reason: string, error?: { code: string; details?: Record<string, unknown> }): Promise<void> {
    // A shard's failure fails the whole resource, named by the shard.
    const failure_reason = (p.kind === 'shard' || p.kind === 'forecast-shard' ? `shard ${p.shard}: ${reason}` : reason).slice(0, 2000);
    if (p.kind === 'import') {
      const ended = await store.updateImport(p.import, { status: 'CreateFailed', failure_reason, failure_json: error ? JSON.stringify(error) : null });
      const row = await store.findImport(p.import);
      if (ended && row) await deps.artifacts.deletePrefix(row.data_key).catch(() => undefined);
    } else if (p.kind === 'train' || p.kind === 'shard' || p.kind === 'assemble') {
      await store.endPredictor(p.predictor, 'CreateFailed', { failure_reason });
    } else {
      const ended = await store.endForecast(p.forecast, 'CreateFailed', { failure_reason });
      const row = await store.findForecast(p.forecast);
      if (ended && row) await deps.artifacts.deletePrefix(forecastPartsPrefix(row.grp, row.name)).catch(() => undefined);
    }
  }

  const settle: Settle = async (job, message, how, options = {}) => {
    const { signal } = options;
    if (signal?.aborted) {
      if (signal.reason === 'stop') await deps.queue.fail(job, { message: 'stopped', retryable: false });
      return { kind: 'settled' };
    }
    if (how !== 'retry') {
      await deps.queue.fail(job, { message, retryable: false });
      if (how === 'final') await fail(job.payload, message, options.error);
      return { kind: 'settled' };
    }
    const outcome = await deps.queue.fail(job, { message });
    if (!outcome.willRetry) await fail(job.payload, message, options.error);
    return { kind: 'settled' };
  };

  return { deps, store, settle };
}
