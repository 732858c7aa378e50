/**
 * The models shipped in the package's pretrained/ folder (seed 0 of the paper budget, written by lgm export): each
 * loads by name and classifies the first 1000 MNIST test images at the accuracy its run reached, and its
 * "unfamiliar" threshold flags about the calibrated fraction of clean images, not most of them.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../../src/backend/index.js';
import { loadMnist } from '../../src/data/index.js';
import {
  listPretrained,
  loadPretrained,
  PRETRAINED_ENV,
  pretrainedDir,
} from '../../src/export/pretrained.js';

const COUNT = 1000;

test('shipped pretrained models load by name and classify MNIST test images', async () => {
  delete process.env[PRETRAINED_ENV];
  const names = listPretrained();
  assert.ok(
    names.includes('mnist-softmax-100d'),
    `pretrained models in ${pretrainedDir()}: ${names.join(', ')}`,
  );
  await initBackend('cpu');
  const test = await loadMnist({ split: 'test' });
  const images = tf.tidy(() =>
    tf.div(tf.tensor4d(test.images.subarray(0, COUNT * 784), [COUNT, 28, 28, 1], 'float32'), 255),
  );
  for (const name of names.filter((n) => n.startsWith('mnist-'))) {
    const model = await loadPretrained(name);
    const before = tf.memory().numTensors;
    const predictions = await model.predict(images, { batchSize: 250 });
    assert.equal(tf.memory().numTensors, before, `${name}: tensors leaked`);
    model.dispose();
    const correct = predictions.filter((p, i) => p.class === test.labels[i]).length / COUNT;
    const flagged = predictions.filter((p) => p.unfamiliar).length / COUNT;
    // A 2-D feature costs accuracy (98.8-99.0% on the whole test set against 99.4-99.7% at 100-D).
    const floor = name.endsWith('-2d') ? 0.975 : 0.985;
    assert.ok(correct >= floor, `${name}: accuracy ${correct} on ${COUNT} test images`);
    assert.ok(flagged <= 0.15, `${name}: ${flagged} of clean test images flagged unfamiliar`);
  }
  images.dispose();
});
