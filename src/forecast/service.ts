import { createReadStream } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { buffer } from 'node:stream/consumers';
import { FORECAST_DEFAULT_QUANTILES, FORECAST_LIMITS, type ForecastFrequency } from '../contracts/forecast.values.js';
import { errorOfProblems, newId, OrchardError, type RequestProblem } from '../core/index.js';
import type { DatasetService } from '../data/index.js';
import type { JobQueue } from '../jobs/index.js';
import { userWritableKey, type ArtifactStore, type MetadataStore, type StatusChanges } from '../storage/index.js';
import { blockKey, itemIndexKey, shardBlocks, type ItemIndex } from './blocks.js';
import { seasonsOf } from './frequency.js';
import { runImport, type ImportSource } from './importer.js';
import { availableAlgorithms, forecastModel, type ForecastAlgorithm } from './models/index.js';
import { DEFAULT_FILLING, FILLING_METHODS, parseFilling, type Filling } from './series.js';
import { ForecastStore } from './store.js';
import type {
  CreateForecastGroupInput,
  CreateForecastImportInput,
  CreateForecastInput,
  CreateForecastPredictorInput,
  Forecast,
  ForecastFilter,
  ForecastForecastsTable,
  ForecastGroup,
  ForecastGroupFilter,
  ForecastGroupsTable,
  ForecastImport,
  ForecastImportFilter,
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
import { exportForecast, queryForecast, readItemMetrics, type ExportFormat } from './outputs.js';

/** The queue kind of every forecast job (shards, assembly, forecast generation). */
export const FORECAST_KIND = 'forecast';
export const FORECAST_ATTEMPTS = 3;
/** Items a shard gets by default. */
const ITEMS_PER_SHARD = 2000;

export const shardJobId = (predictor: string, shard: number) => `forecast.${predictor}.shard-${shard}`;
export const assembleJobId = (predictor: string) => `forecast.${predictor}.assemble`;
export const forecastJobId = (forecast: string) => `forecast.${forecast}.forecast`;

/** Where a group's files live (a platform folder). */
export const groupPrefix = (group: string) => `forecast/${group}/`;
export const evaluationsKey = (group: string, predictor: string, shard: number) => `${groupPrefix(group)}predictors/${predictor}/evaluations/${String(shard).padStart(4, '0')}.jsonl`;

export interface ForecastDeps {
  metadata: MetadataStore;
  artifacts: ArtifactStore;
  queue: JobQueue;
  datasets: Pick<DatasetService, 'describe' | 'localParquet' | 'versions'>;
  /** Scratch space of imports, queries and exports. */
  workDir: string;
}

const DEFAULT_MAP = { item_id: 'item_id', timestamp: 'timestamp', target_value: 'target_value' };

/**
 * Amazon Forecast's workflow over Orchard datasets: dataset groups, imports (validated,
 * stored as series blocks), predictors trained by shard jobs on the worker loop and
 * assembled into backtest metrics, and forecasts written as dataset versions.
 */
export class ForecastService {
  readonly store: ForecastStore;

  constructor(private readonly deps: ForecastDeps) {
    this.store = new ForecastStore(deps.metadata);
  }

  readonly predictorStatusChanges: StatusChanges = (since, limit, after) => this.store.predictorStatusChanges(since, limit, after);
  readonly forecastStatusChanges: StatusChanges = (since, limit, after) => this.store.forecastStatusChanges(since, limit, after);

  // ---- groups

  async createGroup(input: CreateForecastGroupInput): Promise<ForecastGroup> {
    if (await this.store.findGroup(input.name)) throw new OrchardError('ORCH_FORECAST_GROUP_EXISTS', { message: `Dataset group '${input.name}' exists`, details: { group: input.name } });
    try {
      await this.store.insertGroup({ name: input.name, frequency: input.frequency, domain: input.domain ?? 'CUSTOM', latest_import: null, created_by: input.createdBy ?? null, created_at: new Date().toISOString() });
    } catch (err) {
      if (await this.store.findGroup(input.name)) throw new OrchardError('ORCH_FORECAST_GROUP_EXISTS', { message: `Dataset group '${input.name}' exists`, details: { group: input.name } });
      throw err;
    }
    return this.describeGroup(input.name);
  }

  async describeGroup(name: string): Promise<ForecastGroup> {
    return toGroup(await this.store.group(name));
  }

  async listGroups(filter: ForecastGroupFilter = {}): Promise<{ items: ForecastGroup[]; total: number }> {
    const { rows, total } = await this.store.listGroups(Math.min(filter.limit ?? 100, 1000), filter.offset ?? 0);
    return { items: rows.map(toGroup), total };
  }

  /** Deletes a group and its imports' files; refused while predictors use it. */
  async deleteGroup(name: string): Promise<void> {
    await this.store.group(name);
    const predictors = await this.store.predictorsOf(name);
    if (predictors.length > 0) {
      throw new OrchardError('ORCH_FORECAST_IN_USE', { message: `Dataset group '${name}' has predictors: ${predictors.slice(0, 10).join(', ')}; delete them first`, details: { group: name, predictors } });
    }
    await this.store.deleteGroup(name);
    await this.deps.artifacts.deletePrefix(groupPrefix(name)).catch(() => undefined);
  }

  // ---- imports

  /**
   * Imports dataset versions into a group: validated and stored before it is registered,
   * so a refused import leaves nothing behind. Answers when the import is Active.
   */
  async createImport(input: CreateForecastImportInput): Promise<ForecastImport> {
    const group = await this.store.group(input.group);
    const map = { ...DEFAULT_MAP, ...(input.map ?? {}) };
    const filling = resolveFilling(input.filling);
    const started = Date.now();
    const [target, related, metadata] = await Promise.all([this.source(input.target), input.related ? this.source(input.related) : undefined, input.metadata ? this.source(input.metadata) : undefined]);
    const id = newId('fi');
    const dataKey = `${groupPrefix(group.name)}imports/${id}/`;
    const dir = path.join(this.deps.workDir, `import-${id}`);
    try {
      const outcome = await runImport({ frequency: group.frequency as ForecastFrequency, map, target, related, metadata, workDir: dir });
      try {
        for (const [k, file] of outcome.blockFiles.entries()) await this.deps.artifacts.put(blockKey(dataKey, k), createReadStream(file));
        await this.deps.artifacts.put(itemIndexKey(dataKey), JSON.stringify(outcome.index));
        const used = (s: ImportSource | undefined) => (s ? JSON.stringify({ dataset: `${s.version.name}@${s.version.version}`, id: s.version.id, rows: s.version.rowCount }) : null);
        await this.store.insertImport({
          name: id,
          grp: group.name,
          status: 'Active',
          target_json: used(target)!,
          related_json: used(related),
          metadata_json: used(metadata),
          map_json: JSON.stringify(map),
          filling_json: JSON.stringify(filling),
          summary_json: JSON.stringify(outcome.summary),
          data_key: dataKey,
          seconds: (Date.now() - started) / 1000,
          failure_reason: null,
          created_by: input.createdBy ?? null,
          created_at: new Date().toISOString(),
        });
      } catch (err) {
        await this.deps.artifacts.deletePrefix(dataKey).catch(() => undefined);
        throw err;
      }
    } finally {
      await fs.rm(dir, { recursive: true, force: true }).catch(() => undefined);
    }
    return this.describeImport(id);
  }

  private async source(ref: string): Promise<ImportSource> {
    const local = await this.deps.datasets.localParquet(ref);
    return { version: local.version, path: local.path };
  }

  async describeImport(id: string): Promise<ForecastImport> {
    return toImport(await this.store.importRow(id));
  }

  async listImports(filter: ForecastImportFilter = {}): Promise<{ items: ForecastImport[]; total: number }> {
    const { rows, total } = await this.store.listImports(filter.group, Math.min(filter.limit ?? 100, 1000), filter.offset ?? 0);
    return { items: rows.map(toImport), total };
  }

  private async itemIndex(row: ForecastImportsTable): Promise<ItemIndex> {
    return JSON.parse((await buffer(await this.deps.artifacts.get(itemIndexKey(row.data_key)))).toString('utf8')) as ItemIndex;
  }

  // ---- predictors

  async createPredictor(input: CreateForecastPredictorInput): Promise<ForecastPredictor> {
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
    const index = await this.itemIndex(imp);
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
          stage: 'queued',
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
    for (let s = 0; s < shards; s++) await this.enqueue({ kind: 'shard', predictor: input.name, shard: s });
    return this.describePredictor(input.name);
  }

  /** The algorithms a request runs; unavailable ones are problems listing what is available. */
  private algorithmsFor(input: CreateForecastPredictorInput, problems: RequestProblem[]): string[] {
    const available = availableAlgorithms().filter((a) => forecastModel(a)?.kind === 'local');
    const requested = input.algorithm === 'auto' ? (input.candidates ?? available) : [input.algorithm];
    if (input.algorithm !== 'auto' && input.candidates) problems.push({ field: 'candidates', code: 'ORCH_FORECAST_INVALID', message: 'candidates are for the AutoPredictor (--algorithm auto) only' });
    const missing = requested.filter((a) => a === 'auto' || !available.includes(a as ForecastAlgorithm));
    if (missing.length > 0) {
      const global = missing.filter((a) => forecastModel(a as ForecastAlgorithm)?.kind === 'global');
      problems.push({
        field: 'algorithm',
        code: 'ORCH_FORECAST_ALGORITHM_UNAVAILABLE',
        message: `Algorithm(s) ${missing.map((a) => `'${a}'`).join(', ')} ${global.length > 0 ? 'cannot be trained by predictors here yet (global models)' : 'are not available'}; available: auto, ${available.join(', ')}`,
        details: { requested: missing, available: ['auto', ...available] },
      });
    }
    return [...new Set(requested)];
  }

  private async enqueue(payload: ForecastJobPayload): Promise<void> {
    const jobId = payload.kind === 'shard' ? shardJobId(payload.predictor, payload.shard) : payload.kind === 'assemble' ? assembleJobId(payload.predictor) : forecastJobId(payload.forecast);
    await this.deps.queue.enqueue(FORECAST_KIND, payload, { jobId, maxAttempts: FORECAST_ATTEMPTS, backoffMs: 1000 });
  }

  async describePredictor(name: string): Promise<ForecastPredictor> {
    const row = await this.store.predictor(name);
    return toPredictor(row, await this.store.importRow(row.import_id), await this.store.shards(name));
  }

  async listPredictors(filter: ForecastPredictorFilter = {}): Promise<{ items: ForecastPredictor[]; total: number }> {
    const { rows, total } = await this.store.listPredictors(filter, Math.min(filter.limit ?? 100, 1000), filter.offset ?? 0);
    const items = await Promise.all(rows.map(async (r) => toPredictor(r, await this.store.importRow(r.import_id), await this.store.shards(r.name))));
    return { items, total };
  }

  async stopPredictor(name: string): Promise<ForecastPredictor> {
    const row = await this.store.predictor(name);
    if (row.status === 'CreatePending' || row.status === 'CreateInProgress') {
      await this.store.endPredictor(name, 'CreateStopped');
      for (let s = 0; s < Number(row.shards); s++) await this.deps.queue.cancel(shardJobId(name, s)).catch(() => undefined);
      await this.deps.queue.cancel(assembleJobId(name)).catch(() => undefined);
    }
    return this.describePredictor(name);
  }

  /** Deletes a predictor that is not being created; refused while forecasts use it. */
  async deletePredictor(name: string): Promise<void> {
    const row = await this.store.predictor(name);
    const forecasts = await this.store.forecastsOf(name);
    if (forecasts.length > 0) throw new OrchardError('ORCH_FORECAST_IN_USE', { message: `Predictor '${name}' has forecasts: ${forecasts.slice(0, 10).join(', ')}; delete them first`, details: { predictor: name, forecasts } });
    if (row.status === 'CreatePending' || row.status === 'CreateInProgress') throw new OrchardError('ORCH_FORECAST_IN_USE', { message: `Predictor '${name}' is being created; stop it first`, details: { predictor: name, status: row.status } });
    await this.store.deletePredictor(name);
    await this.deps.artifacts.deletePrefix(`${groupPrefix(row.grp)}predictors/${name}/`).catch(() => undefined);
  }

  /** Per-item backtest metrics of an Active predictor, as CSV (item, choice, metrics); written to `to` when given. */
  async predictorItemMetrics(name: string, to?: string): Promise<{ csv: string; items: number; key?: string }> {
    const row = await this.store.predictor(name);
    if (row.status !== 'Active') throw new OrchardError('ORCH_FORECAST_NOT_ACTIVE', { message: `Predictor '${name}' is ${statusLabel(row.status)}: its metrics come when it is Active`, details: { predictor: name, status: row.status } });
    const key = to === undefined ? undefined : safeKey(to);
    const settings = JSON.parse(row.config_json) as PredictorSettings;
    const { csv, items } = await readItemMetrics(this.deps.artifacts, Array.from({ length: Number(row.shards) }, (_, s) => evaluationsKey(row.grp, name, s)), settings.quantiles);
    if (key) await this.deps.artifacts.put(key, csv);
    return { csv, items, key };
  }

  // ---- forecasts

  async createForecast(input: CreateForecastInput): Promise<Forecast> {
    const predictor = await this.store.predictor(input.predictor);
    if (await this.store.findForecast(input.name)) throw new OrchardError('ORCH_FORECAST_EXISTS', { message: `Forecast '${input.name}' exists`, details: { forecast: input.name } });
    if (predictor.status !== 'Active') {
      throw new OrchardError('ORCH_FORECAST_NOT_ACTIVE', { message: `Predictor '${predictor.name}' is ${statusLabel(predictor.status)}: forecasts need an Active predictor`, details: { predictor: predictor.name, status: predictor.status } });
    }
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
      });
    } catch (err) {
      if (await this.store.findForecast(input.name)) throw new OrchardError('ORCH_FORECAST_EXISTS', { message: `Forecast '${input.name}' exists`, details: { forecast: input.name } });
      throw err;
    }
    await this.enqueue({ kind: 'forecast', forecast: input.name });
    return this.describeForecast(input.name);
  }

  async describeForecast(name: string): Promise<Forecast> {
    const row = await this.store.forecast(name);
    return toForecast(row, JSON.parse((await this.store.predictor(row.predictor)).config_json) as PredictorSettings);
  }

  async listForecasts(filter: ForecastFilter = {}): Promise<{ items: Forecast[]; total: number }> {
    const { rows, total } = await this.store.listForecasts(filter, Math.min(filter.limit ?? 100, 1000), filter.offset ?? 0);
    const items = await Promise.all(rows.map(async (r) => toForecast(r, JSON.parse((await this.store.predictor(r.predictor)).config_json) as PredictorSettings)));
    return { items, total };
  }

  async stopForecast(name: string): Promise<Forecast> {
    const row = await this.store.forecast(name);
    if (row.status === 'CreatePending' || row.status === 'CreateInProgress') {
      await this.store.endForecast(name, 'CreateStopped');
      await this.deps.queue.cancel(forecastJobId(name)).catch(() => undefined);
    }
    return this.describeForecast(name);
  }

  /** Deletes a forecast (its dataset version stays: other work may read it). */
  async deleteForecast(name: string): Promise<void> {
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

  /** Enqueues again, under the same ids, the work the metadata says is unfinished and the queue no longer has. */
  async requeueLost(): Promise<number> {
    let requeued = 0;
    for (const p of await this.store.unfinishedPredictors()) {
      const shards = await this.store.shards(p.name);
      const pending = shards.filter((s) => s.status !== 'done');
      const jobs: ForecastJobPayload[] = pending.length > 0 ? pending.map((s) => ({ kind: 'shard', predictor: p.name, shard: Number(s.shard) })) : [{ kind: 'assemble', predictor: p.name }];
      for (const job of jobs) {
        const id = job.kind === 'shard' ? shardJobId(job.predictor, job.shard) : assembleJobId(p.name);
        if (await this.deps.queue.get(id)) continue;
        await this.enqueue(job);
        requeued++;
      }
    }
    for (const f of await this.store.unfinishedForecasts()) {
      if (await this.deps.queue.get(forecastJobId(f.name))) continue;
      await this.enqueue({ kind: 'forecast', forecast: f.name });
      requeued++;
    }
    return requeued;
  }
}

