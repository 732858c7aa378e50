import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { pixelClassifier } from '../../src/reproduce/index.js';
import type { Classifier } from '../../src/nets/classifier.js';

test('pixelClassifier normalises [0, 1] pixels per channel before the network, without leaks', async () => {
  await tf.setBackend('cpu');
  const seen: number[][] = [];
  const inner: Classifier = {
    numClasses: 2,
    featureDim: 2,
    inputShape: [1, 1, 2],
    features: (x) => {
      seen.push(Array.from(x.dataSync()));
      return tf.reshape(x, [-1, 2]) as tf.Tensor2D;
    },
    logits: (z) => tf.mul(z, 2),
  };
  const wrapped = pixelClassifier(inner, { mean: [0.5, 0.1], std: [0.25, 2] });
  assert.deepEqual([wrapped.numClasses, wrapped.featureDim, wrapped.inputShape], [2, 2, [1, 1, 2]]);
  const x = tf.tensor4d([1, 0.1, 0, 2.1], [2, 1, 1, 2]);
  const before = tf.memory().numTensors;
  const z = wrapped.features(x);
  assert.deepEqual(
    Array.from(z.dataSync()).map((v) => +v.toFixed(5)),
    [2, 0, -2, 1],
  );
  const g = tf.grad((input: tf.Tensor) => tf.sum(wrapped.logits(wrapped.features(input))))(x);
  // d/dx of 2 (x - mean) / std is 2 / std per channel: the normalisation is part of the attacked model.
  assert.deepEqual(Array.from(g.dataSync()), [8, 1, 8, 1]);
  tf.dispose([z, g]);
  assert.equal(tf.memory().numTensors, before);
  x.dispose();
  assert.equal(seen.length >= 1, true);
});
