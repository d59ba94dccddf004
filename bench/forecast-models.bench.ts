/**
 * `npm run bench -- forecast-models [--max-series N] [--algorithms a,b] [--windows W] [--data DIR] [--peers a,b] [--no-peer] [--no-auto]`:
 * the forecasting kernels in process on the peers' 200 daily series (synthetic_daily.csv,
 * season 7): the last 28 days of each series are held out, every model in
 * availableAlgorithms() (local ones) and the AutoPredictor (backtest windows on the rest,
 * then a refit) forecast them, and the statsmodels peers (`peers.py forecast`) run in the
 * same invocation on the same file and the same series (`--peers` passes a subset, e.g.
 * `seasonal-naive,statsmodels-ets` to leave out the slow SARIMAX).
 *
 * Scoring is the peers' (peers.py forecast_metrics): every series' held-out points pooled;
 * MAPE (in %) and WAPE of the mean forecast, wQL at 0.1 / 0.5 / 0.9 of the quantiles, and
 * their mean. Times are the models' fit + forecast seconds (CSV parsing excluded on both
 * sides). `compare` lines give the ratios against the best peer figure.
 */
import fs from 'node:fs';
import path from 'node:path';
import { availableAlgorithms, forecastModel } from '../src/forecast/models/index.js';
import { addWindow, emptySums, finishMetrics, mergeSums, type ForecastMetrics, type MetricSums } from '../src/forecast/models/metrics.js';
import { evaluateItem, forecastItem, resolvePredictorConfig } from '../src/forecast/models/predictor.js';
import type { ForecastContext, SeriesData, SeriesForecast } from '../src/forecast/models/types.js';
import { dataFile, emit, exec, PEERS, PYTHON, type BenchLine } from './support.js';

const H = 28;
const SEASON = 7;
const DAY = 86_400_000;
const QUANTILES = [0.1, 0.5, 0.9];

function option(args: string[], name: string): string | undefined {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
}

/** item_id,timestamp,target (header optional) into series sorted by item, then time. */
function loadLong(file: string): SeriesData[] {
  const byItem = new Map<string, { t: number; v: number }[]>();
  for (const line of fs.readFileSync(file, 'utf8').split('\n')) {
    if (!line) continue;
    const [item, ts, target] = line.split(',');
    const t = Date.parse(ts);
    if (Number.isNaN(t)) continue; // header
    let rows = byItem.get(item);
    if (!rows) byItem.set(item, (rows = []));
    rows.push({ t, v: target === '' ? NaN : Number(target) });
  }
  return [...byItem.keys()].sort().map((item) => {
    const rows = byItem.get(item)!.sort((a, b) => a.t - b.t);
    return { item, y: Float64Array.from(rows, (r) => r.v), times: Float64Array.from(rows, (r) => r.t) };
  });
}

/** The training part of a series: y without the last H points; times extended over the horizon. */
const trainPart = (s: SeriesData): SeriesData => ({ item: s.item, y: s.y.subarray(0, s.y.length - H), times: s.times });

interface Scored {
  metrics: ForecastMetrics;
  seconds: number;
}

function score(series: SeriesData[], forecasts: SeriesForecast[]): ForecastMetrics {
  let acc: MetricSums = emptySums(QUANTILES);
  series.forEach((s, i) => {
    const tr = s.y.subarray(0, s.y.length - H);
    acc = mergeSums(acc, addWindow(emptySums(QUANTILES), s.y.subarray(s.y.length - H), forecasts[i], tr, { season: SEASON, quantiles: QUANTILES }));
  });
  return finishMetrics(acc);
}

function line(peer: string, r: Scored, n: number, extra: Record<string, unknown>): BenchLine {
  const m = r.metrics;
  return {
    task: 'forecast', peer, train_s: r.seconds, predict_s: 0, metric_name: 'MAPE', metric: (m.MAPE ?? NaN) * 100, n_rows: n, threads: 1, dataset: 'synthetic_daily', version: 'orchard',
    extra: { WAPE: m.WAPE, RMSE: m.RMSE, 'wQL_0.1': m.wQL['0.1'], 'wQL_0.5': m.wQL['0.5'], 'wQL_0.9': m.wQL['0.9'], mean_wQL: m.averageWQL, MASE: m.MASE, horizon: H, season: SEASON, ...extra },
  };
}

