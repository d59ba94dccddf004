/**
 * A forecast's jobs, sharded as its predictor is (the same contiguous item ranges):
 * - `forecast-shard`: refits each of its items' chosen model(s) on the whole history and
 *   writes their forecasts as one Parquet part (a fixed key, so a retry rewrites it); the
 *   last shard to finish enqueues
 * - `forecast-assemble`: merges the parts into one file and registers the one dataset
 *   version, only once every shard succeeded; a retry finds the version an earlier attempt
 *   registered by its tag. A shard that fails for good fails the forecast with its reason,
 *   and the parts are removed: nothing half-registered.
 * - `forecast`: enqueued before forecasts were sharded; fans out into the shard jobs.
 */
import { randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { buffer } from 'node:stream/consumers';
import { pipeline } from 'node:stream/promises';
import type { AttemptContext, ClaimedJob } from '../jobs/index.js';
import { blockKey, decodeBlock, shardBlocks } from './blocks.js';
import { gridTimes } from './frequency.js';
import { enqueueForecastJob, evaluationsKey, forecastPartKey, forecastPartsPrefix } from './jobs.js';
import { forecastItem, type ItemEvaluation } from './models/predictor.js';
import { forecastTypes, ForecastWriter, mergeForecastParts } from './outputs.js';
import { predictorContext, PROGRESS_MS } from './predictor-jobs.js';
import { seriesOf } from './series.js';
import type { ForecastJobPayload } from './types.js';
import { globalCandidates } from './train-job.js';
import type { JobOutcome, WorkerContext } from './worker-context.js';

export type ForecastOutcome =
  | { kind: 'forecast-fanout'; forecast: string; shardItems: number[]; completed?: boolean }
  | { kind: 'forecast-shard'; forecast: string; shard: number; items: number; completed?: boolean; assembled?: boolean }
  | { kind: 'forecast-assemble'; forecast: string; dataset: string; items: number; completed?: boolean };

type Job<K extends ForecastJobPayload['kind']> = ClaimedJob<ForecastJobPayload & { kind: K }>;

const BEING_CREATED = ['CreatePending', 'CreateInProgress'];
const errorText = (err: unknown) => (err as Error)?.message ?? String(err);

/** The shard jobs of a forecast enqueued before forecasts were sharded. */
export async function runForecastFanout(w: WorkerContext, job: Job<'forecast'>): Promise<JobOutcome> {
  const name = job.payload.forecast;
  const row = await w.store.findForecast(name);
  if (!row || !BEING_CREATED.includes(row.status)) return w.settle(job, 'the forecast is not being created', 'skip');
  const shardItems = (await w.store.shards(row.predictor)).map((s) => Number(s.items_total));
  return { kind: 'forecast-fanout', forecast: name, shardItems };
}

export async function runForecastShard(w: WorkerContext, job: Job<'forecast-shard'>, ctx: AttemptContext): Promise<JobOutcome> {
  const { forecast: name, shard } = job.payload;
  const row = await w.store.findForecast(name);
  if (!row || !BEING_CREATED.includes(row.status)) return w.settle(job, 'the forecast is not being created', 'skip');
  await w.store.updateForecast(name, { status: 'CreateInProgress', started_at: row.started_at ?? new Date().toISOString(), stage: 'forecasting' });
  const dir = path.join(w.deps.workDir, `${name}-${shard}-${job.attempt}-${randomBytes(4).toString('hex')}`);
  let writer: ForecastWriter | undefined;
  try {
    const predictor = await w.store.predictor(row.predictor);
    const c = await predictorContext(w, predictor);
    const global = await globalCandidates(w, predictor, c.settings);
    const { from, to } = shardBlocks(c.index.blocks, Number(predictor.shards), shard);
    writer = await ForecastWriter.open(dir, forecastTypes(c.settings.quantiles));
    const evaluations = createInterface({ input: await w.deps.artifacts.get(evaluationsKey(predictor.grp, predictor.name, shard)), crlfDelay: Infinity })[Symbol.asyncIterator]();
    let done = 0;
    let lastWrite = 0;
    for (let b = from; b < to; b++) {
      const block = decodeBlock(await buffer(await w.deps.artifacts.get(blockKey(c.imp.data_key, b))));
      for (const it of block.header.items) {
        if (ctx.signal.aborted) return await w.settle(job, 'aborted', 'retry', { signal: ctx.signal });
        let next = await evaluations.next();
        while (!next.done && !next.value) next = await evaluations.next();
        if (next.done) throw new Error(`the predictor's evaluations of shard ${shard} end before item ${it.item}`);
        const ev = JSON.parse(next.value) as ItemEvaluation;
        if (ev.item !== it.item) throw new Error(`the predictor's evaluations of shard ${shard} are out of step at item ${it.item}`);
        const series = seriesOf(block, it, { frequency: c.frequency, anchorMs: c.index.anchorMs, horizon: c.config.horizon, filling: c.filling });
        const f = forecastItem(series, c.config, ev, global);
        writer.add(it.item, gridTimes(c.frequency, it.first + it.length, c.config.horizon, c.index.anchorMs), [...f.quantiles, f.mean]);
        done++;
        // A global model's sampling is long synchronous work: let the event loop through after each item.
        if (global) await new Promise((resolve) => setImmediate(resolve));
        if (Date.now() - lastWrite > PROGRESS_MS) {
          lastWrite = Date.now();
          await w.store.forecastShardProgress(name, shard, done);
          await w.store.updateForecast(name, {});
          // Let the heartbeat and stop requests through between items.
          await new Promise((resolve) => setImmediate(resolve));
        }
      }
    }
    const file = path.join(dir, 'part.parquet');
    const w2 = writer;
    writer = undefined;
    await w2.finish(file);
    await w.deps.artifacts.put(forecastPartKey(row.grp, name, shard), createReadStream(file));
    return { kind: 'forecast-shard', forecast: name, shard, items: done };
  } catch (err) {
    return await w.settle(job, errorText(err), 'retry', { signal: ctx.signal });
  } finally {
    writer?.close();
    await fs.rm(dir, { recursive: true, force: true }).catch(() => undefined);
  }
}

export async function runForecastAssemble(w: WorkerContext, job: Job<'forecast-assemble'>): Promise<JobOutcome> {
  const name = job.payload.forecast;
  const row = await w.store.findForecast(name);
  if (!row || !BEING_CREATED.includes(row.status)) return w.settle(job, 'the forecast is not being created', 'skip');
  const shards = await w.store.forecastShards(name);
  if (shards.length === 0 || shards.some((s) => s.status !== 'done')) return w.settle(job, 'the forecast has shards still running', 'retry');
  const items = shards.reduce((n, s) => n + Number(s.items_done), 0);
  // A retry finds the version an earlier attempt registered.
  const existing = (await w.deps.datasets.versions(row.dataset_name).catch(() => [])).find((v) => v.tags.forecast === name);
  if (existing) return { kind: 'forecast-assemble', forecast: name, dataset: `${existing.name}@${existing.version}`, items: Number(existing.tags.items ?? items) };
  await w.store.updateForecast(name, { stage: 'writing the dataset' });
  const dir = path.join(w.deps.workDir, `${name}-assemble-${job.attempt}-${randomBytes(4).toString('hex')}`);
  try {
    await fs.mkdir(dir, { recursive: true });
    const parts: string[] = [];
    for (const s of shards) {
      const part = path.join(dir, `part-${Number(s.shard)}.parquet`);
      await pipeline(await w.deps.artifacts.get(forecastPartKey(row.grp, name, Number(s.shard))), createWriteStream(part));
      parts.push(part);
    }
    const file = path.join(dir, 'forecast.parquet');
    await mergeForecastParts(parts, file, dir);
    const version = await w.deps.datasets.create({
      name: row.dataset_name,
      format: 'parquet',
      parquetFile: file,
      description: `Forecast ${name} of predictor ${row.predictor} (dataset group ${row.grp})`,
      tags: { forecast: name, predictor: row.predictor, items: String(items) },
      createdBy: row.created_by ?? undefined,
    });
    return { kind: 'forecast-assemble', forecast: name, dataset: `${version.name}@${version.version}`, items };
  } catch (err) {
    return w.settle(job, errorText(err), (err as { status?: number })?.status === 400 ? 'final' : 'retry');
  } finally {
    await fs.rm(dir, { recursive: true, force: true }).catch(() => undefined);
  }
}

/** Fans out, records a shard (the last one enqueues the assembly), or makes the forecast Active. */
export async function recordForecast(w: WorkerContext, outcome: ForecastOutcome): Promise<void> {
  if (outcome.kind === 'forecast-fanout') {
    await w.store.ensureForecastShards(outcome.forecast, outcome.shardItems);
    for (let shard = 0; shard < outcome.shardItems.length; shard++) await enqueueForecastJob(w.deps.queue, { kind: 'forecast-shard', forecast: outcome.forecast, shard });
    return;
  }
  const row = await w.store.findForecast(outcome.forecast);
  if (outcome.kind === 'forecast-shard') {
    const done = await w.store.forecastShardDone(outcome.forecast, outcome.shard, outcome.items);
    if (!row || !BEING_CREATED.includes(row.status)) {
      // Stopped or failed meanwhile: the part written goes too.
      if (row && row.status !== 'Active') await w.deps.artifacts.deletePrefix(forecastPartsPrefix(row.grp, outcome.forecast)).catch(() => undefined);
      return;
    }
    const total = (await w.store.forecastShards(outcome.forecast)).length;
    if (done === total && !outcome.assembled) {
      await w.store.updateForecast(outcome.forecast, { stage: 'assembling' });
      await enqueueForecastJob(w.deps.queue, { kind: 'forecast-assemble', forecast: outcome.forecast });
      outcome.assembled = true;
    }
    return;
  }
  const ended = await w.store.endForecast(outcome.forecast, 'Active', { dataset: outcome.dataset, items: outcome.items, percent: 100, failure_reason: null });
  if (!ended && row?.status !== 'Active') {
    // Stopped meanwhile: the version it wrote goes too.
    await w.deps.datasets.delete(outcome.dataset, { purge: true }).catch(() => undefined);
  }
  if (row) await w.deps.artifacts.deletePrefix(forecastPartsPrefix(row.grp, outcome.forecast)).catch(() => undefined);
}
