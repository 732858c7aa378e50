import { LgmError } from '../util/errors.js';

/**
 * Dense float64 linear algebra for the small D x D covariance matrices of feature detectors (D is 2..512):
 * plain JS is exact enough and avoids float32 round-off in the factorisation. Matrices are row-major.
 */

/** Lower Cholesky factor L of a symmetric positive-definite n x n matrix A = L L^T. */
export function choleskyLower(where: string, a: Float64Array, n: number): Float64Array {
  if (a.length !== n * n) {
    throw new LgmError(`${where}: matrix must have ${n * n} entries (${n} x ${n}), got ${a.length}`);
  }
  const l = new Float64Array(n * n);
  for (let j = 0; j < n; j++) {
    let diag = a[j * n + j];
    for (let k = 0; k < j; k++) diag -= l[j * n + k] * l[j * n + k];
    if (!(diag > 0)) {
      throw new LgmError(
        `${where}: covariance must be positive definite, got pivot ${diag} at row ${j}; ` +
          'increase the regularisation',
      );
    }
    const ljj = Math.sqrt(diag);
    l[j * n + j] = ljj;
    for (let i = j + 1; i < n; i++) {
      let s = a[i * n + j];
      for (let k = 0; k < j; k++) s -= l[i * n + k] * l[j * n + k];
      l[i * n + j] = s / ljj;
    }
  }
  return l;
}

/** Inverse of a lower-triangular matrix with a positive diagonal (forward substitution, column by column). */
export function invertLower(l: Float64Array, n: number): Float64Array {
  const inv = new Float64Array(n * n);
  for (let j = 0; j < n; j++) {
    inv[j * n + j] = 1 / l[j * n + j];
    for (let i = j + 1; i < n; i++) {
      let s = 0;
      for (let k = j; k < i; k++) s += l[i * n + k] * inv[k * n + j];
      inv[i * n + j] = -s / l[i * n + i];
    }
  }
  return inv;
}
