/** Linear scales and "nice" axis ticks (1, 2, 5 times a power of ten). */

/** Maps a data interval onto a pixel interval. */
export interface LinearScale {
  domain: [number, number];
  range: [number, number];
  (value: number): number;
}

/** A linear map from `domain` to `range`; a zero-width domain is widened so the map stays finite. */
export function linearScale(domain: [number, number], range: [number, number]): LinearScale {
  let [d0, d1] = domain;
  if (d1 - d0 < 1e-12) {
    const pad = Math.max(Math.abs(d0) * 0.05, 0.5);
    d0 -= pad;
    d1 += pad;
  }
  const [r0, r1] = range;
  const f = ((value: number) => r0 + ((value - d0) / (d1 - d0)) * (r1 - r0)) as LinearScale;
  f.domain = [d0, d1];
  f.range = [r0, r1];
  return f;
}

/** A step of 1, 2 or 5 times a power of ten giving about `count` intervals over `span`. */
export function niceStep(span: number, count: number): number {
  const raw = span / Math.max(count, 1);
  const power = 10 ** Math.floor(Math.log10(raw));
  const fraction = raw / power;
  const nice = fraction < 1.5 ? 1 : fraction < 3.5 ? 2 : fraction < 7.5 ? 5 : 10;
  return nice * power;
}

/** Extends [lo, hi] outwards to multiples of a nice step, so the axis starts and ends on a tick. */
export function niceDomain(lo: number, hi: number, count = 5): [number, number] {
  if (!(hi - lo > 1e-12)) {
    const pad = Math.max(Math.abs(lo) * 0.05, 0.5);
    lo -= pad;
    hi += pad;
  }
  const step = niceStep(hi - lo, count);
  return [Math.floor(lo / step) * step, Math.ceil(hi / step) * step];
}

/** Tick values inside [lo, hi] at a nice step; values are rounded so labels read "0.3", not "0.30000000000000004". */
export function ticks(lo: number, hi: number, count = 5): number[] {
  const step = niceStep(hi - lo, count);
  const decimals = Math.max(0, -Math.floor(Math.log10(step)) + 1);
  const out: number[] = [];
  for (let i = Math.ceil(lo / step - 1e-9); i * step <= hi + step * 1e-9; i++) {
    out.push(Number((i * step).toFixed(decimals)));
  }
  return out;
}

/** A tick label: compact, no exponent for ordinary ranges, exponent for very small/large magnitudes. */
export function tickLabel(value: number): string {
  if (value === 0) return '0';
  const abs = Math.abs(value);
  if (abs >= 1e5 || abs < 1e-3) return value.toExponential(1).replace('e+', 'e');
  return String(Number(value.toPrecision(6))).replace('-', '\u2212');
}

/** Min and max of finite values, or null when there are none. */
export function extent(values: Iterable<number>): [number, number] | null {
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of values) {
    if (!Number.isFinite(v)) continue;
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  return lo <= hi ? [lo, hi] : null;
}
