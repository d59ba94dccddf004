import { describe, expect, it } from 'vitest';
import { auc, sortFloat32 } from './metrics.js';

/** Mann–Whitney U by definition: every (positive, negative) pair, ties counted half. */
function bruteAuc(pred: Float32Array, labels: Float32Array): number {
  let u = 0;
  let pairs = 0;
  for (let i = 0; i < pred.length; i++) {
    if (labels[i] <= 0.5) continue;
    for (let j = 0; j < pred.length; j++) {
      if (labels[j] > 0.5) continue;
      pairs++;
      if (pred[j] < pred[i]) u += 1;
      else if (pred[j] === pred[i]) u += 0.5;
    }
  }
  return u / pairs;
}

/** A seeded generator, so a failure names a case that can be run again. */
function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

describe('xgboost metrics', () => {
  it('sorts float32 values as Float32Array.prototype.sort does, signs, zeros, infinities and NaN included', () => {
    const rnd = lcg(7);
    const specials = [0, -0, Infinity, -Infinity, NaN, 1e-45, -1e-45, 3.4e38, -3.4e38];
    for (const n of [10, 255, 256, 5000]) {
      const a = new Float32Array(n);
      for (let i = 0; i < n; i++) a[i] = i % 17 === 0 ? specials[i % specials.length] : (rnd() - 0.5) * 10 ** Math.floor(rnd() * 8 - 4);
      const want = a.slice().sort();
      sortFloat32(a);
      for (let i = 0; i < n; i++) expect(Object.is(a[i], want[i]), `index ${i} of ${n}`).toBe(true);
    }
  });

  it('computes AUC with ties counted half, on probabilities and on any real scores', () => {
    const rnd = lcg(11);
    for (const [n, levels, negative] of [[300, 0, false], [2000, 7, false], [2000, 0, true], [1000, 3, true], [100, 0, false]] as const) {
      const pred = new Float32Array(n);
      const labels = new Float32Array(n);
      for (let i = 0; i < n; i++) {
        labels[i] = rnd() < 0.4 ? 1 : 0;
        // Few levels make many ties; negative scores take the general path.
        const x = levels ? Math.floor(rnd() * levels) / levels : rnd();
        pred[i] = (negative ? x - 0.5 : x) + labels[i] * 0.2;
        if (i % 97 === 0) pred[i] = negative ? -0 : 0;
      }
      expect(auc(pred, labels)).toBeCloseTo(bruteAuc(pred, labels), 12);
    }
  });

  it('answers NaN when one class is missing', () => {
    const pred = new Float32Array(400).map((_, i) => i / 400);
    expect(auc(pred, new Float32Array(400).fill(1))).toBeNaN();
    expect(auc(pred, new Float32Array(400))).toBeNaN();
  });
});
