/**
 * The forecasting models by name. Each algorithm is one import and one entry here.
 */
import { arima } from './arima.js';
import { deepar } from './deepar.js';
import { ets } from './ets.js';
import { naive, seasonalNaive } from './naive.js';
import { npts } from './npts.js';
import { prophet } from './prophet.js';
import { theta } from './theta.js';
import type { ForecastAlgorithm, ForecastModel } from './types.js';

const MODELS: Partial<Record<ForecastAlgorithm, ForecastModel>> = {
  naive,
  'seasonal-naive': seasonalNaive,
  ets,
  theta,
  npts,
  arima,
  prophet,
  deepar,
};

/** The model for an algorithm name, or undefined when it is not built yet. */
export function forecastModel(name: ForecastAlgorithm): ForecastModel | undefined {
  return MODELS[name];
}

/** The algorithms that can be trained now. */
export function availableAlgorithms(): ForecastAlgorithm[] {
  return Object.keys(MODELS) as ForecastAlgorithm[];
}

export { FORECAST_ALGORITHMS } from './types.js';
export type { ForecastAlgorithm, ForecastContext, ForecastModel, GlobalModel, LocalModel, SeriesData, SeriesForecast, TrainedGlobalModel } from './types.js';
export { normalQuantile, gaussianQuantiles } from './distributions.js';
