/**
 * Amazon Forecast's workflow: dataset groups (a frequency and a domain), imports of
 * Orchard dataset versions into a group (target, related and item metadata), predictors
 * trained with backtests, and forecasts written as datasets.
 */
import { Type, type Static } from '@sinclair/typebox';
import {
  FORECAST_DOMAINS,
  FORECAST_EXPORT_FORMATS,
  FORECAST_FREQUENCIES,
  FORECAST_LIMITS,
  FORECAST_PREDICTOR_ALGORITHMS,
  FORECAST_STATUSES,
} from './forecast.values.js';
import { Nullable, NumberRecord, PageQuery, StringEnum, Strict, Timestamp } from './common.contract.js';

export {
  FORECAST_DEFAULT_QUANTILES,
  FORECAST_DOMAINS,
  FORECAST_EXPORT_FORMATS,
  FORECAST_FREQUENCIES,
  FORECAST_LIMITS,
  FORECAST_PREDICTOR_ALGORITHMS,
  FORECAST_RELATED_FILLINGS,
  FORECAST_STATUSES,
  FORECAST_TARGET_FILLINGS,
  TERMINAL_FORECAST_STATUSES,
} from './forecast.values.js';

/** A group's, predictor's or forecast's name: a letter, then letters, digits, `_` and `-` (it may name the forecast's dataset). */
export const ForecastName = Type.String({ minLength: 1, maxLength: 63, pattern: '^[A-Za-z][A-Za-z0-9_-]*$' });
/** An import's id: `fi-` and time-ordered letters and digits. */
export const ForecastImportId = Type.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9][A-Za-z0-9-]*$' });

export const ForecastFrequency = StringEnum(FORECAST_FREQUENCIES);
export type ForecastFrequency = Static<typeof ForecastFrequency>;
export const ForecastDomain = StringEnum(FORECAST_DOMAINS);
export type ForecastDomain = Static<typeof ForecastDomain>;
export const ForecastStatus = StringEnum(FORECAST_STATUSES);
export type ForecastStatus = Static<typeof ForecastStatus>;
export const ForecastPredictorAlgorithm = StringEnum(FORECAST_PREDICTOR_ALGORITHMS);
export type ForecastPredictorAlgorithm = Static<typeof ForecastPredictorAlgorithm>;

const Times = {
  createdBy: Nullable(Type.String()),
  createdAt: Timestamp,
  updatedAt: Timestamp,
};
const JobTimes = { ...Times, startedAt: Nullable(Timestamp), endedAt: Nullable(Timestamp) };

// ---- dataset groups ------------------------------------------------------------------

export const CreateForecastGroupRequest = Strict({
  name: ForecastName,
  frequency: ForecastFrequency,
  /** @default 'CUSTOM' */
  domain: Type.Optional(ForecastDomain),
});
export type CreateForecastGroupRequest = Static<typeof CreateForecastGroupRequest>;
export type CreateForecastGroupInput = CreateForecastGroupRequest & { createdBy?: string };

export const ForecastGroupFilter = Strict({ ...PageQuery });
export type ForecastGroupFilter = Static<typeof ForecastGroupFilter>;

export const ForecastGroup = Type.Object({
  name: Type.String(),
  frequency: ForecastFrequency,
  domain: ForecastDomain,
  /** The season lengths the models use for this frequency, in grid steps (daily: [7, 365.25]). */
  seasons: Type.Array(Type.Number()),
  /** The newest import, which new predictors train on; null before the first. */
  latestImport: Nullable(Type.String()),
  ...Times,
});
export type ForecastGroup = Static<typeof ForecastGroup>;

// ---- imports --------------------------------------------------------------------------

/** Column names in the target dataset, as Forecast's schema maps them. */
export const ForecastColumnMap = Strict({
  item_id: Type.Optional(Type.String({ minLength: 1, maxLength: 256 })),
  timestamp: Type.Optional(Type.String({ minLength: 1, maxLength: 256 })),
  target_value: Type.Optional(Type.String({ minLength: 1, maxLength: 256 })),
});
export type ForecastColumnMap = Static<typeof ForecastColumnMap>;

