/**
 * Row-block kernels for PCA over the shared matrix `state.X` (row-major Float32Array,
 * `state.d` columns). Every sum is accumulated in float64.
 */
import { MOMENTS_KERNEL } from '../parallel/moments-kernel.js';
export type { MomentsResult } from '../parallel/moments-kernel.js';

export const PCA_KERNELS = MOMENTS_KERNEL + `

// Upper triangle of sum_i (x_i - shift)(x_i - shift)^T. Four rows at a time, so each
// entry of the d x d accumulator is loaded and stored once per four rows.
function gram(state, a) {
  const X = state.X, d = state.d, s = a.shift;
  const G = new Float64Array(d * d);
  const r0 = new Float64Array(d), r1 = new Float64Array(d), r2 = new Float64Array(d), r3 = new Float64Array(d);
  let i = a.start;
  for (; i + 3 < a.end; i += 4) {
    const o = i * d;
    for (let j = 0; j < d; j++) {
      r0[j] = X[o + j] - s[j]; r1[j] = X[o + d + j] - s[j];
      r2[j] = X[o + 2 * d + j] - s[j]; r3[j] = X[o + 3 * d + j] - s[j];
    }
    for (let p = 0; p < d; p++) {
      const a0 = r0[p], a1 = r1[p], a2 = r2[p], a3 = r3[p];
      const row = p * d;
      for (let q = p; q < d; q++) G[row + q] += a0 * r0[q] + a1 * r1[q] + a2 * r2[q] + a3 * r3[q];
    }
  }
  for (; i < a.end; i++) {
    const o = i * d;
    for (let j = 0; j < d; j++) r0[j] = X[o + j] - s[j];
    for (let p = 0; p < d; p++) {
      const a0 = r0[p], row = p * d;
      for (let q = p; q < d; q++) G[row + q] += a0 * r0[q];
    }
  }
  return G;
}

// Z = sum_i (x_i - shift) ((x_i - shift)^T W): the centred Gram matrix times a d x l block
// W (row-major), without forming the Gram matrix. Four rows at a time: the projections
// are kept in locals and each entry of Z is loaded and stored once per four rows.
function gramTimes(state, a) {
  const X = state.X, d = state.d, s = a.shift, W = a.W, l = a.l;
  const Wt = new Float64Array(l * d);
  for (let j = 0; j < d; j++) for (let c = 0; c < l; c++) Wt[c * d + j] = W[j * l + c];
  const Z = new Float64Array(d * l);
  const r0 = new Float64Array(d), r1 = new Float64Array(d), r2 = new Float64Array(d), r3 = new Float64Array(d);
  const y0 = new Float64Array(l), y1 = new Float64Array(l), y2 = new Float64Array(l), y3 = new Float64Array(l);
  let i = a.start;
  for (; i + 3 < a.end; i += 4) {
    const o = i * d;
    for (let j = 0; j < d; j++) {
      r0[j] = X[o + j] - s[j]; r1[j] = X[o + d + j] - s[j];
      r2[j] = X[o + 2 * d + j] - s[j]; r3[j] = X[o + 3 * d + j] - s[j];
    }
    for (let c = 0; c < l; c++) {
      const wo = c * d;
      let s0 = 0, s1 = 0, s2 = 0, s3 = 0;
      for (let j = 0; j < d; j++) {
        const w = Wt[wo + j];
        s0 += r0[j] * w; s1 += r1[j] * w; s2 += r2[j] * w; s3 += r3[j] * w;
      }
      y0[c] = s0; y1[c] = s1; y2[c] = s2; y3[c] = s3;
    }
    for (let j = 0; j < d; j++) {
      const a0 = r0[j], a1 = r1[j], a2 = r2[j], a3 = r3[j], zo = j * l;
      for (let c = 0; c < l; c++) Z[zo + c] += a0 * y0[c] + a1 * y1[c] + a2 * y2[c] + a3 * y3[c];
    }
  }
  for (; i < a.end; i++) {
    const o = i * d;
    for (let j = 0; j < d; j++) r0[j] = X[o + j] - s[j];
    for (let c = 0; c < l; c++) {
      let s0 = 0;
      for (let j = 0; j < d; j++) s0 += r0[j] * Wt[c * d + j];
      y0[c] = s0;
    }
    for (let j = 0; j < d; j++) {
      const a0 = r0[j], zo = j * l;
      for (let c = 0; c < l; c++) Z[zo + c] += a0 * y0[c];
    }
  }
  return Z;
}

return { moments, gram, gramTimes };
`;
