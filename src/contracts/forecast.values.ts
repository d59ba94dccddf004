/**
 * Plain values of the forecast capability (Amazon Forecast's dataset groups, imports,
 * predictors and forecasts), with no schema library behind them: the CLI and the studio
 * read these at run time without loading TypeBox.
 */

/** Amazon Forecast's data frequencies, coarsest first. */
export const FORECAST_FREQUENCIES = ['Y', 'M', 'W', 'D', 'H', '30min', '15min', '10min', '5min', '1min'] as const;
export type ForecastFrequency = (typeof FORECAST_FREQUENCIES)[number];

/** Amazon Forecast's dataset domains (recorded on the group; every domain reads the same three columns here). */
export const FORECAST_DOMAINS = ['RETAIL', 'CUSTOM', 'INVENTORY_PLANNING', 'EC2_CAPACITY', 'WORK_FORCE', 'WEB_TRAFFIC', 'METRICS'] as const;
export type ForecastDomain = (typeof FORECAST_DOMAINS)[number];

/**
 * Resource statuses as Amazon Forecast's (`CREATE_PENDING`, `CREATE_IN_PROGRESS`, `ACTIVE`,
 * `CREATE_FAILED`, `CREATE_STOPPING`, `CREATE_STOPPED`), written as the API shows them.
 */
export const FORECAST_STATUSES = ['CreatePending', 'CreateInProgress', 'Active', 'CreateFailed', 'CreateStopping', 'CreateStopped'] as const;
export type ForecastStatus = (typeof FORECAST_STATUSES)[number];
/** Statuses a resource ends in. */
export const TERMINAL_FORECAST_STATUSES: readonly ForecastStatus[] = ['Active', 'CreateFailed', 'CreateStopped'];

/** `--algorithm` values: `auto` is the AutoPredictor, the others as Amazon Forecast names them. */
export const FORECAST_PREDICTOR_ALGORITHMS = ['auto', 'naive', 'seasonal-naive', 'ets', 'arima', 'theta', 'npts', 'prophet', 'deepar'] as const;
export type ForecastPredictorAlgorithm = (typeof FORECAST_PREDICTOR_ALGORITHMS)[number];

/** How missing target values are filled (Forecast's middle and back filling of the target). */
export const FORECAST_TARGET_FILLINGS = ['zero', 'nan', 'value'] as const;
/** How missing related values are filled (front, middle and back filling of related series). */
export const FORECAST_RELATED_FILLINGS = ['zero', 'median', 'mean', 'min', 'max', 'value', 'none'] as const;

/** Formats `forecast export` writes. */
export const FORECAST_EXPORT_FORMATS = ['csv', 'parquet'] as const;

/** Limits a request is held to. */
export const FORECAST_LIMITS = {
  /** Backtest windows, as Forecast allows. */
  maxBacktestWindows: 5,
  /** Horizon in grid steps: a third of the history at most, and never past this. */
  maxHorizon: 1000,
  /** Quantile levels per predictor. */
  maxQuantiles: 20,
  /** Shards a predictor's items are split into, at most. */
  maxShards: 64,
} as const;

/** Default quantiles, as Forecast's: p10, p50, p90. */
export const FORECAST_DEFAULT_QUANTILES = [0.1, 0.5, 0.9] as const;