/** A filling method: `zero`, `nan`, `median`, `mean`, `min`, `max`, `none` or `value:<number>`. */
const Filling = Type.String({ minLength: 1, maxLength: 40, pattern: '^(zero|nan|median|mean|min|max|none|value:-?[0-9.eE+-]+)$' });

/** Forecast's missing-value filling: the target's middle and back filling, the related series' front, middle, back and future filling. */
export const ForecastFilling = Strict({
  /** Target gaps: `zero`, `nan` or `value:<n>`. @default 'zero' */
  target: Type.Optional(Filling),
  /** Related values before an item's first related row. @default 'none' (left missing: the models see 0) */
  frontfill: Type.Optional(Filling),
  /** Related gaps inside an item's rows. @default 'zero' */
  middlefill: Type.Optional(Filling),
  /** Related values after the item's last related row (into the horizon, Forecast's future filling). @default 'none' (refused when a horizon needs them) */
  backfill: Type.Optional(Filling),
});
export type ForecastFilling = Static<typeof ForecastFilling>;

export const CreateForecastImportRequest = Strict({
  group: ForecastName,
  /** The target time series: a dataset ref (`sales` = latest, `sales@3`). */
  target: Type.String({ minLength: 1, maxLength: 200 }),
  /** Related time series (prices, promotions): `item_id`, `timestamp` and numeric columns. */
  related: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
  /** Item metadata: `item_id` and categorical columns. */
  metadata: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
  map: Type.Optional(ForecastColumnMap),
  filling: Type.Optional(ForecastFilling),
});
export type CreateForecastImportRequest = Static<typeof CreateForecastImportRequest>;
export type CreateForecastImportInput = CreateForecastImportRequest & { createdBy?: string };

export const ForecastImportFilter = Strict({ group: Type.Optional(ForecastName), ...PageQuery });
export type ForecastImportFilter = Static<typeof ForecastImportFilter>;

const DatasetUsed = Type.Object({ dataset: Type.String({ description: 'NAME@VERSION' }), id: Type.String({ description: 'the version id (never reused)' }), rows: Type.Integer() });

export const ForecastImportSummary = Type.Object({
  items: Type.Integer(),
  /** Target rows read. */
  rows: Type.Integer(),
  /** Grid points over all items' spans, observed or filled. */
  points: Type.Integer(),
  /** Grid points filled by `filling.target`. */
  filled: Type.Integer(),
  start: Timestamp,
  end: Timestamp,
  /** Shortest and longest item history, in grid steps. */
  minLength: Type.Integer(),
  maxLength: Type.Integer(),
  /** Extra columns of the target dataset (dimensions such as `store_id`), kept out of the series key. */
  dimensions: Type.Array(Type.String()),
  /** Related series' value columns. */
  relatedColumns: Type.Array(Type.String()),
  /** Grid steps related series reach past each item's last target point: the fewest over items, and the items that reach least. */
  relatedCover: Nullable(Type.Object({ min: Type.Integer(), shortest: Type.Array(Type.Object({ item: Type.String(), steps: Type.Integer(), lastTimestamp: Timestamp })) })),
  metadataColumns: Type.Array(Type.String()),
  /** Items with negative targets (the first few with a row each), which a count likelihood refuses. */
  negative: Type.Object({ items: Type.Integer(), examples: Type.Array(Type.Object({ item: Type.String(), row: Type.Integer(), value: Type.Number() })) }),
});
export type ForecastImportSummary = Static<typeof ForecastImportSummary>;

export const ForecastImport = Type.Object({
  id: Type.String(),
  group: Type.String(),
  status: ForecastStatus,
  target: DatasetUsed,
  related: Nullable(DatasetUsed),
  metadata: Nullable(DatasetUsed),
  map: Type.Object({ item_id: Type.String(), timestamp: Type.String(), target_value: Type.String() }),
  filling: Type.Object({ target: Type.String(), frontfill: Type.String(), middlefill: Type.String(), backfill: Type.String() }),
  summary: Nullable(ForecastImportSummary),
  /** Seconds the import took. */
  seconds: Nullable(Type.Number()),
  failureReason: Nullable(Type.String()),
  /** A CreateFailed import's refusal: the code, message and details a request checking the data at once would have answered. */
  error: Nullable(Type.Object({ code: Type.String(), message: Type.String(), details: Type.Optional(Type.Record(Type.String(), Type.Unknown())) })),
  ...Times,
});
export type ForecastImport = Static<typeof ForecastImport>;

