/**
 * Frequencies and the regular grid. A series' points sit on integer grid indices: for the
 * fixed-step frequencies (1min … W) index t is `anchor + t · step` milliseconds, where
 * the anchor is the import's earliest timestamp; for months and years the index is the
 * calendar period (`year · 12 + month`, `year`) and the period's first instant stands for
 * it. Season lengths follow Amazon Forecast's and R's `forecast::findfrequency`
 * conventions: the periods a frequency's data usually repeat over, in grid steps.
 */
import type { ForecastFrequency } from '../contracts/forecast.values.js';

export const MINUTE = 60_000;
export const HOUR = 60 * MINUTE;
export const DAY = 24 * HOUR;

interface FrequencySpec {
  /** Fixed step in ms; for M and Y the average length, used only by models' step hints. */
  stepMs: number;
  /** Calendar frequencies index periods, not multiples of a step. */
  calendar?: 'month' | 'year';
  /** Seasonal periods in grid steps, the main one first. */
  seasons: number[];
  /** DuckDB's name of the step in messages. */
  label: string;
}

const SPECS: Record<ForecastFrequency, FrequencySpec> = {
  Y: { stepMs: 365.2425 * DAY, calendar: 'year', seasons: [1], label: 'yearly' },
  M: { stepMs: (365.2425 / 12) * DAY, calendar: 'month', seasons: [12], label: 'monthly' },
  W: { stepMs: 7 * DAY, seasons: [52.18], label: 'weekly' },
  D: { stepMs: DAY, seasons: [7, 365.25], label: 'daily' },
  H: { stepMs: HOUR, seasons: [24, 168], label: 'hourly' },
  '30min': { stepMs: 30 * MINUTE, seasons: [48, 336], label: 'every 30 minutes' },
  '15min': { stepMs: 15 * MINUTE, seasons: [96, 672], label: 'every 15 minutes' },
  '10min': { stepMs: 10 * MINUTE, seasons: [144, 1008], label: 'every 10 minutes' },
  '5min': { stepMs: 5 * MINUTE, seasons: [288, 2016], label: 'every 5 minutes' },
  '1min': { stepMs: MINUTE, seasons: [1440, 10080], label: 'every minute' },
};

export function frequencySpec(frequency: ForecastFrequency): FrequencySpec {
  return SPECS[frequency];
}

/** Seasonal periods of a frequency in grid steps, the main one first (daily: [7, 365.25]). */
export function seasonsOf(frequency: ForecastFrequency): number[] {
  return [...SPECS[frequency].seasons];
}

/**
 * The main season a model uses for a history of `length` points: the first period that
 * fits twice in the history (1 when none does; weekly data's 52.18 rounds to 52).
 */
export function mainSeason(frequency: ForecastFrequency, length: number): { season: number; seasons: number[] } {
  const all = SPECS[frequency].seasons;
  const seasons = all.filter((s) => s > 1 && 2 * s <= length);
  const season = seasons.length > 0 ? Math.round(seasons[0]) : 1;
  return { season, seasons: seasons.length > 0 ? seasons : [1] };
}

/**
 * A DuckDB expression of the grid index of TIMESTAMP expression `ts` (anchor in epoch ms
 * for the fixed steps), and one that is true when `ts` lies off the grid.
 */
export function gridSql(frequency: ForecastFrequency, ts: string, anchorMs: number): { index: string; offGrid: string } {
  const spec = SPECS[frequency];
  if (spec.calendar === 'month') return { index: `(year(${ts}) * 12 + month(${ts}) - 1)::BIGINT`, offGrid: 'false' };
  if (spec.calendar === 'year') return { index: `year(${ts})::BIGINT`, offGrid: 'false' };
  const diff = `(epoch_ms(${ts}) - ${Math.trunc(anchorMs)})`;
  return { index: `(${diff} // ${spec.stepMs})::BIGINT`, offGrid: `(${diff} % ${spec.stepMs} <> 0)` };
}

/** Epoch ms of grid index `t`. */
export function gridTime(frequency: ForecastFrequency, t: number, anchorMs: number): number {
  const spec = SPECS[frequency];
  if (spec.calendar === 'month') return Date.UTC(Math.floor(t / 12), ((t % 12) + 12) % 12, 1);
  if (spec.calendar === 'year') return Date.UTC(t, 0, 1);
  return anchorMs + t * spec.stepMs;
}

/** Epoch ms of grid points t0 … t0 + count − 1. */
export function gridTimes(frequency: ForecastFrequency, t0: number, count: number, anchorMs: number): Float64Array {
  const out = new Float64Array(count);
  for (let i = 0; i < count; i++) out[i] = gridTime(frequency, t0 + i, anchorMs);
  return out;
}
