/**
 * A stored item as a model sees it: the target on its grid with gaps filled per the
 * import's `filling.target`, and each related series over the history and the horizon,
 * filled per `frontfill`, `middlefill` and `backfill` (Amazon Forecast's filling options).
 */
import type { ForecastFrequency } from '../contracts/forecast.values.js';
import type { SeriesData } from './models/types.js';
import type { Block, BlockItem } from './blocks.js';
import { gridTimes } from './frequency.js';

export interface Filling {
  target: string;
  frontfill: string;
  middlefill: string;
  backfill: string;
}

export const DEFAULT_FILLING: Filling = { target: 'zero', frontfill: 'none', middlefill: 'zero', backfill: 'none' };

/** Filling methods each part accepts. */
export const FILLING_METHODS: Record<keyof Filling, readonly string[]> = {
  target: ['zero', 'nan', 'value'],
  frontfill: ['none', 'zero', 'median', 'mean', 'min', 'max', 'value'],
  middlefill: ['zero', 'median', 'mean', 'min', 'max', 'value', 'none'],
  backfill: ['none', 'zero', 'median', 'mean', 'min', 'max', 'value'],
};

/** `value:3.5` → ['value', 3.5]; `mean` → ['mean', NaN]. */
export function parseFilling(method: string): { method: string; value: number } {
  if (method.startsWith('value:')) return { method: 'value', value: Number(method.slice(6)) };
  return { method, value: NaN };
}

/** The fill value of a method over an item's observed values (NaN for `none`/`nan`). */
function fillValue(method: string, observed: Float64Array): number {
  const { method: m, value } = parseFilling(method);
  if (m === 'value') return value;
  if (m === 'zero') return 0;
  if (m === 'none' || m === 'nan') return NaN;
  const xs = Array.from(observed).filter((v) => Number.isFinite(v));
  if (xs.length === 0) return 0;
  if (m === 'mean') return xs.reduce((s, v) => s + v, 0) / xs.length;
  if (m === 'min') return Math.min(...xs);
  if (m === 'max') return Math.max(...xs);
  xs.sort((a, b) => a - b);
  const mid = xs.length >> 1;
  return xs.length % 2 ? xs[mid] : (xs[mid - 1] + xs[mid]) / 2;
}

/** The item's target, filled (a copy). */
export function targetOf(block: Block, it: BlockItem, filling: Filling): Float64Array {
  const y = block.target.slice(it.offset, it.offset + it.length);
  const fill = fillValue(filling.target, y);
  if (!Number.isNaN(fill)) for (let i = 0; i < y.length; i++) if (Number.isNaN(y[i])) y[i] = fill;
  return y;
}

/**
 * Related column `j` over the item's grid from its first target point for `length` points.
 * Points before the item's first related row take `frontfill`, gaps `middlefill`, points
 * after its last related row `backfill`; a point still missing is 0 (models need numbers).
 */
export function relatedOf(block: Block, it: BlockItem, j: number, length: number, filling: Filling): Float64Array {
  const out = new Float64Array(length).fill(NaN);
  const rel = it.rel;
  if (!rel) return out.fill(0);
  const raw = block.related[j].subarray(rel.offset, rel.offset + rel.length);
  const front = fillValue(filling.frontfill, raw);
  const middle = fillValue(filling.middlefill, raw);
  const back = fillValue(filling.backfill, raw);
  for (let i = 0; i < length; i++) {
    const g = it.first + i;
    let v: number;
    if (g < rel.first) v = front;
    else if (g > rel.first + rel.length - 1) v = back;
    else {
      v = raw[g - rel.first];
      if (Number.isNaN(v)) v = middle;
    }
    out[i] = Number.isNaN(v) ? 0 : v;
  }
  return out;
}

/** The series of one stored item, with times and related series over its history and `horizon` more points. */
export function seriesOf(block: Block, it: BlockItem, opts: { frequency: ForecastFrequency; anchorMs: number; horizon: number; filling: Filling }): SeriesData {
  const y = targetOf(block, it, opts.filling);
  const total = it.length + opts.horizon;
  const series: SeriesData = { item: it.item, y, times: gridTimes(opts.frequency, it.first, total, opts.anchorMs) };
  if (block.header.related.length > 0) series.related = block.header.related.map((_, j) => relatedOf(block, it, j, total, opts.filling));
  if (it.cat) series.cat = it.cat;
  return series;
}
