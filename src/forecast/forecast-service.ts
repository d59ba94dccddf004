import { createReadStream } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { newId, OrchardError } from '../core/index.js';
import { enqueueForecastJob, forecastAssembleJobId, forecastJobId, forecastPartsPrefix, forecastShardJobId, safeKey, statusLabel } from './jobs.js';
import { exportForecast, forecastTypes, queryForecast, type ExportFormat } from './outputs.js';
import type { ForecastDeps } from './service.js';
import type { ForecastStore } from './store.js';
import type { CreateForecastInput, Forecast, ForecastFilter, ForecastForecastShardsTable, ForecastForecastsTable, ForecastJobPayload, ForecastStatus, PredictorSettings } from './types.js';

/**
 * Forecasts of an Active predictor: one shard job per predictor shard writes its items'
 * forecasts, an assembly registers them as one dataset version; QueryForecast and exports
 * read it.
 */
export class ForecastsService {
  constructor(
    private readonly deps: ForecastDeps,
    private readonly store: ForecastStore,
  ) {}

  async create(input: CreateForecastInput): Promise<Forecast> {
    const predictor = await this.store.predictor(input.predictor);
    if (await this.store.findForecast(input.name)) throw new OrchardError('ORCH_FORECAST_EXISTS', { message: `Forecast '${input.name}' exists`, details: { forecast: input.name } });
    if (predictor.status !== 'Active') {
      throw new OrchardError('ORCH_FORECAST_NOT_ACTIVE', { message: `Predictor '${predictor.name}' is ${statusLabel(predictor.status)}: forecasts need an Active predictor`, details: { predictor: predictor.name, status: predictor.status } });
    }
    // One shard job per predictor shard: the same contiguous item ranges, whose evaluations it reads.
    const shardItems = (await this.store.shards(predictor.name)).map((s) => Number(s.items_total));
    const now = new Date().toISOString();
    try {
      await this.store.insertForecast({
        name: input.name,
        predictor: predictor.name,
        grp: predictor.grp,
        status: 'CreatePending',
        dataset_name: input.dataset ?? input.name,
        dataset: null,
        items: null,
        stage: 'queued',
        percent: 0,
        failure_reason: null,
        created_by: input.createdBy ?? null,
        created_at: now,
        started_at: null,
        ended_at: null,
      }, shardItems);
    } catch (err) {
      if (await this.store.findForecast(input.name)) throw new OrchardError('ORCH_FORECAST_EXISTS', { message: `Forecast '${input.name}' exists`, details: { forecast: input.name } });
      throw err;
    }
    for (let shard = 0; shard < shardItems.length; shard++) await enqueueForecastJob(this.deps.queue, { kind: 'forecast-shard', forecast: input.name, shard });
    return this.describe(input.name);
  }

  async describe(name: string): Promise<Forecast> {
    const row = await this.store.forecast(name);
    return toForecast(row, JSON.parse((await this.store.predictor(row.predictor)).config_json) as PredictorSettings, await this.store.forecastShards(name));
  }

  async list(filter: ForecastFilter = {}): Promise<{ items: Forecast[]; total: number }> {
    const { rows, total } = await this.store.listForecasts(filter, Math.min(filter.limit ?? 100, 1000), filter.offset ?? 0);
    const items = await Promise.all(rows.map(async (r) => toForecast(r, JSON.parse((await this.store.predictor(r.predictor)).config_json) as PredictorSettings, await this.store.forecastShards(r.name))));
    return { items, total };
  }

  async stop(name: string): Promise<Forecast> {
    const row = await this.store.forecast(name);
    if (row.status === 'CreatePending' || row.status === 'CreateInProgress') {
      await this.store.endForecast(name, 'CreateStopped');
      const shards = await this.store.forecastShards(name);
      for (const job of [forecastJobId(name), forecastAssembleJobId(name), ...shards.map((s) => forecastShardJobId(name, Number(s.shard)))]) await this.deps.queue.cancel(job).catch(() => undefined);
      await this.deps.artifacts.deletePrefix(forecastPartsPrefix(row.grp, name)).catch(() => undefined);
    }
    return this.describe(name);
  }

