import { FORECAST_DEFAULT_QUANTILES, FORECAST_LIMITS } from '../contracts/forecast.values.js';
import { errorOfProblems, OrchardError, type RequestProblem } from '../core/index.js';
import { shardBlocks } from './blocks.js';
import { readItemIndex } from './import-service.js';
import { assembleJobId, enqueueForecastJob, evaluationsKey, groupPrefix, safeKey, shardJobId, statusLabel, trainJobId } from './jobs.js';
import { availableAlgorithms, forecastModel, type ForecastAlgorithm } from './models/index.js';
import { readItemMetrics } from './outputs.js';
import type { Filling } from './series.js';
import type { ForecastDeps } from './service.js';
import type { ForecastStore } from './store.js';
import type {
  CreateForecastPredictorInput,
  ForecastImportsTable,
  ForecastImportSummary,
  ForecastJobPayload,
  ForecastPredictor,
  ForecastPredictorFilter,
  ForecastPredictorsTable,
  ForecastShardsTable,
  ForecastStatus,
  PredictorResult,
  PredictorSettings,
} from './types.js';

/** Items a shard gets by default. */
const ITEMS_PER_SHARD = 2000;

/**
 * Predictors: the group's latest import split into contiguous shards of items, one queue
 * job each (the worker backtests them), assembled into Forecast's metrics.
 */
export class PredictorService {
  constructor(
    private readonly deps: ForecastDeps,
    private readonly store: ForecastStore,
  ) {}

  async create(input: CreateForecastPredictorInput): Promise<ForecastPredictor> {
    const group = await this.store.group(input.group);
    if (await this.store.findPredictor(input.name)) throw new OrchardError('ORCH_FORECAST_PREDICTOR_EXISTS', { message: `Predictor '${input.name}' exists`, details: { predictor: input.name } });
    if (!group.latest_import) throw new OrchardError('ORCH_FORECAST_NOT_ACTIVE', { message: `Dataset group '${group.name}' has no import yet: run 'orchard forecast import ${group.name} --target DATASET' first`, details: { group: group.name } });
    const imp = await this.store.importRow(group.latest_import);
    const summary = JSON.parse(imp.summary_json ?? 'null') as ForecastImportSummary;
    const problems: RequestProblem[] = [];
    const algorithms = this.algorithmsFor(input, problems);
    const horizon = input.horizon;
    const windows = input.backtestWindows ?? 1;
    const offset = input.backtestOffset ?? horizon;
    const quantiles = [...new Set(input.quantiles ?? FORECAST_DEFAULT_QUANTILES)].sort((a, b) => a - b);
    if (windows > 1 && offset < horizon) problems.push({ field: 'backtestOffset', code: 'ORCH_FORECAST_INVALID', message: `The backtest offset (${offset}) must be at least the horizon (${horizon}) with several windows` });
    // Every window must leave at least a horizon of history to fit on.
    const needed = horizon + offset * (windows - 1) + horizon;
    if (summary.maxLength < needed) {
      problems.push({
        field: 'horizon',
        code: 'ORCH_FORECAST_HISTORY_SHORT',
        message: `The longest series has ${summary.maxLength} points; a horizon of ${horizon} with ${windows} backtest window(s) (offset ${offset}) needs at least ${needed}`,
        details: { maxLength: summary.maxLength, needed },
      });
    }
    const index = await readItemIndex(this.deps.artifacts, imp);
    const filling = JSON.parse(imp.filling_json) as Filling;
    // With a back filling, related values past an item's last row are filled, not missing.
    if (index.cover && filling.backfill === 'none') {
      const short = index.items.map((item, i) => ({ item, steps: index.cover![i] })).filter((x) => x.steps === null || x.steps < horizon);
      if (short.length > 0) {
        problems.push({
          field: 'related',
          code: 'ORCH_FORECAST_RELATED_SHORT',
          message: `The related series of ${short.length} item(s) stop before the horizon of ${horizon} step(s) after their last target point (Forecast needs related data over the horizon): ${short
            .slice(0, 5)
            .map((s) => `${s.item} (${s.steps === null ? 'no related rows' : `${s.steps} step(s)`})`)
            .join(', ')}; import related data that reach further, or set --filling backfill=…`,
          details: { horizon, count: short.length, items: short.slice(0, 20).map((s) => s.item), steps: short.slice(0, 20).map((s) => s.steps) },
        });
      }
    }
    const likelihood = input.likelihood ?? 'student-t';
    if (likelihood === 'negative-binomial' && summary.negative.items > 0) {
      problems.push({
        field: 'likelihood',
        code: 'ORCH_FORECAST_NEGATIVE_VALUES',
        message: `The negative-binomial likelihood needs non-negative targets; ${summary.negative.items} item(s) have negative values: ${summary.negative.examples
          .slice(0, 5)
          .map((e) => `${e.item} (row ${e.row}: ${e.value})`)
          .join(', ')}`,
        details: { count: summary.negative.items, items: summary.negative.examples.map((e) => e.item), rows: summary.negative.examples.map((e) => e.row) },
      });
    }
    if (problems.length > 0) throw errorOfProblems(problems);

    const shards = Math.min(index.blocks, FORECAST_LIMITS.maxShards, input.shards ?? Math.max(2, Math.ceil(index.items.length / ITEMS_PER_SHARD)));
    const ranges = Array.from({ length: shards }, (_, s) => {
      const { from, to } = shardBlocks(index.blocks, shards, s);
      const lo = from * index.itemsPerBlock;
      const hi = Math.min(index.items.length, to * index.itemsPerBlock);
      return { from: index.items[lo], to: index.items[hi - 1], items: hi - lo };
    });
    const settings: PredictorSettings = {
      algorithms,
      horizon,
      backtestWindows: windows,
      backtestOffset: offset,
      quantiles,
      optimizationMetric: input.optimizationMetric ?? 'averageWQL',
      likelihood,
      // Data without negative values (sales, counts, traffic) get no negative forecasts.
      nonNegative: summary.negative.items === 0,
    };
    // A global model (DeepAR+) is trained by one job before the shards evaluate with it.
    const global = algorithms.some((a) => forecastModel(a as ForecastAlgorithm)?.kind === 'global');
    const now = new Date().toISOString();
    try {
      await this.store.insertPredictor(
        {
          name: input.name,
          grp: group.name,
          import_id: imp.name,
          algorithm: input.algorithm,
          config_json: JSON.stringify(settings),
          shards,
          status: 'CreatePending',
          stage: global ? 'training' : 'queued',
          result_json: null,
          failure_reason: null,
          created_by: input.createdBy ?? null,
          created_at: now,
          started_at: null,
          ended_at: null,
        },
        ranges,
      );
    } catch (err) {
      if (await this.store.findPredictor(input.name)) throw new OrchardError('ORCH_FORECAST_PREDICTOR_EXISTS', { message: `Predictor '${input.name}' exists`, details: { predictor: input.name } });
      throw err;
    }
    if (global) await enqueueForecastJob(this.deps.queue, { kind: 'train', predictor: input.name });
    else for (let s = 0; s < shards; s++) await enqueueForecastJob(this.deps.queue, { kind: 'shard', predictor: input.name, shard: s });
    return this.describe(input.name);
  }

