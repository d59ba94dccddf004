/**
 * DeepAR's training loop: windows of context + prediction steps sampled across all series
 * (a series picked in proportion to its length, so an epoch covers every point about
 * once), Adam (Kingma & Ba 2015) with the gradient's global norm clipped at 10 (as
 * GluonTS), early stopping on the epoch loss keeping the best epoch's parameters.
 */
import { OrchardError } from '../../core/errors.js';
import { createRandom, type Random } from '../parallel/random.js';
import type { DeepArOptions } from './hyperparameters.js';
import { lagsFor } from './features.js';
import { likelihoodOf } from './likelihoods.js';
import { buildNet, initParams, lossAndGrad, type Net, type NetConfig, type SeriesInput, type Window } from './network.js';

export interface FitHooks {
  seed: number;
  signal?: AbortSignal;
  log?(line: string): void;
  /** After each epoch: its mean loss and the seconds it took. */
  onEpoch?(epoch: number, loss: number, seconds: number): void;
}

export interface FitResult {
  net: Net;
  params: Float64Array;
  /** Mean loss of each epoch run. */
  losses: number[];
  bestEpoch: number;
  secondsPerEpoch: number;
}

function dataError(message: string, details?: Record<string, unknown>): OrchardError {
  return new OrchardError('ORCH_TRAINING_DATA_INVALID', { message, details });
}

/** The network's shape from the options and what the training series hold. */
export function netConfigFor(series: SeriesInput[], o: DeepArOptions): NetConfig {
  const catCounts = new Set(series.map((s) => s.cat.length));
  const dynCounts = new Set(series.map((s) => s.dynamic.length));
  let cardinality: number[] = [];
  if (o.cardinality !== 'ignore') {
    if (catCounts.size > 1) throw dataError('Every series must have the same number of "cat" values', { counts: [...catCounts] });
    const nCat = series[0]?.cat.length ?? 0;
    if (o.cardinality === 'auto') {
      cardinality = Array.from({ length: nCat }, (_, c) => 1 + Math.max(...series.map((s) => s.cat[c])));
    } else {
      if (o.cardinality.length !== nCat) throw dataError(`cardinality lists ${o.cardinality.length} features but the series have ${nCat} "cat" values`);
      cardinality = o.cardinality;
      for (const s of series) {
        s.cat.forEach((v, c) => {
          if (v >= cardinality[c]) throw dataError(`A "cat" value ${v} is not below cardinality[${c}] = ${cardinality[c]}`);
        });
      }
    }
  }
  let numDynamic = 0;
  if (o.numDynamicFeat !== 'ignore') {
    if (dynCounts.size > 1) throw dataError('Every series must have the same number of "dynamic_feat" arrays', { counts: [...dynCounts] });
    const found = series[0]?.dynamic.length ?? 0;
    if (o.numDynamicFeat !== 'auto' && o.numDynamicFeat !== found) throw dataError(`num_dynamic_feat is ${o.numDynamicFeat} but the series have ${found} dynamic features`);
    numDynamic = found;
  }
  const lik = likelihoodOf(o.likelihood);
  if (lik.nonNegative) {
    series.forEach((s, i) => {
      if (s.target.some((v) => v < 0)) throw dataError(`Series ${i + 1} has negative values; the ${o.likelihood} likelihood needs counts`, { series: i + 1 });
    });
  }
  return {
    freq: o.freq,
    lags: lagsFor(o.freq),
    numDynamic,
    cardinality,
    embeddingDim: o.embeddingDimension,
    numCells: o.numCells,
    numLayers: o.numLayers,
    likelihood: o.likelihood,
    contextLength: o.contextLength,
    predictionLength: o.predictionLength,
  };
}

/** Picks a window: series by length (cumulative weights), end uniform over full windows where possible. */
function sampleWindow(series: SeriesInput[], cum: Float64Array, T: number, rng: Random): Window {
  const r = rng.next() * cum[cum.length - 1];
  let lo = 0;
  let hi = cum.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (cum[mid] > r) hi = mid;
    else lo = mid + 1;
  }
  const s = series[lo];
  const n = s.target.length;
  const first = Math.min(n, T);
  return { series: s, end: first + rng.int(n - first + 1) };
}

