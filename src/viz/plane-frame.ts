import { LgmError } from '../util/errors.js';
import { mulberry32 } from '../util/random.js';
import { checkKnownKeys, numberOption } from '../util/options.js';
import { Axes, LegendEntry, legendWidth, makeAxes } from './chart.js';
import { FeaturePlane, featurePlane } from './plane.js';
import { type RunFeatures, checkRunFeatures } from '../run/features.js';
import { type RunMixture, checkMixture } from '../run/mixture.js';
import { extent, niceDomain } from './scale.js';

/** Options shared by the plots drawn in a run's 2-D feature plane. */
export interface PlaneFigureOptions {
  /** Title at the top. Default depends on the plot. */
  title?: string;
  /** Figure width in pixels, 240..4000. Default depends on the plot. */
  width?: number;
  /** Figure height in pixels, 200..4000. Default 560. */
  height?: number;
  /** Most test points drawn; larger sets are thinned to a seeded random sample. 1..100000. */
  maxPoints?: number;
  /** Seed of that sample, an integer in [0, 2^32). Default 0. */
  seed?: number;
  /** Prefix for ids inside the SVG, so several plots can share one document. Default depends on the plot. */
  idPrefix?: string;
}

export const PLANE_FIGURE_KEYS = ['title', 'width', 'height', 'maxPoints', 'seed', 'idPrefix'] as const;

/** Defaults that differ between the feature-plane plots. */
export interface PlaneFigureDefaults {
  title: string;
  idPrefix: string;
  width: number;
  maxPoints: number;
}

/** Validated, defaulted `PlaneFigureOptions`. */
export type ResolvedPlaneFigure = Required<PlaneFigureOptions>;

/** Validates the shared options; `extraKeys` are the caller's own options (validated by the caller). */
export function planeFigureOptions(
  where: string,
  options: PlaneFigureOptions,
  defaults: PlaneFigureDefaults,
  extraKeys: readonly string[] = [],
): ResolvedPlaneFigure {
  checkKnownKeys(where, options, [...PLANE_FIGURE_KEYS, ...extraKeys]);
  return {
    title: options.title ?? defaults.title,
    width: numberOption(where, 'options.width', options.width, defaults.width, { min: 240, max: 4000 }),
    height: numberOption(where, 'options.height', options.height, 560, { min: 200, max: 4000 }),
    maxPoints: numberOption(where, 'options.maxPoints', options.maxPoints, defaults.maxPoints, {
      min: 1,
      max: 100000,
      integer: true,
    }),
    seed: numberOption(where, 'options.seed', options.seed, 0, { min: 0, max: 2 ** 32 - 1, integer: true }),
    idPrefix: options.idPrefix ?? defaults.idPrefix,
  };
}

/**
 * At most `max` of the indices 0..n-1, ascending: all of them, or a seeded uniform sample (partial
 * Fisher-Yates). A fixed stride would alias with data stored in class order (every 10th of a 10-class
 * interleaved set is one class), a seeded sample cannot.
 */
export function thinned(n: number, max: number, seed: number): number[] {
  const all = Array.from({ length: n }, (_, i) => i);
  if (n <= max) return all;
  const rand = mulberry32(seed);
  for (let i = 0; i < max; i++) {
    const j = i + Math.floor(rand() * (n - i));
    [all[i], all[j]] = [all[j], all[i]];
  }
  return all.slice(0, max).sort((a, b) => a - b);
}

/**
 * Validates the test features and the mixture (when given) a plot draws, and that the mixture has one mean
 * per class of the features' width.
 */
export function checkPlaneInputs(where: string, run: RunFeatures, mixture: RunMixture | null): void {
  checkRunFeatures(where, run);
  if (mixture === null) return;
  checkMixture('', mixture, run.dim, `${where} mixture`);
  if (mixture.means.length !== run.numClasses || mixture.means[0].length !== run.dim) {
    throw new LgmError(
      `${where}: mixture means must be [${run.numClasses}, ${run.dim}] to match the features, ` +
        `got [${mixture.means.length}, ${mixture.means[0].length}]`,
    );
  }
}

/**
 * Widens the domain that needs fewer pixels per unit about its centre, so that one feature unit spans the same
 * number of pixels on both axes: a round Gaussian is drawn round and distances in the plot are honest.
 */
export function equalAspect(
  x: [number, number],
  y: [number, number],
  areaWidth: number,
  areaHeight: number,
): { x: [number, number]; y: [number, number] } {
  const unitsPerPixel = Math.max((x[1] - x[0]) / areaWidth, (y[1] - y[0]) / areaHeight);
  const widen = (d: [number, number], pixels: number): [number, number] => {
    const centre = (d[0] + d[1]) / 2;
    const half = (unitsPerPixel * pixels) / 2;
    return [centre - half, centre + half];
  };
  return { x: widen(x, areaWidth), y: widen(y, areaHeight) };
}

/** What a plot in the feature plane draws on. */
export interface PlaneFrame {
  plane: FeaturePlane;
  /** Indices of the test points drawn. */
  keep: number[];
  /** Plane coordinates of the drawn test points. */
  points: [number, number][];
  /** Plane coordinates of the extra rows (means, adversarial points), in order. */
  extra: [number, number][];
  axes: Axes;
}

/** How a plot describes its plane and legend to `planeFrame`. */
export interface PlaneFrameSpec {
  /** D-dimensional rows that must be inside the axes besides the test points. */
  extraRows: number[][];
  legend: LegendEntry[];
  /** The line that says how the plane was made (PCA), or null for 2-D features. */
  note: (plane: FeaturePlane) => string | null;
}

/**
 * Projects the run's test features (thinned to maxPoints) and the extra rows into the feature plane and
 * builds axes around them, with room for the legend on the right and the notes under the title.
 */
export function planeFrame(run: RunFeatures, opts: ResolvedPlaneFigure, spec: PlaneFrameSpec): PlaneFrame {
  const plane = featurePlane(run.features);
  const keep = thinned(run.features.length, opts.maxPoints, opts.seed);
  const points = keep.map((i) => plane.to2d(run.features[i]));
  const extra = spec.extraRows.map((row) => plane.to2d(row));
  const all = [...points, ...extra];
  const xs = extent(all.map((p) => p[0])) ?? [0, 1];
  const ys = extent(all.map((p) => p[1])) ?? [0, 1];
  const total = run.features.length;
  const notes = [
    spec.note(plane),
    keep.length < total ? `${keep.length} of ${total} points shown` : null,
  ].filter((n): n is string => n !== null);
  const margins = {
    top: 34 + 15 * notes.length,
    right: Math.max(legendWidth(spec.legend), 80) + 16,
    bottom: 56,
    left: 64,
  };
  const domains = equalAspect(
    niceDomain(xs[0], xs[1]),
    niceDomain(ys[0], ys[1]),
    opts.width - margins.left - margins.right,
    opts.height - margins.top - margins.bottom,
  );
  const axes = makeAxes({
    x: 0,
    y: 0,
    width: opts.width,
    height: opts.height,
    margins,
    xDomain: domains.x,
    yDomain: domains.y,
    title: opts.title,
    xLabel: plane.xLabel,
    yLabel: plane.yLabel,
    id: opts.idPrefix,
    notes,
  });
  return { plane, keep, points, extra, axes };
}
