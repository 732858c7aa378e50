import { Axes, Figure, LegendEntry, crossMarker, legend } from './chart.js';
import { classColor } from './palette.js';
import { FeaturePlane, ellipseOf, planeCovariance } from './plane.js';
import { PlaneFigureOptions, checkPlaneInputs, planeFigureOptions, planeFrame } from './plane-frame.js';
import type { RunFeatures } from '../run/features.js';
import type { RunMixture } from '../run/mixture.js';
import { el, num } from './svg.js';

/** Options of `featurePlot`: title (default 'Feature space'), width (default 640), height, maxPoints
 * (default 10000), seed (default 0), idPrefix (default 'fp'); see `PlaneFigureOptions` for ranges. */
export type FeaturePlotOptions = PlaneFigureOptions;

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
      const shape = {
        cx,
        cy,
        rx,
        ry,
        transform: `rotate(${num(angle)} ${num(cx)} ${num(cy)})`,
        fill: 'none',
      };
      const width = sigma === 1 ? 2 : 1.5;
      const dash = sigma === 1 ? undefined : '6 4';
      // A white halo under the class-coloured line keeps it visible on a dense cloud of the same colour.
      out.push(
        el('ellipse', { ...shape, stroke: '#ffffff', 'stroke-width': width + 2.5, 'stroke-dasharray': dash }),
        el('ellipse', {
          class: 'sigma-ellipse',
          ...shape,
          stroke: classColor(k),
          'stroke-width': width,
          'stroke-dasharray': dash,
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
  const defaults = { title: 'Feature space', idPrefix: 'fp', width: 640, maxPoints: 10000 };
  const opts = planeFigureOptions(where, options, defaults);
  checkPlaneInputs(where, run, mixture);
  const legendEntries = entries(run.numClasses, mixture !== null);
  const { plane, keep, points, axes } = planeFrame(run, opts, {
    extraRows: mixture?.means ?? [],
    legend: legendEntries,
    note: (p) => p.note,
  });
  const labels = keep.map((i) => run.labels[i]);
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
