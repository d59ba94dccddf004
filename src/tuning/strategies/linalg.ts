/**
 * Dense symmetric positive-definite algebra for the Gaussian process: Cholesky
 * factor, triangular solves and the inverse. Row-major n×n Float64Arrays.
 */

/** Lower Cholesky factor L (A = L·Lᵀ) of a symmetric matrix, or null when A is not positive definite. */
export function cholesky(a: Float64Array, n: number, out?: Float64Array): Float64Array | null {
  const l = out ?? new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    const ri = i * n;
    for (let j = 0; j <= i; j++) {
      const rj = j * n;
      let s = a[ri + j];
      for (let k = 0; k < j; k++) s -= l[ri + k] * l[rj + k];
      if (i === j) {
        if (!(s > 0)) return null;
        l[ri + i] = Math.sqrt(s);
      } else {
        l[ri + j] = s / l[rj + j];
      }
    }
  }
  return l;
}

/** Solves L·x = b (forward substitution) into `out`. */
export function solveLower(l: Float64Array, n: number, b: ArrayLike<number>, out: Float64Array): Float64Array {
  for (let i = 0; i < n; i++) {
    const ri = i * n;
    let s = b[i];
    for (let k = 0; k < i; k++) s -= l[ri + k] * out[k];
    out[i] = s / l[ri + i];
  }
  return out;
}

/** Solves Lᵀ·x = b (back substitution) into `out`. */
export function solveUpperT(l: Float64Array, n: number, b: ArrayLike<number>, out: Float64Array): Float64Array {
  for (let i = n - 1; i >= 0; i--) {
    let s = b[i];
    for (let k = i + 1; k < n; k++) s -= l[k * n + i] * out[k];
    out[i] = s / l[i * n + i];
  }
  return out;
}

/** A⁻¹ from the Cholesky factor of A: (L⁻¹)ᵀ·L⁻¹, with row-wise loops over contiguous memory. */
export function choleskyInverse(l: Float64Array, n: number, out?: Float64Array, scratch?: Float64Array): Float64Array {
  // M = L⁻¹ row by row: L·M = I gives M_i· = (e_i − Σ_{k<i} L_ik·M_k·) / L_ii.
  const m = scratch ?? new Float64Array(n * n);
  m.fill(0);
  for (let i = 0; i < n; i++) {
    const ri = i * n;
    for (let k = 0; k < i; k++) {
      const c = l[ri + k];
      if (c === 0) continue;
      const rk = k * n;
      for (let j = 0; j <= k; j++) m[ri + j] -= c * m[rk + j];
    }
    m[ri + i] = 1;
    const inv = 1 / l[ri + i];
    for (let j = 0; j <= i; j++) m[ri + j] *= inv;
  }
  // A⁻¹_ij = Σ_k M_ki·M_kj, accumulated into the lower triangle one row of M at a time.
  const inv = out ?? new Float64Array(n * n);
  inv.fill(0);
  for (let k = 0; k < n; k++) {
    const rk = k * n;
    for (let i = 0; i <= k; i++) {
      const c = m[rk + i];
      if (c === 0) continue;
      const ri = i * n;
      for (let j = 0; j <= i; j++) inv[ri + j] += c * m[rk + j];
    }
  }
  for (let i = 0; i < n; i++) for (let j = 0; j < i; j++) inv[j * n + i] = inv[i * n + j];
  return inv;
}
