import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../../../src/backend/index.js';
import { dataBenchmark } from '../../../src/cli/bench/data.js';

test('lgm bench data reports batches/s for MNIST and generated CIFAR-shaped data without leaking', async () => {
  await initBackend('cpu');
  const before = tf.memory().numTensors;
  const result = (await dataBenchmark.run(['--batches', '3', '--backend', 'cpu'])) as Record<
    string,
    Record<string, unknown>
  >;
  assert.equal(result.mnist.batchSize, 64);
  assert.equal(result.cifar.batchSize, 128);
  assert.equal(result.cifar.generated, true);
  assert.match(String(result.cifar.source), /generated/);
  assert.deepEqual(result.cifar.augment, { pad: 4, flip: true });
  for (const part of [result.mnist, result.cifar]) {
    assert.equal(part.batches, 3);
    assert.ok((part.batchesPerSecond as number) > 0);
    assert.ok((part.imagesPerSecond as number) > 0);
  }
  assert.equal(tf.memory().numTensors, before);
  await assert.rejects(
    dataBenchmark.run(['--batches', '0']),
    /bench data: --batches must be an integer >= 1, got '0'/,
  );
});
