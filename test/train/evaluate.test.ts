import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { arraySource } from '../../src/train/data.js';
import { evaluate } from '../../src/train/evaluate.js';
import { buildModel, disposeModel, inferFeatures } from '../../src/train/model.js';
import { reduceLoss } from '../../src/losses/reduce.js';
import { LgmError } from '../../src/util/errors.js';
import { countHostReads } from '../helpers/host-reads.js';
import { mlpConfig, useCpu } from './fixtures.js';

/** 4-D blobs, 3 classes, `batches` test batches of 8 (label i % 3; `badLabel` replaces the last one). */
function testSource(batches: number, badLabel?: number) {
  const n = 8 * batches;
  const values = Float32Array.from({ length: n * 4 }, (_, i) => Math.sin(i * 0.7) + ((i >> 2) % 3));
  const labels = Int32Array.from({ length: n }, (_, i) => i % 3);
  if (badLabel !== undefined) labels[n - 1] = badLabel;
  return arraySource(values, labels, [4], { batchSize: 8, shuffle: false });
}

for (const loss of ['lgm', 'softmax', 'center']) {
  test(`evaluate (${loss}) checks the first batch only: 4 host reads per later batch, the same loss as checked`, async () => {
    await useCpu();
    const config = mlpConfig({ loss: { name: loss } } as never);
    const model = buildModel(config, [4], 3);
    try {
      const before = tf.memory().numTensors;
      const two = await countHostReads(() => evaluate(model, testSource(2)));
      const five = await countHostReads(() => evaluate(model, testSource(5)));
      assert.equal(tf.memory().numTensors, before);
      // A later batch reads back its features, predictions, labels and loss, nothing else.
      assert.equal((five.reads - two.reads) / 3, 4);
      // The first batch's checks read more (the label range at least).
      assert.ok(two.reads > 2 * 4, `first batch reads ${two.reads - 4}`);
      // The mean loss is the checked public loss's, batch by batch.
      const expected = tf.tidy(() => {
        let sum = 0;
        for (const batch of testSource(5).epoch(0)) {
          const f = inferFeatures(model, batch.x);
          sum += 8 * reduceLoss(model.loss.perSample(f, batch.y)).loss.dataSync()[0];
        }
        return sum / 40;
      });
      assert.ok(Math.abs(five.result.loss - expected) < 1e-6, `${five.result.loss} vs ${expected}`);
      assert.equal(five.result.count, 40);
    } finally {
      disposeModel(model);
    }
  });
}

test('evaluate rejects a label out of range in a later (unchecked) batch, and in the first', async () => {
  await useCpu();
  const model = buildModel(mlpConfig(), [4], 3);
  try {
    await assert.rejects(
      () => evaluate(model, testSource(3, 3)),
      (e: Error) => e instanceof LgmError && /labels must be in \[0, 3\), got 3/.test(e.message),
    );
    const first = arraySource(new Float32Array(32), Int32Array.from([0, 1, 2, 0, 1, 2, 0, -1]), [4], {
      batchSize: 8,
    });
    await assert.rejects(() => evaluate(model, first), /labels must be in \[0, 3\), got -1/);
  } finally {
    disposeModel(model);
  }
});
