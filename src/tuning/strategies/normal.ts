/**
 * The standard normal distribution to double precision where the strategies need it:
 * Φ, log Φ, its inverse, truncated-normal sampling and log masses, and log expected
 * improvement. Φ comes from its Taylor series for |x| < 3 and from the continued
 * fraction of Mills' ratio in the tails (Abramowitz & Stegun 26.2.10–26.2.14).
 */

const LOG_SQRT_2PI = 0.5 * Math.log(2 * Math.PI);
const INV_SQRT_2PI = 1 / Math.sqrt(2 * Math.PI);

export function normalPdf(x: number): number {
  return INV_SQRT_2PI * Math.exp(-0.5 * x * x);
}

export function normalLogPdf(x: number): number {
  return -0.5 * x * x - LOG_SQRT_2PI;
}

/** Mills' ratio R(t) = Φ(−t)/φ(t) for t ≥ 3, by the continued fraction t + 1/(t + 2/(t + 3/(t + …))) (modified Lentz). */
function millsRatio(t: number): number {
  const tiny = 1e-300;
  let f = t;
  let c = t;
  let d = 0;
  for (let k = 1; k < 500; k++) {
    d = t + k * d;
    d = Math.abs(d) < tiny ? tiny : d;
    c = t + k / c;
    c = Math.abs(c) < tiny ? tiny : c;
    d = 1 / d;
    const delta = c * d;
    f *= delta;
    if (Math.abs(delta - 1) < 1e-16) break;
  }
  return 1 / f;
}

/** 0.5 + φ(x)·(x + x³/3 + x⁵/15 + …), for |x| < 3. */
function cdfSeries(x: number): number {
  const x2 = x * x;
  let term = x;
  let sum = x;
  for (let k = 1; k < 200; k++) {
    term *= x2 / (2 * k + 1);
    sum += term;
    if (Math.abs(term) < 1e-17 * Math.abs(sum)) break;
  }
  return 0.5 + normalPdf(x) * sum;
}

/** Φ(x). */
export function normalCdf(x: number): number {
  if (Number.isNaN(x)) return NaN;
  if (x <= -3) return x < -40 ? 0 : normalPdf(x) * millsRatio(-x);
  if (x >= 3) return x > 40 ? 1 : 1 - normalPdf(x) * millsRatio(x);
  return cdfSeries(x);
}

/** log Φ(x), accurate far into the left tail. */
export function normalLogCdf(x: number): number {
  if (x <= -3) return normalLogPdf(x) + Math.log(millsRatio(-x));
  if (x >= 3) return Math.log1p(-normalPdf(x) * millsRatio(x));
  return Math.log(cdfSeries(x));
}

/** Φ⁻¹(p): Acklam's rational approximation, polished by Halley steps on the accurate Φ. */
export function normalQuantile(p: number): number {
  if (!(p > 0)) return p === 0 ? -Infinity : NaN;
  if (!(p < 1)) return p === 1 ? Infinity : NaN;
  const a = [-3.969683028665376e1, 2.209460984245205e2, -2.759285104469687e2, 1.38357751867269e2, -3.066479806614716e1, 2.506628277459239];
  const b = [-5.447609879822406e1, 1.615858368580409e2, -1.556989798598866e2, 6.680131188771972e1, -1.328068155288572e1];
  const c = [-7.784894002430293e-3, -3.223964580411365e-1, -2.400758277161838, -2.549732539343734, 4.374664141464968, 2.938163982698783];
  const d = [7.784695709041462e-3, 3.224671290700398e-1, 2.445134137142996, 3.754408661907416];
  const pLow = 0.02425;
  let x: number;
  if (p < pLow) {
    const q = Math.sqrt(-2 * Math.log(p));
    x = (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) / ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
  } else if (p <= 1 - pLow) {
    const q = p - 0.5;
    const r = q * q;
    x = ((((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q) / (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1);
  } else {
    const q = Math.sqrt(-2 * Math.log1p(-p));
    x = -(((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) / ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
  }
  for (let i = 0; i < 2; i++) {
    // Halley's step; in the right half work with the upper tail to keep precision.
    const e = x > 0 ? 1 - p - normalCdf(-x) : normalCdf(x) - p;
    const u = e / normalPdf(x);
    if (!Number.isFinite(u)) break;
    x -= u / (1 + (x * u) / 2);
  }
  return x;
}

/** log(Φ(b) − Φ(a)) for a < b, without cancellation in either tail. */
export function logNormalMass(a: number, b: number): number {
  if (b <= 0) {
    const lb = normalLogCdf(b);
    const la = normalLogCdf(a);
    return lb + Math.log1p(-Math.exp(la - lb));
  }
  if (a > 0) return logNormalMass(-b, -a);
  return Math.log1p(-normalCdf(a) - normalCdf(-b));
}

/** A draw from N(0,1) truncated to [a, b], by inversion (`u` uniform in [0, 1)). */
export function truncatedNormalInverse(u: number, a: number, b: number): number {
  let x: number;
  if (a > 0) {
    // Right tail: mirror into the left one where Φ keeps its precision.
    const pa = normalCdf(-b);
    const pb = normalCdf(-a);
    x = -normalQuantile(pb - u * (pb - pa));
  } else {
    const pa = normalCdf(a);
    const pb = normalCdf(b);
    x = normalQuantile(pa + u * (pb - pa));
  }
  if (!Number.isFinite(x)) x = a > 0 ? a : b;
  return Math.min(b, Math.max(a, x));
}

/**
 * log of h(z) = φ(z) + zΦ(z), the expected improvement of a unit normal over a
 * threshold z standard deviations above its mean. Below z = −6 the asymptotic series
 * φ(z)/z²·(1 − 3/z² + 15/z⁴ − 105/z⁶) avoids the cancellation (Ament et al. 2023, LogEI).
 */
export function logH(z: number): number {
  if (z > -6) {
    const h = normalPdf(z) + z * normalCdf(z);
    if (h > 0) return Math.log(h);
  }
  const w = 1 / (z * z);
  return normalLogPdf(z) + Math.log(w) + Math.log1p(w * (-3 + w * (15 - 105 * w)));
}
