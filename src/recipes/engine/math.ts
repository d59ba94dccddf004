/**
 * The float64 math whose results differ between DuckDB's C library and V8 in the last
 * bit (logarithms, powers, sines) and the text hashing of `tfidf`. The online transform
 * calls these functions directly; the batch side calls the very same functions as
 * scalar functions registered in DuckDB (udf.ts), so both give identical numbers.
 */

/** `log` step: ln(x + offset), log1p when the offset is 1; missing when x + offset <= 0. */
export function logOffset(x: number, offset: number): number | null {
  if (offset === 1) return x > -1 ? Math.log1p(x) : null;
  const y = x + offset;
  return y > 0 ? Math.log(y) : null;
}

/** Yeo-Johnson transform of one value, as scikit-learn's PowerTransformer writes it. */
export function yeoJohnson(x: number, lambda: number): number {
  const eps = 2.220446049250313e-16;
  if (x >= 0) {
    if (Math.abs(lambda) < eps) return Math.log1p(x);
    return (Math.pow(x + 1, lambda) - 1) / lambda;
  }
  if (Math.abs(lambda - 2) > eps) return -(Math.pow(-x + 1, 2 - lambda) - 1) / (2 - lambda);
  return -Math.log1p(-x);
}

/** `power` with a fixed exponent; missing when the result is not a real number. */
export function powerOf(x: number, exponent: number): number | null {
  const y = Math.pow(x, exponent);
  return Number.isFinite(y) ? y : null;
}

/** A cyclic encoding of a calendar part: sin or cos of 2π·value/period. */
export function cyclic(value: number, period: number, cos: boolean): number {
  const angle = (2 * Math.PI * value) / period;
  return cos ? Math.cos(angle) : Math.sin(angle);
}

export type DatePart = 'year' | 'month' | 'day' | 'weekday' | 'hour' | 'minute' | 'dayofyear';
export const DATE_PARTS: readonly DatePart[] = ['year', 'month', 'day', 'weekday', 'hour', 'minute', 'dayofyear'];

/** A calendar part of an instant (epoch ms, UTC): month 1–12, day 1–31, weekday 0 = Monday … 6 = Sunday. */
export function datePart(ms: number, part: DatePart): number {
  const d = new Date(ms);
  switch (part) {
    case 'year':
      return d.getUTCFullYear();
    case 'month':
      return d.getUTCMonth() + 1;
    case 'day':
      return d.getUTCDate();
    case 'weekday':
      return (d.getUTCDay() + 6) % 7;
    case 'hour':
      return d.getUTCHours();
    case 'minute':
      return d.getUTCMinutes();
    case 'dayofyear':
      return Math.floor((ms - Date.UTC(d.getUTCFullYear(), 0, 1)) / 86_400_000) + 1;
  }
}

/** The period and the offset that make a part start at 0 for its cyclic encoding (none for year). */
export const CYCLE: Readonly<Record<DatePart, { period: number; start: number } | null>> = {
  year: null,
  month: { period: 12, start: 1 },
  day: { period: 31, start: 1 },
  weekday: { period: 7, start: 0 },
  hour: { period: 24, start: 0 },
  minute: { period: 60, start: 0 },
  dayofyear: { period: 366, start: 1 },
};

const encoder = new TextEncoder();