  /** Deletes a forecast (its dataset version stays: other work may read it). */
  async delete(name: string): Promise<void> {
    const row = await this.store.forecast(name);
    if (row.status === 'CreatePending' || row.status === 'CreateInProgress') throw new OrchardError('ORCH_FORECAST_IN_USE', { message: `Forecast '${name}' is being created; stop it first`, details: { forecast: name, status: row.status } });
    await this.store.deleteForecast(name);
  }

  private async activeForecast(name: string): Promise<ForecastForecastsTable & { dataset: string }> {
    const row = await this.store.forecast(name);
    if (row.status !== 'Active' || !row.dataset) throw new OrchardError('ORCH_FORECAST_NOT_ACTIVE', { message: `Forecast '${name}' is ${statusLabel(row.status)}`, details: { forecast: name, status: row.status } });
    return row as ForecastForecastsTable & { dataset: string };
  }

  /** QueryForecast: one item's forecast, one array per forecast type. */
  async query(name: string, item: string): Promise<Record<string, unknown>> {
    const row = await this.activeForecast(name);
    const local = await this.deps.datasets.localParquet(row.dataset);
    const found = await queryForecast(local.path, item, path.join(this.deps.workDir, 'query'));
    if (!found) throw new OrchardError('ORCH_FORECAST_ITEM_NOT_FOUND', { message: `Forecast '${name}' has no item '${item}'`, details: { forecast: name, item } });
    return found;
  }

  /** Writes the forecast as CSV or Parquet to an artifact key. */
  async export(name: string, format: ExportFormat, to: string): Promise<{ key: string; format: string; rows: number; bytes: number }> {
    const row = await this.activeForecast(name);
    const key = safeKey(to);
    const local = await this.deps.datasets.localParquet(row.dataset);
    const dir = path.join(this.deps.workDir, `export-${newId('x')}`);
    try {
      const { file, rows } = await exportForecast(local.path, format, dir);
      const info = await this.deps.artifacts.put(key, createReadStream(file));
      return { key, format, rows, bytes: info.size };
    } finally {
      await fs.rm(dir, { recursive: true, force: true }).catch(() => undefined);
    }
  }

  /** The jobs of forecasts still being created: their unfinished shards, or the assembly once all are done. */
  async unfinishedJobs(): Promise<ForecastJobPayload[]> {
    const jobs: ForecastJobPayload[] = [];
    for (const f of await this.store.unfinishedForecasts()) {
      const shards = await this.store.forecastShards(f.name);
      // A forecast accepted before forecasts were sharded: its job fans out into shards.
      if (shards.length === 0) jobs.push({ kind: 'forecast', forecast: f.name });
      const pending = shards.filter((s) => s.status !== 'done');
      if (pending.length > 0) jobs.push(...pending.map((s): ForecastJobPayload => ({ kind: 'forecast-shard', forecast: f.name, shard: Number(s.shard) })));
      else if (shards.length > 0) jobs.push({ kind: 'forecast-assemble', forecast: f.name });
    }
    return jobs;
  }
}

function toForecast(row: ForecastForecastsTable, settings: PredictorSettings, shards: ForecastForecastShardsTable[]): Forecast {
  const total = shards.reduce((n, s) => n + Number(s.items_total), 0);
  const done = shards.reduce((n, s) => n + Number(s.items_done), 0);
  const finished = shards.filter((s) => s.status === 'done').length;
  // Writing the items is 95 % of the work, the assembly the rest.
  const percent = row.status === 'Active' ? 100 : shards.length > 0 && total > 0 ? Math.min(95, Math.floor((95 * done) / total)) : Number(row.percent);
  return {
    name: row.name,
    predictor: row.predictor,
    group: row.grp,
    status: row.status as ForecastStatus,
    dataset: row.dataset,
    forecastTypes: forecastTypes(settings.quantiles),
    horizon: settings.horizon,
    items: row.items === null ? null : Number(row.items),
    progress: { stage: row.stage, percent, shards: { total: shards.length, done: finished }, items: { total, done } },
    failureReason: row.failure_reason,
    createdBy: row.created_by,
    createdAt: row.created_at,
    startedAt: row.started_at,
    endedAt: row.ended_at,
    updatedAt: row.updated_at,
  };
}
