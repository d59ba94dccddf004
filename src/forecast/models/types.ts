/**
 * The forecasting models' one interface. A model sees one series at a time (local
 * models: naive, ETS, ARIMA, Theta, NPTS, Prophet-style) or all of them (global models:
 * DeepAR); either way it answers a mean and the requested quantiles over the horizon.
 * Kernels here are pure: no storage, no jobs, no I/O.
 */

/** One series as a model sees it. */
export interface SeriesData {
  item: string;
  /** Observed target, oldest first, on the group's regular grid; NaN marks a missing value. */
  y: Float64Array;
  /** Epoch milliseconds of every grid point of the history and the horizon (length y.length + horizon). */
  times: Float64Array;
  /** Related time series (covariates), each of length y.length + horizon, already filled. */
  related?: Float64Array[];
  /** Item metadata as category indices (one per metadata attribute), for global models. */
  cat?: number[];
}

/** What a model is asked for. */
export interface ForecastContext {
  horizon: number;
  /** Quantile levels in (0, 1), ascending, e.g. [0.1, 0.5, 0.9]. */
  quantiles: number[];
  /** The main season length in grid steps (7 for daily, 12 for monthly, 24 for hourly, 1 for none). */
  season: number;
  /** Every seasonal period worth modelling, in grid steps (daily data: [7, 365.25]). */
  seasons: number[];
  /** The grid step in milliseconds (an average for months and years). */
  stepMs: number;
  /** Forbid negative forecasts (counts, sales): quantiles and mean are clipped at 0. */
  nonNegative?: boolean;
  /** Seed for anything sampled, so a predictor trained twice answers the same. */
  seed?: number;
}

/** A model's answer for one series. */
export interface SeriesForecast {
  mean: Float64Array;
  /** One array per ctx.quantiles entry, same order, each of length horizon. */
  quantiles: Float64Array[];
  /** What the model chose (e.g. `ETS(A,Ad,M)`, `ARIMA(1,1,1)(0,1,1)[7]`), shown on the predictor page. */
  spec?: string;
}

/** A model fitted and forecast per series. */
export interface LocalModel {
  kind: 'local';
  name: ForecastAlgorithm;
  forecast(series: SeriesData, ctx: ForecastContext): SeriesForecast;
}

/** A model trained across all series, then asked per series. */
export interface GlobalModel {
  kind: 'global';
  name: ForecastAlgorithm;
  train(series: SeriesData[], ctx: ForecastContext, onProgress?: (p: { epoch: number; epochs: number; loss: number }) => void): Promise<TrainedGlobalModel>;
}

export interface TrainedGlobalModel {
  forecast(series: SeriesData, ctx: ForecastContext): SeriesForecast;
  /** A serialisable form, kept as the predictor's artifact. */
  save(): Uint8Array;
}

export type ForecastModel = LocalModel | GlobalModel;

/** Algorithm names as Amazon Forecast's and the CLI's `--algorithm` use them (`auto` is the AutoPredictor). */
export const FORECAST_ALGORITHMS = ['naive', 'seasonal-naive', 'ets', 'arima', 'theta', 'npts', 'prophet', 'deepar'] as const;
export type ForecastAlgorithm = (typeof FORECAST_ALGORITHMS)[number];
