import * as tf from '@tensorflow/tfjs-core';
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { nativeKernelCalls, registerNativeKernels, unregisterNativeKernels } from '../../src/native/index.js';
import { batchNormalization } from '../../src/nets/batch-norm.js';
import { LGM_BATCH_NORM_TRAIN } from '../../src/util/batch-norm-kernel.js';
import { mulberry32 } from '../../src/util/random.js';
import { agreesWithCpu, nativeSkip, randInt, randn } from './compare.js';

const skip = nativeSkip();
const BACKENDS = ['cpu', 'wasm'];

/** Weighted sum of outputs, so every output element gets a distinct upstream gradient. */
const weightedSum = (y: tf.Tensor, seed: number) =>
  tf.sum(tf.mul(y, tf.tensor(randn(y.size, seed), y.shape)));

/** y, mean and variance of batch norm in training: the fused kernel where registered, else TF.js's ops. */
function batchNormTrain(x: tf.Tensor, scale: tf.Tensor, offset: tf.Tensor, eps: number): tf.Tensor[] {
  if (tf.getKernel(LGM_BATCH_NORM_TRAIN, tf.getBackend()) !== undefined) {
    return tf
      .engine()
      .runKernel(LGM_BATCH_NORM_TRAIN, { x, scale, offset }, { varianceEpsilon: eps }) as tf.Tensor[];
  }
  const axes = x.shape.slice(0, -1).map((_, i) => i);
  const { mean, variance } = tf.moments(x, axes);
  return [tf.batchNorm(x, mean, variance, offset, scale, eps), mean, variance];
}

describe(
  'fused batch norm in training agrees with tf.moments + tf.batchNorm on the cpu backend',
  { skip },
  () => {
    for (const backend of BACKENDS) {
      test(`${backend}: y, the statistics and the gradients through all three outputs`, async () => {
        const rand = mulberry32(17);
        for (let trial = 0; trial < 5; trial++) {
          // NHWC as the ResNets, and rank 2; odd sizes, channels 1..19, a mean far from 0 (cancellation).
          const shape =
            trial < 4
              ? [randInt(rand, 1, 5), randInt(rand, 1, 7), randInt(rand, 1, 7), randInt(rand, 1, 19)]
              : [randInt(rand, 2, 40), randInt(rand, 1, 19)];
          const c = shape.at(-1)!;
          const size = shape.reduce((a, b) => a * b);
          const xv = randn(size, trial).map((v) => 3 * v + 20);
          const [gv, bv] = [randn(c, 70 + trial), randn(c, 80 + trial)];
          await agreesWithCpu(
            backend,
            `batch norm train ${JSON.stringify(shape)}`,
            () => {
              const [x, gamma, beta] = [tf.tensor(xv, shape), tf.tensor1d(gv), tf.tensor1d(bv)];
              const loss = (xx: tf.Tensor, g: tf.Tensor, b: tf.Tensor) => {
                const [y, mean, variance] = batchNormTrain(xx, g, b, 1e-3);
                return tf.addN([weightedSum(y!, 7), weightedSum(mean!, 8), weightedSum(variance!, 9)]);
              };
              const yOnly = (xx: tf.Tensor, g: tf.Tensor, b: tf.Tensor) =>
                weightedSum(batchNormTrain(xx, g, b, 1e-5)[0]!, 10);
              return [
                ...batchNormTrain(x, gamma, beta, 1e-3),
                ...tf.grads(loss)([x, gamma, beta]),
                ...tf.grads(yOnly)([x, gamma, beta]),
              ];
            },
            ['LgmBatchNormTrain', 'LgmBatchNormTrainGrad'],
            3e-4,
          );
        }
      });

      test(`${backend}: the ResNets' batch-norm layer in training (output, gradients, moving averages)`, async () => {
        const shape = [6, 5, 5, 12];
        const xv = randn(6 * 5 * 5 * 12, 31).map((v) => 2 * v - 1);
        await agreesWithCpu(
          backend,
          'batch-norm layer',
          () => {
            const layer = batchNormalization({ momentum: 0.9, epsilon: 1e-5, name: 'bn' });
            const x = tf.tensor(xv, shape);
            layer.build(shape);
            layer.trainableWeights[0]!.write(tf.tensor1d(randn(12, 32)));
            const f = (xx: tf.Tensor) => weightedSum(layer.apply(xx, { training: true }) as tf.Tensor, 11);
            const { value, grads } = tf.variableGrads(() => f(x) as tf.Scalar);
            const dx = tf.grad(f)(x);
            const outs = [
              value,
              dx,
              ...Object.values(grads),
              layer.apply(x, { training: true }) as tf.Tensor,
              layer.apply(x) as tf.Tensor, // inference: the moving averages the training calls updated
              ...layer.getWeights().map((w) => w.clone()),
            ];
            layer.weights.forEach((w) => w.dispose()); // applied to tensors only: Layer.dispose refuses
            return outs;
          },
          ['LgmBatchNormTrain', 'LgmBatchNormTrainGrad'],
        );
      });
    }

    test('the layer keeps tfjs-layers class and config, and trains as tfjs-layers where the kernel is absent', async () => {
      assert.ok(await tf.setBackend('cpu'));
      unregisterNativeKernels('cpu');
      const layer = batchNormalization({ momentum: 0.9, epsilon: 1e-5, name: 'plain' });
      assert.equal(layer.getClassName(), 'BatchNormalization');
      const config = layer.getConfig();
      assert.equal(config.axis, -1);
      assert.equal(config.momentum, 0.9);
      assert.equal(config.epsilon, 1e-5);
      nativeKernelCalls(true);
      tf.tidy(() => layer.apply(tf.ones([2, 3]), { training: true }) as tf.Tensor);
      assert.deepEqual(nativeKernelCalls(true), {});
      registerNativeKernels('cpu');
      tf.tidy(() => layer.apply(tf.ones([2, 3]), { training: true }) as tf.Tensor);
      assert.equal(nativeKernelCalls(true).LgmBatchNormTrain?.native, 1);
      unregisterNativeKernels('cpu');
      layer.dispose();
    });
  },
);
