/**
 * The fixed latency buckets every writer and reader shares: upper bounds from 0.01 ms
 * rising by 10 % a step to 60 s, plus one bucket above. Fixed bounds let histograms of
 * any minutes, instances and variants be merged by adding counts (as HdrHistogram's and
 * Prometheus' fixed buckets do); a percentile read from them is off by at most one
 * bucket's width (10 %), less once clamped to the observed min and max.
 */

const FIRST_MS = 0.01;
const GROWTH = 1.1;
const LAST_MS = 60_000;
const LOG_GROWTH = Math.log(GROWTH);

function bounds(): Float64Array {
  const out: number[] = [];
  for (let b = FIRST_MS; ; b *= GROWTH) {
    out.push(b);
    if (b >= LAST_MS) break;
  }
  return Float64Array.from(out);
}

/** Upper bound (ms, inclusive) of each bucket but the last, which holds everything above. */
export const LATENCY_BUCKET_BOUNDS: Float64Array = bounds();

/** Number of buckets in a latency histogram (the bounds plus the overflow bucket). */
export const LATENCY_BUCKETS = LATENCY_BUCKET_BOUNDS.length + 1;

/** The bucket of a latency in ms. */
export function latencyBucket(ms: number): number {
  if (!(ms > FIRST_MS)) return 0;
  let i = Math.ceil(Math.log(ms / FIRST_MS) / LOG_GROWTH);
  const b = LATENCY_BUCKET_BOUNDS;
  if (i >= b.length) return b.length;
  // Rounding of the logarithm: settle on the bucket whose bounds hold the value.
  if (ms > b[i]) i++;
  else if (i > 0 && ms <= b[i - 1]) i--;
  return i;
}

/**
 * The `p`-th percentile (0–100) of a histogram: the bucket holding the ceil(p·n)-th
 * smallest value, estimated at the bucket's geometric middle and clamped to [min, max].
 */
export function histogramPercentile(histogram: ArrayLike<number>, p: number, min: number, max: number): number | null {
  let n = 0;
  for (let i = 0; i < histogram.length; i++) n += histogram[i];
  if (n <= 0) return null;
  const rank = Math.max(1, Math.ceil((p / 100) * n));
  let seen = 0;
  for (let i = 0; i < histogram.length; i++) {
    seen += histogram[i];
    if (seen >= rank) {
      const b = LATENCY_BUCKET_BOUNDS;
      const upper = i < b.length ? b[i] : max;
      const lower = i === 0 ? 0 : b[i - 1];
      const estimate = i === 0 ? upper / 2 : i < b.length ? Math.sqrt(lower * upper) : Math.max(lower, max);
      return Math.min(max, Math.max(min, estimate));
    }
  }
  return max;
}

/** Sparse text form kept in the store: `bucket:count` pairs, comma-separated. */
export function encodeHistogram(histogram: ArrayLike<number>): string {
  const parts: string[] = [];
  for (let i = 0; i < histogram.length; i++) if (histogram[i] > 0) parts.push(`${i}:${histogram[i]}`);
  return parts.join(',');
}

export function decodeHistogram(text: string | null, into: number[] = new Array<number>(LATENCY_BUCKETS).fill(0)): number[] {
  if (!text) return into;
  for (const part of text.split(',')) {
    const c = part.indexOf(':');
    const i = Number(part.slice(0, c));
    if (Number.isInteger(i) && i >= 0 && i < into.length) into[i] += Number(part.slice(c + 1));
  }
  return into;
}

/** Adds `b` into `a` (either may be absent); the result has {@link LATENCY_BUCKETS} entries. */
export function mergeHistograms(a: ArrayLike<number> | undefined, b: ArrayLike<number> | undefined): number[] | undefined {
  if (a === undefined && b === undefined) return undefined;
  const out = new Array<number>(LATENCY_BUCKETS).fill(0);
  for (const h of [a, b]) if (h) for (let i = 0; i < h.length && i < out.length; i++) out[i] += h[i];
  return out;
}
