/**
 * Built-in DeepAR (SageMaker's "DeepAR Forecasting Algorithm"; Salinas et al. 2019): one
 * autoregressive LSTM trained across all series of the `train` channel (JSON Lines), with
 * category embeddings and dynamic features; the `test` channel's last
 * `prediction_length` points of each series give `test:RMSE` and the weighted quantile
 * losses. Endpoints answer SageMaker's `{"instances": [...]}` format.
 */
import { OrchardError } from '../../core/errors.js';
import type { Algorithm, TrainContext } from '../algorithm.js';
import { TestMetrics, forecastSeries, sampleMean, sampleQuantiles } from './forecasting.js';
import { DEEPAR_HYPERPARAMETERS, deeparOptions } from './hyperparameters.js';
import { DEEPAR_VERSION, deeparPredictor, readDeepAr, saveDeepAr, toArtifact } from './deepar-model.js';
import type { Net, SeriesInput } from './network.js';
import { readSeriesFiles } from './series-data.js';
import { fitDeepAr } from './train-loop.js';

const JSONLINES = 'application/jsonlines';

async function channelSeries(ctx: TrainContext, channel: string): Promise<SeriesInput[] | null> {
  const c = ctx.channels[channel];
  if (!c) return null;
  const type = c.contentType.split(';')[0].trim();
  if (type !== JSONLINES && type !== 'application/json') {
    throw new OrchardError('ORCH_TRAINING_DATA_INVALID', { message: `deepar reads JSON Lines series; channel "${channel}" is ${c.contentType}`, details: { channel, contentType: c.contentType } });
  }
  return readSeriesFiles(c.files, channel);
}

/** Forecasts the last prediction_length points of each test series from the rest (SageMaker's test protocol). */
export function evaluate(net: Net, params: Float64Array, test: SeriesInput[], quantiles: number[], numSamples: number, seed: number): Record<string, number> {
  const h = net.cfg.predictionLength;
  const metrics = new TestMetrics(quantiles);
  test.forEach((s, i) => {
    const n = s.target.length - h;
    if (n < 1) return;
    const history: SeriesInput = { ...s, target: s.target.subarray(0, n) };
    const f = forecastSeries(net, params, history, numSamples, seed + i);
    metrics.add(s.target.subarray(n), sampleMean(f), sampleQuantiles(f, quantiles));
  });
  return metrics.values();
}

async function train(ctx: TrainContext): Promise<void> {
  const o = deeparOptions(ctx.hyperparameters);
  const series = await channelSeries(ctx, 'train');
  if (!series) throw new OrchardError('ORCH_TRAINING_CHANNEL_MISSING', { message: 'deepar needs a "train" channel', details: { channel: 'train' } });
  const fit = await fitDeepAr(series, o, {
    seed: ctx.seed,
    signal: ctx.signal,
    log: ctx.log,
    onEpoch: (epoch, loss, seconds) => {
      ctx.log(`epoch ${epoch}: loss ${loss.toFixed(5)} (${seconds.toFixed(2)} s)`);
      ctx.metric('train:loss', loss, epoch);
    },
  });
  ctx.log(`deepar: best epoch ${fit.bestEpoch}, ${fit.secondsPerEpoch.toFixed(2)} s per epoch`);
  const metrics: Record<string, number> = { 'train:final_loss': fit.losses[fit.bestEpoch - 1] };
  const test = await channelSeries(ctx, 'test');
  if (test) {
    const dyn = fit.net.cfg.numDynamic;
    test.forEach((s, i) => {
      if (s.dynamic.length !== dyn) {
        throw new OrchardError('ORCH_TRAINING_DATA_INVALID', { message: `Test series ${i + 1} has ${s.dynamic.length} dynamic features; training had ${dyn}`, details: { channel: 'test' } });
      }
      const card = fit.net.cfg.cardinality;
      if (card.length > 0 && (s.cat.length !== card.length || s.cat.some((v, c) => v >= card[c]))) {
        throw new OrchardError('ORCH_TRAINING_DATA_INVALID', { message: `Test series ${i + 1} has "cat" values the training series did not`, details: { channel: 'test' } });
      }
    });
    Object.assign(metrics, evaluate(fit.net, fit.params, test, o.testQuantiles, o.numEvalSamples, ctx.seed));
  }
  for (const [name, value] of Object.entries(metrics)) ctx.metric(name, value);
  await saveDeepAr(ctx.modelDir, toArtifact(fit.net, fit.params, ctx.hyperparameters, ctx.seed, fit.losses, metrics));
}

export const deepar: Algorithm = {
  name: 'deepar',
  version: DEEPAR_VERSION,
  description: 'DeepAR forecasting: an autoregressive LSTM trained across many series (Student-t, Gaussian or negative-binomial likelihood), SageMaker JSON Lines in, sample-based quantile forecasts out.',
  hyperparameters: DEEPAR_HYPERPARAMETERS,
  metrics: [
    { name: 'train:loss', goal: 'minimize' },
    { name: 'train:final_loss', goal: 'minimize' },
    { name: 'test:RMSE', goal: 'minimize' },
    { name: 'test:mean_wQuantileLoss', goal: 'minimize' },
  ],
  inputContentTypes: [JSONLINES],
  requiredChannels: ['train'],
  optionalChannels: ['test'],
  // One thread: the LSTM runs on the main thread.
  defaultCpus: 1,
  train,
  async load(modelDir: string) {
    return deeparPredictor(await readDeepAr(modelDir));
  },
};
