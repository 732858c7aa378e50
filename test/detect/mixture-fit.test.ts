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
  assert.equal(fit.warning, null);
  tf.dispose([x, y, means]);
});

test('mixtureFit flags Gaussians far narrower than the features (the inverted-likelihood case) and far wider ones', () => {
  const { x, y, means } = blobs();
  const narrow = tf.fill([3], Math.log(0.1));
  const fitNarrow = mixtureFit(mixtureOf(means, narrow), x, y);
  assert.ok(fitNarrow.median > 8 && fitNarrow.median < 12, `median ${fitNarrow.median}`);
  assert.match(fitNarrow.warning ?? '', /does not describe the features/);
  const wide = tf.fill([3, 4], Math.log(10));
  assert.ok(mixtureFit(mixtureOf(means, wide), x, y).warning !== null);
  // Means displaced by 3 sigma along every axis: features lie outside their Gaussians.
  const shifted = tf.add(means, 3) as tf.Tensor2D;
  assert.ok(mixtureFit(mixtureOf(shifted), x, y).median > 9);
  tf.dispose([x, y, means, narrow, wide, shifted]);
});
