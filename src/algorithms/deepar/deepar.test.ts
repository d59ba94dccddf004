import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { resolveHyperparameters } from '../hyperparameters.js';
import { createRandom } from '../parallel/random.js';
import { deepar, evaluate } from './index.js';
import { deeparOptions } from './hyperparameters.js';
import { TestMetrics } from './forecasting.js';
import type { SeriesInput } from './network.js';
import { fitDeepAr } from './train-loop.js';

const H = 7;

/**
 * Daily series with a weekly pattern (its shape shared, its amplitude per series), a
 * level per series and independent Gaussian noise: the last week repeated (seasonal
 * naive) carries two weeks of noise into its error; a model of the pattern carries one.
 */
function seasonalSeries(count: number, length: number, seed: number): SeriesInput[] {
  const rng = createRandom(seed);
  const shape = [0, 0.8, 1, 0.6, 0.2, -1.2, -1.4];
  return Array.from({ length: count }, (_, i) => {
    const level = 20 + 40 * rng.next();
    const amp = level * (0.2 + 0.3 * rng.next());
    const noise = level * 0.06;
    const start = Date.UTC(2021, 0, 4);
    return {
      target: Float64Array.from({ length }, (_, t) => level + amp * shape[t % 7] + noise * rng.normal()),
      startMs: start,
      cat: [i % 3],
      dynamic: [],
    };
  });
}

/** Seasonal naive's median forecast (the last week repeated) scored like DeepAR's: wQL at 0.5. */
function seasonalNaiveWql(series: SeriesInput[]): number {
  const m = new TestMetrics([0.5]);
  for (const s of series) {
    const n = s.target.length - H;
    const f = Float64Array.from({ length: H }, (_, k) => s.target[n - 7 + (k % 7)]);
    m.add(s.target.subarray(n), f, [f]);
  }
  return m.values()['test:wQuantileLoss[0.5]'];
}

const hp = (given: Record<string, string>) => resolveHyperparameters(deepar, { context_length: '21', prediction_length: String(H), time_freq: 'D', epochs: '8', num_cells: '16', mini_batch_size: '32', learning_rate: '0.01', dropout_rate: '0', ...given });

