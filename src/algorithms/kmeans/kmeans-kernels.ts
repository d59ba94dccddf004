/**
 * Row-block kernels for k-means, run by every thread of a kernel pool over the shared
 * feature matrix `state.X` (row-major Float32Array, `state.d` columns).
 *
 * The nearest centre is found with ‖x−c‖² = ‖x‖² − 2x·c + ‖c‖²: the argmin only needs
 * ‖c‖² − 2x·c, one dot product per centre, and ‖x‖² is added back for the distance.
 */
import { MOMENTS_KERNEL } from '../parallel/moments-kernel.js';
export type { MomentsResult } from '../parallel/moments-kernel.js';

/** Result of `assign` over a block: per-centre sums and counts, and the summed squared distance. */
export interface AssignResult {
  sums: Float64Array;
  counts: Float64Array;
  ssd: number;
}

export const KMEANS_KERNELS = MOMENTS_KERNEL + `

function assign(state, a) {
  const X = state.X, d = state.d, C = a.centers, k = a.k;
  const cn = new Float64Array(k);
  for (let c = 0; c < k; c++) {
    let s = 0;
    for (let j = 0; j < d; j++) { const v = C[c * d + j]; s += v * v; }
    cn[c] = s;
  }
  const sums = new Float64Array(k * d), counts = new Float64Array(k);
  const x = new Float64Array(d);
  let ssd = 0;
  for (let i = a.start; i < a.end; i++) {
    const o = i * d;
    let xn = 0;
    for (let j = 0; j < d; j++) { const v = X[o + j]; x[j] = v; xn += v * v; }
    let best = Infinity, bc = 0;
    // Four centres per step: four independent sums keep the FPU busy, and x[j] is loaded once.
    let c = 0;
    for (; c + 3 < k; c += 4) {
      const o0 = c * d, o1 = o0 + d, o2 = o1 + d, o3 = o2 + d;
      let d0 = 0, d1 = 0, d2 = 0, d3 = 0;
      for (let j = 0; j < d; j++) {
        const xj = x[j];
        d0 += xj * C[o0 + j]; d1 += xj * C[o1 + j]; d2 += xj * C[o2 + j]; d3 += xj * C[o3 + j];
      }
      const v0 = cn[c] - 2 * d0, v1 = cn[c + 1] - 2 * d1, v2 = cn[c + 2] - 2 * d2, v3 = cn[c + 3] - 2 * d3;
      if (v0 < best) { best = v0; bc = c; }
      if (v1 < best) { best = v1; bc = c + 1; }
      if (v2 < best) { best = v2; bc = c + 2; }
      if (v3 < best) { best = v3; bc = c + 3; }
    }
    for (; c < k; c++) {
      const co = c * d;
      let d0 = 0;
      for (let j = 0; j < d; j++) d0 += x[j] * C[co + j];
      const v0 = cn[c] - 2 * d0;
      if (v0 < best) { best = v0; bc = c; }
    }
    const dist = xn + best;
    ssd += dist > 0 ? dist : 0;
    counts[bc] += 1;
    const so = bc * d;
    for (let j = 0; j < d; j++) sums[so + j] += x[j];
  }
  return { sums, counts, ssd };
}

return { moments, assign };
`;
