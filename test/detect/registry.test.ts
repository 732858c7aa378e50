import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../../src/backend/index.js';
import { DETECTOR_NAMES, MixtureFile, createDetector, detectorNamesFor } from '../../src/detect/index.js';
import { MEANS } from './features.js';

before(async () => {
  await initBackend('cpu');
});

const logits = (z: tf.Tensor2D): tf.Tensor2D => tf.tidy(() => tf.matMul(z, tf.tensor2d(MEANS), false, true));

test('detectorNamesFor: the lgm-* detectors only for runs with a mixture', () => {
  const means = tf.tensor2d(MEANS);
  const mixture: MixtureFile = { covariance: 'identity', params: { means }, dispose: () => means.dispose() };
  assert.deepEqual(detectorNamesFor(mixture), [...DETECTOR_NAMES]);
  assert.deepEqual(detectorNamesFor(null), ['msp', 'energy', 'mahalanobis', 'kde', 'kde-h1.5']);
  mixture.dispose();
});

test('createDetector builds each named detector, unfitted; lgm-* without a mixture is an error', () => {
  const means = tf.tensor2d(MEANS);
  const mixture: MixtureFile = { covariance: 'identity', params: { means }, dispose: () => means.dispose() };
  for (const name of DETECTOR_NAMES) {
    const detector = createDetector(name, { classifier: { logits }, mixture });
    assert.equal(detector.name, name);
    assert.equal(detector.fitted, false);
    detector.dispose();
  }
  assert.throws(
    () => createDetector('lgm-mixture', { classifier: { logits }, mixture: null, where: 'detect' }),
    {
      message: "detect: detector lgm-mixture needs the run's mixture.json (an L-GM run), got none",
    },
  );
  assert.throws(() => createDetector('lgm-class', { classifier: { logits }, mixture: null }), {
    message: "createDetector: detector lgm-class needs the run's mixture.json (an L-GM run), got none",
  });
  mixture.dispose();
});

test("kde-h1.5 is the follow-up's fixed-bandwidth KDE beside the median-heuristic kde", () => {
  const means = tf.tensor2d(MEANS);
  const before = tf.memory().numTensors;
  const classifier = { logits };
  const fixed = createDetector('kde-h1.5', { classifier, mixture: null });
  const median = createDetector('kde', { classifier, mixture: null });
  assert.deepEqual([fixed.name, median.name], ['kde-h1.5', 'kde']);
  const z = tf.tensor2d(MEANS);
  const y = tf.tensor1d(
    MEANS.map((_, i) => i),
    'int32',
  );
  fixed.fitFeatures(z, y);
  assert.equal((fixed as unknown as { kernelBandwidth: number }).kernelBandwidth, 1.5);
  fixed.dispose();
  median.dispose();
  tf.dispose([z, y]);
  assert.equal(tf.memory().numTensors, before);
  means.dispose();
});
