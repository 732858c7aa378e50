/**
 * The live 2-D feature plot on a canvas: validation features coloured by class, each class's Gaussian as an
 * ellipse at Mahalanobis radius 2 (axis-aligned: the mixtures here have diagonal covariances), class labels at
 * the means, and markers for the drawn input and its FGSM version.
 */
import type { MixtureSummary } from '../model/mixture.js';
import { CLASS_COLOURS } from './palette.js';

/** A point to highlight: the drawn digit or its adversarial version. */
export interface Marker {
  x: number;
  y: number;
  label: string;
  /** Filled star for the drawing, cross for the adversarial example. */
  shape: 'star' | 'cross';
}

export interface PlotData {
  /** Features [N*2], row-major. */
  features: Float32Array;
  labels: ArrayLike<number>;
  mixture: MixtureSummary;
  markers: Marker[];
}

/** Mahalanobis radius of the drawn ellipses; a 2-D Gaussian puts 1 - exp(-2) = 86% of its mass inside. */
export const ELLIPSE_RADIUS = 2;
const MARGIN = 28;

interface Frame {
  x0: number;
  y0: number;
  scale: number;
}

/** Bounds holding 98% of the points and every mean, padded, with equal scales on both axes. */
function frameFor(data: PlotData, width: number, height: number): Frame {
  const xs: number[] = [];
  const ys: number[] = [];
  for (let i = 0; i < data.features.length; i += 2) {
    xs.push(data.features[i]);
    ys.push(data.features[i + 1]);
  }
  const robust = (values: number[], extra: number[]) => {
    const sorted = values.filter(Number.isFinite).sort((a, b) => a - b);
    const lo = sorted[Math.floor(0.01 * (sorted.length - 1))] ?? 0;
    const hi = sorted[Math.ceil(0.99 * (sorted.length - 1))] ?? 1;
    const finite = extra.filter(Number.isFinite);
    return [Math.min(lo, ...finite), Math.max(hi, ...finite)];
  };
  const [xlo, xhi] = robust(xs, [...data.mixture.means.map((m) => m[0]), ...data.markers.map((m) => m.x)]);
  const [ylo, yhi] = robust(ys, [...data.mixture.means.map((m) => m[1]), ...data.markers.map((m) => m.y)]);
  const span = Math.max(xhi - xlo, yhi - ylo, 1e-6) * 1.1;
  const scale = Math.min(width - 2 * MARGIN, height - 2 * MARGIN) / span;
  return { x0: (xlo + xhi) / 2 - width / 2 / scale, y0: (ylo + yhi) / 2 + height / 2 / scale, scale };
}

function drawMarker(ctx: CanvasRenderingContext2D, px: number, py: number, marker: Marker): void {
  ctx.save();
  ctx.lineWidth = 3;
  ctx.strokeStyle = '#ffffff';
  ctx.fillStyle = '#000000';
  ctx.beginPath();
  if (marker.shape === 'star') {
    for (let i = 0; i < 10; i++) {
      const r = i % 2 === 0 ? 11 : 5;
      const a = -Math.PI / 2 + (i * Math.PI) / 5;
      ctx.lineTo(px + r * Math.cos(a), py + r * Math.sin(a));
    }
    ctx.closePath();
    ctx.stroke();
    ctx.fill();
  } else {
    for (const [dx, dy] of [
      [-8, -8],
      [8, 8],
      [-8, 8],
      [8, -8],
    ] as const) {
      ctx.moveTo(px, py);
      ctx.lineTo(px + dx, py + dy);
    }
    ctx.lineWidth = 7;
    ctx.stroke();
    ctx.lineWidth = 3;
    ctx.strokeStyle = '#000000';
    ctx.stroke();
  }
  ctx.font = 'bold 13px system-ui, sans-serif';
  ctx.lineWidth = 4;
  ctx.strokeStyle = '#ffffff';
  ctx.strokeText(marker.label, px + 13, py - 8);
  ctx.fillText(marker.label, px + 13, py - 8);
  ctx.restore();
}

/** Redraws the whole plot. */
export function drawFeaturePlot(canvas: HTMLCanvasElement, data: PlotData): void {
  const ctx = canvas.getContext('2d');
  if (ctx === null) throw new Error('drawFeaturePlot: the canvas has no 2-D context');
  const { width, height } = canvas;
  const frame = frameFor(data, width, height);
  const px = (x: number) => (x - frame.x0) * frame.scale;
  const py = (y: number) => (frame.y0 - y) * frame.scale;
  ctx.fillStyle = '#ffffff';
  ctx.fillRect(0, 0, width, height);
  ctx.strokeStyle = '#d0d0d0';
  ctx.lineWidth = 1;
  ctx.beginPath();
  ctx.moveTo(px(0), 0);
  ctx.lineTo(px(0), height);
  ctx.moveTo(0, py(0));
  ctx.lineTo(width, py(0));
  ctx.stroke();
  // Ellipses first, points over them (so that no point hides under a halo), class labels and markers on top.
  data.mixture.means.forEach(([mx, my], k) => {
    const [vx, vy] = data.mixture.variances[k];
    const rx = ELLIPSE_RADIUS * Math.sqrt(vx) * frame.scale;
    const ry = ELLIPSE_RADIUS * Math.sqrt(vy) * frame.scale;
    ctx.beginPath();
    ctx.ellipse(px(mx), py(my), Math.max(rx, 0.5), Math.max(ry, 0.5), 0, 0, 2 * Math.PI);
    // A white halo under each ellipse keeps it visible over a dense cloud of its own colour.
    ctx.lineWidth = 4;
    ctx.strokeStyle = '#ffffff';
    ctx.stroke();
    ctx.lineWidth = 2;
    ctx.strokeStyle = CLASS_COLOURS[k];
    ctx.stroke();
  });
  for (let i = 0; i < data.labels.length; i++) {
    ctx.fillStyle = CLASS_COLOURS[data.labels[i]];
    ctx.globalAlpha = 0.55;
    ctx.fillRect(px(data.features[2 * i]) - 1.5, py(data.features[2 * i + 1]) - 1.5, 3, 3);
  }
  ctx.globalAlpha = 1;
  data.mixture.means.forEach(([mx, my], k) => {
    ctx.font = 'bold 15px system-ui, sans-serif';
    ctx.lineWidth = 4;
    ctx.strokeStyle = '#ffffff';
    ctx.strokeText(String(k), px(mx) - 4, py(my) + 5);
    ctx.fillStyle = CLASS_COLOURS[k];
    ctx.fillText(String(k), px(mx) - 4, py(my) + 5);
  });
  for (const marker of data.markers) drawMarker(ctx, px(marker.x), py(marker.y), marker);
}
