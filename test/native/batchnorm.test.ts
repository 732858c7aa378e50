import * as tf from '@tensorflow/tfjs-core';
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { initBackend } from '../../src/backend/index.js';
import { nativeKernelCalls, registerNativeKernels, unregisterNativeKernels } from '../../src/native/index.js';
import { buildNetwork } from '../../src/nets/registry.js';
import { mulberry32 } from '../../src/util/random.js';
import { agreesWithCpu, nativeSkip, randInt, randn, weightedSum } from './compare.js';

const skip = nativeSkip();
const BACKENDS = ['cpu', 'wasm'];

describe('native batch norm agrees with the cpu backend', { skip }, () => {
  for (const backend of BACKENDS) {
    test(`${backend}: training-mode batch norm (moments + FusedBatchNorm), values and gradients`, async () => {
      const rand = mulberry32(5);
      for (let trial = 0; trial < 5; trial++) {
        // Rank 4 (NHWC, as the ResNets) and rank 2 (a dense layer's features); odd sizes; channels 1..19.
        const shape =
          trial < 4
            ? [randInt(rand, 1, 5), randInt(rand, 1, 7), randInt(rand, 1, 7), randInt(rand, 1, 19)]
            : [randInt(rand, 2, 40), randInt(rand, 1, 19)];
        const c = shape.at(-1)!;
        const axes = shape.slice(0, -1).map((_, i) => i);
        const xv = randn(
          shape.reduce((a, b) => a * b),
          trial,
        ).map((v) => 3 * v + 2);
        const [gv, bv] = [randn(c, 50 + trial), randn(c, 60 + trial)];
        await agreesWithCpu(
          backend,
          `batch norm ${JSON.stringify(shape)}`,
          () => {
            const [x, gamma, beta] = [tf.tensor(xv, shape), tf.tensor1d(gv), tf.tensor1d(bv)];
            const f = (xx: tf.Tensor, g: tf.Tensor, b: tf.Tensor) => {
              const { mean, variance } = tf.moments(xx, axes);
              return weightedSum(tf.batchNorm(xx, mean, variance, b, g, 1e-3), 7);
            };
            const { mean, variance } = tf.moments(x, axes);
            return [
              tf.batchNorm(x, mean, variance, beta, gamma, 1e-3),
              mean,
              ...tf.grads(f)([x, gamma, beta]),
            ];
          },
          ['FusedBatchNorm', 'LgmBatchNormGrad', 'Mean', ...(backend === 'wasm' ? ['Cast'] : [])],
          3e-4,
        );
      }
    });

    test(`${backend}: gradients w.r.t. mean and variance as inputs; forward without scale or offset`, async () => {
      const shape = [3, 4, 5, 6];
      await agreesWithCpu(
        backend,
        'batch norm, independent statistics',
        () => {
          const x = tf.tensor(randn(360, 1), shape);
          const mean = tf.tensor1d(randn(6, 2));
          const variance = tf.tensor1d(randn(6, 3).map((v) => v * v + 0.1));
          const [offset, scale] = [tf.tensor1d(randn(6, 4)), tf.tensor1d(randn(6, 5))];
          // (TF.js cannot differentiate batchNorm without an offset: its tape trips on the missing input.)
          const grads = tf.grads((xx: tf.Tensor, m: tf.Tensor, v: tf.Tensor, o: tf.Tensor, s: tf.Tensor) =>
            weightedSum(tf.batchNorm(xx, m, v, o, s, 1e-5), 8),
          )([x, mean, variance, offset, scale]);
          return [tf.batchNorm(x, mean, variance), tf.batchNorm(x, mean, variance, offset), ...grads];
        },
        ['FusedBatchNorm', 'LgmBatchNormGrad'],
      );
    });

    test(`${backend}: Mean over leading / trailing axes natively, middle axes fall back; its gradient`, async () => {
      nativeKernelCalls(true);
      await agreesWithCpu(
        backend,
        'mean',
        () => {
          const x = tf.tensor(randn(2 * 3 * 4 * 5, 11), [2, 3, 4, 5]);
          const f = (xx: tf.Tensor) =>
            tf.add(
              weightedSum(tf.mean(xx, [0, 1, 2]), 1),
              tf.add(weightedSum(tf.mean(xx, [2, 3], true), 2), weightedSum(tf.mean(xx, [1, 2]), 3)),
            );
          return [tf.mean(x, [0, 1, 2]), tf.mean(x, -1, true), tf.mean(x, [1, 2]), tf.mean(x), tf.grad(f)(x)];
        },
        ['Mean'],
      );
    });

    test(`${backend}: AvgPool and its gradient without padding natively, padded windows fall back`, async () => {
      const rand = mulberry32(9);
      for (let trial = 0; trial < 4; trial++) {
        const k = randInt(rand, 1, 3);
        const stride = randInt(rand, 1, 2);
        const shape = [randInt(rand, 1, 3), randInt(rand, k, 9), randInt(rand, k, 9), randInt(rand, 1, 17)];
        const xv = randn(
          shape.reduce((a, b) => a * b),
          30 + trial,
        );
        const pool = (x: tf.Tensor, pad: 'valid' | 'same') => tf.avgPool(x as tf.Tensor4D, k, stride, pad);
        await agreesWithCpu(
          backend,
          `avgPool ${JSON.stringify({ shape, k, stride })}`,
          () => {
            const x = tf.tensor(xv, shape);
            return [
              pool(x, 'valid'),
              pool(x, 'same'),
              tf.grad((xx: tf.Tensor) => weightedSum(pool(xx, 'valid'), 5))(x),
              tf.grad((xx: tf.Tensor) => weightedSum(pool(xx, 'same'), 6))(x),
            ];
          },
          ['AvgPool', 'AvgPoolGrad'],
        );
      }
    });

    test(`${backend}: statistics of another shape ([1,1,1,C]) fall back to the backend and TF.js's gradient`, async () => {
      const run = () => {
        const x = tf.tensor(randn(2 * 3 * 3 * 4, 12), [2, 3, 3, 4]);
        const { mean, variance } = tf.moments(x, [0, 1, 2], true);
        const [offset, scale] = [
          tf.tensor(randn(4, 13), [1, 1, 1, 4]),
          tf.tensor(randn(4, 14), [1, 1, 1, 4]),
        ];
        const f = (xx: tf.Tensor) => weightedSum(tf.batchNorm(xx, mean, variance, offset, scale), 4);
        return [tf.batchNorm(x, mean, variance, offset, scale), tf.grad(f)(x)];
      };
      await agreesWithCpu(backend, 'batch norm, rank-4 statistics', run, []);
      assert.ok(await tf.setBackend(backend));
      registerNativeKernels(backend);
      nativeKernelCalls(true);
      tf.dispose(tf.tidy(run));
      const calls = nativeKernelCalls(true);
      unregisterNativeKernels(backend);
      assert.ok((calls.FusedBatchNorm?.fallback ?? 0) > 0, 'rank-4 statistics must fall back');
      assert.equal(calls.LgmBatchNormGrad?.native ?? 0, 0);
    });
  }
});

