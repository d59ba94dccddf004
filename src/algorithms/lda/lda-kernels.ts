/**
 * LDA's E-step as kernel source (`../parallel/kernel-pool.ts`): every thread of a pool
 * evaluates this text, and the main thread instantiates the same text for the predictor
 * and the held-out bound, so there is one copy of the arithmetic.
 *
 * Per document (Blei et al. 2003; Hoffman et al. 2010, as scikit-learn),
 *   γ_dk = α + exp(E[log θ_dk]) Σ_w n_dw exp(E[log β_kw]) / φnorm_dw
 * until the mean change of γ_d is below 1e-3 or 100 iterations (scikit-learn's rule, used by
 * every pass of a fit and by inference; a call may loosen it, as the fit's short trial
 * starts do). exp(E[log β]) is read
 * word-major (V × K) so a word's K topic weights are contiguous, and each inner iteration
 * reads them once (φnorm and the next γ's sums fused).
 *
 * `estep` fits the documents at positions [start, end) of a pass against the shared
 * exp(E[log β]) (`state.ebT`), each from its γ start drawn beforehand by the main thread
 * (`state.gamma0`, position − `base` rows of K), and adds their expected counts to the
 * thread's own slot of `state.sstats` (slot × V × K) and their bound to `bound`. Positions
 * map to documents through `state.order` when `ordered` (a sample, a shuffled pass).
 */
import { LDA_MATH_SOURCE } from './lda-math.js';

/** One document's E-step, reusing its buffers across documents (see `docInference` below). */
export interface DocInference {
  /** exp(E[log θ]) of the last document fitted. */
  readonly expTheta: Float64Array;
  /**
   * Fits γ (length K, the start on entry, the fit on return) for the words
   * `indices[a..b)` with `counts`; with `sstatsT` (V × K), adds the document's expected
   * counts (before the final ∘ exp(E[log β])). Returns the document's part of the
   * evidence lower bound.
   */
  fit(ebT: Float64Array, indices: Int32Array, counts: Float64Array, a: number, b: number, gamma: Float64Array, sstatsT: Float64Array | null): number;
}

/** Arguments of one `estep` call. */
export interface EStepArgs {
  start: number;
  end: number;
  /** Position of `state.gamma0`'s first row. */
  base: number;
  /** The thread's slot of `state.sstats`. */
  slot: number;
  /** Running bound the documents' parts are added to, in order. */
  bound: number;
  ordered: boolean;
  /** Inner iterations per document at most. @default 100 */
  maxIter?: number;
  /** Mean change of γ that ends a document's iterations. @default 1e-3 */
  tol?: number;
}

/** What the kernels need in a pool's shared state (typed arrays over SharedArrayBuffer). */
export interface EStepState {
  [key: string]: unknown;
  K: number;
  V: number;
  alpha: number;
  indptr: Int32Array;
  indices: Int32Array;
  counts: Float64Array;
  order: Int32Array;
  ebT: Float64Array;
  gamma0: Float64Array;
  sstats: Float64Array;
}