// ---- predictors -----------------------------------------------------------------------

export const CreateForecastPredictorRequest = Strict({
  name: ForecastName,
  group: ForecastName,
  algorithm: ForecastPredictorAlgorithm,
  /** Grid steps to forecast. */
  horizon: Type.Integer({ minimum: 1, maximum: FORECAST_LIMITS.maxHorizon }),
  /** @default 1 */
  backtestWindows: Type.Optional(Type.Integer({ minimum: 1, maximum: FORECAST_LIMITS.maxBacktestWindows })),
  /** Steps between the end of the data and the last window's cutoff. @default horizon */
  backtestOffset: Type.Optional(Type.Integer({ minimum: 1, maximum: FORECAST_LIMITS.maxHorizon })),
  /** Quantile levels in 0.01–0.99. @default [0.1, 0.5, 0.9] */
  quantiles: Type.Optional(Type.Array(Type.Number({ minimum: 0.01, maximum: 0.99 }), { minItems: 1, maxItems: FORECAST_LIMITS.maxQuantiles })),
  /** `auto` only: the candidates (default: every local algorithm available). */
  candidates: Type.Optional(Type.Array(StringEnum(FORECAST_PREDICTOR_ALGORITHMS), { minItems: 1, maxItems: 10 })),
  /** The metric the AutoPredictor chooses by. @default 'averageWQL' */
  optimizationMetric: Type.Optional(StringEnum(['averageWQL', 'WAPE', 'RMSE', 'MAPE', 'MASE'] as const)),
  /** A count likelihood (`negative-binomial`) refuses negative targets. @default 'student-t' */
  likelihood: Type.Optional(StringEnum(['student-t', 'gaussian', 'negative-binomial'] as const)),
  /** Shard jobs the items are split into. @default from the item count (about 2,000 items a shard, at least 2) */
  shards: Type.Optional(Type.Integer({ minimum: 1, maximum: FORECAST_LIMITS.maxShards })),
});
export type CreateForecastPredictorRequest = Static<typeof CreateForecastPredictorRequest>;
export type CreateForecastPredictorInput = CreateForecastPredictorRequest & { createdBy?: string };

export const ForecastPredictorFilter = Strict({ group: Type.Optional(ForecastName), status: Type.Optional(ForecastStatus), ...PageQuery });
export type ForecastPredictorFilter = Static<typeof ForecastPredictorFilter>;

/** Forecast's accuracy metrics; null where undefined (all-zero actuals, say). */
export const ForecastMetrics = Type.Object({
  averageWQL: Nullable(Type.Number()),
  /** Keyed by the level: `"0.1"`, `"0.5"`, `"0.9"`. */
  wQL: Type.Record(Type.String(), Nullable(Type.Number())),
  WAPE: Nullable(Type.Number()),
  RMSE: Nullable(Type.Number()),
  MAPE: Nullable(Type.Number()),
  MASE: Nullable(Type.Number()),
});
export type ForecastMetrics = Static<typeof ForecastMetrics>;

export const ForecastPredictorProgress = Type.Object({
  stage: Nullable(Type.String()),
  percent: Type.Integer(),
  shards: Type.Object({ total: Type.Integer(), done: Type.Integer() }),
  items: Type.Object({ total: Type.Integer(), done: Type.Integer() }),
  /** What shards are on now (an algorithm, a window), as they last said. */
  detail: Type.Array(Type.String()),
});
export type ForecastPredictorProgress = Static<typeof ForecastPredictorProgress>;

