/**
 * The forecast job kinds on the worker loop, one handler (one queue kind, the payload's
 * `kind` choosing the job):
 * - `import` (`import-job.ts`): validates an import's data and stores its series;
 * - `train` (`train-job.ts`): a predictor's global model (DeepAR+), before its shards;
 * - `shard` and `assemble` (`predictor-jobs.ts`): a predictor's backtests, then its metrics;
 * - `forecast-shard` and `forecast-assemble` (`forecast-jobs.ts`): each shard's items'
 *   forecasts, then one dataset version of them all.
 * Each is safe to run again; `record` writes the outcome idempotently.
 */
import fs from 'node:fs/promises';
import type { ClaimedJob, JobHandler } from '../jobs/index.js';
import { recordForecast, runForecastAssemble, runForecastFanout, runForecastShard } from './forecast-jobs.js';
import { recordImport, runImportJob } from './import-job.js';
import { recordPredictor, runAssemble, runShard } from './predictor-jobs.js';
import { recordTrain, runTrain } from './train-job.js';
import { FORECAST_KIND } from './jobs.js';
import { ForecastStore } from './store.js';
import type { ForecastJobPayload } from './types.js';
import { workerContext, type ForecastWorkerDeps, type JobOutcome } from './worker-context.js';

export type { ForecastWorkerDeps } from './worker-context.js';

type Job<K extends ForecastJobPayload['kind']> = ClaimedJob<ForecastJobPayload & { kind: K }>;

export async function forecastJobHandler(deps: ForecastWorkerDeps): Promise<JobHandler<ForecastJobPayload, JobOutcome>> {
  await fs.mkdir(deps.workDir, { recursive: true });
  const w = workerContext(deps, new ForecastStore(deps.metadata));
  return {
    kinds: [FORECAST_KIND],
    // Every forecast job is one thread of JavaScript (an import's DuckDB is held to a small memory limit).
    cpus: () => 1,
    run(job, ctx) {
      switch (job.payload.kind) {
        case 'import':
          return runImportJob(w, job as Job<'import'>, ctx);
        case 'train':
          return runTrain(w, job as Job<'train'>, ctx);
        case 'shard':
          return runShard(w, job as Job<'shard'>, ctx);
        case 'assemble':
          return runAssemble(w, job as Job<'assemble'>);
        case 'forecast-shard':
          return runForecastShard(w, job as Job<'forecast-shard'>, ctx);
        case 'forecast-assemble':
          return runForecastAssemble(w, job as Job<'forecast-assemble'>);
        case 'forecast':
          return runForecastFanout(w, job as Job<'forecast'>);
      }
    },
    async record(job, outcome) {
      if (outcome.kind === 'settled') return;
      if (outcome.kind === 'import') await recordImport(w, outcome);
      else if (outcome.kind === 'train') await recordTrain(w, outcome);
      else if (outcome.kind === 'shard' || outcome.kind === 'assemble') await recordPredictor(w, outcome);
      else await recordForecast(w, outcome);
      if (!outcome.completed) {
        await deps.queue.complete(job);
        outcome.completed = true;
      }
    },
  };
}
