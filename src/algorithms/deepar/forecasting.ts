/**
 * From sample paths to what users read: the mean, quantiles, and SageMaker DeepAR's test
 * metrics (RMSE of the mean; weighted quantile loss per quantile and their mean).
 */
import { createRandom } from '../parallel/random.js';
import { samplePaths, type Net, type SeriesInput } from './network.js';

export interface SampleForecast {
  /** numSamples × horizon, row-major. */
  samples: Float64Array;
  numSamples: number;
  horizon: number;
}

export function forecastSeries(net: Net, params: Float64Array, series: SeriesInput, numSamples: number, seed: number): SampleForecast {
  const samples = samplePaths(net, params, series, numSamples, createRandom(seed));
  return { samples, numSamples, horizon: net.cfg.predictionLength };
}

export function sampleMean(f: SampleForecast): Float64Array {
  const mean = new Float64Array(f.horizon);
  for (let s = 0; s < f.numSamples; s++) for (let k = 0; k < f.horizon; k++) mean[k] += f.samples[s * f.horizon + k];
  for (let k = 0; k < f.horizon; k++) mean[k] /= f.numSamples;
  return mean;
}

/** Empirical quantiles per step (linear interpolation between order statistics, numpy's default). */
export function sampleQuantiles(f: SampleForecast, levels: number[]): Float64Array[] {
  const out = levels.map(() => new Float64Array(f.horizon));
  const column = new Float64Array(f.numSamples);
  for (let k = 0; k < f.horizon; k++) {
    for (let s = 0; s < f.numSamples; s++) column[s] = f.samples[s * f.horizon + k];
    column.sort();
    levels.forEach((q, i) => {
      const pos = q * (f.numSamples - 1);
      const lo = Math.floor(pos);
      const hi = Math.min(f.numSamples - 1, lo + 1);
      out[i][k] = column[lo] + (column[hi] - column[lo]) * (pos - lo);
    });
  }
  return out;
}

/** Sums for the test metrics, accumulated series by series. */
export class TestMetrics {
  private se = 0;
  private n = 0;
  private absY = 0;
  private readonly ql: number[];

  constructor(readonly quantiles: number[]) {
    this.ql = quantiles.map(() => 0);
  }

  add(actual: Float64Array, mean: Float64Array, quantiles: Float64Array[]): void {
    for (let k = 0; k < actual.length; k++) {
      const y = actual[k];
      if (Number.isNaN(y)) continue;
      this.se += (mean[k] - y) ** 2;
      this.n++;
      this.absY += Math.abs(y);
      this.quantiles.forEach((tau, i) => {
        const q = quantiles[i][k];
        this.ql[i] += y >= q ? tau * (y - q) : (1 - tau) * (q - y);
      });
    }
  }

  /** `test:RMSE`, `test:wQuantileLoss[τ]` = 2 Σ QL_τ / Σ |y|, `test:mean_wQuantileLoss`. */
  values(): Record<string, number> {
    const out: Record<string, number> = { 'test:RMSE': Math.sqrt(this.se / Math.max(1, this.n)) };
    const denom = Math.max(this.absY, 1e-12);
    let sum = 0;
    this.quantiles.forEach((tau, i) => {
      const w = (2 * this.ql[i]) / denom;
      out[`test:wQuantileLoss[${tau}]`] = w;
      sum += w;
    });
    out['test:mean_wQuantileLoss'] = sum / this.quantiles.length;
    return out;
  }
}
