import { LgmError } from '../util/errors.js';
import { checkKnownKeys, numberOption } from '../util/options.js';
import type { Figure } from './chart.js';
import { Series, chartGrid } from './line-chart.js';
import type { MetricsRecord } from '../run/metrics.js';

/** Options of `trainingCurves`. */
export interface TrainingCurvesOptions {
  /** Width of each of the four charts in pixels, 300..2000. Default 560. */
  chartWidth?: number;
  /** Height of each chart in pixels, 200..2000. Default 340. */
  chartHeight?: number;
}

/** The line of `field` against `step` over records of one `type`; missing fields leave gaps. */
function line(records: MetricsRecord[], type: string, field: string, label: string): Series {
  const points = records
    .filter((r) => r.type === type && typeof r.step === 'number')
    .map(
      (r) =>
        [r.step as number, typeof r[field] === 'number' ? (r[field] as number) : NaN] as [number, number],
    );
  return { label, points };
}

/**
 * Training curves from metrics.jsonl: loss parts, accuracy, the L-GM margin alpha and likelihood weight
 * lambda, and the learning rate, each against the global step. Step records give the noisy per-step values,
 * epoch records the train/test summaries.
 */
export function trainingCurves(records: MetricsRecord[], options: TrainingCurvesOptions = {}): Figure {
  const where = 'trainingCurves';
  checkKnownKeys(where, options, ['chartWidth', 'chartHeight']);
  const w = numberOption(where, 'options.chartWidth', options.chartWidth, 560, { min: 300, max: 2000 });
  const h = numberOption(where, 'options.chartHeight', options.chartHeight, 340, { min: 200, max: 2000 });
  if (!records.some((r) => r.type === 'step' || r.type === 'epoch')) {
    throw new LgmError(`${where}: metrics must hold at least one 'step' or 'epoch' record, got none`);
  }
  const step = (field: string, label: string) => line(records, 'step', field, label);
  const epoch = (field: string, label: string) => line(records, 'epoch', field, label);
  return chartGrid(
    [
      {
        id: 'loss',
        title: 'Loss',
        xLabel: 'step',
        yLabel: 'loss',
        series: [
          step('loss', 'total'),
          step('classificationLoss', 'classification'),
          step('auxiliaryLoss', 'auxiliary (L-GM likelihood, center)'),
          epoch('trainLoss', 'train (epoch)'),
          epoch('testLoss', 'test (epoch)'),
        ],
      },
      {
        id: 'accuracy',
        title: 'Accuracy',
        xLabel: 'step',
        yLabel: 'accuracy',
        series: [
          step('accuracy', 'batch'),
          epoch('trainAccuracy', 'train (epoch)'),
          epoch('testAccuracy', 'test (epoch)'),
        ],
      },
      {
        id: 'margin',
        title: 'Margin \u03b1 and likelihood weight \u03bb',
        xLabel: 'step',
        yLabel: 'value',
        series: [step('alpha', '\u03b1'), step('lambda', '\u03bb')],
      },
      {
        id: 'lr',
        title: 'Learning rate',
        xLabel: 'step',
        yLabel: 'learning rate',
        series: [step('lr', 'learning rate')],
      },
    ],
    2,
    w,
    h,
  );
}