  /**
   * The algorithms a request runs; unavailable ones are problems listing what is available.
   * The AutoPredictor's default candidates are the local models (a global model is named
   * with `--candidates` or asked for alone).
   */
  private algorithmsFor(input: CreateForecastPredictorInput, problems: RequestProblem[]): string[] {
    const available = availableAlgorithms();
    const local = available.filter((a) => forecastModel(a)?.kind === 'local');
    const requested = input.algorithm === 'auto' ? (input.candidates ?? local) : [input.algorithm];
    if (input.algorithm !== 'auto' && input.candidates) problems.push({ field: 'candidates', code: 'ORCH_FORECAST_INVALID', message: 'candidates are for the AutoPredictor (--algorithm auto) only' });
    const missing = requested.filter((a) => a === 'auto' || !available.includes(a as ForecastAlgorithm));
    if (missing.length > 0) {
      problems.push({
        field: 'algorithm',
        code: 'ORCH_FORECAST_ALGORITHM_UNAVAILABLE',
        message: `Algorithm(s) ${missing.map((a) => `'${a}'`).join(', ')} are not available; available: auto, ${available.join(', ')}`,
        details: { requested: missing, available: ['auto', ...available] },
      });
    }
    return [...new Set(requested)];
  }


  async describe(name: string): Promise<ForecastPredictor> {
    const row = await this.store.predictor(name);
    return toPredictor(row, await this.store.importRow(row.import_id), await this.store.shards(name));
  }

  async list(filter: ForecastPredictorFilter = {}): Promise<{ items: ForecastPredictor[]; total: number }> {
    const { rows, total } = await this.store.listPredictors(filter, Math.min(filter.limit ?? 100, 1000), filter.offset ?? 0);
    const items = await Promise.all(rows.map(async (r) => toPredictor(r, await this.store.importRow(r.import_id), await this.store.shards(r.name))));
    return { items, total };
  }

  async stop(name: string): Promise<ForecastPredictor> {
    const row = await this.store.predictor(name);
    if (row.status === 'CreatePending' || row.status === 'CreateInProgress') {
      await this.store.endPredictor(name, 'CreateStopped');
      await this.deps.queue.cancel(trainJobId(name)).catch(() => undefined);
      for (let s = 0; s < Number(row.shards); s++) await this.deps.queue.cancel(shardJobId(name, s)).catch(() => undefined);
      await this.deps.queue.cancel(assembleJobId(name)).catch(() => undefined);
    }
    return this.describe(name);
  }

