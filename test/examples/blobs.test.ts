import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { runBlobsExample } from '../../src/examples/index.js';

await tf.setBackend('cpu');

test('the synthetic-blob example reaches > 95% accuracy and separates in- from out-of-distribution', async () => {
  const before = tf.memory().numTensors;
  const r = await runBlobsExample({ epochs: 15, seed: 1 });
  assert.ok(r.accuracy > 0.95, `accuracy ${r.accuracy}`);
  assert.ok(
    r.inDistributionLogLikelihood > r.outOfDistributionLogLikelihood + 2,
    `log-likelihood in ${r.inDistributionLogLikelihood} vs out ${r.outOfDistributionLogLikelihood}`,
  );
  assert.equal(tf.memory().numTensors, before, 'the example releases every tensor');
});

test('the example reproduces for a seed', async () => {
  const a = await runBlobsExample({ epochs: 2, seed: 3, perClass: 50 });
  const b = await runBlobsExample({ epochs: 2, seed: 3, perClass: 50 });
  assert.deepEqual(a, b);
});
