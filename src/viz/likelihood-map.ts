import * as tf from '@tensorflow/tfjs-core';
import { GaussianMixtureParams } from '../gm/params.js';
import { mixtureLogLikelihood } from '../gm/density.js';
import { LgmError } from '../util/errors.js';
import { numberOption } from '../util/options.js';
import { Figure, LegendEntry, TEXT, crossMarker, legend } from './chart.js';
import {
  PlaneFigureOptions,
  PlaneFrame,
  checkPlaneInputs,
  planeFigureOptions,
  planeFrame,
} from './plane-frame.js';
import { viridis } from './palette.js';
import type { FeaturePlane } from './plane.js';
import type { RunFeatures } from '../run/features.js';
import type { RunMixture } from '../run/mixture.js';
import { extent, linearScale, tickLabel, ticks } from './scale.js';
import { el, num, textEl } from './svg.js';

/** Options of `likelihoodMap`: the shared plane options (title default 'Mixture log-likelihood', width
 * default 680, maxPoints default 1000 clean points, idPrefix default 'lm') plus the heat map's own. */
export interface LikelihoodMapOptions extends PlaneFigureOptions {
  /** Grid cells per side of the heat map, 10..400. Default 100. */
  resolution?: number;
  /**
   * Grid values below this quantile of all grid values share the darkest colour, so that the far tails (where
   * log p(x) runs to -1e4) do not wash out the structure near the classes. 0..0.5, default 0.05.
   */
  lowQuantile?: number;
}

/** Colour levels of the heat map: adjacent cells of one level in a row merge into one rectangle. */
const LEVELS = 64;

/** Tensors for `mixtureLogLikelihood` from a mixture.json (caller disposes). */
function mixtureTensors(m: RunMixture): GaussianMixtureParams {
  return {
    means: tf.tensor2d(m.means),
    logVariances: m.logVariances === null ? undefined : tf.tensor(m.logVariances),
    logPriors: m.logPriors === null ? undefined : tf.tensor1d(m.logPriors),
  };
}

/** log p(x) over a resolution x resolution grid of plane cells (row 0 at the top), computed in one batch. */
function gridLogLikelihood(
  plane: FeaturePlane,
  mixture: RunMixture,
  xs: number[],
  ys: number[],
): Float32Array {
  const points: number[][] = [];
  for (const v of ys) for (const u of xs) points.push(plane.fromPlane(u, v));
  const params = mixtureTensors(mixture);
  try {
    return tf.tidy(() =>
      mixtureLogLikelihood(tf.tensor2d(points, [points.length, plane.dim]), params, {
        covariance: mixture.covariance,
      }).dataSync(),
    ) as Float32Array;
  } finally {
    tf.dispose([params.means, params.logVariances, params.logPriors].filter((t) => t !== undefined));
  }
}

function quantile(values: Float32Array, q: number): number {
  const sorted = Float64Array.from(values).sort();
  return sorted[Math.min(sorted.length - 1, Math.floor(q * (sorted.length - 1)))];
}

/** Heat-map rectangles: each row's runs of equal colour level merged (keeps the SVG small). */
function heatCells(
  values: Float32Array,
  n: number,
  box: { x: number; y: number; width: number; height: number },
  level: (v: number) => number,
): string[] {
  const cw = box.width / n;
  const ch = box.height / n;
  const rects: string[] = [];
  for (let row = 0; row < n; row++) {
    let start = 0;
    for (let col = 1; col <= n; col++) {
      const current = level(values[row * n + start]);
      if (col < n && level(values[row * n + col]) === current) continue;
      // Half a pixel of overlap hides anti-aliasing seams between neighbouring rectangles.
      rects.push(
        el('rect', {
          x: box.x + start * cw,
          y: box.y + row * ch,
          width: (col - start) * cw + 0.5,
          height: ch + 0.5,
          fill: viridis(current / (LEVELS - 1)),
        }),
      );
      start = col;
    }
  }
  return rects;
}

/** A vertical viridis colour bar from `lo` (bottom) to `hi` (top) with ticks and a label. */
function colorBar(id: string, x: number, y: number, height: number, lo: number, hi: number): string[] {
  const stops = Array.from({ length: 9 }, (_, i) =>
    el('stop', { offset: `${num((i / 8) * 100)}%`, 'stop-color': viridis(1 - i / 8) }),
  );
  const scale = linearScale([lo, hi], [y + height, y]);
  const marks = ticks(lo, hi, 5);
  return [
    el('linearGradient', { id: `${id}-bar`, x1: 0, y1: 0, x2: 0, y2: 1 }, stops),
    el('rect', { x, y, width: 16, height, fill: `url(#${id}-bar)`, stroke: '#444444' }),
    ...marks.map((t) =>
      el('g', { class: 'colorbar-tick' }, [
        el('path', { d: `M${num(x + 16)},${num(scale(t))}h4`, stroke: '#444444' }),
        textEl(tickLabel(t), { x: x + 23, y: scale(t) + 4, 'font-size': TEXT.tick }),
      ]),
    ),
    textEl('log p(x)', { x: x - 2, y: y - 8, 'font-size': TEXT.legend }),
  ];
}

