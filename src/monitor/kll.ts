/**
 * A KLL quantile sketch (Karnin, Lang, Liberty, "Optimal Quantile Approximation in
 * Streams", FOCS 2016), the sketch SageMaker Model Monitor writes under
 * `distribution.kll.sketch` (`parameters {c, k}`, `data`: one array of items per level,
 * an item at level h standing for 2^h values).
 *
 * Fixed size whatever the stream's length: level h holds at most
 * max(2, ceil(k · c^(H−1−h))) items (H levels), about k / (1 − c) in all. Compaction is
 * lazy (section 4 of the paper's practical variant): only when the whole sketch is full
 * is the lowest over-full level sorted and halved (a random half of the pairs promoted),
 * so the level below the top absorbs bursts and an update is one array push in the
 * common case. The rank error is about 1.7 / k with high probability (≈ 0.1 % at 2048).
 */

/** @default 2048, SageMaker's k. */
export const DEFAULT_K = 2048;
/** @default 0.64, SageMaker's c. */
export const DEFAULT_C = 0.64;

/** A sketch as `statistics.json` stores it. */
export interface KllSketchJson {
  parameters: { c: number; k: number };
  data: number[][];
}

export class KllSketch {
  private levels: number[][] = [[]];
  private size = 0;
  private capacity: number;
  /** Values seen (the sum of item weights). */
  count = 0;
  private seed: number;

  constructor(
    readonly k = DEFAULT_K,
    readonly c = DEFAULT_C,
    seed = 0x9e3779b9,
  ) {
    this.seed = seed >>> 0 || 1;
    this.capacity = this.totalCapacity();
  }

  /** Rebuilds a sketch from its JSON (a baseline's `statistics.json`). */
  static fromJson(json: KllSketchJson): KllSketch {
    const s = new KllSketch(json.parameters.k, json.parameters.c);
    s.levels = json.data.length ? json.data.map((l) => [...l]) : [[]];
    s.size = s.levels.reduce((n, l) => n + l.length, 0);
    s.count = s.levels.reduce((n, l, h) => n + l.length * 2 ** h, 0);
    s.capacity = s.totalCapacity();
    return s;
  }

  toJson(): KllSketchJson {
    return { parameters: { c: this.c, k: this.k }, data: this.levels.map((l) => [...l]) };
  }

  update(x: number): void {
    this.levels[0].push(x);
    this.count++;
    if (++this.size >= this.capacity) this.compress();
  }

  private levelCapacity(h: number): number {
    // The first level keeps k items whatever the depth: the sketch then sorts k values
    // every k/2 updates instead of a handful every few (the same bound, a few more items).
    if (h === 0) return this.k;
    const depth = this.levels.length - 1 - h;
    return Math.max(2, Math.ceil(this.k * this.c ** depth));
  }

  private totalCapacity(): number {
    let n = 0;
    for (let h = 0; h < this.levels.length; h++) n += this.levelCapacity(h);
    return n;
  }

  /** A fair coin from a small xorshift generator (seeded: the same stream gives the same sketch). */
  private coin(): number {
    let x = this.seed;
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    this.seed = x >>> 0;
    return this.seed & 1;
  }

  private compress(): void {
    for (let h = 0; h < this.levels.length; h++) {
      const level = this.levels[h];
      if (level.length < this.levelCapacity(h)) continue;
      if (h + 1 === this.levels.length) this.levels.push([]);
      const sorted = Float64Array.from(level).sort();
      const up = this.levels[h + 1];
      // An odd item out stays at this level, unweighted by the halving.
      const odd = sorted.length & 1;
      const keep: number[] = odd ? [sorted[sorted.length - 1]] : [];
      const pairs = sorted.length - odd;
      for (let i = this.coin(); i < pairs; i += 2) up.push(sorted[i]);
      this.levels[h] = keep;
      break;
    }
    this.size = this.levels.reduce((n, l) => n + l.length, 0);
    this.capacity = this.totalCapacity();
    // Rarely one compaction is not enough (a new top level shrank the lower capacities).
    if (this.size >= this.capacity) this.compress();
  }

  /** The items with their weights, sorted by value. */
  weighted(): { values: Float64Array; cumulative: Float64Array } {
    const n = this.size;
    const order = new Float64Array(n);
    const weights = new Float64Array(n);
    let i = 0;
    for (let h = 0; h < this.levels.length; h++) {
      for (const v of this.levels[h]) {
        order[i] = v;
        weights[i] = 2 ** h;
        i++;
      }
    }
    const idx = Array.from({ length: n }, (_, j) => j).sort((a, b) => order[a] - order[b]);
    const values = new Float64Array(n);
    const cumulative = new Float64Array(n);
    let acc = 0;
    for (let j = 0; j < n; j++) {
      values[j] = order[idx[j]];
      acc += weights[idx[j]];
      cumulative[j] = acc;
    }
    return { values, cumulative };
  }
}

/** The fraction of values ≤ x, from sorted weighted items. */
export function cdfAt(w: { values: Float64Array; cumulative: Float64Array }, x: number): number {
  const n = w.values.length;
  if (n === 0) return 0;
  let lo = 0;
  let hi = n;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (w.values[mid] <= x) lo = mid + 1;
    else hi = mid;
  }
  return lo === 0 ? 0 : w.cumulative[lo - 1] / w.cumulative[n - 1];
}

/**
 * The L-infinity distance between two distributions' CDFs (the two-sample
 * Kolmogorov–Smirnov statistic), evaluated at every item of both sketches.
 */
export function cdfDistance(a: KllSketch, b: KllSketch): number {
  const wa = a.weighted();
  const wb = b.weighted();
  if (wa.values.length === 0 || wb.values.length === 0) return 0;
  let best = 0;
  for (const w of [wa, wb]) {
    for (let i = 0; i < w.values.length; i++) {
      const x = w.values[i];
      if (i + 1 < w.values.length && w.values[i + 1] === x) continue;
      const d = Math.abs(cdfAt(wa, x) - cdfAt(wb, x));
      if (d > best) best = d;
    }
  }
  return best;
}

/** Counts per bin of `edges` (n+1 edges for n bins), estimated from the sketch's CDF. */
export function binCounts(sketch: KllSketch, edges: readonly number[]): number[] {
  const w = sketch.weighted();
  const total = sketch.count;
  const out: number[] = [];
  for (let i = 0; i + 1 < edges.length; i++) {
    // The first bin includes its lower edge.
    const lower = i === 0 ? cdfBelow(w, edges[0]) : cdfAt(w, edges[i]);
    out.push(Math.max(0, Math.round((cdfAt(w, edges[i + 1]) - lower) * total)));
  }
  return out;
}

function cdfBelow(w: { values: Float64Array; cumulative: Float64Array }, x: number): number {
  let i = 0;
  while (i < w.values.length && w.values[i] < x) i++;
  return i === 0 ? 0 : w.cumulative[i - 1] / w.cumulative[w.values.length - 1];
}
