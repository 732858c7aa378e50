import * as tf from '@tensorflow/tfjs-core';
import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import { registerWasmTrainingKernels, WASM_TRAINING_KERNELS } from '../../src/backend/index.js';
import { backendModule, inChild } from './child.js';
import { assertSameGradients, initBoth, weightedSum } from './compare.js';

before(initBoth);

type Pad = 'same' | 'valid';

describe('Conv2D gradients (Conv2DBackpropFilter, Conv2DBackpropInput)', () => {
  const cases: [number[], number, number, Pad][] = [
    // [x shape NHWC, filter size, stride, padding]
    [[1, 7, 9, 3], 3, 1, 'same'],
    [[2, 7, 9, 3], 3, 2, 'same'],
    [[2, 8, 7, 2], 3, 2, 'valid'],
    [[1, 9, 9, 1], 5, 1, 'valid'],
    [[3, 6, 5, 4], 2, 2, 'same'],
    [[2, 7, 7, 3], 1, 2, 'valid'],
    [[1, 5, 6, 2], 4, 1, 'same'],
    [[2, 11, 11, 3], 5, 2, 'same'],
  ];
  for (const [xShape, k, stride, pad] of cases) {
    test(`x ${xShape} filter ${k}x${k} stride ${stride} ${pad}`, () => {
      assertSameGradients(
        'conv2d',
        (x, w) => weightedSum(tf.conv2d(x as tf.Tensor4D, w as tf.Tensor4D, stride, pad)),
        [xShape, [k, k, xShape[3], 5]],
      );
    });
  }
  test('explicit asymmetric padding', () => {
    const pad: [[number, number], [number, number], [number, number], [number, number]] = [
      [0, 0],
      [1, 2],
      [0, 1],
      [0, 0],
    ];
    assertSameGradients(
      'conv2d explicit',
      (x, w) => weightedSum(tf.conv2d(x as tf.Tensor4D, w as tf.Tensor4D, 2, pad)),
      [
        [2, 7, 8, 3],
        [3, 3, 3, 4],
      ],
    );
  });
});

describe('depthwise conv2d gradients', () => {
  const cases: [number[], number, number, number, Pad][] = [
    // [x shape, filter size, channel multiplier, stride, padding]
    [[1, 7, 9, 3], 3, 1, 1, 'same'],
    [[2, 7, 8, 3], 3, 2, 2, 'same'],
    [[2, 9, 7, 2], 3, 1, 2, 'valid'],
    [[1, 6, 6, 4], 5, 2, 1, 'valid'],
  ];
  for (const [xShape, k, m, stride, pad] of cases) {
    test(`x ${xShape} filter ${k}x${k} multiplier ${m} stride ${stride} ${pad}`, () => {
      assertSameGradients(
        'depthwiseConv2d',
        (x, w) => weightedSum(tf.depthwiseConv2d(x as tf.Tensor4D, w as tf.Tensor4D, stride, pad)),
        [xShape, [k, k, xShape[3], m]],
      );
    });
  }
});

describe('MaxPoolGrad', () => {
  // Values in [-3, -1): every window is all negative, where tfjs-backend-wasm 4.22's kernel routes the gradient
  // to the wrong input (its running maximum starts at the smallest positive float).
  const cases: [number[], number, number, Pad][] = [
    [[2, 8, 8, 3], 2, 2, 'valid'],
    [[1, 7, 9, 2], 3, 2, 'same'],
    [[2, 7, 7, 4], 3, 1, 'valid'],
  ];
  for (const [xShape, k, stride, pad] of cases) {
    test(`all-negative windows: x ${xShape} pool ${k} stride ${stride} ${pad}`, () => {
      assertSameGradients(
        'maxPool',
        (x) => weightedSum(tf.maxPool(x as tf.Tensor4D, k, stride, pad)),
        [xShape],
        { lo: -3, hi: -1 },
      );
    });
  }
  test('mixed-sign windows', () => {
    assertSameGradients('maxPool', (x) => weightedSum(tf.maxPool(x as tf.Tensor4D, 2, 2, 'same')), [
      [2, 7, 5, 3],
    ]);
  });
});