/** The heat-map cells over the axes' plot area and the log-likelihood range they span. */
function heatLayer(
  frame: PlaneFrame,
  mixture: RunMixture,
  n: number,
  lowQuantile: number,
): { cells: string[]; lo: number; hi: number } {
  const { axes, plane } = frame;
  // Cell centres: row 0 is the top of the plot (largest v).
  const [u0, u1] = axes.sx.domain;
  const [v0, v1] = axes.sy.domain;
  const xs = Array.from({ length: n }, (_, i) => u0 + ((i + 0.5) / n) * (u1 - u0));
  const ys = Array.from({ length: n }, (_, i) => v1 - ((i + 0.5) / n) * (v1 - v0));
  const values = gridLogLikelihood(plane, mixture, xs, ys);
  const hi = (extent(values) ?? [0, 1])[1];
  const lo = Math.min(quantile(values, lowQuantile), hi - 1e-6);
  const level = (v: number) => Math.round(Math.min(1, Math.max(0, (v - lo) / (hi - lo))) * (LEVELS - 1));
  return { cells: heatCells(values, n, axes.area, level), lo, hi };
}

/** Clean points as white circles and adversarial points as red crosses. */
function overlay(frame: PlaneFrame, adversarial: [number, number][]): string[] {
  const { sx, sy } = frame.axes;
  return [
    el(
      'g',
      { class: 'clean-points', fill: '#ffffff', stroke: '#222222', 'stroke-width': 0.6 },
      frame.points.map(([u, v]) => el('circle', { cx: sx(u), cy: sy(v), r: 2.2 })),
    ),
    el(
      'g',
      { class: 'adversarial-points' },
      adversarial.map(([u, v]) => crossMarker(sx(u), sy(v), 3.5, ADVERSARIAL_COLOR, 1.8)),
    ),
  ];
}

const ADVERSARIAL_COLOR = '#ff2d55';

/**
 * A heat map of the mixture log-likelihood log p(x) = logsumexp_k (log pi_k + log N(x; mu_k, Sigma_k)) over
 * the 2-D feature plane, with clean test points (white circles) and adversarial points (red crosses) on top:
 * adversarial examples that fool the classifier still tend to land where log p(x) is low (paper, Sec. 3.3).
 * For D > 2 the map is a slice through the PCA plane of the clean features, and the plot says so.
 */
export function likelihoodMap(
  run: RunFeatures,
  mixture: RunMixture,
  adversarial: number[][] | null,
  options: LikelihoodMapOptions = {},
): Figure {
  const where = 'likelihoodMap';
  const defaults = { title: 'Mixture log-likelihood', idPrefix: 'lm', width: 680, maxPoints: 1000 };
  const opts = planeFigureOptions(where, options, defaults, ['resolution', 'lowQuantile']);
  const n = numberOption(where, 'options.resolution', options.resolution, 100, {
    min: 10,
    max: 400,
    integer: true,
  });
  const lowQ = numberOption(where, 'options.lowQuantile', options.lowQuantile, 0.05, { min: 0, max: 0.5 });
  checkPlaneInputs(where, run, mixture);
  const adv = adversarial ?? [];
  const badRow = adv.findIndex((r) => r.length !== run.dim || !r.every(Number.isFinite));
  if (badRow >= 0) {
    throw new LgmError(`${where}: adversarial[${badRow}] must be ${run.dim} finite numbers, got another row`);
  }
  const legendEntries: LegendEntry[] = [
    { label: 'clean', color: '#ffffff', kind: 'point', stroke: '#222222' },
    ...(adversarial === null
      ? []
      : [{ label: 'adversarial', color: ADVERSARIAL_COLOR, kind: 'cross' as const }]),
  ];
  const frame = planeFrame(run, opts, {
    extraRows: [...adv, ...mixture.means],
    legend: legendEntries,
    note: (p) => (p.note === null ? null : `slice through the PCA plane of ${p.dim}-D features`),
  });
  const { axes } = frame;
  const heat = heatLayer(frame, mixture, n, lowQ);
  const legendX = axes.area.x + axes.area.width + 8;
  const barHeight = Math.min(260, axes.area.height - 90);
  return {
    width: opts.width,
    height: opts.height,
    body: [
      ...axes.background,
      el('g', { class: 'heat-map', 'clip-path': axes.clip }, heat.cells),
      el('g', { 'clip-path': axes.clip }, overlay(frame, frame.extra.slice(0, adv.length))),
      ...axes.foreground,
      ...legend(legendX, axes.area.y, legendEntries),
      ...colorBar(opts.idPrefix, legendX + 4, axes.area.y + 80, barHeight, heat.lo, heat.hi),
    ],
  };
}
