/**
 * Whole-network gradients on wasm against cpu: every kernel that training the project's networks and losses
 * touches (LeNet++ with PReLU and max pooling under the L-GM loss; a small ResNet-style block with batch norm,
 * strided, padded and depthwise convolutions under softmax cross-entropy).
 */
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import { lgmLoss } from '../../src/losses/lgm.js';
import { leNetPP } from '../../src/nets/lenetpp.js';
import { initBoth, randomValues, relativeError } from './compare.js';

before(initBoth);

/** Loss and the gradients of every trainable variable on one backend (the variables move with it). */
function lossAndGrads(backend: string, loss: () => tf.Scalar): { value: number; grads: Float32Array[] } {
  tf.setBackend(backend);
  const tensors = tf.memory().numTensors;
  const { value, grads } = tf.variableGrads(loss);
  const result = {
    value: value.dataSync()[0],
    grads: Object.keys(grads)
      .sort()
      .map((k) => grads[k].dataSync() as Float32Array),
  };
  tf.dispose([value, grads]);
  assert.equal(tf.memory().numTensors, tensors, `${backend}: tensors leaked`);
  return result;
}

function assertSameTraining(name: string, loss: () => tf.Scalar, tolerance: number): void {
  const wasm = lossAndGrads('wasm', loss);
  const cpu = lossAndGrads('cpu', loss);
  assert.ok(
    relativeError([wasm.value], [cpu.value]) <= tolerance,
    `${name}: loss ${wasm.value} vs ${cpu.value}`,
  );
  assert.equal(wasm.grads.length, cpu.grads.length);
  cpu.grads.forEach((g, i) => {
    const err = relativeError(wasm.grads[i], g);
    assert.ok(err <= tolerance, `${name}: gradient ${i} of ${cpu.grads.length} differs by ${err}`);
  });
}

const labels = [0, 3, 1];

for (const covariance of ['identity', 'isotropic', 'diagonal'] as const) {
  test(`LeNet++ + L-GM (${covariance}) gradients match cpu`, () => {
    const model = leNetPP({ featureDim: 3, inputShape: [8, 8, 1], seed: 5 });
    const means = tf.variable(tf.tensor2d(randomValues(12, 7), [4, 3]));
    const logVarianceShape = covariance === 'isotropic' ? [4] : [4, 3];
    const logVariances =
      covariance === 'identity'
        ? undefined
        : tf.variable(
            tf.tensor(randomValues(4 * (logVarianceShape[1] ?? 1), 8, -0.3, 0.3), logVarianceShape),
          );
    const x = tf.tensor4d(randomValues(3 * 64, 9), [3, 8, 8, 1]);
    const y = tf.tensor1d(labels, 'int32');
    const loss = () =>
      lgmLoss(
        model.apply(x) as tf.Tensor2D,
        y,
        { means, logVariances },
        { covariance, alpha: 0.3, lambda: 0.1 },
      ).loss;
    assertSameTraining(`lenetpp ${covariance}`, loss, 1e-4);
    model.dispose();
    tf.dispose([means, x, y, ...(logVariances === undefined ? [] : [logVariances])]);
  });
}

test('ResNet-style block (batch norm, strided/padded/depthwise convs) + softmax gradients match cpu', () => {
  const input = tfl.input({ shape: [9, 9, 3] });
  const conv = (filters: number, kernelSize: number, strides: number, seed: number) =>
    tfl.layers.conv2d({
      filters,
      kernelSize,
      strides,
      padding: 'same',
      kernelInitializer: tfl.initializers.glorotUniform({ seed }),
    });
  const stem = tfl.layers
    .reLU()
    .apply(tfl.layers.batchNormalization().apply(conv(6, 3, 1, 1).apply(input))) as tfl.SymbolicTensor;
  const branch = tfl.layers
    .depthwiseConv2d({
      kernelSize: 3,
      padding: 'same',
      depthwiseInitializer: tfl.initializers.glorotUniform({ seed: 2 }),
    })
    .apply(tfl.layers.batchNormalization().apply(conv(8, 3, 2, 3).apply(stem))) as tfl.SymbolicTensor;
  const shortcut = conv(8, 1, 2, 4).apply(stem) as tfl.SymbolicTensor;
  const merged = tfl.layers.add().apply([branch, shortcut]) as tfl.SymbolicTensor;
  const pooled = tfl.layers.globalAveragePooling2d({}).apply(merged);
  const logits = tfl.layers
    .dense({ units: 4, kernelInitializer: tfl.initializers.glorotUniform({ seed: 5 }) })
    .apply(pooled) as tfl.SymbolicTensor;
  const model = tfl.model({ inputs: input, outputs: logits });
  const x = tf.tensor4d(randomValues(3 * 243, 11), [3, 9, 9, 3]);
  // Built from float values: the cpu backend's int32->float32 cast keeps int32 storage, which reaches wasm as
  // integer bits when the tensor moves there (a tfjs 4.22 cross-backend issue, not a wasm kernel).
  const targets = tf.tensor2d(
    labels.flatMap((k) => [0, 1, 2, 3].map((c) => (c === k ? 1 : 0))),
    [3, 4],
  );
  const loss = () =>
    tf.losses.softmaxCrossEntropy(targets, model.apply(x, { training: true }) as tf.Tensor) as tf.Scalar;
  assertSameTraining('resnet block', loss, 1e-4);
  model.dispose();
  tf.dispose([x, targets]);
});
