/**
 * The `train` job of a predictor with a global model (DeepAR+, `models/deepar.ts`). As
 * Amazon Forecast does, the model is trained twice: on every item's history before its
 * first backtest window (the backtests' model, so no window's actuals were seen in
 * training), and on the whole history (the forecasts' model). Both are stored beside the
 * predictor; `record` then enqueues the shards, which evaluate and forecast with them as
 * a {@link GlobalCandidate} beside the local models. Training holds every item's series
 * in memory at once (a global model learns from all of them).
 */
import { buffer } from 'node:stream/consumers';
import { Worker } from 'node:worker_threads';
import type { AttemptContext, ClaimedJob } from '../jobs/index.js';
import { blockKey, decodeBlock } from './blocks.js';
import { enqueueForecastJob, globalModelKey } from './jobs.js';
import { forecastModel, type ForecastAlgorithm, type SeriesData } from './models/index.js';
import { loadDeepArPlus } from './models/deepar.js';
import { backtestCutoffs, contextFor, minHistory, windowSeries, type GlobalCandidate } from './models/predictor.js';
import { predictorContext } from './predictor-jobs.js';
import { seriesOf } from './series.js';
import type { TrainThreadInput, TrainThreadMessage } from './train-thread.js';
import type { ForecastJobPayload, ForecastPredictorsTable, PredictorSettings } from './types.js';
import type { JobOutcome, WorkerContext } from './worker-context.js';

export type TrainOutcome = { kind: 'train'; predictor: string; shards: number; completed?: boolean };

const BEING_CREATED = ['CreatePending', 'CreateInProgress'];

const globalAlgorithms = (settings: PredictorSettings) => settings.algorithms.filter((a) => forecastModel(a as ForecastAlgorithm)?.kind === 'global');

export async function runTrain(w: WorkerContext, job: ClaimedJob<ForecastJobPayload & { kind: 'train' }>, ctx: AttemptContext): Promise<JobOutcome> {
  const name = job.payload.predictor;
  const predictor = await w.store.findPredictor(name);
  if (!predictor || !BEING_CREATED.includes(predictor.status)) return w.settle(job, 'the predictor is not being created', 'skip');
  await w.store.updatePredictor(name, { status: 'CreateInProgress', started_at: predictor.started_at ?? new Date().toISOString(), stage: 'training' });
  try {
    const c = await predictorContext(w, predictor);
    const full: SeriesData[] = [];
    const before: SeriesData[] = [];
    for (let b = 0; b < c.index.blocks; b++) {
      const block = decodeBlock(await buffer(await w.deps.artifacts.get(blockKey(c.imp.data_key, b))));
      for (const it of block.header.items) {
        const series = seriesOf(block, it, { frequency: c.frequency, anchorMs: c.index.anchorMs, horizon: c.config.horizon, filling: c.filling });
        full.push(series);
        const first = backtestCutoffs(series.y.length, c.config)[0];
        if (first >= minHistory(c.config)) before.push(windowSeries(series, first, c.config.horizon));
      }
    }
    const trainCtx = { ...contextFor(c.config, ''), seed: c.config.seed };
    for (const algorithm of globalAlgorithms(c.settings)) {
      for (const [which, data] of [['backtest', before.length > 0 ? before : full], ['full', full]] as const) {
        const bytes = await trainInThread({ algorithm, series: data, ctx: trainCtx }, ctx.signal, (p) => {
          void w.store.updatePredictor(name, { stage: `training ${algorithm} (${which === 'backtest' ? 'before the backtest windows' : 'whole history'}): epoch ${p.epoch} of ${p.epochs}` }).catch(() => undefined);
        });
        if (ctx.signal.aborted) return await w.settle(job, 'aborted', 'retry', { signal: ctx.signal });
        await w.deps.artifacts.put(globalModelKey(predictor.grp, name, algorithm, which), Buffer.from(bytes));
      }
    }
    return { kind: 'train', predictor: name, shards: Number(predictor.shards) };
  } catch (err) {
    return await w.settle(job, (err as Error)?.message ?? String(err), 'retry', { signal: ctx.signal });
  }
}

/** Trains in a worker thread (`train-thread.ts`), so this process's event loop stays free; an abort ends the thread. */
function trainInThread(input: TrainThreadInput, signal: AbortSignal, onProgress: (p: { epoch: number; epochs: number }) => void): Promise<Uint8Array> {
  return new Promise((resolve, reject) => {
    const thread = new Worker(new URL('./train-thread.js', import.meta.url), { workerData: input });
    let result: Uint8Array | undefined;
    const abort = () => void thread.terminate();
    signal.addEventListener('abort', abort, { once: true });
    thread.on('message', (m: TrainThreadMessage) => {
      if (m.type === 'progress') onProgress(m);
      else result = m.bytes;
    });
    thread.on('error', reject);
    thread.on('exit', (code) => {
      signal.removeEventListener('abort', abort);
      if (result) resolve(result);
      else reject(new Error(signal.aborted ? 'training stopped' : `the training thread ended (code ${code}) without a model`));
    });
  });
}

/** The models are stored: the shards may run. */
export async function recordTrain(w: WorkerContext, outcome: TrainOutcome): Promise<void> {
  const moved = await w.store.updatePredictor(outcome.predictor, { stage: 'backtesting' });
  if (!moved) return;
  for (let shard = 0; shard < outcome.shards; shard++) await enqueueForecastJob(w.deps.queue, { kind: 'shard', predictor: outcome.predictor, shard });
}

/** The predictor's trained global models as candidates for `evaluateItem` and `forecastItem`; undefined without any. */
export async function globalCandidates(w: WorkerContext, predictor: ForecastPredictorsTable, settings: PredictorSettings): Promise<Record<string, GlobalCandidate> | undefined> {
  const names = globalAlgorithms(settings);
  if (names.length === 0) return undefined;
  const out: Record<string, GlobalCandidate> = {};
  for (const algorithm of names) {
    const load = async (which: 'backtest' | 'full') => loadDeepArPlus(new Uint8Array(await buffer(await w.deps.artifacts.get(globalModelKey(predictor.grp, predictor.name, algorithm, which)))));
    const [backtest, full] = [await load('backtest'), await load('full')];
    out[algorithm] = { backtest: (series, _window, ctx) => backtest.forecast(series, ctx), forecast: (series, ctx) => full.forecast(series, ctx) };
  }
  return out;
}
