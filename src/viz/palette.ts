/**
 * Colours. Classes use Paul Tol's "muted" scheme (9 colours designed to stay distinct under the common
 * colour-vision deficiencies) plus a dark grey for a tenth class; beyond 10 classes colours repeat.
 * Heat maps use viridis, which is perceptually uniform and colour-blind safe.
 */
export const CLASS_COLORS: readonly string[] = [
  '#332288',
  '#88ccee',
  '#44aa99',
  '#117733',
  '#999933',
  '#ddcc77',
  '#cc6677',
  '#882255',
  '#aa4499',
  '#555555',
];

/** The colour of class `k` (cycled past 10 classes). */
export function classColor(k: number): string {
  return CLASS_COLORS[k % CLASS_COLORS.length];
}

/** Line colours for curves (Okabe-Ito, colour-blind safe), cycled. */
export const LINE_COLORS: readonly string[] = [
  '#0072b2',
  '#d55e00',
  '#009e73',
  '#cc79a7',
  '#e69f00',
  '#56b4e9',
  '#000000',
  '#f0e442',
];

/** The colour of line `i` (cycled). */
export function lineColor(i: number): string {
  return LINE_COLORS[i % LINE_COLORS.length];
}

// Viridis at 9 evenly spaced stops; intermediate values are interpolated linearly in RGB.
const VIRIDIS: readonly [number, number, number][] = [
  [68, 1, 84],
  [71, 45, 123],
  [59, 82, 139],
  [44, 114, 142],
  [33, 145, 140],
  [40, 174, 128],
  [94, 201, 98],
  [173, 220, 48],
  [253, 231, 37],
];

function hex2(v: number): string {
  return Math.round(Math.min(255, Math.max(0, v)))
    .toString(16)
    .padStart(2, '0');
}

/** Viridis colour for t in [0, 1] (clamped) as '#rrggbb'. */
export function viridis(t: number): string {
  const x = Math.min(1, Math.max(0, Number.isFinite(t) ? t : 0)) * (VIRIDIS.length - 1);
  const i = Math.min(VIRIDIS.length - 2, Math.floor(x));
  const f = x - i;
  const [a, b] = [VIRIDIS[i], VIRIDIS[i + 1]];
  return `#${hex2(a[0] + (b[0] - a[0]) * f)}${hex2(a[1] + (b[1] - a[1]) * f)}${hex2(a[2] + (b[2] - a[2]) * f)}`;
}
