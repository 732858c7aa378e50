import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '../../src/util/tf-gradients.js';
import { LOSS_NAMES, createLoss } from '../../src/losses/registry.js';
import { LossBase } from '../../src/losses/loss-base.js';
import { reduceLoss } from '../../src/losses/reduce.js';
import { countHostReads } from '../helpers/host-reads.js';

const NAME_IN_MESSAGES: Record<string, string> = {
  softmax: 'softmaxLoss',
  center: 'centerLoss',
  'am-softmax': 'amSoftmaxLoss',
  arcface: 'arcFaceLoss',
  lgm: 'lgmLoss',
};

test('every loss checks at its public methods, computes unchecked, and the two agree', async () => {
  await tf.setBackend('cpu');
  const x = tf.tensor2d([
    [1, 0.5],
    [-0.3, 2],
    [0.2, -1],
  ]);
  const y = tf.tensor1d([0, 1, 2], 'int32');
  const outOfRange = tf.tensor1d([0, 1, 3], 'int32');
  const nan = tf.tensor2d([
    [1, NaN],
    [0, 0],
    [0, 0],
  ]);
  for (const name of LOSS_NAMES) {
    const loss = createLoss(name, { numClasses: 3, featureDim: 2, seed: 1 });
    assert.ok(loss instanceof LossBase, `${name} extends LossBase`);
    const where = NAME_IN_MESSAGES[name];
    assert.throws(
      () => loss.perSample(x, outOfRange),
      new RegExp(`^LgmError: ${where}: labels must be in \\[0, 3\\), got 3$`),
    );
    assert.throws(
      () => loss.perSample(x, tf.tensor1d([0, 1], 'int32')),
      new RegExp(`${where}: labels must be int32 of shape \\[3\\], got int32 \\[2\\]`),
    );
    if (name === 'lgm') {
      assert.throws(() => loss.perSample(nan, y), /lgmLoss: features must be finite/);
      assert.throws(() => loss.logits(nan), /lgmLoss.logits: features must be finite/);
    }
    const checked = tf.tidy(() => reduceLoss(loss.perSample(x, y)).loss.dataSync()[0]);
    const { result: unchecked, reads } = await countHostReads(() =>
      tf.tidy(() => {
        const loss1 = reduceLoss(loss.computePerSample(x, y)).loss;
        const logits = loss.computeLogits(x);
        return tf.keep(tf.stack([loss1, tf.sum(logits)]));
      }),
    );
    assert.equal(reads, 0, `${name}: the compute methods read nothing back`);
    assert.equal((await unchecked.data())[0], checked, name);
    unchecked.dispose();
    loss.dispose();
  }
  tf.dispose([x, y, outOfRange, nan]);
});
