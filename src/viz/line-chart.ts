import { Figure, LegendEntry, TEXT, legend, legendWidth, makeAxes } from './chart.js';
import { lineColor } from './palette.js';
import { extent, niceDomain } from './scale.js';
import { el, num, textEl } from './svg.js';

/** One line of a line chart. */
export interface Series {
  label: string;
  /** [x, y] pairs; non-finite pairs are skipped (they break the line). */
  points: [number, number][];
  color?: string;
  dash?: string;
}

/** A line chart placed at (x, y) inside a larger figure. */
export interface LineChartSpec {
  x: number;
  y: number;
  width: number;
  height: number;
  title: string;
  xLabel: string;
  yLabel: string;
  series: Series[];
  /** Unique within the document. */
  id: string;
  /** Fixed domains (e.g. [0, 1] for ROC); default from the data, padded to nice ticks. */
  xDomain?: [number, number];
  yDomain?: [number, number];
  /** Extra elements drawn under the lines, given the scales (e.g. the chance diagonal). */
  extra?: (sx: (v: number) => number, sy: (v: number) => number) => string[];
}

/** Dash patterns used after the 8 line colours run out, so 16+ curves stay distinguishable. */
const DASHES = [undefined, '7 4', '2 3', '10 3 2 3'];

/** The default style of series i. */
export function seriesStyle(i: number): { color: string; dash?: string } {
  return { color: lineColor(i), dash: DASHES[Math.floor(i / 8) % DASHES.length] };
}

/** SVG path data for the finite points; gaps start a new sub-path. */
function pathData(points: [number, number][], sx: (v: number) => number, sy: (v: number) => number): string {
  let d = '';
  let pen = false;
  for (const [x, y] of points) {
    if (!Number.isFinite(x) || !Number.isFinite(y)) {
      pen = false;
      continue;
    }
    d += `${pen ? 'L' : 'M'}${num(sx(x))},${num(sy(y))}`;
    pen = true;
  }
  return d;
}

/** A line chart with axes, a legend on the right, and "no data" when no series has a finite point. */
export function lineChart(spec: LineChartSpec): string[] {
  const series = spec.series.filter((s) =>
    s.points.some(([x, y]) => Number.isFinite(x) && Number.isFinite(y)),
  );
  const styled = series.map((s, i) => ({ ...seriesStyle(i), ...s }));
  const entries: LegendEntry[] = styled.map((s) => ({
    label: s.label,
    color: s.color,
    kind: 'line',
    dash: s.dash,
  }));
  const xs = extent(series.flatMap((s) => s.points.map((p) => p[0])));
  const ys = extent(series.flatMap((s) => s.points.map((p) => p[1])));
  const axes = makeAxes({
    ...spec,
    margins: { top: 34, right: legendWidth(entries) + 16, bottom: 56, left: 70 },
    xDomain: spec.xDomain ?? niceDomain(...(xs ?? [0, 1])),
    yDomain: spec.yDomain ?? niceDomain(...(ys ?? [0, 1])),
  });
  const lines = styled.map((s) =>
    el('path', {
      class: 'series',
      d: pathData(s.points, axes.sx, axes.sy),
      fill: 'none',
      stroke: s.color,
      'stroke-width': 2,
      'stroke-dasharray': s.dash,
      'stroke-linejoin': 'round',
    }),
  );
  const empty =
    series.length > 0
      ? []
      : [
          textEl('no data', {
            x: axes.area.x + axes.area.width / 2,
            y: axes.area.y + axes.area.height / 2,
            'text-anchor': 'middle',
            'font-size': TEXT.label,
            fill: '#888888',
          }),
        ];
  return [
    ...axes.background,
    el('g', { 'clip-path': axes.clip }, [...(spec.extra?.(axes.sx, axes.sy) ?? []), ...lines]),
    ...axes.foreground,
    ...empty,
    ...(entries.length > 0 ? legend(axes.area.x + axes.area.width + 8, axes.area.y, entries) : []),
  ];
}

/** A figure holding charts in a grid of `columns`, each cell `cellWidth` x `cellHeight`. */
export function chartGrid(
  specs: Omit<LineChartSpec, 'x' | 'y' | 'width' | 'height'>[],
  columns: number,
  cellWidth: number,
  cellHeight: number,
): Figure {
  const body = specs.flatMap((spec, i) =>
    lineChart({
      ...spec,
      x: (i % columns) * cellWidth,
      y: Math.floor(i / columns) * cellHeight,
      width: cellWidth,
      height: cellHeight,
    }),
  );
  const rows = Math.ceil(specs.length / columns);
  return { width: Math.min(columns, specs.length) * cellWidth, height: rows * cellHeight, body };
}