/** Artifact keys a user may write: not a platform folder, nor this capability's own. */
function safeKey(raw: string): string {
  const key = userWritableKey(raw);
  if (key.split('/')[0] === 'forecast') throw new OrchardError('ORCH_ARTIFACT_INVALID_KEY', { message: "'forecast/' is written by the platform only; choose another folder", details: { key } });
  return key;
}

const LABELS: Record<string, string> = { CreatePending: 'pending', CreateInProgress: 'in progress', Active: 'Active', CreateFailed: 'failed', CreateStopping: 'stopping', CreateStopped: 'stopped' };
const statusLabel = (s: string) => LABELS[s] ?? s;

/** Resolves `filling` against the defaults; a bad method lists every part's choices. */
export function resolveFilling(input: Partial<Filling> | undefined): Filling {
  const filling = { ...DEFAULT_FILLING, ...(input ?? {}) };
  const problems: RequestProblem[] = [];
  for (const part of Object.keys(FILLING_METHODS) as (keyof Filling)[]) {
    const { method, value } = parseFilling(filling[part]);
    if (!FILLING_METHODS[part].includes(method) || (method === 'value' && !Number.isFinite(value))) {
      problems.push({ field: `filling.${part}`, code: 'ORCH_FORECAST_INVALID', message: `filling ${part} must be one of ${FILLING_METHODS[part].map((m) => (m === 'value' ? 'value:<number>' : m)).join(', ')} (got '${filling[part]}')` });
    }
  }
  if (problems.length > 0) throw errorOfProblems(problems);
  return filling;
}

