import * as tf from '@tensorflow/tfjs-core';
import { describe, test } from 'node:test';
import { mulberry32 } from '../../src/util/random.js';
import {
  LGM_BATCH_NORM_ADD_RELU_TRAIN,
  LGM_BATCH_NORM_RELU_TRAIN,
} from '../../src/util/batch-norm-kernel.js';
import { agreesWithCpu, nativeSkip, randInt, randn, weightedSum } from './compare.js';

const skip = nativeSkip();
const BACKENDS = ['cpu', 'wasm'];

/**
 * relu(batch norm) in training with its statistics and the moving averages (momentum 0.9) of zeros and ones:
 * the fused kernel where registered, else TF.js's ops as tfjs-layers and a ReLU layer run them.
 */
function batchNormReluTrain(
  x: tf.Tensor,
  scale: tf.Tensor,
  offset: tf.Tensor,
  eps: number,
  shortcut?: tf.Tensor,
): tf.Tensor[] {
  const [movingMean, movingVariance] = [tf.zerosLike(scale), tf.onesLike(scale)];
  const kernel = shortcut === undefined ? LGM_BATCH_NORM_RELU_TRAIN : LGM_BATCH_NORM_ADD_RELU_TRAIN;
  if (tf.getKernel(kernel, tf.getBackend()) !== undefined) {
    return tf
      .engine()
      .runKernel(
        kernel,
        { x, scale, offset, movingMean, movingVariance, ...(shortcut === undefined ? {} : { shortcut }) },
        { varianceEpsilon: eps, momentum: 0.9 },
      ) as tf.Tensor[];
  }
  const axes = x.shape.slice(0, -1).map((_, i) => i);
  const { mean, variance } = tf.moments(x, axes);
  const update = (v: tf.Tensor, value: tf.Tensor) => tf.sub(v, tf.mul(tf.sub(v, value), 1 - 0.9));
  const y = tf.batchNorm(x, mean, variance, offset, scale, eps);
  return [
    tf.relu(shortcut === undefined ? y : tf.add(y, shortcut)),
    mean,
    variance,
    update(movingMean, mean),
    update(movingVariance, variance),
  ];
}

/** NaN as a marker value (-7), so that the other elements are compared to the tolerance. */
const marked = (t: tf.Tensor) => tf.where(tf.isNaN(t), tf.fill(t.shape, -7), t);

describe(
  'fused batch norm + ReLU in training agrees with batch norm, then Relu, on the cpu backend',
  { skip },
  () => {
    for (const backend of BACKENDS) {
      test(`${backend}: y, the statistics, the moving averages and the gradients through all three outputs`, async () => {
        const rand = mulberry32(29);
        for (let trial = 0; trial < 6; trial++) {
          // NHWC as the ResNets, and rank 2; odd sizes, channels 1..19, a mean far from 0 (cancellation).
          const shape =
            trial < 4
              ? [randInt(rand, 1, 5), randInt(rand, 1, 7), randInt(rand, 1, 7), randInt(rand, 1, 19)]
              : [randInt(rand, 2, 40), randInt(rand, 2, 19)];
          const c = shape.at(-1)!;
          const size = shape.reduce((a, b) => a * b);
          const xv = randn(size, 40 + trial).map((v) => 3 * v + 20);
          // The last trial: a NaN in channel 0 (that channel's statistics, outputs and gradients are NaN, the
          // others are not).
          if (trial === 5) xv[0] = NaN;
          const [gv, bv] = [randn(c, 50 + trial), randn(c, 60 + trial)];
          // One channel cut off entirely by the ReLU (offset far below), one never (far above).
          bv[0] = -50;
          if (c > 1) bv[c - 1] = 50;
          await agreesWithCpu(
            backend,
            `batch norm + relu train ${JSON.stringify(shape)}`,
            () => {
              const [x, gamma, beta] = [tf.tensor(xv, shape), tf.tensor1d(gv), tf.tensor1d(bv)];
              const loss = (xx: tf.Tensor, g: tf.Tensor, b: tf.Tensor) => {
                const [y, mean, variance] = batchNormReluTrain(xx, g, b, 1e-3);
                return tf.addN([weightedSum(y!, 7), weightedSum(mean!, 8), weightedSum(variance!, 9)]);
              };
              const yOnly = (xx: tf.Tensor, g: tf.Tensor, b: tf.Tensor) =>
                weightedSum(batchNormReluTrain(xx, g, b, 1e-5)[0]!, 10);
              return [
                ...batchNormReluTrain(x, gamma, beta, 1e-3),
                ...tf.grads(loss)([x, gamma, beta]),
                ...tf.grads(yOnly)([x, gamma, beta]),
              ].map(marked);
            },
            [LGM_BATCH_NORM_RELU_TRAIN, 'LgmBatchNormReluTrainGrad'],
            3e-4,
          );
        }
      });

      test(`${backend}: with a residual shortcut, relu(batch norm + shortcut) and the shortcut's gradient`, async () => {
        const rand = mulberry32(31);
        for (let trial = 0; trial < 4; trial++) {
          const shape =
            trial < 3
              ? [randInt(rand, 1, 5), randInt(rand, 1, 7), randInt(rand, 1, 7), randInt(rand, 1, 19)]
              : [randInt(rand, 2, 40), randInt(rand, 2, 19)];
          const c = shape.at(-1)!;
          const size = shape.reduce((a, b) => a * b);
          const xv = randn(size, 90 + trial).map((v) => 3 * v - 20);
          const sv = randn(size, 100 + trial);
          // A NaN in the shortcut: that element's output and gradients are NaN, the statistics are not.
          if (trial === 2) sv[size - 1] = NaN;
          const [gv, bv] = [randn(c, 110 + trial), randn(c, 120 + trial)];
          await agreesWithCpu(
            backend,
            `batch norm + add + relu train ${JSON.stringify(shape)}`,
            () => {
              const [x, s] = [tf.tensor(xv, shape), tf.tensor(sv, shape)];
              const [gamma, beta] = [tf.tensor1d(gv), tf.tensor1d(bv)];
              const loss = (xx: tf.Tensor, ss: tf.Tensor, g: tf.Tensor, b: tf.Tensor) => {
                const [y, mean, variance] = batchNormReluTrain(xx, g, b, 1e-3, ss);
                return tf.addN([weightedSum(y!, 11), weightedSum(mean!, 12), weightedSum(variance!, 13)]);
              };
              return [
                ...batchNormReluTrain(x, gamma, beta, 1e-3, s),
                ...tf.grads(loss)([x, s, gamma, beta]),
              ].map(marked);
            },
            [LGM_BATCH_NORM_ADD_RELU_TRAIN, 'LgmBatchNormAddReluTrainGrad'],
            3e-4,
          );
        }
      });
    }
  },
);
