/**
 * Column sums and sums of squares over a row block of the shared matrix `state.X`
 * (row-major, `state.d` columns), skipping non-finite values and counting them. Shared
 * by the algorithms whose kernel source includes it (k-means, PCA).
 */
export interface MomentsResult {
  sum: Float64Array;
  sumsq: Float64Array;
  nonFinite: number;
}

export const MOMENTS_KERNEL = `
function moments(state, a) {
  const X = state.X, d = state.d;
  const sum = new Float64Array(d), sumsq = new Float64Array(d);
  let nonFinite = 0;
  for (let i = a.start; i < a.end; i++) {
    const o = i * d;
    for (let j = 0; j < d; j++) {
      const v = X[o + j];
      if (!Number.isFinite(v)) { nonFinite++; continue; }
      sum[j] += v; sumsq[j] += v * v;
    }
  }
  return { sum, sumsq, nonFinite };
}
`;
