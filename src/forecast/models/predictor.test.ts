import { describe, expect, it } from 'vitest';
import { chooseEnsemble, combineForecasts } from './ensemble.js';
import { finishMetrics } from './metrics.js';
import { addEvaluation, backtestCutoffs, emptyPredictorSums, evaluateItem, finishPredictor, forecastItem, mergePredictorSums, predictorProblems, resolvePredictorConfig, windowSeries, type GlobalCandidate } from './predictor.js';
import type { SeriesData, SeriesForecast } from './types.js';

const DAY = 86_400_000;
const series = (item: string, values: number[]): SeriesData => ({ item, y: Float64Array.from(values), times: new Float64Array(0) });
const flat = (h: number, v: number, nq = 3): SeriesForecast => ({ mean: new Float64Array(h).fill(v), quantiles: Array.from({ length: nq }, () => new Float64Array(h).fill(v)) });

describe('backtest windows', () => {
  it('place cutoffs from the end, the offset apart, skipping those that leave too little history', () => {
    const config = resolvePredictorConfig({ algorithms: ['naive'], horizon: 5, backtestWindows: 3, backtestOffset: 7, stepMs: DAY });
    // n = 30: cutoffs 30 - 5 - 14, 30 - 5 - 7, 30 - 5.
    expect(backtestCutoffs(30, config)).toEqual([11, 18, 25]);
    // n = 15: the first cutoff would be -4 (skipped), then 3, then 10.
    expect(backtestCutoffs(15, config)).toEqual([-1, 3, 10]);
    // The default offset is the horizon: windows tile the end.
    expect(backtestCutoffs(40, resolvePredictorConfig({ algorithms: ['naive'], horizon: 10, backtestWindows: 2, stepMs: DAY }))).toEqual([20, 30]);
  });

  it('show a model only the history before the cutoff', () => {
    const s: SeriesData = { item: 'a', y: Float64Array.from([1, 2, 3, 4, 5, 6]), times: Float64Array.from({ length: 8 }, (_, i) => i), related: [Float64Array.from({ length: 8 }, (_, i) => 10 * i)] };
    const w = windowSeries(s, 4, 2);
    expect(Array.from(w.y)).toEqual([1, 2, 3, 4]);
    expect(Array.from(w.times)).toEqual([0, 1, 2, 3, 4, 5]);
    expect(Array.from(w.related![0])).toEqual([0, 10, 20, 30, 40, 50]);
  });

  it('score each window on its own points', () => {
    // Naive on 1..12 with h = 3 and two windows: cutoffs 6 and 9; forecasts 6,6,6 and 9,9,9.
    const config = resolvePredictorConfig({ algorithms: ['naive'], horizon: 3, backtestWindows: 2, stepMs: DAY, quantiles: [0.5] });
    const ev = evaluateItem(series('a', [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]), config);
    expect(ev.cutoffs).toEqual([6, 9]);
    expect(ev.choice).toEqual([{ algorithm: 'naive', weight: 1 }]);
    // Window 0: actual 7, 8, 9 -> |e| 1, 2, 3 over Σ|y| 24; window 1: 10, 11, 12 -> 6 / 33.
    expect(finishMetrics(ev.chosen[0]!).WAPE).toBeCloseTo(6 / 24, 12);
    expect(finishMetrics(ev.chosen[1]!).WAPE).toBeCloseTo(6 / 33, 12);
    const m = finishPredictor(addEvaluation(emptyPredictorSums(config), ev));
    expect(m.metrics.WAPE).toBeCloseTo((6 / 24 + 6 / 33) / 2, 12);
    expect(JSON.parse(JSON.stringify(ev))).toEqual(ev);
  });

  it('report every problem of the options at once', () => {
    const problems = predictorProblems({ algorithms: ['nope'], horizon: 0, quantiles: [0.5, 1.2], backtestWindows: 6, stepMs: DAY });
    expect(problems.map((p) => p.field).sort()).toEqual(['algorithms', 'backtestWindows', 'horizon', 'quantiles']);
    expect(() => resolvePredictorConfig({ algorithms: ['naive'], horizon: 0, stepMs: DAY })).toThrow(/horizon/);
  });
});

