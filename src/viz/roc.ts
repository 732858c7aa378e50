import { checkKnownKeys, numberOption } from '../util/options.js';
import { LgmError } from '../util/errors.js';
import type { Figure } from './chart.js';
import { lineChart } from './line-chart.js';
import type { Detection } from '../run/detection.js';
import { el, num } from './svg.js';

/** Options of `rocPlot`. */
export interface RocPlotOptions {
  /** Title at the top. Default 'ROC curves'. */
  title?: string;
  /** Figure width in pixels, 300..4000. Default 760. */
  width?: number;
  /** Figure height in pixels, 300..4000. Default 520. */
  height?: number;
}

/**
 * ROC curves of every detector on every input set in detection.json (true-positive rate: an out-of-
 * distribution / adversarial input flagged; false-positive rate: a clean input flagged), with the chance
 * diagonal. Each legend entry carries the row's AUROC.
 */
export function rocPlot(detection: Detection, options: RocPlotOptions = {}): Figure {
  const where = 'rocPlot';
  checkKnownKeys(where, options, ['title', 'width', 'height']);
  const width = numberOption(where, 'options.width', options.width, 760, { min: 300, max: 4000 });
  const height = numberOption(where, 'options.height', options.height, 520, { min: 300, max: 4000 });
  if (detection.curves.length < 1) {
    throw new LgmError(`${where}: detection.curves must hold at least one curve, got none`);
  }
  const auroc = (detector: string, inputSet: string) =>
    detection.rows.find((r) => r.detector === detector && r.inputSet === inputSet)?.auroc;
  const series = detection.curves.map((c) => {
    const a = auroc(c.detector, c.inputSet);
    const suffix = typeof a === 'number' && Number.isFinite(a) ? ` (AUROC ${a.toFixed(3)})` : '';
    return {
      label: `${c.detector} / ${c.inputSet}${suffix}`,
      points: c.fpr.map((f, i) => [f, c.tpr[i]] as [number, number]),
    };
  });
  const body = lineChart({
    x: 0,
    y: 0,
    width,
    height,
    id: 'roc',
    title: options.title ?? 'ROC curves',
    xLabel: 'false-positive rate',
    yLabel: 'true-positive rate',
    series,
    xDomain: [0, 1],
    yDomain: [0, 1],
    extra: (sx, sy) => [
      el('path', {
        class: 'chance',
        d: `M${num(sx(0))},${num(sy(0))}L${num(sx(1))},${num(sy(1))}`,
        stroke: '#999999',
        'stroke-dasharray': '4 4',
      }),
    ],
  });
  return { width, height, body };
}
