import { checkKnownKeys, numberOption } from '../util/options.js';
import { LgmError } from '../util/errors.js';
import { Axes, Figure, LegendEntry, crossMarker, legend, legendWidth, makeAxes } from './chart.js';
import { classColor } from './palette.js';
import { FeaturePlane, ellipseOf, featurePlane, planeCovariance } from './plane.js';
import type { RunFeatures, RunMixture } from './run-files.js';
import { extent, niceDomain } from './scale.js';
import { el, num } from './svg.js';

/** Options of `featurePlot`. */
export interface FeaturePlotOptions {
  /** Title at the top. Default 'Feature space'. */
  title?: string;
  /** Figure width in pixels, 240..4000. Default 640. */
  width?: number;
  /** Figure height in pixels, 200..4000. Default 560. */
  height?: number;
  /** Most points drawn; larger sets are thinned by a fixed stride (deterministic). 1..100000, default 10000. */
  maxPoints?: number;
  /** Prefix for ids inside the SVG, so several plots can share one document. Default 'fp'. */
  idPrefix?: string;
}

const KEYS = ['title', 'width', 'height', 'maxPoints', 'idPrefix'];

/** Indices 0, s, 2s, ... with the stride s that keeps at most `max` of `n`. */
export function thinned(n: number, max: number): number[] {
  const stride = Math.ceil(n / max);
  const out: number[] = [];
  for (let i = 0; i < n; i += stride) out.push(i);
  return out;
}

/** Defaults that differ between the 2-D feature-plane plots. */
export interface FigureDefaults {
  title: string;
  idPrefix: string;
  width: number;
  maxPoints: number;
}

/** Validated title, size, point cap and id prefix shared by every 2-D feature-plane plot. */
export function figureOptions(where: string, options: FeaturePlotOptions, defaults: FigureDefaults) {
  return {
    title: options.title ?? defaults.title,
    width: numberOption(where, 'options.width', options.width, defaults.width, { min: 240, max: 4000 }),
    height: numberOption(where, 'options.height', options.height, 560, { min: 200, max: 4000 }),
    maxPoints: numberOption(where, 'options.maxPoints', options.maxPoints, defaults.maxPoints, {
      min: 1,
      max: 100000,
      integer: true,
    }),
    idPrefix: options.idPrefix ?? defaults.idPrefix,
  };
}

/** Checks that a mixture matches the features it is drawn with. */
export function checkMixtureFits(where: string, run: RunFeatures, mixture: RunMixture | null): void {
  if (mixture === null) return;
  if (mixture.means.length !== run.numClasses || mixture.means[0].length !== run.dim) {
    throw new LgmError(
      `${where}: mixture means must be [${run.numClasses}, ${run.dim}] to match the features, ` +
        `got [${mixture.means.length}, ${mixture.means[0].length}]`,
    );
  }
}

/** 1- and 2-sigma ellipses of every class, each `<ellipse class="sigma-ellipse">`, in pixel space. */
function ellipses(axes: Axes, plane: FeaturePlane, mixture: RunMixture): string[] {
  // Pixels per data unit along x and y: the pixel covariance is S C S with S = diag(kx, -ky).
  const kx = (axes.sx(1) - axes.sx(0)) as number;
  const ky = (axes.sy(1) - axes.sy(0)) as number;
  const out: string[] = [];
  mixture.means.forEach((mean, k) => {
    const [xx, xy, yy] = planeCovariance(plane, mixture, k);
    const [u, v] = plane.to2d(mean);
    const [cx, cy] = [axes.sx(u), axes.sy(v)];
    for (const sigma of [1, 2]) {
      const { rx, ry, angle } = ellipseOf([xx * kx * kx, xy * kx * ky, yy * ky * ky], sigma);
      out.push(
        el('ellipse', {
          class: 'sigma-ellipse',
          cx,
          cy,
          rx,
          ry,
          transform: `rotate(${num(angle)} ${num(cx)} ${num(cy)})`,
          fill: 'none',
          stroke: classColor(k),
          'stroke-width': sigma === 1 ? 2 : 1.5,
          'stroke-dasharray': sigma === 1 ? undefined : '6 4',
        }),
      );
    }
  });
  return out;
}

