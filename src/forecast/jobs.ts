/**
 * What the forecast services and the worker share: the queue kind and job ids, where the
 * capability's files live, and how a status reads in a message.
 */
import { OrchardError } from '../core/index.js';
import type { JobQueue } from '../jobs/index.js';
import { userWritableKey } from '../storage/index.js';
import type { ForecastJobPayload } from './types.js';

/** The queue kind of every forecast job (imports, predictor and forecast shards, their assemblies). */
export const FORECAST_KIND = 'forecast';
export const FORECAST_ATTEMPTS = 3;

export const shardJobId = (predictor: string, shard: number) => `forecast.${predictor}.shard-${shard}`;
export const assembleJobId = (predictor: string) => `forecast.${predictor}.assemble`;
export const trainJobId = (predictor: string) => `forecast.${predictor}.train`;
export const forecastJobId = (forecast: string) => `forecast.${forecast}.forecast`;
export const forecastShardJobId = (forecast: string, shard: number) => `forecast.${forecast}.forecast-shard-${shard}`;
export const forecastAssembleJobId = (forecast: string) => `forecast.${forecast}.forecast-assemble`;
export const importJobId = (id: string) => `forecast.${id}.import`;

/** The queue id of a payload: the same work always has the same id, so it is enqueued once. */
export function jobIdOf(payload: ForecastJobPayload): string {
  switch (payload.kind) {
    case 'import':
      return importJobId(payload.import);
    case 'train':
      return trainJobId(payload.predictor);
    case 'shard':
      return shardJobId(payload.predictor, payload.shard);
    case 'assemble':
      return assembleJobId(payload.predictor);
    case 'forecast-shard':
      return forecastShardJobId(payload.forecast, payload.shard);
    case 'forecast-assemble':
      return forecastAssembleJobId(payload.forecast);
    case 'forecast':
      return forecastJobId(payload.forecast);
  }
}

export async function enqueueForecastJob(queue: JobQueue, payload: ForecastJobPayload): Promise<void> {
  await queue.enqueue(FORECAST_KIND, payload, { jobId: jobIdOf(payload), maxAttempts: FORECAST_ATTEMPTS, backoffMs: 1000 });
}

/** Where a group's files live (a platform folder). */
export const groupPrefix = (group: string) => `forecast/${group}/`;
export const importDataKey = (group: string, id: string) => `${groupPrefix(group)}imports/${id}/`;
export const evaluationsKey = (group: string, predictor: string, shard: number) => `${groupPrefix(group)}predictors/${predictor}/evaluations/${String(shard).padStart(4, '0')}.jsonl`;

/** A predictor's trained global model: `backtest` (trained before the first backtest window) or `full` (the whole history). */
export const globalModelKey = (group: string, predictor: string, algorithm: string, which: 'backtest' | 'full') => `${groupPrefix(group)}predictors/${predictor}/models/${algorithm}-${which}.json`;
export const forecastPartKey = (group: string, forecast: string, shard: number) => `${groupPrefix(group)}forecasts/${forecast}/parts/${String(shard).padStart(4, '0')}.parquet`;
export const forecastPartsPrefix = (group: string, forecast: string) => `${groupPrefix(group)}forecasts/${forecast}/`;

/** Artifact keys a user may write: not a platform folder, nor this capability's own. */
export function safeKey(raw: string): string {
  const key = userWritableKey(raw);
  if (key.split('/')[0] === 'forecast') throw new OrchardError('ORCH_ARTIFACT_INVALID_KEY', { message: "'forecast/' is written by the platform only; choose another folder", details: { key } });
  return key;
}

const LABELS: Record<string, string> = { CreatePending: 'pending', CreateInProgress: 'in progress', Active: 'Active', CreateFailed: 'failed', CreateStopping: 'stopping', CreateStopped: 'stopped' };
/** A status as a message says it: `pending`, `in progress`, `failed`, … */
export const statusLabel = (s: string) => LABELS[s] ?? s;
