import { describe, expect, it } from 'vitest';
import { createRandom } from '../parallel/random.js';
import { parseTimeFreq } from './features.js';
import type { LikelihoodName } from './likelihoods.js';
import { lstmBackward, lstmForward, lstmShape, initLstm, zeroState } from './lstm.js';
import { buildNet, initParams, lossAndGrad, type SeriesInput, type Window } from './network.js';

describe('LSTM backpropagation through time', () => {
  it('matches central differences of a loss on its outputs, for weights and inputs', () => {
    const rng = createRandom(5);
    const [I, H, L, T, B] = [3, 4, 2, 5, 2];
    const shape = lstmShape(I, H, L, 0);
    const params = new Float64Array(shape.size);
    initLstm(shape, params, () => rng.next());
    for (let i = 0; i < params.length; i++) params[i] += 0.1 * rng.normal();
    const x = Float64Array.from({ length: T * B * I }, () => rng.normal());
    const coef = Float64Array.from({ length: T * B * H }, () => rng.normal());
    // loss = Σ coef · out, so dLoss/dout = coef.
    const loss = (p: Float64Array, xs: Float64Array) => {
      const { out } = lstmForward(shape, p, xs, T, B, zeroState(shape, B));
      return out.reduce((s, o, i) => s + o * coef[i], 0);
    };
    const { tape } = lstmForward(shape, params, x, T, B, zeroState(shape, B), { tape: true });
    const grad = new Float64Array(shape.size);
    const dx = lstmBackward(shape, params, tape!, coef, grad);
    const eps = 1e-6;
    for (let i = 0; i < params.length; i++) {
      const up = params.slice();
      up[i] += eps;
      const down = params.slice();
      down[i] -= eps;
      const numeric = (loss(up, x) - loss(down, x)) / (2 * eps);
      expect(Math.abs(grad[i] - numeric), `parameter ${i}`).toBeLessThan(1e-7 + 1e-6 * Math.abs(numeric));
    }
    for (let i = 0; i < x.length; i++) {
      const up = x.slice();
      up[i] += eps;
      const down = x.slice();
      down[i] -= eps;
      const numeric = (loss(params, up) - loss(params, down)) / (2 * eps);
      expect(Math.abs(dx[i] - numeric), `input ${i}`).toBeLessThan(1e-7 + 1e-6 * Math.abs(numeric));
    }
  });
});

describe('DeepAR network gradient', () => {
  const cases: LikelihoodName[] = ['student-T', 'gaussian', 'negative-binomial'];
  for (const likelihood of cases) {
    it(`${likelihood}: every parameter (embeddings, LSTM, projection) against central differences`, () => {
      const rng = createRandom(7);
      const net = buildNet({
        freq: parseTimeFreq('D')!,
        lags: [1, 2, 7],
        numDynamic: 1,
        cardinality: [3],
        embeddingDim: 2,
        numCells: 3,
        numLayers: 2,
        likelihood,
        contextLength: 6,
        predictionLength: 3,
      });
      const params = initParams(net, rng);
      for (let i = 0; i < params.length; i++) params[i] += 0.05 * rng.normal();
      const series: SeriesInput[] = [0, 1, 2].map((c) => ({
        target: Float64Array.from({ length: 20 }, (_, t) => (t === 4 ? NaN : Math.round(5 + 3 * Math.sin(t + c) + 2 * rng.next()))),
        startMs: Date.UTC(2021, 0, 1 + c),
        cat: [c],
        dynamic: [Float64Array.from({ length: 20 }, () => rng.normal())],
      }));
      // One window starts before its series (padding), one has a missing value inside.
      const windows: Window[] = [
        { series: series[0], end: 5 },
        { series: series[1], end: 12 },
        { series: series[2], end: 20 },
      ];
      const grad = new Float64Array(net.size);
      lossAndGrad(net, params, windows, grad, rng, 0);
      const eps = 1e-6;
      const lossAt = (p: Float64Array) => lossAndGrad(net, p, windows, new Float64Array(net.size), rng, 0);
      for (let i = 0; i < params.length; i++) {
        const up = params.slice();
        up[i] += eps;
        const down = params.slice();
        down[i] -= eps;
        const numeric = (lossAt(up) - lossAt(down)) / (2 * eps);
        expect(Math.abs(grad[i] - numeric), `parameter ${i} of ${net.size}`).toBeLessThan(1e-7 + 1e-5 * Math.abs(numeric));
      }
    });
  }
});