/**
 * Losses of `steps` momentum-SGD steps of ResNet-20 (8x8 inputs, batch 4, softmax) on wasm; `fuse` false turns
 * the training fusions (batch norm + ReLU, add + ReLU) off.
 */
async function resnetLosses(native: boolean, steps: number, fuse = true): Promise<number[]> {
  if (!fuse) process.env.LGM_FUSE = '0';
  await initBackend('wasm', { threads: 1 });
  if (native) assert.ok(registerNativeKernels('wasm'));
  else unregisterNativeKernels('wasm');
  const model = buildNetwork('resnet20', { inputShape: [8, 8, 3], seed: 1 });
  const x = tf.tensor4d(randn(4 * 8 * 8 * 3, 21), [4, 8, 8, 3]);
  const labels = tf.oneHot(tf.tensor1d([0, 1, 2, 3], 'int32'), 64);
  const optimizer = tf.train.momentum(0.01, 0.9);
  const losses: number[] = [];
  for (let step = 0; step < steps; step++) {
    const loss = optimizer.minimize(
      () => tf.losses.softmaxCrossEntropy(labels, model.apply(x, { training: true }) as tf.Tensor2D),
      true,
    )!;
    losses.push(loss.dataSync()[0]!);
    loss.dispose();
  }
  tf.dispose([x, labels]);
  optimizer.dispose();
  model.dispose();
  registerNativeKernels('wasm');
  delete process.env.LGM_FUSE;
  return losses;
}

test(
  'ResNet-20: a 200-step loss curve with the native kernels (training fusions on and off) agrees with wasm alone to 1e-4',
  { skip },
  async () => {
    nativeKernelCalls(true);
    const withNative = await resnetLosses(true, 200);
    const calls = nativeKernelCalls(true);
    const ran = (counts: typeof calls, names: string[]) =>
      names.forEach((name) => assert.ok((counts[name]?.native ?? 0) > 0, `${name} did not run natively`));
    ran(calls, ['LgmBatchNormReluTrain', 'LgmBatchNormReluTrainGrad']);
    ran(calls, ['LgmBatchNormAddReluTrain', 'LgmBatchNormAddReluTrainGrad']);
    const unfused = await resnetLosses(true, 200, false);
    const unfusedCalls = nativeKernelCalls(true);
    ran(unfusedCalls, ['LgmBatchNormTrain', 'LgmBatchNormTrainGrad']);
    assert.equal(unfusedCalls.LgmBatchNormReluTrain, undefined, 'LGM_FUSE=0 runs no fused kernel');
    withNative.forEach((l, i) =>
      assert.ok(
        Math.abs(l - unfused[i]!) <= 1e-4 * Math.abs(unfused[i]!),
        `step ${i}, fused vs unfused: ${l} vs ${unfused[i]}`,
      ),
    );
    const without = await resnetLosses(false, 200);
    assert.ok(without[199]! < 0.5 * without[0]!, `the net must train: ${without[0]} -> ${without[199]}`);
    withNative.forEach((l, i) =>
      assert.ok(
        Math.abs(l - without[i]!) <= 1e-4 * Math.abs(without[i]!),
        `step ${i}: ${l} vs ${without[i]}`,
      ),
    );
  },
);
