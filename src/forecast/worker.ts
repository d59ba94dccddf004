/**
 * The forecast job kinds on the worker loop, one handler:
 * - `shard`: backtests its contiguous range of the import's items (blocks read one at a
 *   time), writes each item's evaluation (JSON Lines) and records its metric sums; the
 *   last shard to finish enqueues
 * - `assemble`: merges the shards' sums into the predictor's metrics and makes it Active;
 * - `forecast`: refits each item's chosen model(s) on its whole history and writes every
 *   item's forecast as one dataset version.
 * Each is safe to run again: outputs are written under fixed keys, sums are recorded once
 * per shard, a forecast's dataset version is found by its tag on a retry.
 */
import { randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { buffer } from 'node:stream/consumers';
import type { ForecastFrequency } from '../contracts/forecast.values.js';
import type { DatasetService } from '../data/index.js';
import type { AttemptContext, ClaimedJob, JobHandler, JobQueue } from '../jobs/index.js';
import type { ArtifactStore, MetadataStore } from '../storage/index.js';
import { blockKey, decodeBlock, itemIndexKey, shardBlocks, type ItemIndex } from './blocks.js';
import { frequencySpec, gridTimes, mainSeason } from './frequency.js';
import { addEvaluation, emptyPredictorSums, evaluateItem, finishPredictor, forecastItem, mergePredictorSums, resolvePredictorConfig, type ItemEvaluation, type PredictorConfig, type PredictorSums } from './models/predictor.js';
import { forecastTypes, ForecastWriter } from './outputs.js';
import { seriesOf, type Filling } from './series.js';
import { assembleJobId, evaluationsKey, FORECAST_ATTEMPTS, FORECAST_KIND } from './jobs.js';
import { ForecastStore } from './store.js';
import type { ForecastImportsTable, ForecastImportSummary, ForecastJobPayload, ForecastPredictorsTable, PredictorResult, PredictorSettings } from './types.js';

export interface ForecastWorkerDeps {
  metadata: MetadataStore;
  artifacts: ArtifactStore;
  queue: JobQueue;
  datasets: Pick<DatasetService, 'create' | 'versions' | 'delete'>;
  workDir: string;
}

type Outcome =
  | { kind: 'shard'; predictor: string; shard: number; sums: PredictorSums; items: number; completed?: boolean; assembled?: boolean }
  | { kind: 'assemble'; predictor: string; result: PredictorResult; completed?: boolean }
  | { kind: 'forecast'; forecast: string; dataset: string; items: number; completed?: boolean }
  | { kind: 'settled' };

/** Progress is written at most this often. */
const PROGRESS_MS = 1000;

/** Thrown for a job the data or request cannot satisfy: the resource fails without a retry. */
class FinalError extends Error {}

export async function forecastJobHandler(deps: ForecastWorkerDeps): Promise<JobHandler<ForecastJobPayload, Outcome>> {
  await fs.mkdir(deps.workDir, { recursive: true });
  const store = new ForecastStore(deps.metadata);

  async function readJson<T>(key: string): Promise<T> {
    return JSON.parse((await buffer(await deps.artifacts.get(key))).toString('utf8')) as T;
  }

  /** The predictor's model configuration from its settings and the import. */
  function configOf(settings: PredictorSettings, frequency: ForecastFrequency, summary: ForecastImportSummary): PredictorConfig {
    const { season, seasons } = mainSeason(frequency, summary.maxLength);
    return resolvePredictorConfig({
      algorithms: settings.algorithms,
      horizon: settings.horizon,
      quantiles: settings.quantiles,
      backtestWindows: settings.backtestWindows,
      backtestOffset: settings.backtestOffset,
      season,
      seasons,
      stepMs: frequencySpec(frequency).stepMs,
      nonNegative: settings.nonNegative,
      optimizationMetric: settings.optimizationMetric,
    });
  }

  async function context(predictor: ForecastPredictorsTable): Promise<{ imp: ForecastImportsTable; index: ItemIndex; frequency: ForecastFrequency; settings: PredictorSettings; config: PredictorConfig; filling: Filling }> {
    const imp = await store.importRow(predictor.import_id);
    const group = await store.group(predictor.grp);
    const frequency = group.frequency as ForecastFrequency;
    const settings = JSON.parse(predictor.config_json) as PredictorSettings;
    const summary = JSON.parse(imp.summary_json ?? 'null') as ForecastImportSummary;
    return { imp, index: await readJson<ItemIndex>(itemIndexKey(imp.data_key)), frequency, settings, config: configOf(settings, frequency, summary), filling: JSON.parse(imp.filling_json) as Filling };
  }

  async function runShard(job: ClaimedJob<ForecastJobPayload & { kind: 'shard' }>, ctx: AttemptContext): Promise<Outcome> {
    const { predictor: name, shard } = job.payload;
    const predictor = await store.findPredictor(name);
    if (!predictor || !['CreatePending', 'CreateInProgress'].includes(predictor.status)) return settle(job, 'the predictor is not being created', true);
    await store.updatePredictor(name, { status: 'CreateInProgress', started_at: predictor.started_at ?? new Date().toISOString(), stage: 'backtesting' });
    const c = await context(predictor);
    const { from, to } = shardBlocks(c.index.blocks, Number(predictor.shards), shard);
    const dir = path.join(deps.workDir, `${name}-${shard}-${job.attempt}-${randomBytes(4).toString('hex')}`);
    await fs.mkdir(dir, { recursive: true });
    try {
      const file = path.join(dir, 'evaluations.jsonl');
      const out = await fs.open(file, 'w');
      let sums = emptyPredictorSums(c.config);
      let done = 0;
      let lastWrite = 0;
      try {
        for (let b = from; b < to; b++) {
          const block = decodeBlock(await buffer(await deps.artifacts.get(blockKey(c.imp.data_key, b))));
          const lines: string[] = [];
          for (const it of block.header.items) {
            if (ctx.signal.aborted) return settle(job, 'aborted', false, ctx.signal);
            const series = seriesOf(block, it, { frequency: c.frequency, anchorMs: c.index.anchorMs, horizon: c.config.horizon, filling: c.filling });
            const ev = evaluateItem(series, c.config);
            sums = addEvaluation(sums, ev);
            lines.push(JSON.stringify(ev));
            done++;
            if (Date.now() - lastWrite > PROGRESS_MS) {
              lastWrite = Date.now();
              await store.shardProgress(name, shard, done, `${c.config.algorithms.join(', ')} on ${c.config.backtestWindows} window(s): item ${done}`);
              // Let the heartbeat and stop requests through between items.
              await new Promise((resolve) => setImmediate(resolve));
            }
          }
          await out.write(lines.join('\n') + '\n');
        }
      } finally {
        await out.close();
      }
      await deps.artifacts.put(evaluationsKey(predictor.grp, name, shard), createReadStream(file));
      return { kind: 'shard', predictor: name, shard, sums, items: done };
    } catch (err) {
      return settle(job, (err as Error)?.message ?? String(err), err instanceof FinalError, ctx.signal);
    } finally {
      await fs.rm(dir, { recursive: true, force: true }).catch(() => undefined);
    }
  }

  async function runAssemble(job: ClaimedJob<ForecastJobPayload & { kind: 'assemble' }>): Promise<Outcome> {
    const name = job.payload.predictor;
    const predictor = await store.findPredictor(name);
    if (!predictor || !['CreatePending', 'CreateInProgress'].includes(predictor.status)) return settle(job, 'the predictor is not being created', true);
    const shards = await store.shards(name);
    if (shards.some((s) => s.status !== 'done' || !s.sums_json)) return settle(job, 'the predictor has shards still running', false);
    const sums = shards.map((s) => JSON.parse(s.sums_json!) as PredictorSums).reduce((a, b) => mergePredictorSums(a, b));
    const finished = finishPredictor(sums);
    const byAlgorithm: PredictorResult['byAlgorithm'] = {};
    for (const [k, v] of Object.entries(finished.byAlgorithm)) byAlgorithm[k] = v.metrics;
    return { kind: 'assemble', predictor: name, result: { metrics: finished.metrics, windows: finished.windows, byAlgorithm, choices: finished.choices, items: sums.items } };
  }

  async function runForecast(job: ClaimedJob<ForecastJobPayload & { kind: 'forecast' }>, ctx: AttemptContext): Promise<Outcome> {
    const name = job.payload.forecast;
    const row = await store.findForecast(name);
    if (!row || !['CreatePending', 'CreateInProgress'].includes(row.status)) return settle(job, 'the forecast is not being created', true);
    await store.updateForecast(name, { status: 'CreateInProgress', started_at: row.started_at ?? new Date().toISOString(), stage: 'forecasting', percent: 1 });
    const tag = { forecast: name };
    // A retry finds the version an earlier attempt registered.
    const existing = (await deps.datasets.versions(row.dataset_name).catch(() => [])).find((v) => v.tags.forecast === name);
    if (existing) return { kind: 'forecast', forecast: name, dataset: `${existing.name}@${existing.version}`, items: Number(existing.tags.items ?? 0) };
    const predictor = await store.predictor(row.predictor);
    const c = await context(predictor);
    const types = forecastTypes(c.settings.quantiles);
    const dir = path.join(deps.workDir, `${name}-${job.attempt}-${randomBytes(4).toString('hex')}`);
    const writer = await ForecastWriter.open(dir, types);
    let finished = false;
    try {
      let done = 0;
      let lastWrite = 0;
      const total = c.index.items.length;
      for (let s = 0; s < Number(predictor.shards); s++) {
        const { from, to } = shardBlocks(c.index.blocks, Number(predictor.shards), s);
        const evaluations = createInterface({ input: await deps.artifacts.get(evaluationsKey(predictor.grp, predictor.name, s)), crlfDelay: Infinity })[Symbol.asyncIterator]();
        for (let b = from; b < to; b++) {
          const block = decodeBlock(await buffer(await deps.artifacts.get(blockKey(c.imp.data_key, b))));
          for (const it of block.header.items) {
            if (ctx.signal.aborted) return settle(job, 'aborted', false, ctx.signal);
            let next = await evaluations.next();
            while (!next.done && !next.value) next = await evaluations.next();
            if (next.done) throw new Error(`the predictor's evaluations of shard ${s} end before item ${it.item}`);
            const ev = JSON.parse(next.value) as ItemEvaluation;
            if (ev.item !== it.item) throw new Error(`the predictor's evaluations of shard ${s} are out of step at item ${it.item}`);
            const series = seriesOf(block, it, { frequency: c.frequency, anchorMs: c.index.anchorMs, horizon: c.config.horizon, filling: c.filling });
            const f = forecastItem(series, c.config, ev);
            const times = gridTimes(c.frequency, it.first + it.length, c.config.horizon, c.index.anchorMs);
            writer.add(it.item, times, [...f.quantiles, f.mean]);
            done++;
            if (Date.now() - lastWrite > PROGRESS_MS) {
              lastWrite = Date.now();
              await store.updateForecast(name, { percent: Math.min(95, Math.floor((95 * done) / total)), stage: `forecasting: item ${done} of ${total}` });
              await new Promise((resolve) => setImmediate(resolve));
            }
          }
        }
      }
      await store.updateForecast(name, { percent: 96, stage: 'writing the dataset' });
      const file = path.join(dir, 'forecast.parquet');
      await writer.finish(file);
      finished = true;
      const version = await deps.datasets.create({
        name: row.dataset_name,
        format: 'parquet',
        parquetFile: file,
        description: `Forecast ${name} of predictor ${predictor.name} (dataset group ${predictor.grp})`,
        tags: { ...tag, predictor: predictor.name, items: String(done) },
        createdBy: row.created_by ?? undefined,
      });
      return { kind: 'forecast', forecast: name, dataset: `${version.name}@${version.version}`, items: done };
    } catch (err) {
      return settle(job, (err as Error)?.message ?? String(err), err instanceof FinalError || (err as { status?: number })?.status === 400, ctx.signal);
    } finally {
      if (!finished) writer.close();
      await fs.rm(dir, { recursive: true, force: true }).catch(() => undefined);
    }
  }

  /** Ends an attempt without an outcome: stopped, interrupted, refused, or failed (retried while attempts remain). */
  async function settle(job: ClaimedJob<ForecastJobPayload>, message: string, final: boolean, signal?: AbortSignal): Promise<Outcome> {
    const p = job.payload;
    const fail = (reason: string) => (p.kind === 'forecast' ? store.endForecast(p.forecast, 'CreateFailed', { failure_reason: reason.slice(0, 2000) }) : store.endPredictor(p.predictor, 'CreateFailed', { failure_reason: reason.slice(0, 2000) }));
    if (signal?.aborted) {
      if (signal.reason === 'stop') await deps.queue.fail(job, { message: 'stopped', retryable: false });
      return { kind: 'settled' };
    }
    if (final) {
      await deps.queue.fail(job, { message, retryable: false });
      return { kind: 'settled' };
    }
    const outcome = await deps.queue.fail(job, { message });
    if (!outcome.willRetry) await fail(message);
    return { kind: 'settled' };
  }

  return {
    kinds: [FORECAST_KIND],
    // A shard, an assembly or a forecast is one thread of JavaScript.
    cpus: () => 1,
    run(job, ctx) {
      const p = job.payload;
      if (p.kind === 'shard') return runShard(job as ClaimedJob<ForecastJobPayload & { kind: 'shard' }>, ctx);
      if (p.kind === 'assemble') return runAssemble(job as ClaimedJob<ForecastJobPayload & { kind: 'assemble' }>);
      return runForecast(job as ClaimedJob<ForecastJobPayload & { kind: 'forecast' }>, ctx);
    },
    async record(job, outcome) {
      if (outcome.kind === 'settled') return;
      if (outcome.kind === 'shard') {
        const done = await store.shardDone(outcome.predictor, outcome.shard, JSON.stringify(outcome.sums), outcome.items);
        const row = await store.predictor(outcome.predictor);
        if (done === Number(row.shards) && !outcome.assembled) {
          await store.updatePredictor(outcome.predictor, { stage: 'assembling' });
          await deps.queue.enqueue(FORECAST_KIND, { kind: 'assemble', predictor: outcome.predictor }, { jobId: assembleJobId(outcome.predictor), maxAttempts: FORECAST_ATTEMPTS, backoffMs: 1000 });
          outcome.assembled = true;
        }
      } else if (outcome.kind === 'assemble') {
        await store.endPredictor(outcome.predictor, 'Active', { result_json: JSON.stringify(outcome.result), failure_reason: null });
      } else {
        const ended = await store.endForecast(outcome.forecast, 'Active', { dataset: outcome.dataset, items: outcome.items, percent: 100, failure_reason: null });
        if (!ended) {
          // Stopped meanwhile: the version it wrote goes too.
          const row = await store.findForecast(outcome.forecast);
          if (row && row.status !== 'Active') await deps.datasets.delete(outcome.dataset, { purge: true }).catch(() => undefined);
        }
      }
      if (!outcome.completed) {
        await deps.queue.complete(job);
        outcome.completed = true;
      }
    },
  };
}