export async function run(args: string[]): Promise<void> {
  const dataDir = option(args, '--data');
  const file = dataDir ? path.join(dataDir, 'series', 'synthetic_daily.csv') : await dataFile('series/synthetic_daily.csv', 'series');
  const maxSeries = Number(option(args, '--max-series') ?? 0);
  const windows = Number(option(args, '--windows') ?? 1);
  const all = loadLong(file);
  const series = maxSeries > 0 ? all.slice(0, maxSeries) : all;
  const n = series.reduce((s, x) => s + x.y.length - H, 0);
  const ctx: ForecastContext = { horizon: H, quantiles: QUANTILES, season: SEASON, seasons: [SEASON, 365.25], stepMs: DAY, nonNegative: true, seed: 1 };
  const local = availableAlgorithms().filter((a) => forecastModel(a)?.kind === 'local');
  const algorithms = option(args, '--algorithms')?.split(',') ?? local;
  const ours: BenchLine[] = [];

  for (const name of algorithms) {
    const model = forecastModel(name as never);
    if (!model || model.kind !== 'local') continue;
    const specs = new Map<string, number>();
    const t0 = performance.now();
    const forecasts = series.map((s) => {
      const f = model.forecast(trainPart(s), ctx);
      const key = (f.spec ?? name).replace(/\[.*$/, '');
      specs.set(key, (specs.get(key) ?? 0) + 1);
      return f;
    });
    const seconds = (performance.now() - t0) / 1000;
    const l = line(`orchard-${name}`, { metrics: score(series, forecasts), seconds }, n, { n_series: series.length, specs: Object.fromEntries(specs) });
    emit(l);
    ours.push(l);
  }

  if (!args.includes('--no-auto')) {
    const config = resolvePredictorConfig({ algorithms, horizon: H, quantiles: QUANTILES, backtestWindows: windows, season: SEASON, seasons: [SEASON, 365.25], stepMs: DAY, nonNegative: true, seed: 1 });
    const choices = new Map<string, number>();
    const t0 = performance.now();
    const forecasts = series.map((s) => {
      const tr = trainPart(s);
      const ev = evaluateItem(tr, config);
      const key = ev.choice.length === 1 ? ev.choice[0].algorithm : 'ensemble';
      choices.set(key, (choices.get(key) ?? 0) + 1);
      return forecastItem(tr, config, ev);
    });
    const seconds = (performance.now() - t0) / 1000;
    const l = line('orchard-auto', { metrics: score(series, forecasts), seconds }, n, { n_series: series.length, candidates: algorithms, backtest_windows: windows, choices: Object.fromEntries(choices) });
    emit(l);
    ours.push(l);
  }

  if (!args.includes('--no-peer')) {
    const argv = [path.join(PEERS, 'peers.py'), '--data', path.dirname(path.dirname(file)), 'forecast', '--datasets', 'synthetic_daily'];
    if (maxSeries > 0) argv.push('--max-series', String(maxSeries));
    const peerList = option(args, '--peers');
    if (peerList) argv.push('--peers', peerList);
    const out = await exec(PYTHON, argv);
    const peers = out.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as BenchLine);
    for (const p of peers) emit(p);
    const ex = (l: BenchLine, k: string): number => Number((l.extra as Record<string, unknown>)[k] ?? NaN);
    const best = (pick: (l: BenchLine) => number): BenchLine | undefined =>
      peers.filter((p) => Number.isFinite(pick(p))).sort((a, b) => pick(a) - pick(b))[0];
    const bestMape = best((p) => p.metric);
    const bestWql = best((p) => ex(p, 'mean_wQL'));
    const hw = peers.find((p) => p.peer === 'statsmodels-ets');
    for (const o of ours) {
      emit({
        task: 'forecast', compare: o.peer,
        vs_best_mape: bestMape && { peer: bestMape.peer, mape: bestMape.metric, ratio: o.metric / bestMape.metric },
        vs_best_mean_wQL: bestWql && { peer: bestWql.peer, mean_wQL: ex(bestWql, 'mean_wQL'), ratio: ex(o, 'mean_wQL') / ex(bestWql, 'mean_wQL') },
        vs_holt_winters_time: hw && { seconds: hw.train_s + Number(hw.predict_s), ratio: o.train_s / (hw.train_s + Number(hw.predict_s)) },
      });
    }
  }
}
