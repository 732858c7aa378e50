import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { nativeKernelCalls, registerNativeKernels, unregisterNativeKernels } from '../../src/native/index.js';
import { batchNormalization } from '../../src/nets/batch-norm.js';
import { LGM_BATCH_NORM_TRAIN } from '../../src/util/batch-norm-kernel.js';
import { mulberry32 } from '../../src/util/random.js';
import { agreesWithCpu, assertClose, nativeSkip, randInt, randn, weightedSum } from './compare.js';

const skip = nativeSkip();
const BACKENDS = ['cpu', 'wasm'];

/**
 * y, mean and variance of batch norm in training, and the moving averages (momentum 0.9) of zeros and ones
 * updated with them: the fused kernel where registered, else TF.js's ops as tfjs-layers runs them.
 */
function batchNormTrain(x: tf.Tensor, scale: tf.Tensor, offset: tf.Tensor, eps: number): tf.Tensor[] {
  const [movingMean, movingVariance] = [tf.zerosLike(scale), tf.onesLike(scale)];
  if (tf.getKernel(LGM_BATCH_NORM_TRAIN, tf.getBackend()) !== undefined) {
    return tf
      .engine()
      .runKernel(
        LGM_BATCH_NORM_TRAIN,
        { x, scale, offset, movingMean, movingVariance },
        { varianceEpsilon: eps, momentum: 0.9 },
      ) as tf.Tensor[];
  }
  const axes = x.shape.slice(0, -1).map((_, i) => i);
  const { mean, variance } = tf.moments(x, axes);
  const update = (v: tf.Tensor, value: tf.Tensor) => tf.sub(v, tf.mul(tf.sub(v, value), 1 - 0.9));
  return [
    tf.batchNorm(x, mean, variance, offset, scale, eps),
    mean,
    variance,
    update(movingMean, mean),
    update(movingVariance, variance),
  ];
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
                // (The moving averages are not differentiated: tfjs-layers updates them outside the graph.)
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

    for (const backend of BACKENDS) {
      test(`${backend}: moving averages after 12 training calls equal tfjs-layers' BatchNormalization's`, async () => {
        // The same sequence of batches through lgm's layer (fused kernel) and tfjs-layers' own layer, both on
        // the native-kernel backend; then both layers' moving mean and variance, and inference on a new batch.
        const shape = [4, 3, 3, 5];
        const batches = Array.from({ length: 12 }, (_, i) =>
          randn(4 * 3 * 3 * 5, 100 + i).map((v) => 2 * v + i),
        );
        assert.ok(await tf.setBackend(backend));
        assert.ok(registerNativeKernels(backend));
        const before = tf.memory().numTensors;
        const ours = batchNormalization({ momentum: 0.9, epsilon: 1e-5, name: 'ours' });
        const theirs = tfl.layers.batchNormalization({
          axis: -1,
          momentum: 0.9,
          epsilon: 1e-5,
          name: 'theirs',
        });
        const extra = tf.tensor(randn(4 * 3 * 3 * 5, 99), shape);
        for (const layer of [ours, theirs]) {
          layer.build(shape);
          tf.tidy(() =>
            layer.setWeights([
              tf.tensor1d(randn(5, 1)),
              tf.tensor1d(randn(5, 2)),
              tf.zeros([5]),
              tf.ones([5]),
            ]),
          );
        }
        nativeKernelCalls(true);
        for (const values of batches) {
          tf.tidy(() => {
            for (const layer of [ours, theirs]) layer.apply(tf.tensor(values, shape), { training: true });
          });
        }
        assert.equal(nativeKernelCalls(true).LgmBatchNormTrain?.native, batches.length);
        const [a, b] = [ours, theirs].map((layer) => [
          ...layer
            .getWeights()
            .slice(2)
            .map((w) => w.dataSync()),
          tf.tidy(() => (layer.apply(extra) as tf.Tensor).dataSync()),
        ]);
        for (const [i, what] of ['moving mean', 'moving variance', 'inference output'].entries()) {
          assertClose(a![i]! as Float32Array, b![i]! as Float32Array, `${backend} ${what}`, 1e-6, 1e-6);
        }
        extra.dispose();
        for (const layer of [ours, theirs]) layer.weights.forEach((w) => w.dispose());
        assert.equal(tf.memory().numTensors, before, 'tensors leaked');
        unregisterNativeKernels(backend);
      });
    }

    test("the moving-average update is tfjs-layers' float arithmetic exactly", async () => {
      // Same statistics in, so any difference is the update's own rounding: equal to the bit.
      assert.ok(await tf.setBackend('cpu'));
      assert.ok(registerNativeKernels('cpu'));
      tf.tidy(() => {
        const x = tf.tensor(
          randn(7 * 6, 5).map((v) => 10 * v + 3),
          [7, 6],
        );
        const [scale, offset] = [tf.ones([6]), tf.zeros([6])];
        const [movingMean, movingVariance] = [
          tf.tensor1d(randn(6, 6)),
          tf.tensor1d(randn(6, 7).map((v) => v * v)),
        ];
        for (const momentum of [0.9, 0.99, 0.5, 0.123]) {
          const [, mean, variance, newMean, newVariance] = tf
            .engine()
            .runKernel(
              LGM_BATCH_NORM_TRAIN,
              { x, scale, offset, movingMean, movingVariance },
              { varianceEpsilon: 1e-3, momentum },
            ) as tf.Tensor[];
          const update = (v: tf.Tensor, value: tf.Tensor) =>
            tf.sub(v, tf.mul(tf.sub(v, value), 1 - momentum));
          assert.deepEqual(newMean!.dataSync(), update(movingMean, mean!).dataSync(), `mean, ${momentum}`);
          assert.deepEqual(
            newVariance!.dataSync(),
            update(movingVariance, variance!).dataSync(),
            `var, ${momentum}`,
          );
        }
      });
      unregisterNativeKernels('cpu');
    });

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
