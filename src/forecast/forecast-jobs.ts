/**
 * A forecast's job: refits each item's chosen model(s) on its whole history and writes
 * every item's forecast as one dataset version. Safe to run again: a retry finds the
 * version an earlier attempt registered by its tag.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { buffer } from 'node:stream/consumers';
import type { AttemptContext, ClaimedJob } from '../jobs/index.js';
import { blockKey, decodeBlock, shardBlocks } from './blocks.js';
import { gridTimes } from './frequency.js';
import { evaluationsKey } from './jobs.js';
import { forecastItem, type ItemEvaluation } from './models/predictor.js';
import { forecastTypes, ForecastWriter } from './outputs.js';
import { predictorContext, PROGRESS_MS } from './predictor-jobs.js';
import { seriesOf } from './series.js';
import type { ForecastJobPayload } from './types.js';
import type { JobOutcome, WorkerContext } from './worker-context.js';

export type ForecastOutcome = { kind: 'forecast'; forecast: string; dataset: string; items: number; completed?: boolean };

export async function runForecast(w: WorkerContext, job: ClaimedJob<ForecastJobPayload & { kind: 'forecast' }>, ctx: AttemptContext): Promise<JobOutcome> {
  const name = job.payload.forecast;
  const row = await w.store.findForecast(name);
  if (!row || !['CreatePending', 'CreateInProgress'].includes(row.status)) return w.settle(job, 'the forecast is not being created', 'skip');
  await w.store.updateForecast(name, { status: 'CreateInProgress', started_at: row.started_at ?? new Date().toISOString(), stage: 'forecasting', percent: 1 });
  const tag = { forecast: name };
  // A retry finds the version an earlier attempt registered.
  const existing = (await w.deps.datasets.versions(row.dataset_name).catch(() => [])).find((v) => v.tags.forecast === name);
  if (existing) return { kind: 'forecast', forecast: name, dataset: `${existing.name}@${existing.version}`, items: Number(existing.tags.items ?? 0) };
  const predictor = await w.store.predictor(row.predictor);
  const c = await predictorContext(w, predictor);
  const types = forecastTypes(c.settings.quantiles);
  const dir = path.join(w.deps.workDir, `${name}-${job.attempt}-${randomBytes(4).toString('hex')}`);
  const writer = await ForecastWriter.open(dir, types);
  let finished = false;
  try {
    let done = 0;
    let lastWrite = 0;
    const total = c.index.items.length;
    for (let s = 0; s < Number(predictor.shards); s++) {
      const { from, to } = shardBlocks(c.index.blocks, Number(predictor.shards), s);
      const evaluations = createInterface({ input: await w.deps.artifacts.get(evaluationsKey(predictor.grp, predictor.name, s)), crlfDelay: Infinity })[Symbol.asyncIterator]();
      for (let b = from; b < to; b++) {
        const block = decodeBlock(await buffer(await w.deps.artifacts.get(blockKey(c.imp.data_key, b))));
        for (const it of block.header.items) {
          if (ctx.signal.aborted) return w.settle(job, 'aborted', 'retry', { signal: ctx.signal });
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
            await w.store.updateForecast(name, { percent: Math.min(95, Math.floor((95 * done) / total)), stage: `forecasting: item ${done} of ${total}` });
            await new Promise((resolve) => setImmediate(resolve));
          }
        }
      }
    }
    await w.store.updateForecast(name, { percent: 96, stage: 'writing the dataset' });
    const file = path.join(dir, 'forecast.parquet');
    await writer.finish(file);
    finished = true;
    const version = await w.deps.datasets.create({
      name: row.dataset_name,
      format: 'parquet',
      parquetFile: file,
      description: `Forecast ${name} of predictor ${predictor.name} (dataset group ${predictor.grp})`,
      tags: { ...tag, predictor: predictor.name, items: String(done) },
      createdBy: row.created_by ?? undefined,
    });
    return { kind: 'forecast', forecast: name, dataset: `${version.name}@${version.version}`, items: done };
  } catch (err) {
    return w.settle(job, (err as Error)?.message ?? String(err), (err as { status?: number })?.status === 400 ? 'final' : 'retry', { signal: ctx.signal });
  } finally {
    if (!finished) writer.close();
    await fs.rm(dir, { recursive: true, force: true }).catch(() => undefined);
  }
}

/** Makes the forecast Active; one stopped meanwhile loses the version it wrote. */
export async function recordForecast(w: WorkerContext, outcome: ForecastOutcome): Promise<void> {
  const ended = await w.store.endForecast(outcome.forecast, 'Active', { dataset: outcome.dataset, items: outcome.items, percent: 100, failure_reason: null });
  if (!ended) {
    const row = await w.store.findForecast(outcome.forecast);
    if (row && row.status !== 'Active') await w.deps.datasets.delete(outcome.dataset, { purge: true }).catch(() => undefined);
  }
}
