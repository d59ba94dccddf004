/**
 * PCA on a dense row-major matrix.
 *
 * - regular: one pass accumulates the (centred) scatter matrix XᵀX in float64 over row
 *   blocks in parallel, then a Jacobi eigen-decomposition gives every component exactly.
 * - randomized: Halko, Martinsson & Tropp (2011), "Finding structure with randomness",
 *   Algorithm 4.4 (randomized subspace iteration) on the symmetric operator A = XᵀX,
 *   followed by the Rayleigh–Ritz step of §5.5: Q = orth(A Ω), q times Q = orth(A Q),
 *   then the eigen-decomposition of QᵀAQ (l × l). A is never formed: each application is
 *   one pass computing Σᵢ xᵢ (xᵢᵀ W). Cost per pass 2·d·l per row instead of d²/2, so it
 *   pays off when d is large and l ≪ d.
 */
import { OrchardError } from '../../core/errors.js';
import { createKernelPool, splitRows, type KernelPool } from '../parallel/kernel-pool.js';
import { orthonormalizeColumns, symmetricEigen } from './linalg.js';
import { PCA_KERNELS, type MomentsResult } from './pca-kernels.js';
import type { PcaOptions } from './hyperparameters.js';
import { createRandom } from '../parallel/random.js';

export interface PcaFit {
  d: number;
  k: number;
  rows: number;
  /** Column means (zeros when subtract_mean is false). */
  mean: Float64Array;
  /** k × d, row-major: one unit component per row, in decreasing variance. */
  components: Float64Array;
  /** Singular values of the (centred) data matrix, √(λ·(n−1)) as scikit-learn reports them. */
  singularValues: Float64Array;
  /** Variance along each component, λ = σ²/(n−1). */
  explainedVariance: Float64Array;
  explainedVarianceRatio: Float64Array;
  totalVariance: number;
}

export interface PcaRun {
  threads: number;
  seed: number;
  log?: (line: string) => void;
}

const PARALLEL_MIN_ROWS = 20_000;

async function sumBlocks(pool: KernelPool, op: string, rows: number, size: number, extra: Record<string, unknown>): Promise<Float64Array> {
  const parts = await pool.run<Float64Array>(op, splitRows(rows, pool.threads).map((r) => ({ ...r, ...extra })));
  const out = new Float64Array(size);
  for (const p of parts) for (let i = 0; i < size; i++) out[i] += p[i];
  return out;
}

/** Flips each component so that its largest-magnitude entry is positive (a stable sign). */
function fixSigns(components: Float64Array, k: number, d: number): void {
  for (let c = 0; c < k; c++) {
    let big = 0;
    for (let j = 0; j < d; j++) if (Math.abs(components[c * d + j]) > Math.abs(big)) big = components[c * d + j];
    if (big < 0) for (let j = 0; j < d; j++) components[c * d + j] = -components[c * d + j];
  }
}