function toGroup(row: ForecastGroupsTable): ForecastGroup {
  return {
    name: row.name,
    frequency: row.frequency as ForecastGroup['frequency'],
    domain: row.domain as ForecastGroup['domain'],
    seasons: seasonsOf(row.frequency as ForecastFrequency),
    latestImport: row.latest_import,
    createdBy: row.created_by,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

function toImport(row: ForecastImportsTable): ForecastImport {
  return {
    id: row.name,
    group: row.grp,
    status: row.status as ForecastStatus,
    target: JSON.parse(row.target_json) as ForecastImport['target'],
    related: row.related_json ? (JSON.parse(row.related_json) as ForecastImport['target']) : null,
    metadata: row.metadata_json ? (JSON.parse(row.metadata_json) as ForecastImport['target']) : null,
    map: JSON.parse(row.map_json) as ForecastImport['map'],
    filling: JSON.parse(row.filling_json) as ForecastImport['filling'],
    summary: row.summary_json ? (JSON.parse(row.summary_json) as ForecastImportSummary) : null,
    seconds: row.seconds === null ? null : Number(row.seconds),
    failureReason: row.failure_reason,
    createdBy: row.created_by,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
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

/** Forecast-type columns: `p10`, `p50`, `p90` …, then `mean`. */
export function forecastTypes(quantiles: readonly number[]): string[] {
  return [...quantiles.map(quantileColumn), 'mean'];
}

/** `0.1` → `p10`, `0.05` → `p5`, `0.975` → `p97.5`. */
export function quantileColumn(q: number): string {
  return `p${Number((q * 100).toFixed(4))}`;
}

function toForecast(row: ForecastForecastsTable, settings: PredictorSettings): Forecast {
  return {
    name: row.name,
    predictor: row.predictor,
    group: row.grp,
    status: row.status as ForecastStatus,
    dataset: row.dataset,
    forecastTypes: forecastTypes(settings.quantiles),
    horizon: settings.horizon,
    items: row.items === null ? null : Number(row.items),
    progress: { stage: row.stage, percent: Number(row.percent) },
    failureReason: row.failure_reason,
    createdBy: row.created_by,
    createdAt: row.created_at,
    startedAt: row.started_at,
    endedAt: row.ended_at,
    updatedAt: row.updated_at,
  };
}

