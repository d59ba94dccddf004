/**
 * Amazon Forecast's workflow: dataset groups, imports of dataset versions (validated,
 * stored as series blocks), predictors trained by shard jobs with backtests, forecasts
 * written as dataset versions, QueryForecast and exports. The models are in `models/`.
 * Other capabilities import only from here.
 */
export { ForecastService, FORECAST_KIND } from './service.js';
export type { ForecastDeps } from './service.js';
export { forecastJobHandler } from './worker.js';
export type { ForecastWorkerDeps } from './worker.js';
export type { Forecast, ForecastGroup, ForecastImport, ForecastPredictor } from './types.js';
