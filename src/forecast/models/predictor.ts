/**
 * The predictor per item: backtests, the AutoPredictor's choice, the final forecast.
 *
 * Backtest windows (Amazon Forecast's `NumberOfBacktestWindows` 1–5 and
 * `BackTestWindowOffset`, default the horizon) are placed from each item's end: window
 * w = 0 … W−1 (0 the earliest) has its cutoff at
 *     cutoff_w = n − horizon − offset · (W − 1 − w),
 * so the last window always tests the last `horizon` points and, with the default offset,
 * the windows tile the end of the series without overlap. A model is fitted on
 * y[0, cutoff) and forecasts y[cutoff, cutoff + horizon). A window whose cutoff leaves
 * fewer than {@link minHistory} points is skipped for that item (its sums are null).
 *
 * `evaluateItem` runs every candidate on every window and keeps per-window metric sums;
 * with several candidates it picks per item the best model or a weighted ensemble
 * (ensemble.ts) by the optimisation metric (Forecast's default: average wQL).
 * `forecastItem` refits the chosen model(s) on the whole history. Global models (DeepAR)
 * are trained by the caller, once per backtest window on {@link windowSeries} of every
 * item and once on the full series, and enter as {@link GlobalCandidate}s.
 *
 * Metrics over many items: {@link addEvaluation} into {@link PredictorSums}, merged across
 * shards with {@link mergePredictorSums}, read with {@link finishPredictor}.
 */
import { chooseEnsemble, combineForecasts, type EnsembleMember, type ScoredWindow } from './ensemble.js';
import { forecastModel } from './index.js';
import { addWindow, averageMetrics, emptySums, finishMetrics, mergeSums, OPTIMIZATION_METRICS, type ForecastMetrics, type MetricSums, type OptimizationMetric } from './metrics.js';
import type { ForecastAlgorithm, ForecastContext, SeriesData, SeriesForecast } from './types.js';

/** Predictor options; every field but `algorithms`, `horizon` and `stepMs` has a default. */
export interface PredictorOptions {
  /** One algorithm, or several for the AutoPredictor. */
  algorithms: string[];
  horizon: number;
  /** @default [0.1, 0.5, 0.9] */
  quantiles?: number[];
  /** @default 1 */
  backtestWindows?: number;
  /** Steps between consecutive windows' cutoffs. @default horizon */
  backtestOffset?: number;
  /** Main season in steps. @default 1 */
  season?: number;
  /** @default [season] */
  seasons?: number[];
  stepMs: number;
  /** @default false */
  nonNegative?: boolean;
  /** @default 0 */
  seed?: number;
  /** @default 'averageWQL' */
  optimizationMetric?: OptimizationMetric;
  /** Allow weighted ensembles when there are several algorithms. @default true */
  ensemble?: boolean;
  /** Keep the chosen predictor's backtest forecasts in the evaluation (for the overlay chart). @default false */
  keepBacktests?: boolean;
}

export interface PredictorConfig {
  readonly algorithms: readonly string[];
  readonly horizon: number;
  readonly quantiles: readonly number[];
  readonly backtestWindows: number;
  readonly backtestOffset: number;
  readonly season: number;
  readonly seasons: readonly number[];
  readonly stepMs: number;
  readonly nonNegative: boolean;
  readonly seed: number;
  readonly optimizationMetric: OptimizationMetric;
  readonly ensemble: boolean;
  readonly keepBacktests: boolean;
}

/** A problem of predictor options, for the service to report with its own error code. */
export interface PredictorProblem {
  field: string;
  message: string;
}

export const DEFAULT_QUANTILES = [0.1, 0.5, 0.9] as const;

const isInt = (v: unknown, min: number, max = Number.MAX_SAFE_INTEGER): v is number => typeof v === 'number' && Number.isInteger(v) && v >= min && v <= max;

