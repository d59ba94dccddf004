/**
 * DeepAR+ (Amazon Forecast's name for it): the global model over all series of a dataset
 * group, the same network as the `deepar` built-in training algorithm
 * (src/algorithms/deepar): item metadata become category embeddings, related series
 * dynamic features, and forecasts are quantiles of 100 sample paths.
 */
import { openDeepArNetwork, trainDeepArNetwork, type DeepArArtifact, type DeepArNetwork, type DeepArSeries } from '../../algorithms/index.js';
import { OrchardError } from '../../core/errors.js';
import type { ForecastContext, GlobalModel, SeriesData, SeriesForecast, TrainedGlobalModel } from './types.js';

const DAY = 86_400_000;
const NUM_SAMPLES = 100;

/** Options a predictor may set; SageMaker's DeepAR names, as strings or numbers. */
export type DeepArPlusOptions = Record<string, string | number>;

/** DeepAR's `time_freq` for a grid step (months and years are averages). */
export function timeFreqOf(stepMs: number): string {
  if (stepMs >= 27 * DAY) return 'M';
  if (stepMs === 7 * DAY) return 'W';
  if (stepMs % DAY === 0) return stepMs === DAY ? 'D' : `${stepMs / DAY}D`;
  if (stepMs % 3_600_000 === 0) return stepMs === 3_600_000 ? 'H' : `${stepMs / 3_600_000}H`;
  if (stepMs % 60_000 === 0) return stepMs === 60_000 ? 'min' : `${stepMs / 60_000}min`;
  throw new OrchardError('ORCH_TRAINING_DATA_INVALID', { message: `DeepAR+ has no time frequency for a ${stepMs} ms grid step` });
}

function toSeries(s: SeriesData, horizon: number, withHorizon: boolean): DeepArSeries {
  const need = s.y.length + (withHorizon ? horizon : 0);
  return { target: s.y, startMs: s.times[0], cat: s.cat ?? [], dynamic: (s.related ?? []).map((r) => (r.length >= need ? r : padTo(r, need))) };
}

function padTo(a: Float64Array, n: number): Float64Array {
  const out = new Float64Array(n);
  out.set(a.subarray(0, n));
  return out;
}

function trained(network: DeepArNetwork): TrainedGlobalModel {
  return {
    forecast(series: SeriesData, ctx: ForecastContext): SeriesForecast {
      if (ctx.horizon !== network.predictionLength) {
        throw new OrchardError('ORCH_TRAINING_INVALID', { message: `This DeepAR+ model forecasts ${network.predictionLength} steps; ${ctx.horizon} were asked for` });
      }
      // Sampling is seeded per item, so a forecast made twice is the same.
      let h = ctx.seed ?? 0;
      for (let i = 0; i < series.item.length; i++) h = (Math.imul(h, 31) + series.item.charCodeAt(i)) | 0;
      const f = network.forecast(toSeries(series, ctx.horizon, true), ctx.quantiles, NUM_SAMPLES, h >>> 0);
      if (ctx.nonNegative) {
        for (const a of [f.mean, ...f.quantiles]) for (let i = 0; i < a.length; i++) a[i] = Math.max(0, a[i]);
      }
      return { mean: f.mean, quantiles: f.quantiles, spec: `DeepAR+(${network.contextLength}→${network.predictionLength})` };
    },
    save: () => new TextEncoder().encode(JSON.stringify(network.artifact())),
  };
}

/**
 * A DeepAR+ model with `options` over Forecast's defaults here: context of two horizons
 * (at least two seasons), 10 epochs, a learning rate of 3e-3 and batches of 32 (many
 * short steps train better in a few epochs than 128-window batches do).
 */
export function deeparPlus(options: DeepArPlusOptions = {}): GlobalModel {
  return {
    kind: 'global',
    name: 'deepar',
    async train(series, ctx, onProgress) {
      const hp: DeepArPlusOptions = {
        context_length: Math.max(2 * ctx.horizon, 2 * Math.round(ctx.season)),
        prediction_length: ctx.horizon,
        time_freq: timeFreqOf(ctx.stepMs),
        epochs: 10,
        learning_rate: 0.003,
        mini_batch_size: 32,
        ...options,
      };
      const network = await trainDeepArNetwork(
        series.map((s) => toSeries(s, ctx.horizon, false)),
        hp,
        { seed: ctx.seed ?? 0, onEpoch: (epoch, epochs, loss) => onProgress?.({ epoch, epochs, loss }) },
      );
      return trained(network);
    },
  };
}

/** Reopens what `TrainedGlobalModel.save` wrote. */
export function loadDeepArPlus(bytes: Uint8Array): TrainedGlobalModel {
  let artifact: DeepArArtifact;
  try {
    artifact = JSON.parse(new TextDecoder().decode(bytes)) as DeepArArtifact;
  } catch (cause) {
    throw new OrchardError('ORCH_MODEL_INVALID', { message: 'The DeepAR+ artifact is not JSON', cause });
  }
  return trained(openDeepArNetwork(artifact));
}

export const deepar: GlobalModel = deeparPlus();
