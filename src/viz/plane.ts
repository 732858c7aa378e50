import { DEFAULT_MIN_LOG_VARIANCE } from '../gm/params.js';
import { Projection2D, pca2, project, projectDiagonalCovariance, unproject } from './pca.js';
import type { RunMixture } from '../run/mixture.js';

/**
 * The 2-D plane a run's features are drawn in: the features themselves when D = 2, else the plane of the
 * two leading principal components through the feature mean (and the plot says so).
 */
export interface FeaturePlane {
  dim: number;
  /** null when D = 2 (the plane is the feature space). */
  projection: Projection2D | null;
  /** Plane coordinates of a D-dimensional point. */
  to2d(point: number[]): [number, number];
  /** The D-dimensional point at plane coordinates (u, v). */
  fromPlane(u: number, v: number): number[];
  /** Axis labels. */
  xLabel: string;
  yLabel: string;
  /** A line for the plot saying how the plane was made, or null for plain 2-D features. */
  note: string | null;
}

function percent(x: number): string {
  return `${(100 * x).toFixed(1)}%`;
}

/** The plane for `features` ([N][D], D >= 1): identity for D = 2, PCA for D > 2, D = 1 padded with 0. */
export function featurePlane(features: number[][]): FeaturePlane {
  const dim = features[0].length;
  if (dim <= 2) {
    return {
      dim,
      projection: null,
      to2d: (p) => [p[0], dim === 2 ? p[1] : 0],
      fromPlane: (u, v) => (dim === 2 ? [u, v] : [u]),
      xLabel: 'feature 1',
      yLabel: dim === 2 ? 'feature 2' : '(none: 1-D features)',
      note: null,
    };
  }
  const projection = pca2(features);
  const [e1, e2] = projection.explained;
  return {
    dim,
    projection,
    to2d: (p) => project(projection, p),
    fromPlane: (u, v) => unproject(projection, u, v),
    xLabel: `PC 1 (${percent(e1)} of variance)`,
    yLabel: `PC 2 (${percent(e2)} of variance)`,
    note: `PCA projection of ${dim}-D features`,
  };
}

/** Per-dimension variances of class k, with the same floor as the mixture code (src/gm/params.ts). */
export function classVariances(mixture: RunMixture, k: number, dim: number): number[] {
  const floor = (lv: number) => Math.exp(Math.max(lv, DEFAULT_MIN_LOG_VARIANCE));
  const lv = mixture.logVariances;
  if (mixture.covariance === 'identity' || lv === null) return new Array<number>(dim).fill(1);
  if (mixture.covariance === 'isotropic') return new Array<number>(dim).fill(floor(lv[k] as number));
  return (lv[k] as number[]).map(floor);
}

/** The 2 x 2 covariance [xx, xy, yy] of class k in the plane (a projected Gaussian is still Gaussian). */
export function planeCovariance(
  plane: FeaturePlane,
  mixture: RunMixture,
  k: number,
): [number, number, number] {
  const variances = classVariances(mixture, k, plane.dim);
  if (plane.projection !== null) return projectDiagonalCovariance(plane.projection, variances);
  return [variances[0], 0, plane.dim === 2 ? variances[1] : 0];
}

/**
 * The k-sigma ellipse of a 2-D Gaussian with covariance [xx, xy, yy]: semi-axes k*sqrt(eigenvalue) along
 * the eigenvectors, angle in degrees of the first axis from the x axis (data coordinates).
 */
export function ellipseOf(
  cov: [number, number, number],
  k: number,
): { rx: number; ry: number; angle: number } {
  const [a, b, c] = cov;
  const mid = (a + c) / 2;
  const half = Math.sqrt(((a - c) / 2) ** 2 + b * b);
  const l1 = Math.max(mid + half, 0);
  const l2 = Math.max(mid - half, 0);
  const angle = b === 0 && a >= c ? 0 : (Math.atan2(l1 - a, b) * 180) / Math.PI;
  return { rx: k * Math.sqrt(l1), ry: k * Math.sqrt(l2), angle };
}