describe('deepar training', () => {
  it('lowers the loss and forecasts a held-out week better than seasonal naive', async () => {
    const all = seasonalSeries(24, 150, 1);
    const train = all.map((s) => ({ ...s, target: s.target.subarray(0, s.target.length - H) }));
    const o = deeparOptions(hp({ epochs: '30' }));
    const fit = await fitDeepAr(train, o, { seed: 3 });
    expect(fit.losses).toHaveLength(30);
    expect(Math.min(...fit.losses.slice(-3))).toBeLessThan(fit.losses[0] - 0.5);
    const metrics = evaluate(fit.net, fit.params, all, [0.1, 0.5, 0.9], 100, 5);
    const naive = seasonalNaiveWql(all);
    expect(metrics['test:wQuantileLoss[0.5]']).toBeLessThan(naive);
    // Quantile losses are finite and the 80 % band is not degenerate.
    expect(metrics['test:mean_wQuantileLoss']).toBeGreaterThan(0);
    expect(metrics['test:wQuantileLoss[0.1]']).toBeLessThan(2 * metrics['test:wQuantileLoss[0.5]']);
  });

  it('trains through the algorithm descriptor and serves SageMaker’s request format', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'deepar-'));
    const series = seasonalSeries(6, 60, 2);
    const line = (s: SeriesInput) => JSON.stringify({ start: '2021-01-04 00:00:00', target: Array.from(s.target), cat: s.cat });
    fs.writeFileSync(path.join(dir, 'train.json'), series.map(line).join('\n') + '\n');
    const metrics: Record<string, number[]> = {};
    await deepar.train({
      hyperparameters: hp({ epochs: '2', num_cells: '8', num_layers: '1' }),
      channels: { train: { files: [path.join(dir, 'train.json')], contentType: 'application/jsonlines' }, test: { files: [path.join(dir, 'train.json')], contentType: 'application/jsonlines' } },
      modelDir: path.join(dir, 'model'),
      checkpointDir: path.join(dir, 'ckpt'),
      threads: 1,
      seed: 1,
      signal: new AbortController().signal,
      log: () => undefined,
      metric: (name, value) => (metrics[name] ??= []).push(value),
    });
    expect(metrics['train:loss']).toHaveLength(2);
    expect(metrics['test:RMSE'][0]).toBeGreaterThan(0);
    expect(Object.keys(metrics)).toEqual(expect.arrayContaining(['test:mean_wQuantileLoss', 'test:wQuantileLoss[0.9]']));
    const predictor = await deepar.load(path.join(dir, 'model'));
    const body = Buffer.from(
      JSON.stringify({
        instances: [{ start: '2021-01-04 00:00:00', target: Array.from(series[0].target), cat: [0] }],
        configuration: { num_samples: 20, output_types: ['mean', 'quantiles', 'samples'], quantiles: ['0.1', '0.9'] },
      }),
    );
    const answer = predictor.invoke!({ contentType: 'application/json', accept: undefined, body });
    const doc = JSON.parse(answer.body);
    expect(doc.predictions).toHaveLength(1);
    const p = doc.predictions[0];
    expect(p.mean).toHaveLength(H);
    expect(Object.keys(p.quantiles)).toEqual(['0.1', '0.9']);
    expect(p.samples).toHaveLength(20);
    for (let k = 0; k < H; k++) expect(p.quantiles['0.1'][k]).toBeLessThanOrEqual(p.quantiles['0.9'][k]);
    // The same request answers the same (sampling is seeded).
    expect(predictor.invoke!({ contentType: 'application/json', accept: undefined, body }).body).toBe(answer.body);
    // JSON Lines: one prediction per line.
    const lines = predictor.invoke!({ contentType: 'application/jsonlines', accept: undefined, body: Buffer.from(series.slice(0, 2).map(line).join('\n')) });
    expect(lines.body.trim().split('\n').map((l) => Object.keys(JSON.parse(l)))).toEqual([['mean', 'quantiles'], ['mean', 'quantiles']]);
    // Bad instances are refused with the model's input code, naming the instance.
    const bad = (doc: unknown) => () => predictor.invoke!({ contentType: 'application/json', accept: undefined, body: Buffer.from(JSON.stringify(doc)) });
    expect(bad({ instances: [{ start: 'yesterday', target: [1, 2] , cat: [0] }] })).toThrow(expect.objectContaining({ code: 'ORCH_MODEL_INPUT_INVALID' }));
    expect(bad({ instances: [{ start: '2021-01-01', target: [1, 2], cat: [7] }] })).toThrow(/instance 1: "cat"\[0\] = 7 was not seen/);
    expect(bad({ instances: [{ start: '2021-01-01', target: [1, 'x'], cat: [0] }] })).toThrow(/"target"\[1\]/);
    expect(bad({ rows: [] })).toThrow(/instances/);
    expect(bad({ instances: [], configuration: { output_types: ['median'] } })).toThrow(/output_types/);
  });

  it('refuses bad data and hyperparameters with stable codes', async () => {
    expect(() => hp({ likelihood: 'beta-ish' })).toThrow(expect.objectContaining({ code: 'ORCH_HYPERPARAMETER_INVALID' }));
    expect(() => hp({ time_freq: '3X' })).toThrow(expect.objectContaining({ code: 'ORCH_HYPERPARAMETER_INVALID' }));
    expect(deeparOptions(hp({ time_freq: '5min', cardinality: '[3, 4]', test_quantiles: '[.1, 0.5]' }))).toMatchObject({ freq: { unit: 'min', n: 5 }, cardinality: [3, 4], testQuantiles: [0.1, 0.5] });
    const neg = seasonalSeries(2, 40, 3);
    neg[1].target[3] = -2;
    await expect(fitDeepAr(neg, deeparOptions(hp({ likelihood: 'negative-binomial' })), { seed: 1 })).rejects.toMatchObject({ code: 'ORCH_TRAINING_DATA_INVALID', message: expect.stringContaining('Series 2 has negative values') });
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'deepar-bad-'));
    fs.writeFileSync(path.join(dir, 'train.json'), '{"start": "2021-01-01 00:00:00", "target": [1, 2, 3]}\n{"start": "2021-01-01", "target": "oops"}\n');
    await expect(
      deepar.train({
        hyperparameters: hp({}),
        channels: { train: { files: [path.join(dir, 'train.json')], contentType: 'application/jsonlines' } },
        modelDir: path.join(dir, 'model'),
        checkpointDir: path.join(dir, 'ckpt'),
        threads: 1,
        seed: 1,
        signal: new AbortController().signal,
        log: () => undefined,
        metric: () => undefined,
      }),
    ).rejects.toMatchObject({ code: 'ORCH_TRAINING_DATA_INVALID', message: expect.stringContaining('line 2 of the train channel') });
  });
});
