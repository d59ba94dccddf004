/** The wire shapes of the forecast capability are declared once, in the contracts. */
export type {
  CreateForecastGroupInput,
  CreateForecastImportInput,
  CreateForecastInput,
  CreateForecastPredictorInput,
  Forecast,
  ForecastExportRequest,
  ForecastExportResult,
  ForecastFilling,
  ForecastFilter,
  ForecastFrequency,
  ForecastGroup,
  ForecastGroupFilter,
  ForecastImport,
  ForecastImportFilter,
  ForecastImportSummary,
  ForecastItemMetrics,
  ForecastMetrics,
  ForecastPredictor,
  ForecastPredictorFilter,
  ForecastQueryResult,
  ForecastStatus,
} from '../contracts/index.js';

/** `forecast_groups` (migration 0018). */
export interface ForecastGroupsTable {
  name: string;
  frequency: string;
  domain: string;
  latest_import: string | null;
  created_by: string | null;
  created_at: string;
  updated_at: string;
}

/**
 * `forecast_imports`: one row per import accepted by a request; its job validates and stores
 * the series, then makes it Active (and the group's latest) or CreateFailed.
 */
export interface ForecastImportsTable {
  name: string;
  grp: string;
  status: string;
  /** `{dataset, id, rows}` of each dataset version read. */
  target_json: string;
  related_json: string | null;
  metadata_json: string | null;
  map_json: string;
  filling_json: string;
  summary_json: string | null;
  /** Artifact prefix of the stored series (`forecast/<group>/imports/<id>/`). */
  data_key: string;
  seconds: number | string | null;
  failure_reason: string | null;
  /** A refused import's `{code, details}` (migration 0021), so a waiting client gets the error a request would have answered. */
  failure_json: string | null;
  created_by: string | null;
  created_at: string;
  updated_at: string;
}

/** `forecast_predictors`. */
export interface ForecastPredictorsTable {
  name: string;
  grp: string;
  import_id: string;
  algorithm: string;
  /** {@link PredictorSettings}. */
  config_json: string;
  shards: number | string;
  status: string;
  stage: string | null;
  /** {@link PredictorResult} once Active. */
  result_json: string | null;
  failure_reason: string | null;
  created_by: string | null;
  created_at: string;
  started_at: string | null;
  ended_at: string | null;
  updated_at: string;
}

/** `forecast_predictor_shards`: one row per shard job. */
export interface ForecastShardsTable {
  predictor: string;
  shard: number | string;
  /** `pending`, `running`, `done`. */
  status: string;
  item_from: string;
  item_to: string;
  items_total: number | string;
  items_done: number | string;
  detail: string | null;
  /** The shard's merged `PredictorSums` once done. */
  sums_json: string | null;
  updated_at: string;
}

/** `forecast_forecasts`. */
export interface ForecastForecastsTable {
  name: string;
  predictor: string;
  grp: string;
  status: string;
  dataset_name: string;
  /** `NAME@VERSION` once written. */
  dataset: string | null;
  items: number | string | null;
  stage: string | null;
  percent: number | string;
  failure_reason: string | null;
  created_by: string | null;
  created_at: string;
  started_at: string | null;
  ended_at: string | null;
  updated_at: string;
}

/** `forecast_forecast_shards` (migration 0021): one row per shard job of a forecast (the predictor's shards). */
export interface ForecastForecastShardsTable {
  forecast: string;
  shard: number | string;
  /** `pending`, `running`, `done`. */
  status: string;
  items_total: number | string;
  items_done: number | string;
  updated_at: string;
}

export interface ForecastDatabase {
  forecast_groups: ForecastGroupsTable;
  forecast_imports: ForecastImportsTable;
  forecast_predictors: ForecastPredictorsTable;
  forecast_predictor_shards: ForecastShardsTable;
  forecast_forecasts: ForecastForecastsTable;
  forecast_forecast_shards: ForecastForecastShardsTable;
}

/** What a predictor was asked for, resolved (stored as `config_json`). */
export interface PredictorSettings {
  algorithms: string[];
  horizon: number;
  backtestWindows: number;
  backtestOffset: number;
  quantiles: number[];
  optimizationMetric: 'averageWQL' | 'WAPE' | 'RMSE' | 'MAPE' | 'MASE';
  likelihood: string;
  nonNegative: boolean;
}

/** A finished predictor's metrics (stored as `result_json`). */
export interface PredictorResult {
  metrics: import('../contracts/index.js').ForecastMetrics;
  windows: import('../contracts/index.js').ForecastMetrics[];
  byAlgorithm: Record<string, import('../contracts/index.js').ForecastMetrics>;
  choices: Record<string, number>;
  items: number;
}

/** Queue payloads. */
export type ForecastJobPayload =
  | { kind: 'import'; import: string }
  /** A predictor with a global model (DeepAR+): trains it once for the backtests and once on the whole history, before its shards. */
  | { kind: 'train'; predictor: string }
  | { kind: 'shard'; predictor: string; shard: number }
  | { kind: 'assemble'; predictor: string }
  | { kind: 'forecast-shard'; forecast: string; shard: number }
  | { kind: 'forecast-assemble'; forecast: string }
  /** Enqueued before forecasts were sharded: the handler fans it out into shard jobs. */
  | { kind: 'forecast'; forecast: string };