export const LDA_KERNELS =
  LDA_MATH_SOURCE +
  `
// Machine epsilon added to φnorm, as scikit-learn does, so an empty product never divides by 0.
const EPS = 2.220446049250313e-16;
// Inner iterations per document at most, and the mean change of γ that ends them (scikit-learn's defaults).
const DOC_MAX_ITER = 100;
const DOC_TOL = 1e-3;

function docInference(K, alpha, maxIter = DOC_MAX_ITER, tol = DOC_TOL) {
  const expTheta = new Float64Array(K);
  const acc = new Float64Array(K);
  let phinorm = new Float64Array(64);
  const K4 = K & ~3;
  function fit(ebT, indices, counts, a, b, gamma, sstatsT) {
    const n = b - a;
    if (phinorm.length < n) phinorm = new Float64Array(Math.max(n, phinorm.length * 2));
    // Fused per word: φnorm from the current θ, then its share of the next γ (one read of the
    // word's K weights). Four-wide with four accumulators: scalar JavaScript gains from the
    // shorter dependency chains (about 1.6× on the whole E-step).
    const sweep = () => {
      let sum = 0;
      for (let k = 0; k < K; k++) sum += gamma[k];
      const ds = digamma(sum);
      for (let k = 0; k < K; k++) {
        expTheta[k] = Math.exp(digamma(gamma[k]) - ds);
        acc[k] = 0;
      }
      for (let p = 0; p < n; p++) {
        const base = indices[a + p] * K;
        let s0 = 0, s1 = 0, s2 = 0, s3 = 0;
        let k = 0;
        for (; k < K4; k += 4) {
          s0 += expTheta[k] * ebT[base + k];
          s1 += expTheta[k + 1] * ebT[base + k + 1];
          s2 += expTheta[k + 2] * ebT[base + k + 2];
          s3 += expTheta[k + 3] * ebT[base + k + 3];
        }
        for (; k < K; k++) s0 += expTheta[k] * ebT[base + k];
        const s = s0 + s1 + s2 + s3 + EPS;
        phinorm[p] = s;
        const r = counts[a + p] / s;
        for (k = 0; k < K4; k += 4) {
          acc[k] += r * ebT[base + k];
          acc[k + 1] += r * ebT[base + k + 1];
          acc[k + 2] += r * ebT[base + k + 2];
          acc[k + 3] += r * ebT[base + k + 3];
        }
        for (; k < K; k++) acc[k] += r * ebT[base + k];
      }
    };
    sweep();
    for (let it = 0; it < maxIter; it++) {
      let change = 0;
      for (let k = 0; k < K; k++) {
        const g = alpha + expTheta[k] * acc[k];
        change += Math.abs(g - gamma[k]);
        gamma[k] = g;
      }
      sweep();
      if (change / K < tol) break;
    }
    // E[log p(w|θ,β)] + E[log p(θ|α)] − E[log q(θ|γ)] for this document (Hoffman et al. 2010, eq. 4).
    let bound = 0;
    for (let p = 0; p < n; p++) bound += counts[a + p] * Math.log(phinorm[p]);
    let gsum = 0;
    for (let k = 0; k < K; k++) {
      const elog = Math.log(expTheta[k]);
      bound += (alpha - gamma[k]) * elog + lgamma(gamma[k]);
      gsum += gamma[k];
    }
    bound += K * -lgamma(alpha) + lgamma(K * alpha) - lgamma(gsum);
    if (sstatsT) {
      for (let p = 0; p < n; p++) {
        const r = counts[a + p] / phinorm[p];
        const base = indices[a + p] * K;
        for (let k = 0; k < K; k++) sstatsT[base + k] += expTheta[k] * r;
      }
    }
    return bound;
  }
  return { expTheta, fit };
}

// One inference object per thread, remade when a pool's state changes shape or a call its stopping rule.
let cached = null;

function estep(state, a) {
  const K = state.K, V = state.V;
  const maxIter = a.maxIter ?? DOC_MAX_ITER;
  const tol = a.tol ?? DOC_TOL;
  if (!cached || cached.K !== K || cached.alpha !== state.alpha || cached.maxIter !== maxIter || cached.tol !== tol) {
    cached = { K, alpha: state.alpha, maxIter, tol, inf: docInference(K, state.alpha, maxIter, tol), gamma: new Float64Array(K) };
  }
  const { inf, gamma } = cached;
  const { indptr, indices, counts, order, ebT, gamma0 } = state;
  const sstats = state.sstats.subarray(a.slot * V * K, (a.slot + 1) * V * K);
  let bound = a.bound;
  for (let p = a.start; p < a.end; p++) {
    const d = a.ordered ? order[p] : p;
    const g = (p - a.base) * K;
    for (let k = 0; k < K; k++) gamma[k] = gamma0[g + k];
    bound += inf.fit(ebT, indices, counts, indptr[d], indptr[d + 1], gamma, sstats);
  }
  return bound;
}

return { docInference, estep };
`;
