import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../../src/backend/index.js';
import {
  channelStats,
  datasetTensors,
  subsetDataset,
  syntheticImages,
  trainValidationSplit,
} from '../../src/data/index.js';

before(async () => {
  await initBackend();
});

test('trainValidationSplit partitions the indices, seeded', () => {
  const { train, validation } = trainValidationSplit(50, { validationCount: 8, seed: 1 });
  assert.equal(validation.length, 8);
  assert.deepEqual(
    [...train, ...validation].sort((a, b) => a - b),
    Array.from({ length: 50 }, (_, i) => i),
  );
  assert.deepEqual(trainValidationSplit(50, { validationCount: 8, seed: 1 }).validation, validation);
  assert.notDeepEqual(trainValidationSplit(50, { validationCount: 8, seed: 2 }).validation, validation);
  assert.equal(trainValidationSplit(50).validation.length, 5);
  assert.throws(
    () => trainValidationSplit(50, { validationCount: 5, validationFraction: 0.1 }),
    /trainValidationSplit: give validationCount or validationFraction, not both/,
  );
  assert.throws(
    () => trainValidationSplit(50, { validationCount: 50 }),
    /validationCount must be an integer in \[1, 49\]/,
  );
  assert.throws(
    () => trainValidationSplit(50, { validationFraction: 1 }),
    /validationFraction must be in \(0, 1\)/,
  );
});

test('channelStats computes per-channel mean and std in pixel/255 units', () => {
  const ds = syntheticImages({ count: 7, height: 3, width: 2, channels: 3, seed: 4 });
  const stats = channelStats(ds, [1, 2, 5]);
  for (let c = 0; c < 3; c++) {
    const values = [1, 2, 5].flatMap((i) =>
      Array.from({ length: 6 }, (_, p) => ds.images[i * 18 + p * 3 + c] / 255),
    );
    const mean = values.reduce((s, v) => s + v, 0) / values.length;
    const std = Math.sqrt(values.reduce((s, v) => s + (v - mean) ** 2, 0) / values.length);
    assert.ok(Math.abs(stats.mean[c] - mean) < 1e-9);
    assert.ok(Math.abs(stats.std[c] - std) < 1e-9);
  }
});

test('datasetTensors matches the images and labels, normalised, without leaking tensors', () => {
  const ds = syntheticImages({ count: 5, height: 2, width: 2, channels: 1, numClasses: 5, seed: 3 });
  const before = tf.memory().numTensors;
  const { x, y } = datasetTensors(ds, { indices: [4, 0], normalization: { mean: [0.5], std: [0.5] } });
  assert.deepEqual(x.shape, [2, 2, 2, 1]);
  assert.deepEqual(Array.from(y.dataSync()), [4, 0]);
  const expected = [...ds.images.subarray(16, 20), ...ds.images.subarray(0, 4)].map(
    (v) => (v / 255 - 0.5) / 0.5,
  );
  Array.from(x.dataSync()).forEach((v, k) => assert.ok(Math.abs(v - expected[k]) < 1e-6));
  tf.dispose([x, y]);
  assert.equal(tf.memory().numTensors, before);
  assert.throws(
    () => datasetTensors(ds, { shuffle: true } as object),
    /datasetTensors: unknown option 'shuffle'/,
  );
});

test('subsetDataset copies the chosen images and labels', () => {
  const ds = syntheticImages({ count: 4, height: 2, width: 2, numClasses: 4, seed: 8 });
  const sub = subsetDataset(ds, [3, 1], 'validation');
  assert.deepEqual([sub.count, sub.split], [2, 'validation']);
  assert.deepEqual(Array.from(sub.labels), [3, 1]);
  assert.deepEqual(Array.from(sub.images), [...ds.images.subarray(12, 16), ...ds.images.subarray(4, 8)]);
});