/** Fits PCA to `rows` rows of `X` (row-major, `d` columns; ideally in shared memory). */
export async function fitPca(X: Float32Array, rows: number, d: number, o: PcaOptions, run: PcaRun): Promise<PcaFit> {
  const k = o.numComponents;
  if (k > d) {
    throw new OrchardError('ORCH_TRAINING_DATA_INVALID', {
      message: `num_components (${k}) exceeds the number of features (${d})`,
      details: { num_components: k, features: d },
    });
  }
  if (rows < 2) throw new OrchardError('ORCH_TRAINING_DATA_INVALID', { message: 'PCA needs at least 2 rows', details: { rows } });
  const pool = createKernelPool(PCA_KERNELS, rows >= PARALLEL_MIN_ROWS ? run.threads : 1, { X, d });
  try {
    const parts = await pool.run<MomentsResult>('moments', splitRows(rows, pool.threads));
    const sum = new Float64Array(d);
    let nonFinite = 0;
    for (const p of parts) {
      nonFinite += p.nonFinite;
      for (let j = 0; j < d; j++) sum[j] += p.sum[j];
    }
    if (nonFinite > 0) {
      throw new OrchardError('ORCH_TRAINING_DATA_INVALID', {
        message: `PCA needs complete numeric rows; found ${nonFinite} missing or infinite values`,
        details: { nonFinite },
      });
    }
    const mean = new Float64Array(d);
    if (o.subtractMean) for (let j = 0; j < d; j++) mean[j] = sum[j] / rows;
    const denom = rows - 1;
    const l = Math.min(d, k + o.extraComponents);
    let values: Float64Array;
    let vectors: Float64Array;
    let totalVariance: number;
    let vecCols: number;
    if (o.mode === 'regular' || l >= d) {
      // Centring by the exact mean inside the pass avoids the cancellation of XᵀX − n·μμᵀ.
      const S = await sumBlocks(pool, 'gram', rows, d * d, { shift: mean });
      for (let p = 0; p < d; p++) for (let q = p; q < d; q++) S[q * d + p] = S[p * d + q] /= denom;
      totalVariance = 0;
      for (let j = 0; j < d; j++) totalVariance += S[j * d + j];
      ({ values, vectors } = symmetricEigen(S, d));
      vecCols = d;
    } else {
      const rng = createRandom(run.seed);
      // Applying A costs 2·d·l per row and pass; forming A once costs d²/2 per row. When the
      // (q + 2) passes would cost more than forming A, A is accumulated once (as in regular
      // mode) and the same subspace iteration runs on it in memory.
      const explicit = d < 4 * l * (o.powerIterations + 2);
      let S: Float64Array | null = null;
      if (explicit) {
        S = await sumBlocks(pool, 'gram', rows, d * d, { shift: mean });
        for (let p = 0; p < d; p++) for (let q = p; q < d; q++) S[q * d + p] = S[p * d + q];
      }
      const applyA = async (W: Float64Array): Promise<Float64Array> => {
        if (!S) return sumBlocks(pool, 'gramTimes', rows, d * l, { shift: mean, W, l });
        const Z = new Float64Array(d * l);
        for (let i = 0; i < d; i++) for (let j = 0; j < d; j++) {
          const a = S[i * d + j];
          for (let c = 0; c < l; c++) Z[i * l + c] += a * W[j * l + c];
        }
        return Z;
      };
      let W: Float64Array = new Float64Array(d * l);
      for (let i = 0; i < W.length; i++) W[i] = rng.normal();
      orthonormalizeColumns(W, d, l);
      for (let it = 0; it <= o.powerIterations; it++) {
        W = await applyA(W);
        orthonormalizeColumns(W, d, l);
      }
      run.log?.(`pca randomized: ${o.powerIterations} power iterations, ${l} columns${explicit ? ' (Gram matrix formed: fewer flops at this width)' : ''}`);
      // Rayleigh–Ritz: M = Qᵀ (A Q) / (n−1), l × l.
      const AQ = await applyA(W);
      const M = new Float64Array(l * l);
      for (let a = 0; a < l; a++) {
        for (let b = 0; b < l; b++) {
          let s = 0;
          for (let j = 0; j < d; j++) s += W[j * l + a] * AQ[j * l + b];
          M[a * l + b] = s / denom;
        }
      }
      for (let a = 0; a < l; a++) for (let b = a + 1; b < l; b++) M[a * l + b] = M[b * l + a] = (M[a * l + b] + M[b * l + a]) / 2;
      const e = symmetricEigen(M, l);
      values = e.values;
      // Components in feature space: Q U (d × l).
      vectors = new Float64Array(d * l);
      for (let j = 0; j < d; j++) for (let c = 0; c < l; c++) {
        let s = 0;
        for (let b = 0; b < l; b++) s += W[j * l + b] * e.vectors[b * l + c];
        vectors[j * l + c] = s;
      }
      vecCols = l;
      // The total variance is the trace of the covariance: Σⱼ Σᵢ (xᵢⱼ − μⱼ)² / (n−1).
      const m2 = new Float64Array(d);
      for (const p of parts) for (let j = 0; j < d; j++) m2[j] += p.sumsq[j];
      totalVariance = 0;
      for (let j = 0; j < d; j++) {
        totalVariance += (S ? S[j * d + j] : Math.max(0, m2[j] - 2 * mean[j] * sum[j] + rows * mean[j] ** 2)) / denom;
      }
    }
    const components = new Float64Array(k * d);
    for (let c = 0; c < k; c++) for (let j = 0; j < d; j++) components[c * d + j] = vectors[j * vecCols + c];
    fixSigns(components, k, d);
    const explainedVariance = new Float64Array(k);
    const singularValues = new Float64Array(k);
    const explainedVarianceRatio = new Float64Array(k);
    for (let c = 0; c < k; c++) {
      const v = Math.max(0, values[c]);
      explainedVariance[c] = v;
      singularValues[c] = Math.sqrt(v * denom);
      explainedVarianceRatio[c] = totalVariance > 0 ? v / totalVariance : 0;
    }
    return { d, k, rows, mean, components, singularValues, explainedVariance, explainedVarianceRatio, totalVariance };
  } finally {
    await pool.close();
  }
}