/** Learned means as `<g class="class-mean">` crosses with a white halo so they show on top of points. */
function meanMarkers(axes: Axes, plane: FeaturePlane, mixture: RunMixture): string[] {
  return mixture.means.map((mean) => {
    const [u, v] = plane.to2d(mean);
    const [x, y] = [axes.sx(u), axes.sy(v)];
    return el('g', { class: 'class-mean' }, [
      crossMarker(x, y, 7, '#ffffff', 5),
      crossMarker(x, y, 7, '#000000', 2.5),
    ]);
  });
}

/** Class-coloured points, one `<g class="class-points">` per class. */
export function classPoints(
  axes: Axes,
  points: [number, number][],
  labels: number[],
  numClasses: number,
  r = 1.8,
) {
  const byClass: string[][] = Array.from({ length: numClasses }, () => []);
  points.forEach(([u, v], i) => {
    byClass[labels[i]].push(el('circle', { cx: axes.sx(u), cy: axes.sy(v), r }));
  });
  return byClass.map((circles, k) =>
    el('g', { class: 'class-points', fill: classColor(k), 'fill-opacity': 0.75 }, circles),
  );
}

/** Legend entries: one per class, then the mean marker and the ellipse styles when a mixture is drawn. */
function entries(numClasses: number, withMixture: boolean): LegendEntry[] {
  const classes: LegendEntry[] = Array.from({ length: numClasses }, (_, k) => ({
    label: `class ${k}`,
    color: classColor(k),
    kind: 'point',
  }));
  if (!withMixture) return classes;
  return [
    ...classes,
    { label: 'learned mean', color: '#000000', kind: 'cross' },
    { label: '1\u03c3 ellipse', color: '#444444', kind: 'line' },
    { label: '2\u03c3 ellipse', color: '#444444', kind: 'line', dash: '6 4' },
  ];
}

/** The 2-D data extent of points and (when drawn) means, padded to nice ticks. */
function domains(points: [number, number][], means: [number, number][]) {
  const all = [...points, ...means];
  const xs = extent(all.map((p) => p[0])) ?? [0, 1];
  const ys = extent(all.map((p) => p[1])) ?? [0, 1];
  return { x: niceDomain(xs[0], xs[1]), y: niceDomain(ys[0], ys[1]) };
}

/**
 * The feature-space plot of a run: test features coloured by class and, for L-GM runs, each class's
 * Gaussian as 1- and 2-sigma ellipses around its learned mean (the paper's Fig. 2 / Fig. 4 style).
 * Features wider than 2 are drawn in their 2-D PCA plane and the plot says so.
 */
export function featurePlot(
  run: RunFeatures,
  mixture: RunMixture | null,
  options: FeaturePlotOptions = {},
): Figure {
  const where = 'featurePlot';
  checkKnownKeys(where, options, KEYS);
  const opts = figureOptions(where, options, {
    title: 'Feature space',
    idPrefix: 'fp',
    width: 640,
    maxPoints: 10000,
  });
  checkMixtureFits(where, run, mixture);
  const plane = featurePlane(run.features);
  const keep = thinned(run.features.length, opts.maxPoints);
  const points = keep.map((i) => plane.to2d(run.features[i]));
  const labels = keep.map((i) => run.labels[i]);
  const means = mixture === null ? [] : mixture.means.map((m) => plane.to2d(m));
  const legendEntries = entries(run.numClasses, mixture !== null);
  const notes = [
    plane.note,
    keep.length < run.features.length ? `${keep.length} of ${run.features.length} points shown` : null,
  ];
  const axes = makeAxes({
    x: 0,
    y: 0,
    width: opts.width,
    height: opts.height,
    margins: {
      top: 34 + 15 * notes.filter((n) => n !== null).length,
      right: legendWidth(legendEntries) + 16,
      bottom: 56,
      left: 64,
    },
    ...((d) => ({ xDomain: d.x, yDomain: d.y }))(domains(points, means)),
    title: opts.title,
    xLabel: plane.xLabel,
    yLabel: plane.yLabel,
    id: opts.idPrefix,
    notes: notes.filter((n): n is string => n !== null),
  });
  const data = [
    ...classPoints(axes, points, labels, run.numClasses),
    ...(mixture === null ? [] : [...ellipses(axes, plane, mixture), ...meanMarkers(axes, plane, mixture)]),
  ];
  return {
    width: opts.width,
    height: opts.height,
    body: [
      ...axes.background,
      el('g', { 'clip-path': axes.clip }, data),
      ...axes.foreground,
      ...legend(axes.area.x + axes.area.width + 8, axes.area.y, legendEntries),
    ],
  };
}
