/**
 * Fault injection: finite features so large (> ~1.9e19) that their squares overflow float32. The mixture
 * functions reject them clearly (never a silent NaN) and every detector scores them as the most anomalous.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { classLogDensity, lgmLoss, mixtureLogLikelihood, mixturePosterior } from '../../src/index.js';
import {
  EnergyDetector,
  KernelDensityDetector,
  LgmLikelihoodDetector,
  MahalanobisDetector,
  MaxSoftmaxDetector,
  detectionMetrics,
} from '../../src/detect/index.js';
import { useCpu } from '../train/fixtures.js';

const means = () =>
  tf.tensor2d([
    [0, 0],
    [3, 3],
    [-3, 3],
  ]);

test('lgmLoss, mixtureLogLikelihood, mixturePosterior and classLogDensity reject overflowing features', async () => {
  await useCpu();
  const before = tf.memory().numTensors;
  const mu = means();
  const labels = tf.tensor1d([0, 1], 'int32');
  for (const big of [2e19, 1e30, 3e38]) {
    const x = tf.tensor2d([
      [big, 0],
      [0.5, 0.5],
    ]);
    const calls: [string, () => unknown][] = [
      ['lgmLoss', () => lgmLoss(x, labels, { means: mu }, { covariance: 'identity' })],
      ['mixtureLogLikelihood', () => mixtureLogLikelihood(x, { means: mu }, { covariance: 'identity' })],
      ['mixturePosterior', () => mixturePosterior(x, { means: mu }, { covariance: 'identity' })],
      ['classLogDensity', () => classLogDensity(x, { means: mu }, { covariance: 'identity' })],
    ];
    for (const [name, call] of calls) {
      assert.throws(
        call,
        new RegExp(
          `${name}: features must stay within float32 range for squared distances .* got max \\|features\\| `,
        ),
      );
    }
    x.dispose();
  }
  // Just inside the bound the results are finite.
  const ok = tf.tensor2d([[1e15, 0]]);
  const ll = mixtureLogLikelihood(ok, { means: mu }, { covariance: 'identity' });
  assert.ok(Number.isFinite(ll.dataSync()[0]));
  tf.dispose([ok, ll, mu, labels]);
  assert.equal(tf.memory().numTensors, before, 'no tensor leaked, also when a call throws');
});

test('every detector scores an input whose score overflows as the most anomalous, never as clean', async () => {
  await useCpu();
  const before = tf.memory().numTensors;
  const mu = means();
  const head = (z: tf.Tensor2D) =>
    mixturePosterior(z, { means: mu }, { covariance: 'identity', checkValues: false });
  const fit = tf.tensor2d([
    [0, 0.1],
    [0.2, -0.1],
    [3, 3.1],
    [2.9, 3],
    [-3, 3.2],
    [-2.8, 2.9],
  ]);
  const fitLabels = tf.tensor1d([0, 0, 1, 1, 2, 2], 'int32');
  const clean = tf.tensor2d([
    [0.1, 0],
    [3, 2.9],
    [-3.1, 3],
  ]);
  const huge = tf.tensor2d([
    [2e19, 0],
    [1e30, -1e30],
    [3e38, 3e38],
  ]);
  const detectors = [
    new LgmLikelihoodDetector({ mixture: { means: mu }, covariance: 'identity' }),
    new LgmLikelihoodDetector({ mixture: { means: mu }, covariance: 'identity', mode: 'mixture' }),
    new KernelDensityDetector({ head }),
    new KernelDensityDetector({ classChoice: 'best' }),
    new MahalanobisDetector({}),
    new MaxSoftmaxDetector({ head }),
    new EnergyDetector({ head }),
  ];
  for (const d of detectors) {
    d.fitFeatures(fit, fitLabels);
    const cleanScores = d.scoreFeatures(clean);
    const hugeScores = d.scoreFeatures(huge);
    assert.ok(hugeScores.every(Number.isFinite), `${d.name}: scores stay finite numbers`);
    const top = Math.max(...cleanScores);
    for (const s of hugeScores)
      assert.ok(s >= top, `${d.name}: ${s} is at least as anomalous as clean ${top}`);
    if (d instanceof LgmLikelihoodDetector || d instanceof KernelDensityDetector) {
      const auroc = detectionMetrics(cleanScores, hugeScores).auroc;
      assert.equal(auroc, 1, `${d.name}: the overflowing inputs are all detected`);
    }
    d.dispose();
  }
  tf.dispose([mu, fit, fitLabels, clean, huge]);
  assert.equal(tf.memory().numTensors, before);
});