/** Every problem of the options at once (empty when they are valid). */
export function predictorProblems(o: PredictorOptions, known: (name: string) => boolean = (n) => forecastModel(n as ForecastAlgorithm) !== undefined): PredictorProblem[] {
  const out: PredictorProblem[] = [];
  if (!Array.isArray(o.algorithms) || o.algorithms.length === 0) out.push({ field: 'algorithms', message: 'at least one algorithm is required' });
  else {
    for (const a of o.algorithms) if (!known(a)) out.push({ field: 'algorithms', message: `unknown or unavailable algorithm '${a}'` });
    if (new Set(o.algorithms).size !== o.algorithms.length) out.push({ field: 'algorithms', message: 'an algorithm is listed twice' });
  }
  if (!isInt(o.horizon, 1, 10_000)) out.push({ field: 'horizon', message: 'horizon must be an integer in 1..10000' });
  if (o.quantiles !== undefined) {
    if (!Array.isArray(o.quantiles) || o.quantiles.length === 0 || o.quantiles.length > 20) out.push({ field: 'quantiles', message: 'quantiles must list 1 to 20 levels' });
    else {
      for (const q of o.quantiles) if (!(typeof q === 'number' && q >= 0.01 && q <= 0.99)) out.push({ field: 'quantiles', message: `quantile ${q} is not in 0.01..0.99` });
      if (new Set(o.quantiles).size !== o.quantiles.length) out.push({ field: 'quantiles', message: 'a quantile is listed twice' });
    }
  }
  if (o.backtestWindows !== undefined && !isInt(o.backtestWindows, 1, 5)) out.push({ field: 'backtestWindows', message: 'backtest windows must be an integer in 1..5' });
  if (o.backtestOffset !== undefined && !isInt(o.backtestOffset, 1, 10_000)) out.push({ field: 'backtestOffset', message: 'the backtest offset must be a positive integer' });
  if (isInt(o.horizon, 1) && o.backtestOffset !== undefined && isInt(o.backtestOffset, 1) && o.backtestOffset < o.horizon && (o.backtestWindows ?? 1) > 1) {
    // Forecast requires BackTestWindowOffset >= ForecastHorizon; overlapping windows would count points twice.
    out.push({ field: 'backtestOffset', message: 'the backtest offset must be at least the horizon' });
  }
  if (o.season !== undefined && !(typeof o.season === 'number' && o.season >= 1 && Number.isFinite(o.season))) out.push({ field: 'season', message: 'season must be a number >= 1' });
  if (!(typeof o.stepMs === 'number' && o.stepMs > 0)) out.push({ field: 'stepMs', message: 'stepMs must be positive' });
  if (o.optimizationMetric !== undefined && !OPTIMIZATION_METRICS.includes(o.optimizationMetric)) out.push({ field: 'optimizationMetric', message: `optimization metric must be one of ${OPTIMIZATION_METRICS.join(', ')}` });
  return out;
}

/** The resolved configuration; throws a RangeError listing every problem (services check {@link predictorProblems} first). */
export function resolvePredictorConfig(o: PredictorOptions): PredictorConfig {
  const problems = predictorProblems(o);
  if (problems.length > 0) throw new RangeError(problems.map((p) => `${p.field}: ${p.message}`).join('; '));
  const season = o.season ?? 1;
  return Object.freeze({
    algorithms: Object.freeze([...o.algorithms]),
    horizon: o.horizon,
    quantiles: Object.freeze([...(o.quantiles ?? DEFAULT_QUANTILES)].sort((a, b) => a - b)),
    backtestWindows: o.backtestWindows ?? 1,
    backtestOffset: o.backtestOffset ?? o.horizon,
    season,
    seasons: Object.freeze([...(o.seasons ?? [season])]),
    stepMs: o.stepMs,
    nonNegative: o.nonNegative ?? false,
    seed: o.seed ?? 0,
    optimizationMetric: o.optimizationMetric ?? 'averageWQL',
    ensemble: o.ensemble ?? true,
    keepBacktests: o.keepBacktests ?? false,
  });
}

/** The fewest history points a backtest window leaves to fit on. */
export function minHistory(config: Pick<PredictorConfig, 'season'>): number {
  return Math.max(3, Math.ceil(config.season) + 1);
}

