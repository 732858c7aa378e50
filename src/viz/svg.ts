import { LgmError } from '../util/errors.js';

/**
 * A minimal SVG writer. Plots are built as strings so that the same input gives the same bytes: every
 * number goes through `num` (fixed precision, no exponent, no "-0"), attributes keep the order given.
 */

/** Attribute values: numbers are formatted with `num`; undefined attributes are left out. */
export type Attrs = Record<string, string | number | undefined>;

/** Formats a coordinate with at most `digits` decimals, dropping trailing zeros; -0 becomes 0. */
export function num(value: number, digits = 2): string {
  if (!Number.isFinite(value)) throw new LgmError(`svg: coordinate must be a finite number, got ${value}`);
  const text = value.toFixed(digits).replace(/\.?0+$/, '');
  return text === '-0' ? '0' : text;
}

/** Escapes text for SVG/XML character data and attribute values. */
export function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

function attrText(attrs: Attrs): string {
  let out = '';
  for (const [key, value] of Object.entries(attrs)) {
    if (value === undefined) continue;
    out += ` ${key}="${typeof value === 'number' ? num(value) : escapeXml(value)}"`;
  }
  return out;
}

/** One element: self-closing when it has no children, else wrapping the (already serialised) children. */
export function el(name: string, attrs: Attrs, children?: string | string[]): string {
  if (children === undefined) return `<${name}${attrText(attrs)}/>`;
  const body = Array.isArray(children) ? children.join('\n') : children;
  return `<${name}${attrText(attrs)}>${body}</${name}>`;
}

/** A text element; `text` is escaped. */
export function textEl(text: string, attrs: Attrs): string {
  return el('text', attrs, escapeXml(text));
}

/** The font every plot uses: shipped with the package (dejavu-fonts-ttf) so PNGs render the same anywhere. */
export const FONT_FAMILY = 'DejaVu Sans';

/** A complete SVG document of the given pixel size with a white background. */
export function svgDocument(width: number, height: number, body: string[]): string {
  const open =
    `<svg xmlns="http://www.w3.org/2000/svg" width="${num(width)}" height="${num(height)}" ` +
    `viewBox="0 0 ${num(width)} ${num(height)}" font-family="${FONT_FAMILY}">`;
  return [open, el('rect', { width, height, fill: '#ffffff' }), ...body, '</svg>', ''].join('\n');
}
