/**
 * The DeepAR network for other capabilities (the forecast capability's global model):
 * train on in-memory series with SageMaker's hyperparameter names, save, reopen, and
 * forecast a series as a mean and quantiles. The same network, file and sampling as the
 * `deepar` training algorithm.
 */
import { resolveHyperparameters, type HyperparameterInput } from '../hyperparameters.js';
import { DEEPAR_HYPERPARAMETERS, deeparOptions } from './hyperparameters.js';
import { forecastSeries, sampleMean, sampleQuantiles } from './forecasting.js';
import { fromArtifact, toArtifact, type DeepArArtifact } from './deepar-model.js';
import type { SeriesInput } from './network.js';
import { fitDeepAr } from './train-loop.js';

export type { SeriesInput as DeepArSeries } from './network.js';
export type { DeepArArtifact } from './deepar-model.js';

export interface DeepArNetwork {
  readonly predictionLength: number;
  readonly contextLength: number;
  /** Mean and the `levels` quantiles over the prediction range after the series' last value. */
  forecast(series: SeriesInput, levels: number[], numSamples: number, seed: number): { mean: Float64Array; quantiles: Float64Array[] };
  /** The same model file a `deepar` training job writes (model.json). */
  artifact(): DeepArArtifact;
}

function open(artifact: DeepArArtifact): DeepArNetwork {
  const { net, params } = fromArtifact(artifact);
  return {
    predictionLength: net.cfg.predictionLength,
    contextLength: net.cfg.contextLength,
    forecast(series, levels, numSamples, seed) {
      const f = forecastSeries(net, params, series, numSamples, seed);
      return { mean: sampleMean(f), quantiles: sampleQuantiles(f, levels) };
    },
    artifact: () => artifact,
  };
}

/**
 * Trains the network on `series` with SageMaker DeepAR hyperparameters (strings or
 * numbers; `context_length`, `prediction_length`, `time_freq`, `epochs` required).
 * Throws `ORCH_HYPERPARAMETER_*` or `ORCH_TRAINING_DATA_INVALID` for bad input.
 */
export async function trainDeepArNetwork(
  series: SeriesInput[],
  hyperparameters: Record<string, HyperparameterInput>,
  hooks: { seed: number; signal?: AbortSignal; log?(line: string): void; onEpoch?(epoch: number, epochs: number, loss: number): void },
): Promise<DeepArNetwork> {
  const hp = resolveHyperparameters(DEEPAR_HYPERPARAMETERS, hyperparameters);
  const o = deeparOptions(hp);
  const fit = await fitDeepAr(series, o, { seed: hooks.seed, signal: hooks.signal, log: hooks.log, onEpoch: (e, loss) => hooks.onEpoch?.(e, o.epochs, loss) });
  return open(toArtifact(fit.net, fit.params, hp, hooks.seed, fit.losses, {}));
}

/** Reopens a saved network (checked as a model file is). */
export function openDeepArNetwork(artifact: DeepArArtifact): DeepArNetwork {
  return open(artifact);
}