/** Cutoffs (indices into y) of the windows 0 … W−1 for a series of length n; -1 where a window does not fit. */
export function backtestCutoffs(n: number, config: Pick<PredictorConfig, 'horizon' | 'backtestWindows' | 'backtestOffset' | 'season'>): number[] {
  const W = config.backtestWindows;
  const out: number[] = [];
  for (let w = 0; w < W; w++) {
    const cutoff = n - config.horizon - config.backtestOffset * (W - 1 - w);
    out.push(cutoff >= minHistory(config) ? cutoff : -1);
  }
  return out;
}

/** The series as a model sees it at a cutoff: history y[0, cutoff), times and related series up to cutoff + horizon. */
export function windowSeries(series: SeriesData, cutoff: number, horizon: number): SeriesData {
  const end = cutoff + horizon;
  return {
    item: series.item,
    y: series.y.subarray(0, cutoff),
    times: series.times.length >= end ? series.times.subarray(0, end) : series.times,
    related: series.related?.map((r) => r.subarray(0, Math.min(r.length, end))),
    cat: series.cat,
  };
}

/** A model trained across all items by the caller (DeepAR), offered to the predictor as one more candidate. */
export interface GlobalCandidate {
  /** The forecast at backtest window `window`, from the model trained on every item's {@link windowSeries} of that window. */
  backtest(series: SeriesData, window: number, ctx: ForecastContext): SeriesForecast;
  /** The forecast from the model trained on the full series. */
  forecast(series: SeriesData, ctx: ForecastContext): SeriesForecast;
}

export interface CandidateEvaluation {
  algorithm: string;
  /** What the model chose at the last window it ran (e.g. `ETS(M,Ad,M)`). */
  spec?: string;
  /** Per window, its sums (null: window skipped or the model failed there). */
  windows: (MetricSums | null)[];
  /** The first failure's message, when it failed. */
  error?: string;
}

/** One item's backtest results and choice; small and JSON-serialisable (stored, sent between processes). */
export interface ItemEvaluation {
  item: string;
  /** Per window, the cutoff index (-1: skipped for this item). */
  cutoffs: number[];
  candidates: CandidateEvaluation[];
  /** The chosen model (one member) or ensemble, weights summing to 1. */
  choice: EnsembleMember[];
  /** The choice's sums per window. */
  chosen: (MetricSums | null)[];
  /** With `keepBacktests`: the choice's forecasts per window (null where skipped). */
  backtests?: ({ mean: number[]; quantiles: number[][] } | null)[];
}