  /** Deletes a predictor that is not being created; refused while forecasts use it. */
  async delete(name: string): Promise<void> {
    const row = await this.store.predictor(name);
    const forecasts = await this.store.forecastsOf(name);
    if (forecasts.length > 0) throw new OrchardError('ORCH_FORECAST_IN_USE', { message: `Predictor '${name}' has forecasts: ${forecasts.slice(0, 10).join(', ')}; delete them first`, details: { predictor: name, forecasts } });
    if (row.status === 'CreatePending' || row.status === 'CreateInProgress') throw new OrchardError('ORCH_FORECAST_IN_USE', { message: `Predictor '${name}' is being created; stop it first`, details: { predictor: name, status: row.status } });
    await this.store.deletePredictor(name);
    await this.deps.artifacts.deletePrefix(`${groupPrefix(row.grp)}predictors/${name}/`).catch(() => undefined);
  }

  /** Per-item backtest metrics of an Active predictor, as CSV (item, choice, metrics); written to `to` when given. */
  async itemMetrics(name: string, to?: string): Promise<{ csv: string; items: number; key?: string }> {
    const row = await this.store.predictor(name);
    if (row.status !== 'Active') throw new OrchardError('ORCH_FORECAST_NOT_ACTIVE', { message: `Predictor '${name}' is ${statusLabel(row.status)}: its metrics come when it is Active`, details: { predictor: name, status: row.status } });
    const key = to === undefined ? undefined : safeKey(to);
    const settings = JSON.parse(row.config_json) as PredictorSettings;
    const { csv, items } = await readItemMetrics(this.deps.artifacts, Array.from({ length: Number(row.shards) }, (_, s) => evaluationsKey(row.grp, name, s)), settings.quantiles);
    if (key) await this.deps.artifacts.put(key, csv);
    return { csv, items, key };
  }

  /** The jobs of predictors still being created: their unfinished shards, or the assembly once all are done. */
  async unfinishedJobs(): Promise<ForecastJobPayload[]> {
    const jobs: ForecastJobPayload[] = [];
    for (const p of await this.store.unfinishedPredictors()) {
      // Its global model is not trained yet: the shards wait for it.
      if (p.stage === 'training') {
        jobs.push({ kind: 'train', predictor: p.name });
        continue;
      }
      const pending = (await this.store.shards(p.name)).filter((s) => s.status !== 'done');
      if (pending.length > 0) jobs.push(...pending.map((s): ForecastJobPayload => ({ kind: 'shard', predictor: p.name, shard: Number(s.shard) })));
      else jobs.push({ kind: 'assemble', predictor: p.name });
    }
    return jobs;
  }
}

function toPredictor(row: ForecastPredictorsTable, imp: ForecastImportsTable, shards: ForecastShardsTable[]): ForecastPredictor {
  const settings = JSON.parse(row.config_json) as PredictorSettings;
  const result = row.result_json ? (JSON.parse(row.result_json) as PredictorResult) : null;
  const ds = (json: string | null) => (json ? (JSON.parse(json) as { dataset: string }).dataset : null);
  const total = shards.reduce((s, x) => s + Number(x.items_total), 0);
  const done = shards.reduce((s, x) => s + Number(x.items_done), 0);
  const finished = shards.filter((s) => s.status === 'done').length;
  const status = row.status as ForecastStatus;
  return {
    name: row.name,
    group: row.grp,
    import: { id: imp.name, target: ds(imp.target_json)!, related: ds(imp.related_json), metadata: ds(imp.metadata_json) },
    algorithm: row.algorithm as ForecastPredictor['algorithm'],
    algorithms: settings.algorithms,
    horizon: settings.horizon,
    backtestWindows: settings.backtestWindows,
    backtestOffset: settings.backtestOffset,
    quantiles: settings.quantiles,
    optimizationMetric: settings.optimizationMetric,
    likelihood: settings.likelihood,
    shards: Number(row.shards),
    status,
    progress: {
      stage: status === 'Active' ? null : (row.stage ?? (finished === shards.length ? 'assembling' : 'backtesting')),
      percent: status === 'Active' ? 100 : total > 0 ? Math.min(99, Math.floor((100 * done) / total)) : 0,
      shards: { total: shards.length, done: finished },
      items: { total, done },
      detail: shards.filter((s) => s.status === 'running' && s.detail).map((s) => `shard ${Number(s.shard)}: ${s.detail}`),
    },
    metrics: result?.metrics ?? null,
    windowMetrics: result?.windows ?? null,
    algorithmMetrics: result?.byAlgorithm ?? null,
    choices: result?.choices ?? null,
    failureReason: row.failure_reason,
    createdBy: row.created_by,
    createdAt: row.created_at,
    startedAt: row.started_at,
    endedAt: row.ended_at,
    updatedAt: row.updated_at,
  };
}
