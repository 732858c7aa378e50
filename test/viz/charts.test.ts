import { test } from 'node:test';
import assert from 'node:assert/strict';
import { figureSvg } from '../../src/viz/render.js';
import { rocPlot } from '../../src/viz/roc.js';
import { trainingCurves } from '../../src/viz/training-curves.js';
import { syntheticDetection, syntheticMetrics } from './fixtures.js';

const count = (svg: string, pattern: RegExp) => (svg.match(pattern) ?? []).length;

test('ROC plot has one curve and legend entry per detector/input set, with AUROC, and the chance line', () => {
  const svg = figureSvg(rocPlot(syntheticDetection()));
  assert.equal(count(svg, /class="series"/g), 2);
  assert.equal(count(svg, /class="legend-entry"/g), 2);
  assert.equal(count(svg, /class="chance"/g), 1);
  assert.ok(svg.includes('>likelihood / fgsm (AUROC 0.950)</text>'));
  assert.ok(svg.includes('>false-positive rate</text>') && svg.includes('>true-positive rate</text>'));
  assert.equal(svg, figureSvg(rocPlot(syntheticDetection())), 'deterministic');
  assert.throws(
    () => rocPlot({ rows: [], curves: [] }),
    /rocPlot: detection.curves must hold at least one curve, got none/,
  );
});

test('training curves draw four charts from step and epoch records', () => {
  const svg = figureSvg(trainingCurves(syntheticMetrics(3, 4)));
  for (const title of ['Loss', 'Accuracy', 'Margin \u03b1 and likelihood weight \u03bb', 'Learning rate']) {
    assert.ok(svg.includes(`>${title}</text>`), title);
  }
  // 5 loss lines + 3 accuracy + alpha + lambda + lr.
  assert.equal(count(svg, /class="series"/g), 11);
  assert.equal(count(svg, />no data</g), 0);
});

test('training curves of a softmax run without alpha/lambda say "no data" there; empty metrics throw', () => {
  const records = syntheticMetrics(2, 3).map((r) => {
    const copy = { ...r };
    delete copy.alpha;
    delete copy.lambda;
    delete copy.auxiliaryLoss;
    return copy;
  });
  const svg = figureSvg(trainingCurves(records));
  assert.equal(count(svg, />no data</g), 1);
  assert.equal(count(svg, /class="series"/g), 8);
  assert.throws(
    () => trainingCurves([]),
    /trainingCurves: metrics must hold at least one 'step' or 'epoch' record, got none/,
  );
});