/** A 32-bit FNV-1a hash of the item, mixed into the seed so an item's answer does not depend on its shard. */
function itemSeed(item: string, seed: number): number {
  let h = 0x811c9dc5 ^ (seed | 0);
  for (let i = 0; i < item.length; i++) h = Math.imul(h ^ item.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

export function contextFor(config: PredictorConfig, item: string): ForecastContext {
  return {
    horizon: config.horizon,
    quantiles: [...config.quantiles],
    season: config.season,
    seasons: [...config.seasons],
    stepMs: config.stepMs,
    nonNegative: config.nonNegative,
    seed: itemSeed(item, config.seed),
  };
}

function checked(f: SeriesForecast, ctx: ForecastContext): SeriesForecast {
  if (f.mean.length !== ctx.horizon || f.quantiles.length !== ctx.quantiles.length) throw new Error('the model answered the wrong shape');
  for (let i = 0; i < ctx.horizon; i++) if (!Number.isFinite(f.mean[i])) throw new Error('the model answered a non-finite mean');
  for (const q of f.quantiles) for (let i = 0; i < ctx.horizon; i++) if (!Number.isFinite(q[i])) throw new Error('the model answered a non-finite quantile');
  return f;
}

function runCandidate(name: string, series: SeriesData, ctx: ForecastContext, global: Record<string, GlobalCandidate> | undefined, window: number | null): SeriesForecast {
  const g = global?.[name];
  if (g) return checked(window === null ? g.forecast(series, ctx) : g.backtest(series, window, ctx), ctx);
  const model = forecastModel(name as ForecastAlgorithm);
  if (!model) throw new Error(`unknown algorithm '${name}'`);
  if (model.kind !== 'local') throw new Error(`the global model '${name}' must be trained by the caller and passed as a global candidate`);
  return checked(model.forecast(series, ctx), ctx);
}

const message = (err: unknown): string => (err instanceof Error ? err.message : String(err));

/** Runs every candidate on every backtest window of one item and chooses its predictor. */
export function evaluateItem(series: SeriesData, config: PredictorConfig, global?: Record<string, GlobalCandidate>): ItemEvaluation {
  const names = [...config.algorithms, ...Object.keys(global ?? {}).filter((g) => !config.algorithms.includes(g))];
  const ctx = contextFor(config, series.item);
  const cutoffs = backtestCutoffs(series.y.length, config);
  const candidates: CandidateEvaluation[] = names.map((algorithm) => ({ algorithm, windows: [] }));
  const scored: ScoredWindow[] = [];
  const windowIndex: number[] = [];
  cutoffs.forEach((cutoff, w) => {
    if (cutoff < 0) {
      for (const c of candidates) c.windows.push(null);
      return;
    }
    const sub = windowSeries(series, cutoff, config.horizon);
    const actual = series.y.subarray(cutoff, cutoff + config.horizon);
    const forecasts = names.map((name, j) => {
      try {
        const f = runCandidate(name, sub, ctx, global, w);
        if (f.spec) candidates[j].spec = f.spec;
        return f;
      } catch (err) {
        candidates[j].error ??= message(err);
        return null;
      }
    });
    scored.push({ actual, history: sub.y, forecasts });
    windowIndex.push(w);
    forecasts.forEach((f, j) => {
      candidates[j].windows.push(f === null ? null : addWindow(emptySums(ctx.quantiles), actual, f, sub.y, ctx));
    });
  });

  const choice = scored.length > 0 ? chooseEnsemble(names, scored, config.optimizationMetric, ctx, config.ensemble && names.length > 1) : null;
  const chosen: (MetricSums | null)[] = cutoffs.map(() => null);
  let members: EnsembleMember[];
  if (choice) {
    members = choice.members;
    choice.windows.forEach((s, i) => (chosen[windowIndex[i]] = s));
  } else {
    // No window fits or every candidate failed: the first candidate that has not failed,
    // else the first one (its refit on the whole history may still work).
    const ok = candidates.find((c) => c.error === undefined) ?? candidates[0];
    members = [{ algorithm: ok.algorithm, weight: 1 }];
  }
  const out: ItemEvaluation = { item: series.item, cutoffs, candidates, choice: members, chosen };
  if (config.keepBacktests) {
    out.backtests = cutoffs.map(() => null);
    scored.forEach((win, i) => {
      const idx = members.map((m) => names.indexOf(m.algorithm));
      const fs = idx.map((j) => win.forecasts[j]);
      if (fs.some((f) => f === null)) return;
      const f = fs.length === 1 ? fs[0]! : combineForecasts(fs as SeriesForecast[], members.map((m) => m.weight), config.nonNegative);
      out.backtests![windowIndex[i]] = { mean: Array.from(f.mean), quantiles: f.quantiles.map((q) => Array.from(q)) };
    });
  }
  return out;
}

/**
 * The item's forecast over the horizon after its history: the chosen model(s) refitted on
 * the whole series. A member that fails now is dropped and the others' weights rescaled;
 * if all fail, the seasonal-naive baseline answers.
 */
export function forecastItem(series: SeriesData, config: PredictorConfig, evaluation: Pick<ItemEvaluation, 'choice'>, global?: Record<string, GlobalCandidate>): SeriesForecast {
  const ctx = contextFor(config, series.item);
  const fs: SeriesForecast[] = [];
  const ws: number[] = [];
  const specs: string[] = [];
  for (const m of evaluation.choice) {
    try {
      const f = runCandidate(m.algorithm, series, ctx, global, null);
      fs.push(f);
      ws.push(m.weight);
      specs.push(evaluation.choice.length > 1 ? `${m.weight.toFixed(2)}·${f.spec ?? m.algorithm}` : (f.spec ?? m.algorithm));
    } catch {
      // dropped; see above
    }
  }
  if (fs.length === 0) return runCandidate('seasonal-naive', series, ctx, undefined, null);
  if (fs.length === 1) return { ...fs[0], spec: specs[0] };
  return { ...combineForecasts(fs, ws, config.nonNegative), spec: specs.join(' + ') };
}

/** Metric sums of many items: per window for the chosen predictor and for each candidate. */
export interface PredictorSums {
  quantiles: number[];
  items: number;
  chosen: MetricSums[];
  byAlgorithm: Record<string, MetricSums[]>;
  /** How many items chose each single algorithm, and how many chose an ensemble. */
  choices: Record<string, number>;
}

export function emptyPredictorSums(config: Pick<PredictorConfig, 'quantiles' | 'backtestWindows'>): PredictorSums {
  const windows = (): MetricSums[] => Array.from({ length: config.backtestWindows }, () => emptySums(config.quantiles));
  return { quantiles: [...config.quantiles], items: 0, chosen: windows(), byAlgorithm: {}, choices: {} };
}

/** Adds one item's evaluation (in place, also returned). */
export function addEvaluation(acc: PredictorSums, ev: ItemEvaluation): PredictorSums {
  acc.items++;
  ev.chosen.forEach((s, w) => {
    if (s) acc.chosen[w] = mergeSums(acc.chosen[w], s);
  });
  for (const c of ev.candidates) {
    const list = (acc.byAlgorithm[c.algorithm] ??= acc.chosen.map(() => emptySums(acc.quantiles)));
    c.windows.forEach((s, w) => {
      if (s) list[w] = mergeSums(list[w], s);
    });
  }
  const key = ev.choice.length === 1 ? ev.choice[0].algorithm : 'ensemble';
  acc.choices[key] = (acc.choices[key] ?? 0) + 1;
  return acc;
}

/** The sums of two shards' results together (a new object). */
export function mergePredictorSums(a: PredictorSums, b: PredictorSums): PredictorSums {
  const out: PredictorSums = { quantiles: [...a.quantiles], items: a.items + b.items, chosen: a.chosen.map((s, w) => mergeSums(s, b.chosen[w])), byAlgorithm: {}, choices: { ...a.choices } };
  for (const name of new Set([...Object.keys(a.byAlgorithm), ...Object.keys(b.byAlgorithm)])) {
    const x = a.byAlgorithm[name];
    const y = b.byAlgorithm[name];
    out.byAlgorithm[name] = x && y ? x.map((s, w) => mergeSums(s, y[w])) : (x ?? y).map((s) => mergeSums(emptySums(out.quantiles), s));
  }
  for (const [k, v] of Object.entries(b.choices)) out.choices[k] = (out.choices[k] ?? 0) + v;
  return out;
}

export interface PredictorMetrics {
  /** The predictor's metrics: the mean over windows of each window's metrics. */
  metrics: ForecastMetrics;
  windows: ForecastMetrics[];
  byAlgorithm: Record<string, { metrics: ForecastMetrics; windows: ForecastMetrics[] }>;
  choices: Record<string, number>;
}

/** Windows no item reached are left out of the averages. */
export function finishPredictor(acc: PredictorSums): PredictorMetrics {
  const finish = (list: MetricSums[]): { metrics: ForecastMetrics; windows: ForecastMetrics[] } => {
    const windows = list.map(finishMetrics);
    return { metrics: averageMetrics(windows.filter((_, w) => list[w].points > 0)), windows };
  };
  const byAlgorithm: PredictorMetrics['byAlgorithm'] = {};
  for (const [k, v] of Object.entries(acc.byAlgorithm)) byAlgorithm[k] = finish(v);
  return { ...finish(acc.chosen), byAlgorithm, choices: { ...acc.choices } };
}

/** One item's metrics for the chosen predictor, averaged over its windows (the per-item export). */
export function itemMetrics(ev: ItemEvaluation): ForecastMetrics {
  return averageMetrics(ev.chosen.filter((s): s is MetricSums => s !== null && s.points > 0).map(finishMetrics));
}