export const ForecastPredictor = Type.Object({
  name: Type.String(),
  group: Type.String(),
  /** The import trained on, and the dataset versions it read. */
  import: Type.Object({ id: Type.String(), target: Type.String(), related: Nullable(Type.String()), metadata: Nullable(Type.String()) }),
  algorithm: ForecastPredictorAlgorithm,
  /** The algorithms run (auto: the candidates). */
  algorithms: Type.Array(Type.String()),
  horizon: Type.Integer(),
  backtestWindows: Type.Integer(),
  backtestOffset: Type.Integer(),
  quantiles: Type.Array(Type.Number()),
  optimizationMetric: Type.String(),
  likelihood: Type.String(),
  shards: Type.Integer(),
  status: ForecastStatus,
  progress: ForecastPredictorProgress,
  /** Average over backtest windows and items (null until Active). */
  metrics: Nullable(ForecastMetrics),
  /** Per backtest window (oldest first). */
  windowMetrics: Nullable(Type.Array(ForecastMetrics)),
  /** Per algorithm, for the AutoPredictor's candidates. */
  algorithmMetrics: Nullable(Type.Record(Type.String(), ForecastMetrics)),
  /** The AutoPredictor's choice: items per algorithm (or `ensemble`). */
  choices: Nullable(NumberRecord),
  failureReason: Nullable(Type.String()),
  ...JobTimes,
});
export type ForecastPredictor = Static<typeof ForecastPredictor>;

/** One item's backtest metrics, as `predictors metrics --per-item` exports them. */
export const ForecastItemMetrics = Type.Object({ item: Type.String(), choice: Type.String(), metrics: ForecastMetrics });
export type ForecastItemMetrics = Static<typeof ForecastItemMetrics>;

export const ForecastPredictorMetricsExport = Strict({
  /** An artifact key the CSV is written to (user-writable prefix). */
  to: Type.String({ minLength: 1, maxLength: 1024 }),
});
export type ForecastPredictorMetricsExport = Static<typeof ForecastPredictorMetricsExport>;

// ---- forecasts ------------------------------------------------------------------------

export const CreateForecastRequest = Strict({
  name: ForecastName,
  predictor: ForecastName,
  /** The dataset the forecasts are written to (its next version). @default the forecast's name */
  dataset: Type.Optional(Type.String({ minLength: 1, maxLength: 128, pattern: '^[A-Za-z][A-Za-z0-9_-]*$' })),
});
export type CreateForecastRequest = Static<typeof CreateForecastRequest>;
export type CreateForecastInput = CreateForecastRequest & { createdBy?: string };

export const ForecastFilter = Strict({ predictor: Type.Optional(ForecastName), status: Type.Optional(ForecastStatus), ...PageQuery });
export type ForecastFilter = Static<typeof ForecastFilter>;

export const Forecast = Type.Object({
  name: Type.String(),
  predictor: Type.String(),
  group: Type.String(),
  status: ForecastStatus,
  /** `NAME@VERSION` once Active. */
  dataset: Nullable(Type.String()),
  /** Columns per forecast type: `p10`, `p50`, `p90`, `mean`. */
  forecastTypes: Type.Array(Type.String()),
  horizon: Type.Integer(),
  items: Nullable(Type.Integer()),
  /** Shard jobs (the predictor's item ranges) done, and items written; the assembly then registers the dataset version. */
  progress: Type.Object({ stage: Nullable(Type.String()), percent: Type.Integer(), shards: Type.Object({ total: Type.Integer(), done: Type.Integer() }), items: Type.Object({ total: Type.Integer(), done: Type.Integer() }) }),
  failureReason: Nullable(Type.String()),
  ...JobTimes,
});
export type Forecast = Static<typeof Forecast>;

/** QueryForecast's answer for one item. */
export const ForecastQueryResult = Type.Object({
  item: Type.String(),
  timestamps: Type.Array(Timestamp),
  /** One array per forecast type (`p10`, `p50`, `p90`, `mean`), as extra properties. */
  mean: Type.Array(Type.Number()),
}, { additionalProperties: Type.Array(Type.Union([Type.Number(), Type.String()])) });
export type ForecastQueryResult = { item: string; timestamps: string[]; mean: number[] } & Record<string, number[] | string[] | string>;

export const ForecastQuery = Strict({ item: Type.String({ minLength: 1, maxLength: 1024 }) });
export type ForecastQuery = Static<typeof ForecastQuery>;

export const ForecastExportRequest = Strict({
  format: StringEnum(FORECAST_EXPORT_FORMATS),
  /** The artifact key written (a user-writable prefix). */
  to: Type.String({ minLength: 1, maxLength: 1024 }),
});
export type ForecastExportRequest = Static<typeof ForecastExportRequest>;

export const ForecastExportResult = Type.Object({ key: Type.String(), format: Type.String(), rows: Type.Integer(), bytes: Type.Integer() });
export type ForecastExportResult = Static<typeof ForecastExportResult>;
