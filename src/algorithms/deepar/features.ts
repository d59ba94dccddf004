/**
 * What DeepAR feeds its network besides the target: the time grid (SageMaker's
 * `time_freq`), calendar features of each step, the age of the series, and the lags of
 * the target it reads at each step (as GluonTS's `time_features_from_frequency_str` and
 * `get_lags_for_frequency` choose them, a shorter list).
 */

export type FreqUnit = 'min' | 'H' | 'D' | 'W' | 'M';

export interface TimeFreq {
  unit: FreqUnit;
  /** Multiple of the unit (`5min` → 5). */
  n: number;
  text: string;
}

/** SageMaker's `time_freq`: M, W, D, H, or N min (`5min`); also `1D`, `2H`, `T` for a minute. */
export function parseTimeFreq(text: string): TimeFreq | null {
  const m = /^(\d*)(min|T|H|D|W|M)$/.exec(text.trim());
  if (!m) return null;
  const n = m[1] === '' ? 1 : Number(m[1]);
  if (!Number.isSafeInteger(n) || n < 1) return null;
  return { unit: m[2] === 'T' ? 'min' : (m[2] as FreqUnit), n, text };
}

const UNIT_MS: Record<Exclude<FreqUnit, 'M'>, number> = { min: 60_000, H: 3_600_000, D: 86_400_000, W: 7 * 86_400_000 };

/** Epoch ms of step `i` of a series starting at `startMs`. */
export function timeAt(freq: TimeFreq, startMs: number, i: number): number {
  if (freq.unit === 'M') {
    const d = new Date(startMs);
    return Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + i * freq.n, d.getUTCDate(), d.getUTCHours(), d.getUTCMinutes(), d.getUTCSeconds());
  }
  return startMs + i * freq.n * UNIT_MS[freq.unit];
}

/**
 * SageMaker's `start` (`YYYY-MM-DD HH:MM:SS`, or a date alone, or ISO with `T`), read as
 * UTC; NaN when it is not one.
 */
export function parseStart(text: unknown): number {
  if (typeof text !== 'string') return NaN;
  const m = /^(\d{4})-(\d{2})-(\d{2})(?:[ T](\d{2}):(\d{2})(?::(\d{2}))?)?$/.exec(text.trim());
  if (!m) return NaN;
  const [y, mo, d, h, mi, s] = [m[1], m[2], m[3], m[4] ?? '0', m[5] ?? '0', m[6] ?? '0'].map(Number);
  const ms = Date.UTC(y, mo - 1, d, h, mi, s);
  const back = new Date(ms);
  return back.getUTCMonth() === mo - 1 && back.getUTCDate() === d ? ms : NaN;
}

/** Formats epoch ms as SageMaker writes `start`. */
export function formatTime(ms: number): string {
  return new Date(ms).toISOString().slice(0, 19).replace('T', ' ');
}

/** Calendar features per step, each scaled to [-0.5, 0.5]. */
export function numTimeFeatures(freq: TimeFreq): number {
  return { min: 3, H: 3, D: 3, W: 2, M: 1 }[freq.unit];
}

export function writeTimeFeatures(freq: TimeFreq, ms: number, out: Float64Array, at: number): void {
  const d = new Date(ms);
  const dow = d.getUTCDay() / 6 - 0.5;
  const dom = (d.getUTCDate() - 1) / 30 - 0.5;
  const doy = (Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate()) - Date.UTC(d.getUTCFullYear(), 0, 1)) / 86_400_000 / 365 - 0.5;
  switch (freq.unit) {
    case 'min':
      out[at] = d.getUTCMinutes() / 59 - 0.5;
      out[at + 1] = d.getUTCHours() / 23 - 0.5;
      out[at + 2] = dow;
      return;
    case 'H':
      out[at] = d.getUTCHours() / 23 - 0.5;
      out[at + 1] = dow;
      out[at + 2] = dom;
      return;
    case 'D':
      out[at] = dow;
      out[at + 1] = dom;
      out[at + 2] = doy;
      return;
    case 'W':
      out[at] = dom;
      out[at + 1] = doy;
      return;
    case 'M':
      out[at] = d.getUTCMonth() / 11 - 0.5;
  }
}

/** The lags (in steps) whose scaled target values are inputs at every step. */
export function lagsFor(freq: TimeFreq): number[] {
  const base = [1, 2, 3];
  const seasonal: Record<FreqUnit, number[]> = {
    min: freq.n <= 15 ? [Math.round(60 / freq.n), Math.round(120 / freq.n)] : [Math.round(1440 / freq.n)],
    H: freq.n === 1 ? [23, 24, 25, 48, 168] : [Math.round(24 / freq.n)],
    D: freq.n === 1 ? [6, 7, 8, 13, 14, 15, 21, 28] : [Math.round(7 / freq.n)],
    W: [4, 52],
    M: [12],
  };
  return [...new Set([...base, ...seasonal[freq.unit]].filter((l) => l >= 1))].sort((a, b) => a - b);
}
