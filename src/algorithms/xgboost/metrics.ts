/**
 * Evaluation metrics with XGBoost's definitions. Inputs are predictions on the output
 * scale: probabilities for logistic objectives, K class probabilities per row for
 * multiclass, values for regression.
 */
import type { EvalMetric } from './hyperparameters.js';

/** Whether a larger value is better. */
export function maximize(metric: EvalMetric): boolean {
  return metric === 'auc';
}

/** ROC AUC with ties counted half (Mann–Whitney U). */
export function auc(pred: Float32Array, labels: Float32Array): number {
  return aucOfProbabilities(pred, labels) ?? aucBySplitting(pred, labels);
}

/**
 * AUC when every prediction is a non-negative number (probabilities: every binary
 * objective). Then a float's bit pattern orders like its value in 31 bits, so the label
 * fits in the key's lowest bit: one radix sort of the keys, then one pass in which each
 * positive adds the negatives below it plus half of those equal to it. Undefined (the
 * general path) on a negative or NaN prediction.
 */
function aucOfProbabilities(pred: Float32Array, labels: Float32Array): number | undefined {
  const n = pred.length;
  if (n < 256) return undefined;
  const bits = new Uint32Array(pred.buffer, pred.byteOffset, n);
  const keys = new Uint32Array(n);
  let outside = 0;
  let np = 0;
  for (let i = 0; i < n; i++) {
    const b = bits[i] === 0x80000000 ? 0 : bits[i]; // -0 is 0
    outside |= (b > 0x7f800000 ? 1 : 0) | (b >>> 31); // NaN or negative
    const y = labels[i] > 0.5 ? 1 : 0;
    np += y;
    keys[i] = ((b << 1) | y) >>> 0;
  }
  const nn = n - np;
  if (outside !== 0) return undefined;
  if (np === 0 || nn === 0) return NaN;
  const sorted = radixSortUint32(keys);
  // Within a group of equal predictions the negatives (label bit 0) come first, so at a
  // positive every negative of its group has been counted: it adds the negatives below
  // the group plus half the group's, i.e. (below + so far) / 2.
  let u = 0;
  let negSoFar = 0;
  let negBelow = 0;
  let prev = -1;
  for (let i = 0; i < n; i++) {
    const k = sorted[i];
    const value = k >>> 1;
    if (value !== prev) {
      prev = value;
      negBelow = negSoFar;
    }
    const y = k & 1;
    u += y * (negBelow + negSoFar);
    negSoFar += 1 - y;
  }
  u /= 2;
  return u / (np * nn);
}

function aucBySplitting(pred: Float32Array, labels: Float32Array): number {
  let np = 0;
  for (let i = 0; i < labels.length; i++) if (labels[i] > 0.5) np++;
  const nn = labels.length - np;
  if (np === 0 || nn === 0) return NaN;
  const pos = new Float32Array(np);
  const neg = new Float32Array(nn);
  let a = 0;
  let b = 0;
  for (let i = 0; i < labels.length; i++) {
    if (labels[i] > 0.5) pos[a++] = pred[i];
    else neg[b++] = pred[i];
  }
  sortFloat32(pos);
  sortFloat32(neg);
  // For each positive: negatives strictly below + half the negatives equal.
  let u = 0;
  let lo = 0;
  let hi = 0;
  for (let i = 0; i < np; i++) {
    const v = pos[i];
    while (lo < nn && neg[lo] < v) lo++;
    if (hi < lo) hi = lo;
    while (hi < nn && neg[hi] <= v) hi++;
    u += lo + (hi - lo) / 2;
  }
  return u / (np * nn);
}

/** LSD radix sort of unsigned keys (11 + 11 + 10 bits); returns the sorted array (the input's buffer is reused as scratch). */
function radixSortUint32(keys: Uint32Array<ArrayBufferLike>): Uint32Array<ArrayBufferLike> {
  const n = keys.length;
  const h0 = new Uint32Array(2048);
  const h1 = new Uint32Array(2048);
  const h2 = new Uint32Array(1024);
  for (let i = 0; i < n; i++) {
    const k = keys[i];
    h0[k & 0x7ff]++;
    h1[(k >>> 11) & 0x7ff]++;
    h2[k >>> 22]++;
  }
  let src = keys;
  let dst: Uint32Array<ArrayBufferLike> = new Uint32Array(n);
  const passes: Array<[Uint32Array, number, number]> = [[h0, 0, 0x7ff], [h1, 11, 0x7ff], [h2, 22, 0x3ff]];
  for (const [hist, shift, mask] of passes) {
    let sum = 0;
    for (let d = 0; d < hist.length; d++) {
      const c = hist[d];
      hist[d] = sum;
      sum += c;
    }
    for (let i = 0; i < n; i++) {
      const k = src[i];
      dst[hist[(k >>> shift) & mask]++] = k;
    }
    [src, dst] = [dst, src];
  }
  return src;
}

/**
 * Sorts in place, in the order of `Float32Array.prototype.sort` (-0 before +0, NaN last),
 * by a least-significant-digit radix sort over the IEEE 754 bit patterns (11 + 11 + 10
 * bits): about a tenth of the comparison sort's time on a million values, which matters
 * because AUC sorts every training row once per boosting round.
 * Keys: a non-negative float's bits with the sign bit set, a negative float's bits
 * inverted, so unsigned order is numeric order.
 */
export function sortFloat32(values: Float32Array): void {
  const n = values.length;
  if (n < 256) {
    values.sort();
    return;
  }
  const bits = new Uint32Array(values.buffer, values.byteOffset, n);
  const keys = new Uint32Array(n);
  for (let i = 0; i < n; i++) {
    const b = bits[i];
    keys[i] = (b & 0x80000000) !== 0 ? ~b >>> 0 : (b | 0x80000000) >>> 0;
  }
  const sorted = radixSortUint32(keys);
  for (let i = 0; i < n; i++) {
    const k = sorted[i];
    bits[i] = (k & 0x80000000) !== 0 ? (k & 0x7fffffff) >>> 0 : ~k >>> 0;
  }
}

const EPS = 1e-16;

export function evaluate(metric: EvalMetric, pred: Float32Array, labels: Float32Array, K: number): number {
  const n = labels.length;
  let s = 0;
  switch (metric) {
    case 'auc':
      return auc(pred, labels);
    case 'logloss':
      for (let i = 0; i < n; i++) {
        const p = Math.min(Math.max(pred[i], EPS), 1 - EPS);
        const y = labels[i];
        s -= y * Math.log(p) + (1 - y) * Math.log(1 - p);
      }
      return s / n;
    case 'error':
      for (let i = 0; i < n; i++) if ((pred[i] > 0.5 ? 1 : 0) !== (labels[i] > 0.5 ? 1 : 0)) s++;
      return s / n;
    case 'rmse':
      for (let i = 0; i < n; i++) s += (pred[i] - labels[i]) ** 2;
      return Math.sqrt(s / n);
    case 'mae':
      for (let i = 0; i < n; i++) s += Math.abs(pred[i] - labels[i]);
      return s / n;
    case 'mlogloss':
      for (let i = 0; i < n; i++) s -= Math.log(Math.min(Math.max(pred[i * K + labels[i]], EPS), 1 - EPS));
      return s / n;
    case 'merror':
      for (let i = 0; i < n; i++) {
        let best = 0;
        for (let k = 1; k < K; k++) if (pred[i * K + k] > pred[i * K + best]) best = k;
        if (best !== labels[i]) s++;
      }
      return s / n;
  }
}
