import * as tf from '@tensorflow/tfjs-core';
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mulberry32 } from '../../src/util/random.js';
import { agreesWithCpu, nativeSkip, randInt, randn, runOn, assertClose, weightedSum } from './compare.js';

const skip = nativeSkip();

describe('native Slice, PadV2 and ReLU gradient agree with the cpu backend', { skip }, () => {
  for (const backend of ['cpu', 'wasm']) {
    test(`${backend}: slices and pads of ranks 1-5 (whole, inner and outer boxes, size -1, empty)`, async () => {
      const rand = mulberry32(3);
      for (let trial = 0; trial < 12; trial++) {
        const rank = 1 + (trial % 5);
        const shape = Array.from({ length: rank }, () => randInt(rand, 1, 6));
        const begin = shape.map((d) => randInt(rand, 0, d - 1));
        const size = shape.map((d, i) => (rand() < 0.3 ? -1 : randInt(rand, 0, d - begin[i]!)));
        const paddings = shape.map(() => [randInt(rand, 0, 3), randInt(rand, 0, 3)] as [number, number]);
        const xv = randn(
          shape.reduce((a, b) => a * b),
          trial,
        );
        await agreesWithCpu(
          backend,
          `slice/pad ${JSON.stringify({ shape, begin, size, paddings })}`,
          () => {
            const x = tf.tensor(xv, shape);
            return [
              tf.slice(x, begin, size),
              tf.slice(x, 0, shape), // the whole tensor: one run
              tf.pad(x, paddings, trial - 0.5),
              tf.grad((xx: tf.Tensor) => weightedSum(tf.pad(xx, paddings), trial))(x), // Slice of dy
            ];
          },
          ['Slice', 'PadV2'],
          0,
        );
      }
    });

    test(`${backend}: the option-A shortcut's channel pad and its gradient ([8,16,16,32] -> 64 channels)`, async () => {
      const xv = randn(8 * 16 * 16 * 32, 5);
      await agreesWithCpu(
        backend,
        'channel pad',
        () => {
          const x = tf.tensor(xv, [8, 16, 16, 32]);
          const pads: [number, number][] = [
            [0, 0],
            [0, 0],
            [0, 0],
            [16, 16],
          ];
          return [tf.pad(x, pads), tf.grad((xx: tf.Tensor) => weightedSum(tf.pad(xx, pads), 2))(x)];
        },
        ['Slice', 'PadV2'],
        0,
      );
    });

    test(`${backend}: ReLU's gradient in one kernel (zeros, negatives, NaN as TF.js)`, async () => {
      const xv = randn(4 * 9 * 9 * 16, 7);
      for (let i = 0; i < 40; i++) xv[i * 7] = 0;
      xv[3] = NaN;
      const dyv = randn(xv.length, 8);
      const fn = () => {
        const x = tf.tensor(xv, [4, 9, 9, 16]);
        const dy = tf.tensor(dyv, x.shape);
        return [tf.grad((xx: tf.Tensor) => tf.sum(tf.mul(tf.relu(xx), dy)))(x)];
      };
      const finite = () => [tf.slice(tf.reshape(fn()[0]!, [-1]), 4)];
      await agreesWithCpu(backend, 'relu grad (finite part)', finite, ['LgmReluGrad'], 0);
      const [[expected], [actual]] = [await runOn('cpu', false, fn), await runOn(backend, true, fn)];
      assert.ok(Number.isNaN(expected![3]) && Number.isNaN(actual![3]), 'NaN in x gives NaN, as TF.js');
      assertClose(actual!.subarray(0, 3), expected!.subarray(0, 3), 'relu grad', 0, 0);
    });
  }
});