describe('BatchMatMul / _FusedMatMul with transposed operands', () => {
  for (const [ta, tb] of [
    [false, false],
    [true, false],
    [false, true],
    [true, true],
  ]) {
    test(`matMul transposeA=${ta} transposeB=${tb}, rank 2 and batched`, () => {
      const a = ta ? [7, 5] : [5, 7];
      const b = tb ? [3, 7] : [7, 3];
      assertSameGradients('matMul', (x, y) => weightedSum(tf.matMul(x, y, ta, tb)), [a, b]);
      assertSameGradients('batched matMul', (x, y) => weightedSum(tf.matMul(x, y, ta, tb)), [
        [2, ...a],
        [2, ...b],
      ]);
    });
  }
  test('fused matMul with bias and relu, both transposed', () => {
    assertSameGradients(
      'fused matMul',
      (x, y, bias) =>
        weightedSum(
          tf.fused.matMul({
            a: x as tf.Tensor2D,
            b: y as tf.Tensor2D,
            transposeA: true,
            transposeB: true,
            bias,
            activation: 'relu',
          }),
        ),
      [[6, 4], [3, 6], [3]],
    );
  });
});

describe('UnsortedSegmentSum and OneHot', () => {
  test('unsortedSegmentSum matches cpu, ids out of range are dropped', () => {
    const run = (backend: string) => {
      tf.setBackend(backend);
      return tf.tidy(() => {
        const x = tf.tensor2d([1, 2, 3, 4, 5, 6, 7, 8], [4, 2]);
        return Array.from(tf.unsortedSegmentSum(x, tf.tensor1d([2, 0, 2, 1], 'int32'), 3).dataSync());
      });
    };
    assert.deepEqual(run('wasm'), [3, 4, 7, 8, 6, 8]);
    assert.deepEqual(run('wasm'), run('cpu'));
  });
  test('gradient of gather (needs UnsortedSegmentSum)', () => {
    const indices = [0, 2, 2, 1, 4];
    assertSameGradients('gather', (x) => weightedSum(tf.gather(x, tf.tensor1d(indices, 'int32'))), [[5, 3]]);
  });
  test('oneHot float32 has real 0/1 values (4.22 wrote integer bits)', () => {
    tf.setBackend('wasm');
    const values = tf.tidy(() => tf.oneHot(tf.tensor1d([0, 2, 1], 'int32'), 3, 1, 0, 'float32').dataSync());
    assert.deepEqual(Array.from(values), [1, 0, 0, 0, 0, 1, 0, 1, 0]);
    const scaled = tf.tidy(() =>
      tf.oneHot(tf.tensor1d([1, -1], 'int32'), 2, 2.5, -0.5, 'float32').dataSync(),
    );
    assert.deepEqual(Array.from(scaled), [-0.5, 2.5, -0.5, -0.5]);
    const ints = tf.tidy(() => tf.oneHot(tf.tensor2d([[1], [0]], [2, 1], 'int32'), 2).dataSync());
    assert.deepEqual(Array.from(ints), [0, 1, 1, 0]);
  });
});

test('registerWasmTrainingKernels is idempotent and registers every listed kernel', () => {
  const before = Object.keys(WASM_TRAINING_KERNELS).map((k) => tf.getKernel(k, 'wasm')?.kernelFunc);
  registerWasmTrainingKernels();
  const after = Object.keys(WASM_TRAINING_KERNELS).map((k) => tf.getKernel(k, 'wasm')?.kernelFunc);
  assert.ok(before.every((f) => typeof f === 'function'));
  assert.deepEqual(after, before);
});

test('a kernel overridden before the first registration is kept (e.g. a native override loaded first)', () => {
  const result = inChild(
    {},
    `import * as wasm from '@tensorflow/tfjs-backend-wasm';
import { registerWasmTrainingKernels } from ${JSON.stringify(backendModule)};
const own = () => { throw new Error('override'); };
tf.unregisterKernel('MaxPoolGrad', 'wasm');
tf.registerKernel({ kernelName: 'MaxPoolGrad', backendName: 'wasm', kernelFunc: own });
registerWasmTrainingKernels();
console.log(JSON.stringify({ kept: tf.getKernel('MaxPoolGrad', 'wasm').kernelFunc === own,
  added: tf.getKernel('Conv2DBackpropFilter', 'wasm') !== undefined }));`,
  );
  assert.deepEqual(result, { kept: true, added: true });
});
