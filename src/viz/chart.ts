import { el, num, textEl } from './svg.js';
import { LinearScale, linearScale, tickLabel, ticks } from './scale.js';

/** A drawn figure before it is wrapped into a document: panels place several side by side. */
export interface Figure {
  width: number;
  height: number;
  /** Serialised SVG elements in figure coordinates. */
  body: string[];
}

/** Text sizes in pixels, chosen to be readable at 100% zoom. */
export const TEXT = { title: 16, label: 14, tick: 12, legend: 12, note: 12 } as const;

/** Space around the plotting area, in pixels. */
export interface Margins {
  top: number;
  right: number;
  bottom: number;
  left: number;
}

/** What an axes frame needs: its pixel box, data domains and text. */
export interface AxesSpec {
  /** Left/top corner of the whole axes box (plot area plus margins) inside the figure. */
  x: number;
  y: number;
  width: number;
  height: number;
  margins: Margins;
  xDomain: [number, number];
  yDomain: [number, number];
  title: string;
  xLabel: string;
  yLabel: string;
  /** Unique within the document: names the clip path of the plot area. */
  id: string;
  /** Lines of small text under the title (e.g. "PCA projection of 64-D features"). */
  notes?: string[];
}

/** Scales and the serialised frame of one set of axes. */
export interface Axes {
  sx: LinearScale;
  sy: LinearScale;
  /** The plot area in figure pixels. */
  area: { x: number; y: number; width: number; height: number };
  /** Gridlines + clip path: draw before the data. */
  background: string[];
  /** Axis lines, ticks, tick labels, axis labels, title: draw after the data. */
  foreground: string[];
  /** `clip-path` attribute value that keeps data inside the plot area. */
  clip: string;
}

/** Builds the scales and the frame (ticks, labels, title, gridlines) for one set of axes. */
export function makeAxes(spec: AxesSpec): Axes {
  const { margins: m } = spec;
  const area = {
    x: spec.x + m.left,
    y: spec.y + m.top,
    width: spec.width - m.left - m.right,
    height: spec.height - m.top - m.bottom,
  };
  const sx = linearScale(spec.xDomain, [area.x, area.x + area.width]);
  const sy = linearScale(spec.yDomain, [area.y + area.height, area.y]);
  const xTicks = ticks(sx.domain[0], sx.domain[1], Math.max(2, Math.round(area.width / 90)));
  const yTicks = ticks(sy.domain[0], sy.domain[1], Math.max(2, Math.round(area.height / 60)));
  const bottom = area.y + area.height;
  const right = area.x + area.width;
  const clipId = `${spec.id}-clip`;
  const grid = (d: string) => el('path', { d, stroke: '#e5e5e5', 'stroke-width': 1, fill: 'none' });
  const background = [
    el('clipPath', { id: clipId }, el('rect', area)),
    grid(xTicks.map((t) => `M${num(sx(t))},${num(area.y)}V${num(bottom)}`).join('')),
    grid(yTicks.map((t) => `M${num(area.x)},${num(sy(t))}H${num(right)}`).join('')),
  ];
  const tickMarks = [
    ...xTicks.map((t) => `M${num(sx(t))},${num(bottom)}v5`),
    ...yTicks.map((t) => `M${num(area.x)},${num(sy(t))}h-5`),
  ].join('');
  const small = { 'font-size': TEXT.tick, fill: '#222222' };
  const foreground = [
    el('rect', { ...area, fill: 'none', stroke: '#444444', 'stroke-width': 1 }),
    el('path', { d: tickMarks, stroke: '#444444', 'stroke-width': 1 }),
    ...xTicks.map((t) =>
      textEl(tickLabel(t), { x: sx(t), y: bottom + 19, 'text-anchor': 'middle', ...small }),
    ),
    ...yTicks.map((t) =>
      textEl(tickLabel(t), { x: area.x - 8, y: sy(t) + 4, 'text-anchor': 'end', ...small }),
    ),
    textEl(spec.xLabel, {
      x: area.x + area.width / 2,
      y: bottom + 40,
      'text-anchor': 'middle',
      'font-size': TEXT.label,
    }),
    textEl(spec.yLabel, {
      x: 0,
      y: 0,
      transform: `translate(${num(spec.x + 18)},${num(area.y + area.height / 2)}) rotate(-90)`,
      'text-anchor': 'middle',
      'font-size': TEXT.label,
    }),
    textEl(spec.title, {
      x: area.x + area.width / 2,
      y: spec.y + 22,
      'text-anchor': 'middle',
      'font-size': TEXT.title,
      'font-weight': 'bold',
    }),
    ...(spec.notes ?? []).map((note, i) =>
      textEl(note, {
        x: area.x + area.width / 2,
        y: spec.y + 40 + i * 15,
        'text-anchor': 'middle',
        'font-size': TEXT.note,
        fill: '#444444',
      }),
    ),
  ];
  return { sx, sy, area, background, foreground, clip: `url(#${clipId})` };
}

/** One legend row: a swatch (marker or line) and its text. */
export interface LegendEntry {
  label: string;
  color: string;
  /** 'point' draws a filled circle, 'line' a short stroke, 'cross' an x marker. */
  kind: 'point' | 'line' | 'cross';
  dash?: string;
  /** Outline of a 'point' swatch (for light fills). Default none. */
  stroke?: string;
}

/** Pixel width a legend needs for its longest label (DejaVu Sans averages ~0.6 em per character). */
export function legendWidth(entries: LegendEntry[]): number {
  const longest = Math.max(0, ...entries.map((e) => e.label.length));
  return 40 + Math.ceil(longest * TEXT.legend * 0.62);
}

/** A legend box whose top-left corner is (x, y); each entry is one `<g class="legend-entry">`. */
export function legend(x: number, y: number, entries: LegendEntry[]): string[] {
  const rowHeight = 18;
  const box = el('rect', {
    x,
    y,
    width: legendWidth(entries),
    height: entries.length * rowHeight + 8,
    fill: '#ffffff',
    stroke: '#bbbbbb',
    'fill-opacity': 0.9,
  });
  const rows = entries.map((entry, i) => {
    const cy = y + 4 + rowHeight * i + rowHeight / 2;
    return el('g', { class: 'legend-entry' }, [
      swatch(entry, x + 16, cy),
      textEl(entry.label, { x: x + 32, y: cy + 4, 'font-size': TEXT.legend }),
    ]);
  });
  return [box, ...rows];
}

function swatch(entry: LegendEntry, cx: number, cy: number): string {
  if (entry.kind === 'point') return el('circle', { cx, cy, r: 4, fill: entry.color, stroke: entry.stroke });
  if (entry.kind === 'cross') return crossMarker(cx, cy, 5, entry.color, 2);
  return el('path', {
    d: `M${num(cx - 10)},${num(cy)}h20`,
    stroke: entry.color,
    'stroke-width': 2.5,
    'stroke-dasharray': entry.dash,
  });
}

/** An x-shaped marker of half-size `r` centred at (cx, cy). */
export function crossMarker(cx: number, cy: number, r: number, color: string, width: number): string {
  const d = `M${num(cx - r)},${num(cy - r)}L${num(cx + r)},${num(cy + r)}M${num(cx - r)},${num(cy + r)}L${num(cx + r)},${num(cy - r)}`;
  return el('path', { d, stroke: color, 'stroke-width': width, fill: 'none' });
}
