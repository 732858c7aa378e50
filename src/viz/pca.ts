/**
 * Principal component projection for plotting features wider than 2: the two leading eigenvectors of the
 * sample covariance, found with the cyclic Jacobi method (exact for the small symmetric D x D matrices here,
 * D is the feature width, typically 2..512) in float64 on the host.
 */

/** A projection onto two orthonormal directions through a centre. */
export interface Projection2D {
  /** Mean of the data, length D. */
  center: number[];
  /** Two orthonormal directions, each of length D. */
  axes: [number[], number[]];
  /** Share of the total variance each axis explains, in [0, 1]. */
  explained: [number, number];
}

/** Sample covariance (1/N) of rows, as a D x D array, and the mean. */
function covariance(rows: number[][]): { mean: number[]; cov: number[][] } {
  const n = rows.length;
  const d = rows[0].length;
  const mean = new Array<number>(d).fill(0);
  for (const row of rows) for (let j = 0; j < d; j++) mean[j] += row[j] / n;
  const cov = Array.from({ length: d }, () => new Array<number>(d).fill(0));
  for (const row of rows) {
    for (let a = 0; a < d; a++) {
      const da = row[a] - mean[a];
      for (let b = a; b < d; b++) cov[a][b] += (da * (row[b] - mean[b])) / n;
    }
  }
  for (let a = 0; a < d; a++) for (let b = 0; b < a; b++) cov[a][b] = cov[b][a];
  return { mean, cov };
}

/** Eigen-decomposition of a symmetric matrix by cyclic Jacobi rotations: eigenvalues and column eigenvectors. */
export function symmetricEigen(matrix: number[][]): { values: number[]; vectors: number[][] } {
  const d = matrix.length;
  const a = matrix.map((row) => row.slice());
  const v: number[][] = Array.from({ length: d }, (_, i) =>
    Array.from({ length: d }, (_, j) => (i === j ? 1 : 0)),
  );
  for (let sweep = 0; sweep < 100; sweep++) {
    let off = 0;
    for (let p = 0; p < d; p++) for (let q = p + 1; q < d; q++) off += a[p][q] * a[p][q];
    if (off < 1e-22) break;
    for (let p = 0; p < d; p++) {
      for (let q = p + 1; q < d; q++) {
        if (Math.abs(a[p][q]) < 1e-300) continue;
        // Rotation angle that zeroes a[p][q] (Golub & Van Loan, Algorithm 8.4.1).
        const theta = (a[q][q] - a[p][p]) / (2 * a[p][q]);
        const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1);
        const s = t * c;
        for (let k = 0; k < d; k++) {
          const akp = a[k][p];
          const akq = a[k][q];
          a[k][p] = c * akp - s * akq;
          a[k][q] = s * akp + c * akq;
        }
        for (let k = 0; k < d; k++) {
          const apk = a[p][k];
          const aqk = a[q][k];
          a[p][k] = c * apk - s * aqk;
          a[q][k] = s * apk + c * aqk;
        }
        for (let k = 0; k < d; k++) {
          const vkp = v[k][p];
          const vkq = v[k][q];
          v[k][p] = c * vkp - s * vkq;
          v[k][q] = s * vkp + c * vkq;
        }
      }
    }
  }
  return { values: a.map((row, i) => row[i]), vectors: v };
}

/** Makes the sign of a direction deterministic: its largest-magnitude entry is positive. */
function canonicalSign(vector: number[]): number[] {
  let best = 0;
  for (let i = 1; i < vector.length; i++) if (Math.abs(vector[i]) > Math.abs(vector[best])) best = i;
  return vector[best] < 0 ? vector.map((x) => -x) : vector;
}

/** The two leading principal directions of `rows` (N >= 1 rows of width D >= 2). */
export function pca2(rows: number[][]): Projection2D {
  const { mean, cov } = covariance(rows);
  const { values, vectors } = symmetricEigen(cov);
  const order = values.map((_, i) => i).sort((i, j) => values[j] - values[i] || i - j);
  const column = (i: number) => canonicalSign(vectors.map((row) => row[i]));
  const total = values.reduce((s, x) => s + Math.max(x, 0), 0);
  const share = (i: number) => (total > 0 ? Math.max(values[i], 0) / total : 0);
  return {
    center: mean,
    axes: [column(order[0]), column(order[1])],
    explained: [share(order[0]), share(order[1])],
  };
}

/** Coordinates of a point in the projection plane. */
export function project(p: Projection2D, point: number[]): [number, number] {
  let u = 0;
  let v = 0;
  for (let j = 0; j < point.length; j++) {
    const c = point[j] - p.center[j];
    u += c * p.axes[0][j];
    v += c * p.axes[1][j];
  }
  return [u, v];
}

/** The D-dimensional point at plane coordinates (u, v). */
export function unproject(p: Projection2D, u: number, v: number): number[] {
  return p.center.map((c, j) => c + u * p.axes[0][j] + v * p.axes[1][j]);
}

/** W^T diag(variances) W for the 2 projection axes: the projected covariance of a diagonal Gaussian. */
export function projectDiagonalCovariance(p: Projection2D, variances: number[]): [number, number, number] {
  let xx = 0;
  let xy = 0;
  let yy = 0;
  for (let j = 0; j < variances.length; j++) {
    const [a, b] = [p.axes[0][j], p.axes[1][j]];
    xx += a * a * variances[j];
    xy += a * b * variances[j];
    yy += b * b * variances[j];
  }
  return [xx, xy, yy];
}
