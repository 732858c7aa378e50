import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../../src/backend/index.js';
import { MixtureFile, mixtureFit } from '../../src/detect/index.js';
import { gaussianBlobs } from '../../src/data/synthetic.js';

await initBackend('cpu');

function blobs() {
  const b = gaussianBlobs({ count: 3000, dim: 4, numClasses: 3, separation: 5, spread: 1, seed: 7 });
  return {
    x: tf.tensor2d(b.features, [b.count, b.dim]),
    y: tf.tensor1d(b.labels, 'int32'),
    means: tf.tensor2d(b.means, [b.numClasses, b.dim]),
  };
}

const mixtureOf = (means: tf.Tensor2D, logVariances?: tf.Tensor): MixtureFile => ({
  covariance: logVariances === undefined ? 'identity' : logVariances.rank === 1 ? 'isotropic' : 'diagonal',
  params: { means, ...(logVariances === undefined ? {} : { logVariances }) },
  dispose: () => {},
});

test('mixtureFit: ~1 per class for the Gaussians that generated the features; no warning; no leaks', () => {
  const { x, y, means } = blobs();
  const before = tf.memory().numTensors;
  const fit = mixtureFit(mixtureOf(means), x, y);
  assert.equal(tf.memory().numTensors, before);
  for (const r of fit.perClass) assert.ok(Math.abs(r - 1) < 0.1, `ratio ${r}`);
  for (const r of fit.displacement) assert.ok(r < 0.1, `displacement ${r}`);
  assert.equal(fit.warning, null);
  tf.dispose([x, y, means]);
});

test('mixtureFit flags Gaussians far narrower than the features (the inverted-likelihood case), not wider ones', () => {
  const { x, y, means } = blobs();
  const narrow = tf.fill([3], Math.log(0.1));
  const fitNarrow = mixtureFit(mixtureOf(means, narrow), x, y);
  assert.ok(fitNarrow.median > 8 && fitNarrow.median < 12, `median ${fitNarrow.median}`);
  // Centred all the same: the displacement is measured in the Gaussian's own metric, relative to the spread.
  assert.ok(fitNarrow.medianDisplacement < 0.1, `displacement ${fitNarrow.medianDisplacement}`);
  assert.match(
    fitNarrow.warning ?? '',
    /does not describe the features it was fitted to: the median over classes of \(x - mu_y\)/,
  );
  // Features far tighter than their Gaussians (identity covariance with lambda > 0 trains them so) keep the
  // ranking by distance to the mean: not flagged.
  const wide = tf.fill([3, 4], Math.log(10));
  const fitWide = mixtureFit(mixtureOf(means, wide), x, y);
  assert.ok(fitWide.median < 0.15, `median ${fitWide.median}`);
  assert.equal(fitWide.warning, null);
  tf.dispose([x, y, means, narrow, wide]);
});

test('mixtureFit flags means that lie outside their features even when the scale looks right (lambda 0)', () => {
  const { x, y, means } = blobs();
  // Shifted by 1.5 sigma along each of 4 axes: 3 sigma from the centroid, whose features spread 2 sigma (RMS);
  // (x - mu)^T (x - mu) / D = (9 + 4) / 4 = 3.25, inside the spread limit, so only the displacement catches it.
  const shifted = tf.add(means, 1.5) as tf.Tensor2D;
  const fit = mixtureFit(mixtureOf(shifted), x, y);
  assert.ok(fit.median > 3 && fit.median < 3.5, `median ${fit.median}`);
  for (const r of fit.displacement) assert.ok(Math.abs(r - 1.5) < 0.1, `displacement ${r}`);
  assert.match(fit.warning ?? '', /distance from the mean to the features' centroid is 1\.[45]\d* times/);
  // Far out (3 sigma per axis) both conditions hold.
  const far = tf.add(means, 3) as tf.Tensor2D;
  const fitFar = mixtureFit(mixtureOf(far), x, y);
  assert.ok(
    fitFar.median > 9 && fitFar.medianDisplacement > 2.9,
    `${fitFar.median} ${fitFar.medianDisplacement}`,
  );
  assert.match(fitFar.warning ?? '', /\(1 for a fitting Gaussian\); the median over classes of the distance/);
  tf.dispose([x, y, means, shifted, far]);
});

test('mixtureFit: a class without features is NaN and left out of the medians; coincident features', () => {
  const x = tf.tensor2d([
    [1, 1],
    [1, 1],
    [0, 0],
    [0.5, -0.5],
  ]);
  const y = tf.tensor1d([0, 0, 1, 1], 'int32');
  const means = tf.tensor2d([
    [0, 0],
    [0, 0],
    [5, 5],
  ]);
  const fit = mixtureFit(mixtureOf(means), x, y);
  assert.ok(Number.isNaN(fit.perClass[2]) && Number.isNaN(fit.displacement[2]));
  // Class 0: both features at (1, 1), the mean at the origin: no spread, so the mean is outside them.
  assert.equal(fit.displacement[0], Infinity);
  assert.ok(Math.abs(fit.perClass[0] - 1) < 1e-6);
  tf.dispose([x, y, means]);
});
