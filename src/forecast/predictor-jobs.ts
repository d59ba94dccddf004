/**
 * A predictor's jobs:
 * - `shard`: backtests its contiguous range of the import's items (blocks read one at a
 *   time), writes each item's evaluation (JSON Lines) and records its metric sums; the
 *   last shard to finish enqueues
 * - `assemble`: merges the shards' sums into the predictor's metrics and makes it Active.
 * Each is safe to run again: evaluations are written under fixed keys, sums are recorded
 * once per shard.
 */
import { randomBytes } from 'node:crypto';
import { createReadStream, existsSync } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { buffer } from 'node:stream/consumers';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { ForecastFrequency } from '../contracts/forecast.values.js';
import type { AttemptContext, ClaimedJob } from '../jobs/index.js';
import { blockKey, decodeBlock, itemIndexKey, shardBlocks, type ItemIndex } from './blocks.js';
import { frequencySpec, mainSeason } from './frequency.js';
import { enqueueForecastJob, evaluationsKey } from './jobs.js';
import { addEvaluation, emptyPredictorSums, evaluateItem, finishPredictor, mergePredictorSums, resolvePredictorConfig, type PredictorConfig, type PredictorSums } from './models/predictor.js';
import { seriesOf, type Filling } from './series.js';
import type { ShardThreadInput, ShardThreadMessage, ShardThreadRequest } from './shard-thread.js';
import type { ForecastImportsTable, ForecastImportSummary, ForecastJobPayload, ForecastPredictorsTable, PredictorResult, PredictorSettings } from './types.js';
import { globalCandidates } from './train-job.js';
import type { JobOutcome, WorkerContext } from './worker-context.js';

export type PredictorOutcome =
  | { kind: 'shard'; predictor: string; shard: number; sums: PredictorSums; items: number; completed?: boolean; assembled?: boolean }
  | { kind: 'assemble'; predictor: string; result: PredictorResult; completed?: boolean };

/** Progress is written at most this often. */
export const PROGRESS_MS = 1000;

const BEING_CREATED = ['CreatePending', 'CreateInProgress'];

