/**
 * Small dense symmetric linear algebra for PCA (d × d with d up to a few hundred).
 */

/**
 * Eigen-decomposition of a symmetric matrix by the cyclic Jacobi method (Golub & Van
 * Loan, "Matrix Computations", 4th ed., §8.5.2, Algorithm 8.5.3), with the stable
 * rotation formulas of Rutishauser (1966): t = sign(θ)/(|θ| + √(θ²+1)). Jacobi is
 * slower than tridiagonal QR for large d but accurate to high relative precision for the
 * small eigenvalues, and simple enough to get right.
 *
 * @param a n × n symmetric, row-major (only read).
 * @returns eigenvalues in descending order and the matching unit eigenvectors as the
 *   columns of `vectors` (n × n, row-major).
 */
export function symmetricEigen(a: Float64Array, n: number): { values: Float64Array; vectors: Float64Array } {
  const A = a.slice();
  const V = new Float64Array(n * n);
  for (let i = 0; i < n; i++) V[i * n + i] = 1;
  let scale = 0;
  for (let i = 0; i < n * n; i++) scale += A[i] * A[i];
  for (let sweep = 0; sweep < 100; sweep++) {
    let off = 0;
    for (let p = 0; p < n; p++) for (let q = p + 1; q < n; q++) off += A[p * n + q] ** 2;
    if (off <= 1e-30 * scale || off === 0) break;
    for (let p = 0; p < n - 1; p++) {
      for (let q = p + 1; q < n; q++) {
        const apq = A[p * n + q];
        if (apq === 0) continue;
        const app = A[p * n + p];
        const aqq = A[q * n + q];
        const theta = (aqq - app) / (2 * apq);
        const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1);
        const s = t * c;
        // A ← Jᵀ A J, touching rows/columns p and q only.
        for (let k = 0; k < n; k++) {
          const akp = A[k * n + p];
          const akq = A[k * n + q];
          A[k * n + p] = c * akp - s * akq;
          A[k * n + q] = s * akp + c * akq;
        }
        for (let k = 0; k < n; k++) {
          const apk = A[p * n + k];
          const aqk = A[q * n + k];
          A[p * n + k] = c * apk - s * aqk;
          A[q * n + k] = s * apk + c * aqk;
        }
        A[p * n + q] = 0;
        A[q * n + p] = 0;
        for (let k = 0; k < n; k++) {
          const vkp = V[k * n + p];
          const vkq = V[k * n + q];
          V[k * n + p] = c * vkp - s * vkq;
          V[k * n + q] = s * vkp + c * vkq;
        }
      }
    }
  }
  const order = Array.from({ length: n }, (_, i) => i).sort((i, j) => A[j * n + j] - A[i * n + i]);
  const values = new Float64Array(n);
  const vectors = new Float64Array(n * n);
  order.forEach((src, dst) => {
    values[dst] = A[src * n + src];
    for (let k = 0; k < n; k++) vectors[k * n + dst] = V[k * n + src];
  });
  return { values, vectors };
}

/**
 * Orthonormalises the l columns of a d × l row-major matrix in place by modified
 * Gram–Schmidt, applied twice ("twice is enough", Giraud et al. 2005) to keep the basis
 * orthogonal to working precision. A column that (nearly) lies in the span of the earlier ones is replaced by a unit vector.
 */
export function orthonormalizeColumns(W: Float64Array, d: number, l: number): void {
  let refills = 0;
  for (let pass = 0; pass < 2; pass++) {
    for (let c = 0; c < l; c++) {
      let before = 0;
      for (let j = 0; j < d; j++) before += W[j * l + c] ** 2;
      for (let b = 0; b < c; b++) {
        let dot = 0;
        for (let j = 0; j < d; j++) dot += W[j * l + b] * W[j * l + c];
        for (let j = 0; j < d; j++) W[j * l + c] -= dot * W[j * l + b];
      }
      let norm = 0;
      for (let j = 0; j < d; j++) norm += W[j * l + c] ** 2;
      norm = Math.sqrt(norm);
      if ((norm === 0 || norm < 1e-10 * Math.sqrt(before)) && refills < 4 * l) {
        // A dependent column: restart it from another unit vector (l ≤ d is assumed).
        refills++;
        for (let j = 0; j < d; j++) W[j * l + c] = j === (c + refills) % d ? 1 : 0;
        c--;
        continue;
      }
      for (let j = 0; j < d; j++) W[j * l + c] /= norm;
    }
  }
}
