/**
 * Baselines: naive (the last value carried forward) and seasonal naive (the last season
 * repeated), with Gaussian intervals from their one-step residuals, as in Hyndman &
 * Athanasopoulos, "Forecasting: Principles and Practice", §5.5.
 */
import { gaussianQuantiles } from './distributions.js';
import type { ForecastContext, LocalModel, SeriesData, SeriesForecast } from './types.js';

function lagForecast(y: Float64Array, lag: number, ctx: ForecastContext): SeriesForecast {
  const n = y.length;
  const h = ctx.horizon;
  const mean = new Float64Array(h);
  // The last observed value at each seasonal position (missing values fall back a season).
  for (let i = 0; i < h; i++) {
    let v = NaN;
    for (let t = n - lag + (i % lag); t >= 0 && Number.isNaN(v); t -= lag) v = y[t];
    mean[i] = Number.isNaN(v) ? 0 : v;
  }
  let ss = 0;
  let count = 0;
  for (let t = lag; t < n; t++) {
    const e = y[t] - y[t - lag];
    if (!Number.isNaN(e)) {
      ss += e * e;
      count++;
    }
  }
  const sigma = count > 0 ? Math.sqrt(ss / count) : 0;
  const sd = new Float64Array(h);
  for (let i = 0; i < h; i++) sd[i] = sigma * Math.sqrt(Math.floor(i / lag) + 1);
  if (ctx.nonNegative) for (let i = 0; i < h; i++) mean[i] = Math.max(0, mean[i]);
  return { mean, quantiles: gaussianQuantiles(mean, sd, ctx.quantiles, ctx.nonNegative) };
}

export const naive: LocalModel = {
  kind: 'local',
  name: 'naive',
  forecast: (series: SeriesData, ctx: ForecastContext) => ({ ...lagForecast(series.y, 1, ctx), spec: 'naive' }),
};

export const seasonalNaive: LocalModel = {
  kind: 'local',
  name: 'seasonal-naive',
  forecast: (series: SeriesData, ctx: ForecastContext) => {
    const m = Math.max(1, Math.round(ctx.season));
    const lag = series.y.length >= m ? m : 1;
    return { ...lagForecast(series.y, lag, ctx), spec: `seasonal-naive[${lag}]` };
  },
};
