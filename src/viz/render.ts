import { writeFileAtomicAsync } from '../io/atomic.js';
import { writing } from '../io/fs-errors.js';
import { createRequire } from 'node:module';
import { mkdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { Resvg as ResvgClass } from '@resvg/resvg-js';
import { LgmError } from '../util/errors.js';
import { checkKnownKeys, choiceOption } from '../util/options.js';
import type { Figure } from './chart.js';
import { FONT_FAMILY, el, svgDocument } from './svg.js';

/** The SVG document of a figure: the source of truth from which the PNG is rendered. */
export function figureSvg(figure: Figure): string {
  return svgDocument(figure.width, figure.height, figure.body);
}

/** Places figures left to right in one figure (a side-by-side panel); their ids must differ. */
export function sideBySide(figures: Figure[], gap = 0): Figure {
  if (figures.length < 1) throw new LgmError('sideBySide: figures must be a non-empty array, got none');
  let x = 0;
  const body: string[] = [];
  for (const figure of figures) {
    body.push(el('g', { transform: `translate(${x},0)` }, figure.body));
    x += figure.width + gap;
  }
  return { width: x - gap, height: Math.max(...figures.map((f) => f.height)), body };
}

const require = createRequire(import.meta.url);
let fontFiles: string[] | undefined;
let resvg: typeof ResvgClass | undefined;

/** The renderer, loaded on first use so that SVG-only callers never load the native module. */
function renderer(): typeof ResvgClass {
  resvg ??= (require('@resvg/resvg-js') as { Resvg: typeof ResvgClass }).Resvg;
  return resvg;
}

/** DejaVu Sans (regular and bold) from the dejavu-fonts-ttf package: no system font is used. */
function bundledFonts(): string[] {
  if (fontFiles === undefined) {
    const dir = dirname(require.resolve('dejavu-fonts-ttf/package.json'));
    fontFiles = [join(dir, 'ttf', 'DejaVuSans.ttf'), join(dir, 'ttf', 'DejaVuSans-Bold.ttf')];
  }
  return fontFiles;
}

/**
 * Renders an SVG document to PNG with resvg (a maintained Rust renderer shipped as a prebuilt npm binary; no
 * browser). Only the bundled fonts are loaded, so the same SVG gives the same PNG bytes on every machine.
 */
export function svgToPng(svg: string): Buffer {
  const Resvg = renderer();
  const image = new Resvg(svg, {
    font: { loadSystemFonts: false, fontFiles: bundledFonts(), defaultFontFamily: FONT_FAMILY },
    shapeRendering: 2,
    textRendering: 1,
  });
  return image.render().asPng();
}

/** Which files `writeFigure` writes. */
export type FigureFormat = 'svg' | 'png' | 'both';
/** Every FigureFormat. */
export const FIGURE_FORMATS: readonly FigureFormat[] = ['svg', 'png', 'both'];

/** Writes a file through a temporary name and a rename, so a reader never sees half a picture. */
async function writeAtomic(file: string, data: string | Buffer): Promise<void> {
  await writing(dirname(file), () => mkdir(dirname(file), { recursive: true }));
  await writeFileAtomicAsync(file, data);
}

/** Options of `writeFigure`. */
export interface WriteFigureOptions {
  /** 'svg', 'png' or 'both'. Default 'both'. */
  format?: FigureFormat;
}

/** Writes `<base>.svg` and/or `<base>.png` for a figure; resolves to the paths written. */
export async function writeFigure(
  figure: Figure,
  base: string,
  options: WriteFigureOptions = {},
): Promise<string[]> {
  checkKnownKeys('writeFigure', options, ['format']);
  const format = choiceOption('writeFigure', 'options.format', options.format, FIGURE_FORMATS, 'both');
  const svg = figureSvg(figure);
  const written: string[] = [];
  if (format !== 'png') {
    await writeAtomic(`${base}.svg`, svg);
    written.push(`${base}.svg`);
  }
  if (format !== 'svg') {
    await writeAtomic(`${base}.png`, svgToPng(svg));
    written.push(`${base}.png`);
  }
  return written;
}