export async function fitDeepAr(series: SeriesInput[], o: DeepArOptions, hooks: FitHooks): Promise<FitResult> {
  const usable = series.filter((s) => s.target.some((v) => !Number.isNaN(v)));
  if (usable.length === 0) throw dataError('The train channel has no series with an observed value');
  const cfg = netConfigFor(usable, o);
  const net = buildNet(cfg);
  const rng = createRandom(hooks.seed);
  const params = initParams(net, rng);
  const T = o.contextLength + o.predictionLength;
  const cum = new Float64Array(usable.length);
  let total = 0;
  usable.forEach((s, i) => {
    total += s.target.length;
    cum[i] = total;
  });
  const batchesPerEpoch = Math.max(1, Math.ceil(total / (T * o.miniBatchSize)));
  hooks.log?.(
    `deepar: ${usable.length} series, ${total} points, ${net.size} parameters, inputs ${net.inputSize} (lags ${cfg.lags.join(',')}), ` +
      `${cfg.numLayers}×${cfg.numCells} cells, ${cfg.likelihood}, ${batchesPerEpoch} batches of ${o.miniBatchSize} per epoch`,
  );
  const adam = { m: new Float64Array(net.size), v: new Float64Array(net.size), t: 0 };
  const grad = new Float64Array(net.size);
  const losses: number[] = [];
  let best = Infinity;
  let bestEpoch = 0;
  let bestParams = params.slice();
  let seconds = 0;
  for (let epoch = 1; epoch <= o.epochs; epoch++) {
    const started = performance.now();
    let sum = 0;
    for (let k = 0; k < batchesPerEpoch; k++) {
      if (hooks.signal?.aborted) throw new OrchardError('ORCH_TRAINING_INVALID', { message: 'Training was stopped' });
      const windows = Array.from({ length: o.miniBatchSize }, () => sampleWindow(usable, cum, T, rng));
      grad.fill(0);
      sum += lossAndGrad(net, params, windows, grad, rng, o.dropoutRate);
      adamStep(params, grad, adam, o.learningRate);
      // Let a stop request (SIGTERM → abort) be seen between batches.
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
    const loss = sum / batchesPerEpoch;
    const took = (performance.now() - started) / 1000;
    seconds += took;
    losses.push(loss);
    hooks.onEpoch?.(epoch, loss, took);
    if (!Number.isFinite(loss)) throw new OrchardError('ORCH_TRAINING_INVALID', { message: `The loss diverged at epoch ${epoch}; lower learning_rate` });
    if (loss < best) {
      best = loss;
      bestEpoch = epoch;
      bestParams = params.slice();
    } else if (o.earlyStoppingPatience !== null && epoch - bestEpoch >= o.earlyStoppingPatience) {
      hooks.log?.(`deepar: no lower loss for ${o.earlyStoppingPatience} epochs; stopping at epoch ${epoch}, keeping epoch ${bestEpoch}`);
      break;
    }
  }
  return { net, params: bestParams, losses, bestEpoch, secondsPerEpoch: seconds / Math.max(1, losses.length) };
}

const CLIP_NORM = 10;

function adamStep(params: Float64Array, grad: Float64Array, s: { m: Float64Array; v: Float64Array; t: number }, lr: number): void {
  let norm = 0;
  for (let i = 0; i < grad.length; i++) norm += grad[i] * grad[i];
  norm = Math.sqrt(norm);
  const clip = norm > CLIP_NORM ? CLIP_NORM / norm : 1;
  const b1 = 0.9;
  const b2 = 0.999;
  s.t++;
  const c1 = 1 - Math.pow(b1, s.t);
  const c2 = 1 - Math.pow(b2, s.t);
  for (let i = 0; i < params.length; i++) {
    const g = grad[i] * clip;
    s.m[i] = b1 * s.m[i] + (1 - b1) * g;
    s.v[i] = b2 * s.v[i] + (1 - b2) * g * g;
    params[i] -= (lr * (s.m[i] / c1)) / (Math.sqrt(s.v[i] / c2) + 1e-8);
  }
}