/** What a predictor's jobs read: its import, item index, frequency, settings, model configuration and filling. */
export interface PredictorContext {
  imp: ForecastImportsTable;
  index: ItemIndex;
  frequency: ForecastFrequency;
  settings: PredictorSettings;
  config: PredictorConfig;
  filling: Filling;
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

export async function predictorContext(w: WorkerContext, predictor: ForecastPredictorsTable): Promise<PredictorContext> {
  const imp = await w.store.importRow(predictor.import_id);
  const group = await w.store.group(predictor.grp);
  const frequency = group.frequency as ForecastFrequency;
  const settings = JSON.parse(predictor.config_json) as PredictorSettings;
  const summary = JSON.parse(imp.summary_json ?? 'null') as ForecastImportSummary;
  const index = JSON.parse((await buffer(await w.deps.artifacts.get(itemIndexKey(imp.data_key)))).toString('utf8')) as ItemIndex;
  return { imp, index, frequency, settings, config: configOf(settings, frequency, summary), filling: JSON.parse(imp.filling_json) as Filling };
}

export async function runShard(w: WorkerContext, job: ClaimedJob<ForecastJobPayload & { kind: 'shard' }>, ctx: AttemptContext): Promise<JobOutcome> {
  const { predictor: name, shard } = job.payload;
  const predictor = await w.store.findPredictor(name);
  if (!predictor || !BEING_CREATED.includes(predictor.status)) return w.settle(job, 'the predictor is not being created', 'skip');
  await w.store.updatePredictor(name, { status: 'CreateInProgress', started_at: predictor.started_at ?? new Date().toISOString(), stage: 'backtesting' });
  const dir = path.join(w.deps.workDir, `${name}-${shard}-${job.attempt}-${randomBytes(4).toString('hex')}`);
  await fs.mkdir(dir, { recursive: true });
  try {
    const c = await predictorContext(w, predictor);
    const global = await globalCandidates(w, predictor, c.settings);
    const { from, to } = shardBlocks(c.index.blocks, Number(predictor.shards), shard);
    const file = path.join(dir, 'evaluations.jsonl');
    const out = await fs.open(file, 'w');
    let sums = emptyPredictorSums(c.config);
    let done = 0;
    let lastWrite = 0;
    try {
      if (!global && THREAD_BUILT) {
        const result = await backtestInThread(w, c, name, shard, { from, to }, out, ctx.signal);
        if (!result) return w.settle(job, 'aborted', 'retry', { signal: ctx.signal });
        ({ sums, done } = result);
      }
      // From source (no built thread module) and with a global model, in this process.
      else for (let b = from; b < to; b++) {
        const block = decodeBlock(await buffer(await w.deps.artifacts.get(blockKey(c.imp.data_key, b))));
        const lines: string[] = [];
        for (const it of block.header.items) {
          if (ctx.signal.aborted) return w.settle(job, 'aborted', 'retry', { signal: ctx.signal });
          const series = seriesOf(block, it, { frequency: c.frequency, anchorMs: c.index.anchorMs, horizon: c.config.horizon, filling: c.filling });
          const ev = evaluateItem(series, c.config, global);
          sums = addEvaluation(sums, ev);
          // A global model's sampling is long synchronous work: let the event loop through after each item.
          if (global) await new Promise((resolve) => setImmediate(resolve));
          lines.push(JSON.stringify(ev));
          done++;
          if (Date.now() - lastWrite > PROGRESS_MS) {
            lastWrite = Date.now();
            await w.store.shardProgress(name, shard, done, `${c.config.algorithms.join(', ')} on ${c.config.backtestWindows} window(s): item ${done}`);
            // Let the heartbeat and stop requests through between items.
            await new Promise((resolve) => setImmediate(resolve));
          }
        }
        await out.write(lines.join('\n') + '\n');
      }
    } finally {
      await out.close();
    }
    await w.deps.artifacts.put(evaluationsKey(predictor.grp, name, shard), createReadStream(file));
    return { kind: 'shard', predictor: name, shard, sums, items: done };
  } catch (err) {
    return w.settle(job, (err as Error)?.message ?? String(err), 'retry', { signal: ctx.signal });
  } finally {
    await fs.rm(dir, { recursive: true, force: true }).catch(() => undefined);
  }
}

/** The built thread module; running from source (unit tests) there is none and shards run in process. */
const SHARD_THREAD = new URL('./shard-thread.js', import.meta.url);
const THREAD_BUILT = existsSync(fileURLToPath(SHARD_THREAD));

/**
 * Backtests the blocks `from`…`to` in a worker thread (`shard-thread.ts`), reading the next
 * block while the thread works on one, writing each block's evaluations to `out` and
 * progress to the shard's row. Undefined when stopped (the thread is ended).
 */
async function backtestInThread(
  w: WorkerContext,
  c: PredictorContext,
  name: string,
  shard: number,
  range: { from: number; to: number },
  out: fs.FileHandle,
  signal: AbortSignal,
): Promise<{ sums: PredictorSums; done: number } | undefined> {
  const input: ShardThreadInput = { config: c.config, frequency: c.frequency, anchorMs: c.index.anchorMs, filling: c.filling, progressMs: PROGRESS_MS };
  const thread = new Worker(SHARD_THREAD, { workerData: input });
  let waiting: { resolve: (m: ShardThreadMessage) => void; reject: (err: Error) => void } | undefined;
  let failure: Error | undefined;
  let lastWrite = 0;
  let written: Promise<unknown> = Promise.resolve();
  const progress = (done: number) => {
    if (Date.now() - lastWrite <= PROGRESS_MS) return;
    lastWrite = Date.now();
    const detail = `${c.config.algorithms.join(', ')} on ${c.config.backtestWindows} window(s): item ${done}`;
    written = written.then(() => w.store.shardProgress(name, shard, done, detail)).catch(() => undefined);
  };
  const fail = (err: Error) => {
    failure ??= err;
    const pending = waiting;
    waiting = undefined;
    pending?.reject(failure);
  };
  thread.on('message', (m: ShardThreadMessage) => {
    if (m.type === 'progress') return progress(m.done);
    const pending = waiting;
    waiting = undefined;
    pending?.resolve(m);
  });
  thread.on('error', fail);
  thread.on('exit', (code) => fail(new Error(`the backtest thread ended (code ${code})`)));
  const ask = (request: ShardThreadRequest) =>
    new Promise<ShardThreadMessage>((resolve, reject) => {
      if (failure) return reject(failure);
      waiting = { resolve, reject };
      thread.postMessage(request);
    });
  const read = (b: number) => w.deps.artifacts.get(blockKey(c.imp.data_key, b)).then((stream) => buffer(stream));
  const abort = () => void thread.terminate();
  signal.addEventListener('abort', abort, { once: true });
  try {
    let next = range.from < range.to ? read(range.from) : undefined;
    for (let b = range.from; b < range.to; b++) {
      const bytes = await next!;
      next = b + 1 < range.to ? read(b + 1) : undefined;
      next?.catch(() => undefined);
      const m = await ask({ type: 'block', bytes });
      if (m.type !== 'lines') throw new Error(`the backtest thread answered ${m.type} to a block`);
      await out.write(m.text);
      progress(m.done);
    }
    const m = await ask({ type: 'finish' });
    if (m.type !== 'sums') throw new Error(`the backtest thread answered ${m.type} to finish`);
    await written;
    return { sums: m.sums, done: m.done };
  } catch (err) {
    if (signal.aborted) return undefined;
    throw err;
  } finally {
    signal.removeEventListener('abort', abort);
    await thread.terminate();
    await written;
  }
}

export async function runAssemble(w: WorkerContext, job: ClaimedJob<ForecastJobPayload & { kind: 'assemble' }>): Promise<JobOutcome> {
  const name = job.payload.predictor;
  const predictor = await w.store.findPredictor(name);
  if (!predictor || !BEING_CREATED.includes(predictor.status)) return w.settle(job, 'the predictor is not being created', 'skip');
  const shards = await w.store.shards(name);
  if (shards.some((s) => s.status !== 'done' || !s.sums_json)) return w.settle(job, 'the predictor has shards still running', 'retry');
  const sums = shards.map((s) => JSON.parse(s.sums_json!) as PredictorSums).reduce((a, b) => mergePredictorSums(a, b));
  const finished = finishPredictor(sums);
  const byAlgorithm: PredictorResult['byAlgorithm'] = {};
  for (const [k, v] of Object.entries(finished.byAlgorithm)) byAlgorithm[k] = v.metrics;
  return { kind: 'assemble', predictor: name, result: { metrics: finished.metrics, windows: finished.windows, byAlgorithm, choices: finished.choices, items: sums.items } };
}

/** Records a shard's sums (the last one enqueues the assembly), or the assembled metrics. */
export async function recordPredictor(w: WorkerContext, outcome: PredictorOutcome): Promise<void> {
  if (outcome.kind === 'shard') {
    const done = await w.store.shardDone(outcome.predictor, outcome.shard, JSON.stringify(outcome.sums), outcome.items);
    const row = await w.store.predictor(outcome.predictor);
    if (done === Number(row.shards) && !outcome.assembled) {
      await w.store.updatePredictor(outcome.predictor, { stage: 'assembling' });
      await enqueueForecastJob(w.deps.queue, { kind: 'assemble', predictor: outcome.predictor });
      outcome.assembled = true;
    }
  } else {
    await w.store.endPredictor(outcome.predictor, 'Active', { result_json: JSON.stringify(outcome.result), failure_reason: null });
  }
}