describe('the AutoPredictor choice', () => {
  it('picks the better single model per item', () => {
    // A pure weekly pattern: seasonal naive is exact, naive is not.
    const week = [5, 9, 2, 7, 3, 8, 4];
    const y = Array.from({ length: 70 }, (_, t) => week[t % 7]);
    const config = resolvePredictorConfig({ algorithms: ['naive', 'seasonal-naive'], horizon: 7, backtestWindows: 2, season: 7, stepMs: DAY });
    const ev = evaluateItem(series('weekly', y), config);
    expect(ev.choice).toEqual([{ algorithm: 'seasonal-naive', weight: 1 }]);
    const f = forecastItem(series('weekly', y), config, ev);
    expect(Array.from(f.mean)).toEqual(week);
  });

  it('weights an ensemble when two models err on opposite sides', () => {
    const actual = Float64Array.from([10, 10, 10, 10]);
    const history = Float64Array.from([10, 10, 10]);
    const win = { actual, history, forecasts: [flat(4, 8), flat(4, 12), flat(4, 30)] };
    const choice = chooseEnsemble(['low', 'high', 'bad'], [win], 'WAPE', { season: 1, quantiles: [0.1, 0.5, 0.9] });
    // Equal weights on low and high are exact; the bad model gets no weight.
    expect(choice!.members.map((m) => m.algorithm).sort()).toEqual(['high', 'low']);
    for (const m of choice!.members) expect(m.weight).toBeCloseTo(0.5, 12);
    expect(choice!.loss).toBeCloseTo(0, 12);
    // With ensembles off, a single model is kept.
    expect(chooseEnsemble(['low', 'high', 'bad'], [win], 'WAPE', { season: 1, quantiles: [0.1, 0.5, 0.9] }, false)!.members).toHaveLength(1);
  });

  it('weights members by the inverse of their backtest loss', () => {
    const actual = Float64Array.from([10, 10, 10, 10]);
    const win = { actual, history: Float64Array.from([10, 10]), forecasts: [flat(4, 11), flat(4, 8.5), flat(4, 14)] };
    // WAPE 0.1, 0.15 and 0.4; 0.4 is over twice the best, so the third is left out.
    const choice = chooseEnsemble(['a', 'b', 'c'], [win], 'WAPE', { season: 1, quantiles: [0.5] })!;
    expect(choice.members.map((m) => m.algorithm)).toEqual(['a', 'b']);
    // Weights ∝ 1/0.1 and 1/0.15: 0.6 and 0.4.
    expect(choice.members[0].weight).toBeCloseTo(0.6, 12);
    expect(choice.members[1].weight).toBeCloseTo(0.4, 12);
    // The ensemble's mean is 0.6 · 11 + 0.4 · 8.5 = 10: its WAPE is 0.
    expect(choice.loss).toBeCloseTo(0, 12);
  });

  it('averages means and quantiles with the weights', () => {
    const a: SeriesForecast = { mean: Float64Array.from([1, 2]), quantiles: [Float64Array.from([0, 1]), Float64Array.from([2, 3])] };
    const b: SeriesForecast = { mean: Float64Array.from([4, 8]), quantiles: [Float64Array.from([3, 4]), Float64Array.from([5, 9])] };
    const c = combineForecasts([a, b], [3, 1]);
    expect(Array.from(c.mean)).toEqual([1.75, 3.5]);
    expect(Array.from(c.quantiles[0])).toEqual([0.75, 1.75]);
    expect(Array.from(c.quantiles[1])).toEqual([2.75, 4.5]);
  });

  it('takes a global model as one more candidate and merges shards exactly', () => {
    const y = Array.from({ length: 40 }, (_, t) => 100 + (t % 2 === 0 ? 1 : -1));
    const config = resolvePredictorConfig({ algorithms: ['naive'], horizon: 4, backtestWindows: 2, stepMs: DAY });
    const calls: number[] = [];
    const oracle: GlobalCandidate = {
      backtest: (s, w) => {
        calls.push(w);
        // Knows the alternation: the next value after an odd-length history is 101.
        return { mean: Float64Array.from({ length: 4 }, (_, i) => ((s.y.length + i) % 2 === 0 ? 101 : 99)), quantiles: [0, 1, 2].map(() => Float64Array.from({ length: 4 }, (_, i) => ((s.y.length + i) % 2 === 0 ? 101 : 99))) };
      },
      forecast: () => flat(4, 100),
    };
    const ev = evaluateItem(series('g', y), config, { deepar: oracle });
    expect(calls).toEqual([0, 1]);
    expect(ev.choice).toEqual([{ algorithm: 'deepar', weight: 1 }]);
    const ev2 = evaluateItem(series('h', y.map((v) => v * 2)), config, { deepar: oracle });
    const one = addEvaluation(addEvaluation(emptyPredictorSums(config), ev), ev2);
    const merged = mergePredictorSums(addEvaluation(emptyPredictorSums(config), ev), addEvaluation(emptyPredictorSums(config), ev2));
    expect(finishPredictor(merged)).toEqual(finishPredictor(one));
    expect(finishPredictor(merged).byAlgorithm.naive.metrics.WAPE).toBeGreaterThan(0);
  });

  it('falls back when every candidate fails', () => {
    const boom: GlobalCandidate = { backtest: () => { throw new Error('no'); }, forecast: () => { throw new Error('no'); } };
    const config = resolvePredictorConfig({ algorithms: ['naive'], horizon: 2, stepMs: DAY });
    const ev = evaluateItem(series('x', [1, 2, 3, 4, 5, 6]), config, { deepar: boom });
    expect(ev.candidates.find((c) => c.algorithm === 'deepar')!.error).toBe('no');
    expect(ev.choice[0].algorithm).toBe('naive');
    const f = forecastItem(series('x', [1, 2, 3, 4, 5, 6]), config, { choice: [{ algorithm: 'deepar', weight: 1 }] }, { deepar: boom });
    // Seasonal naive with season 1 carries the last value.
    expect(Array.from(f.mean)).toEqual([6, 6]);
  });
});
