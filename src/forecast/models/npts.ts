/**
 * NPTS, Amazon Forecast's Non-Parametric Time Series forecaster (the same model as
 * GluonTS's `NPTSPredictor`): every future value is a past value drawn at random, with
 * weights that decay exponentially with the distance in time (`exp(-λ·|T - t|)`), or
 * uniform weights for the climatological variant. The seasonal variant draws only from
 * past points of the same season (the same day of the week for daily data, hour of the
 * day for hourly, month for monthly). Draws are made step by step and each drawn value
 * joins the history of its path, so step T + 2 may repeat what T + 1 drew; the answer is
 * the mean and quantiles of the sample paths.
 *
 * Defaults follow Forecast's: `kernel_type` exponential, `exp_kernel_weights` 1.0,
 * `use_seasonal_model` true, 100 sample paths, the whole history as context. For the
 * seasonal variant the distance is counted in seasons (weeks for daily data), so that
 * last week's Monday weighs e^-1 against the Monday before it rather than e^-7.
 */
import { sampleSummary, seededRandom } from './optim.js';
import type { ForecastContext, LocalModel, SeriesData, SeriesForecast } from './types.js';

export interface NptsOptions {
  /** `exponential` (NPTS) or `uniform` (the climatological forecaster). @default 'exponential' */
  kernel?: 'exponential' | 'uniform';
  /** λ of the exponential kernel; larger forgets faster. @default 1 */
  expKernelWeight?: number;
  /** Draw only from the same season (needs ctx.season > 1). @default true */
  seasonal?: boolean;
  /** Sample paths per series. @default 100 */
  numSamples?: number;
  /** The most recent points used as context. @default the whole history */
  contextLength?: number;
}

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

/**
 * The season of every grid point: the calendar position from `times` when the grid and
 * the season length are the usual pair (daily/7, hourly/24, monthly/12), else the
 * position modulo the season length.
 */
export function seasonIndices(times: Float64Array, length: number, stepMs: number, m: number): Int32Array {
  const out = new Int32Array(length);
  const near = (a: number, b: number) => Math.abs(a - b) <= 0.1 * b;
  const calendar =
    times.length >= length
      ? near(stepMs, DAY) && m === 7
        ? (t: number) => new Date(t).getUTCDay()
        : near(stepMs, HOUR) && m === 24
          ? (t: number) => new Date(t).getUTCHours()
          : stepMs >= 27 * DAY && stepMs <= 32 * DAY && m === 12
            ? (t: number) => new Date(t).getUTCMonth()
            : undefined
      : undefined;
  for (let t = 0; t < length; t++) out[t] = calendar ? calendar(times[t]) : t % m;
  return out;
}

export function makeNpts(options: NptsOptions = {}): LocalModel {
  const kernel = options.kernel ?? 'exponential';
  const lambda = options.expKernelWeight ?? 1;
  const numSamples = Math.max(1, Math.round(options.numSamples ?? 100));
  return {
    kind: 'local',
    name: 'npts',
    forecast(series: SeriesData, ctx: ForecastContext): SeriesForecast {
      const y = series.y;
      const n = y.length;
      const h = ctx.horizon;
      const m = Math.max(1, Math.round(ctx.season));
      const seasonal = (options.seasonal ?? true) && m > 1;
      const start = options.contextLength ? Math.max(0, n - options.contextLength) : 0;
      const season = seasonal ? seasonIndices(series.times, n + h, ctx.stepMs, m) : undefined;
      const rand = seededRandom(ctx.seed ?? 0);
      const paths = Array.from({ length: numSamples }, () => new Float64Array(h));
      let observed = 0;
      for (let t = start; t < n; t++) if (!Number.isNaN(y[t])) observed++;
      const spec = `NPTS(${kernel === 'uniform' ? 'climatological' : `exp λ=${lambda}`}${seasonal ? `, seasonal[${m}]` : ''})`;
      if (observed === 0) {
        const zeros = new Float64Array(h);
        return { mean: zeros, quantiles: ctx.quantiles.map(() => new Float64Array(h)), spec };
      }
      const cdf = new Float64Array(n + h);
      for (let i = 0; i < h; i++) {
        const T = n + i;
        // Cumulative weights over positions start..T-1; a position holds an observation
        // (t < n) or this path's own earlier draw (t >= n).
        let total = 0;
        for (let t = start; t < T; t++) {
          let w = 0;
          if ((t >= n || !Number.isNaN(y[t])) && (!season || season[t] === season[T])) {
            const distance = season ? (T - t) / m : T - t;
            w = kernel === 'uniform' ? 1 : Math.exp(-lambda * distance);
          }
          total += w;
          cdf[t] = total;
        }
        if (!(total > 0)) {
          // No point of this season yet (a short history): fall back to any past point.
          for (let t = start; t < T; t++) {
            total += t >= n || !Number.isNaN(y[t]) ? Math.exp(-lambda * (T - t) * (kernel === 'uniform' ? 0 : 1)) : 0;
            cdf[t] = total;
          }
        }
        for (const path of paths) {
          const u = rand() * total;
          // First position whose cumulative weight exceeds u.
          let lo = start;
          let hi = T - 1;
          while (lo < hi) {
            const mid = (lo + hi) >> 1;
            if (cdf[mid] > u) hi = mid;
            else lo = mid + 1;
          }
          path[i] = lo < n ? y[lo] : path[lo - n];
        }
      }
      return { ...sampleSummary(paths, h, ctx.quantiles, ctx.nonNegative), spec };
    },
  };
}

/** NPTS with Forecast's defaults. */
export const npts: LocalModel = makeNpts();