/** MurmurHash3 (x86, 32-bit) of a string's UTF-8 bytes, unsigned. */
export function murmur3(text: string, seed = 0): number {
  const data = encoder.encode(text);
  let h = seed >>> 0;
  const n = data.length;
  const blocks = n & ~3;
  for (let i = 0; i < blocks; i += 4) {
    let k = data[i] | (data[i + 1] << 8) | (data[i + 2] << 16) | (data[i + 3] << 24);
    k = Math.imul(k, 0xcc9e2d51);
    k = (k << 15) | (k >>> 17);
    k = Math.imul(k, 0x1b873593);
    h ^= k;
    h = (h << 13) | (h >>> 19);
    h = (Math.imul(h, 5) + 0xe6546b64) | 0;
  }
  let k = 0;
  switch (n & 3) {
    case 3:
      k ^= data[blocks + 2] << 16;
    // falls through
    case 2:
      k ^= data[blocks + 1] << 8;
    // falls through
    case 1:
      k ^= data[blocks];
      k = Math.imul(k, 0xcc9e2d51);
      k = (k << 15) | (k >>> 17);
      k = Math.imul(k, 0x1b873593);
      h ^= k;
  }
  h ^= n;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** Words of two or more letters/digits (scikit-learn's default token pattern). */
const TOKEN = /[\p{L}\p{N}_]{2,}/gu;

/** The hashed term counts of a text: bucket -> count. */
export function hashedCounts(text: string, features: number, lowercase: boolean): Map<number, number> {
  const counts = new Map<number, number>();
  const source = lowercase ? text.toLowerCase() : text;
  for (const m of source.matchAll(TOKEN)) {
    const bucket = murmur3(m[0]) % features;
    counts.set(bucket, (counts.get(bucket) ?? 0) + 1);
  }
  return counts;
}

export interface TfidfParams {
  features: number;
  lowercase: boolean;
  sublinear: boolean;
  norm: 'l2' | 'none';
  /** Learned at fit: idf per bucket. */
  idf: number[];
}

/** The TF-IDF vector of one text (missing text: all zeros). */
export function tfidfVector(text: string | null, p: TfidfParams, out: Float64Array = new Float64Array(p.features)): Float64Array {
  out.fill(0);
  if (text === null) return out;
  const counts = hashedCounts(text, p.features, p.lowercase);
  let sq = 0;
  for (const [bucket, count] of counts) {
    const tf = p.sublinear ? 1 + Math.log(count) : count;
    const w = tf * p.idf[bucket];
    out[bucket] = w;
    sq += w * w;
  }
  if (p.norm === 'l2' && sq > 0) {
    const norm = Math.sqrt(sq);
    for (const bucket of counts.keys()) out[bucket] /= norm;
  }
  return out;
}

/** Smoothed idf as scikit-learn's TfidfTransformer: ln((1 + n) / (1 + df)) + 1. */
export function smoothIdf(documents: number, df: number): number {
  return Math.log((1 + documents) / (1 + df)) + 1;
}

/**
 * Yeo-Johnson's lambda by maximum likelihood, as scikit-learn's PowerTransformer finds
 * it: Brent's method on the negative log-likelihood, started from the bracket (-2, 2).
 */
export function fitYeoJohnsonLambda(values: Float64Array): number {
  const n = values.length;
  if (n === 0) return 1;
  let logTerm = 0;
  for (let i = 0; i < n; i++) {
    const x = values[i];
    logTerm += Math.sign(x) * Math.log1p(Math.abs(x));
  }
  const negLogLikelihood = (lambda: number): number => {
    let mean = 0;
    for (let i = 0; i < n; i++) mean += yeoJohnson(values[i], lambda);
    mean /= n;
    let v = 0;
    for (let i = 0; i < n; i++) {
      const d = yeoJohnson(values[i], lambda) - mean;
      v += d * d;
    }
    v /= n;
    if (!(v > 2.2250738585072014e-308)) return Infinity;
    return -(-(n / 2) * Math.log(v) + (lambda - 1) * logTerm);
  };
  return brentMinimize(negLogLikelihood, -2, 2);
}

/** Brent's minimisation (as scipy.optimize.brent: a downhill bracket from (a, b), then parabolic steps). */
export function brentMinimize(f: (x: number) => number, a0: number, b0: number, tol = 1.48e-8, maxIter = 500): number {
  // Bracket (scipy.optimize.bracket).
  const gold = 1.618034;
  const glimit = 110;
  let xa = a0;
  let xb = b0;
  let fa = f(xa);
  let fb = f(xb);
  if (fa < fb) {
    [xa, xb] = [xb, xa];
    [fa, fb] = [fb, fa];
  }
  let xc = xb + gold * (xb - xa);
  let fc = f(xc);
  let iter = 0;
  while (fc < fb && iter < 1000) {
    const tmp1 = (xb - xa) * (fb - fc);
    const tmp2 = (xb - xc) * (fb - fa);
    const val = tmp2 - tmp1;
    const denom = Math.abs(val) < 1e-21 ? 2e-21 : 2 * val;
    let w = xb - ((xb - xc) * tmp2 - (xb - xa) * tmp1) / denom;
    const wlim = xb + glimit * (xc - xb);
    let fw: number;
    iter++;
    if ((w - xc) * (xb - w) > 0) {
      fw = f(w);
      if (fw < fc) {
        xa = xb;
        xb = w;
        fa = fb;
        fb = fw;
        break;
      } else if (fw > fb) {
        xc = w;
        fc = fw;
        break;
      }
      w = xc + gold * (xc - xb);
      fw = f(w);
    } else if ((w - wlim) * (wlim - xc) >= 0) {
      w = wlim;
      fw = f(w);
    } else if ((w - wlim) * (xc - w) > 0) {
      fw = f(w);
      if (fw < fc) {
        xb = xc;
        xc = w;
        w = xc + gold * (xc - xb);
        fb = fc;
        fc = fw;
        fw = f(w);
      }
    } else {
      w = xc + gold * (xc - xb);
      fw = f(w);
    }
    xa = xb;
    xb = xc;
    xc = w;
    fa = fb;
    fb = fc;
    fc = fw;
  }
  void fa;
  // Brent (scipy.optimize.Brent.optimize).
  const cg = 0.381966;
  const mintol = 1e-11;
  let x = xb;
  let wv = xb;
  let v = xb;
  let fx = fb;
  let fwv = fb;
  let fv = fb;
  let a = Math.min(xa, xc);
  let b = Math.max(xa, xc);
  let deltax = 0;
  let rat = 0;
  for (let it = 0; it < maxIter; it++) {
    const tol1 = tol * Math.abs(x) + mintol;
    const tol2 = 2 * tol1;
    const xmid = 0.5 * (a + b);
    if (Math.abs(x - xmid) < tol2 - 0.5 * (b - a)) break;
    if (Math.abs(deltax) <= tol1) {
      deltax = x >= xmid ? a - x : b - x;
      rat = cg * deltax;
    } else {
      const tmp1 = (x - wv) * (fx - fv);
      let tmp2 = (x - v) * (fx - fwv);
      let p = (x - v) * tmp2 - (x - wv) * tmp1;
      tmp2 = 2 * (tmp2 - tmp1);
      if (tmp2 > 0) p = -p;
      tmp2 = Math.abs(tmp2);
      const dxTemp = deltax;
      deltax = rat;
      if (p > tmp2 * (a - x) && p < tmp2 * (b - x) && Math.abs(p) < Math.abs(0.5 * tmp2 * dxTemp)) {
        rat = p / tmp2;
        const u = x + rat;
        if (u - a < tol2 || b - u < tol2) rat = xmid - x >= 0 ? tol1 : -tol1;
      } else {
        deltax = x >= xmid ? a - x : b - x;
        rat = cg * deltax;
      }
    }
    const u = Math.abs(rat) < tol1 ? (rat >= 0 ? x + tol1 : x - tol1) : x + rat;
    const fu = f(u);
    if (fu > fx) {
      if (u < x) a = u;
      else b = u;
      if (fu <= fwv || wv === x) {
        v = wv;
        wv = u;
        fv = fwv;
        fwv = fu;
      } else if (fu <= fv || v === x || v === wv) {
        v = u;
        fv = fu;
      }
    } else {
      if (u >= x) a = x;
      else b = x;
      v = wv;
      wv = x;
      x = u;
      fv = fwv;
      fwv = fx;
      fx = fu;
    }
  }
  return x;
}
