import type { Evaluation } from './evaluate.js';

/** The confusion matrix as aligned text: rows are true classes, columns predicted classes. */
export function confusionText(confusion: number[][]): string[] {
  const width = Math.max(4, ...confusion.flat().map((v) => String(v).length)) + 1;
  const header = ' true\\pred' + confusion.map((_, k) => String(k).padStart(width)).join('');
  return [
    header,
    ...confusion.map((row, y) => String(y).padStart(10) + row.map((v) => String(v).padStart(width)).join('')),
  ];
}

/**
 * Per-class feature statistics as text: count, recall, |mean| (distance of the class mean from the origin),
 * mean per-dimension std, and for D <= 4 the mean vector itself.
 */
export function classStatsText(ev: Evaluation): string[] {
  const lines = ['class  count   acc%    |mean|  mean std  mean'];
  for (const c of ev.perClass) {
    const norm = Math.sqrt(c.mean.reduce((s, v) => s + v * v, 0));
    const std = c.std.reduce((s, v) => s + v, 0) / Math.max(c.std.length, 1);
    const vector = c.mean.length <= 4 ? `[${c.mean.map((v) => v.toFixed(3)).join(', ')}]` : '';
    lines.push(
      `${String(c.label).padStart(5)} ${String(c.count).padStart(6)} ${(100 * c.accuracy).toFixed(2).padStart(6)} ${norm.toFixed(3).padStart(9)} ${std.toFixed(3).padStart(9)}  ${vector}`,
    );
  }
  return lines;
}
