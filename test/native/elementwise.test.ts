import * as tf from '@tensorflow/tfjs-core';
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { broadcastDims } from '../../src/native/elementwise.js';
import { agreesWithCpu, nativeSkip, randn, runOn } from './compare.js';

const skip = nativeSkip();

test('broadcastDims merges dimensions where both inputs run alike', () => {
  // Same shape: one contiguous run.
  assert.deepEqual([...broadcastDims([4, 5, 6], [4, 5, 6], [4, 5, 6])], [1, 120, 1, 1]);
  // Row broadcast: b repeats along the rows.
  assert.deepEqual([...broadcastDims([256, 1000], [1, 1000], [256, 1000])], [2, 256, 1000, 1000, 1, 0, 1]);
  // Column broadcast and an outer product.
  assert.deepEqual([...broadcastDims([8, 3], [8, 1], [8, 3])], [2, 8, 3, 3, 1, 1, 0]);
  assert.deepEqual([...broadcastDims([8, 1], [1, 3], [8, 3])], [2, 8, 3, 1, 0, 0, 1]);
  // A bias over NHWC: the leading dimensions merge into one.
  assert.deepEqual([...broadcastDims([2, 3, 4, 16], [16], [2, 3, 4, 16])], [2, 24, 16, 16, 1, 0, 1]);
  // Scalars.
  assert.deepEqual([...broadcastDims([], [], [])], [1, 1, 0, 0]);
  assert.deepEqual([...broadcastDims([5, 7], [], [5, 7])], [1, 35, 1, 0]);
});

const SHAPES: [number[], number[]][] = [
  [
    [64, 100],
    [1, 100],
  ],
  [
    [64, 1],
    [1, 100],
  ],
  [
    [100, 52],
    [100, 1],
  ],
  [[100, 52], []],
  [
    [4, 5, 6, 70],
    [5, 1, 70],
  ],
  [
    [3, 1, 400],
    [3, 7, 1],
  ],
  [[2048], [2048]],
  [[2, 8, 8, 16], [16]],
];
const BINARY = ['add', 'sub', 'mul', 'div', 'maximum', 'minimum', 'squaredDifference'] as const;
const KERNEL: Record<(typeof BINARY)[number], string> = {
  add: 'Add',
  sub: 'Sub',
  mul: 'Multiply',
  div: 'RealDiv',
  maximum: 'Maximum',
  minimum: 'Minimum',
  squaredDifference: 'SquaredDifference',
};

describe('native element-wise kernels agree with the cpu backend', { skip }, () => {
  for (const backend of ['cpu', 'wasm']) {
    test(`${backend}: binary ops with broadcasting`, async () => {
      for (const [i, [sa, sb]] of SHAPES.entries()) {
        const av = randn(
          sa.reduce((p, d) => p * d, 1),
          i,
        );
        const bv = randn(
          sb.reduce((p, d) => p * d, 1),
          100 + i,
        );
        for (const op of BINARY) {
          await agreesWithCpu(
            backend,
            `${op} ${JSON.stringify(sa)} ${JSON.stringify(sb)}`,
            () => [tf[op](tf.tensor(av, sa), tf.tensor(bv, sb))],
            [KERNEL[op]],
            1e-6,
          );
        }
      }
    });

    test(`${backend}: unary ops and softmax`, async () => {
      const v = randn(3000, 7).map((x) => 30 * x);
      for (const op of ['neg', 'square', 'relu', 'exp'] as const) {
        const name = { neg: 'Neg', square: 'Square', relu: 'Relu', exp: 'Exp' }[op];
        await agreesWithCpu(backend, op, () => [tf[op](tf.tensor1d(v))], [name], 1e-6);
      }
      const logits = randn(40 * 300, 8).map((x) => 10 * x);
      await agreesWithCpu(backend, 'softmax', () => [tf.softmax(tf.tensor2d(logits, [40, 300]))], [
        'Softmax',
      ]);
    });
  }

  test('Exp is within 2 ulp of libm over the whole float range, with IEEE special values', async () => {
    const values = new Float32Array(4096 + 8);
    for (let i = 0; i < 4096; i++) values[i] = -110 + (i / 4095) * 200;
    values.set([NaN, Infinity, -Infinity, 0, -0, 88.72, 88.73, -104], 4096);
    const [native] = await runOn('wasm', true, () => [tf.exp(tf.tensor1d(values))]);
    values.forEach((x, i) => {
      const want = Math.fround(Math.exp(x));
      const got = native![i]!;
      if (Number.isNaN(want) || !Number.isFinite(want) || want === 0) {
        assert.ok(Object.is(got, want), `exp(${x}): got ${got}, want ${want}`);
      } else {
        // 2 ulp relative, or 2 subnormal steps below the normal range.
        const tol = Math.max(2 * 2 ** -23 * Math.abs(want), 2 * 2 ** -149);
        assert.ok(Math.abs(got - want) <= tol, `exp(${x}): got ${got}, want ${want}`);
      }
    });
  });

  test('NaN propagates through maximum and minimum as in TF.js', async () => {
    const a = new Float32Array(2048).fill(1);
    const b = new Float32Array(2048).fill(2);
    a[3] = NaN;
    b[5] = NaN;
    for (const op of ['maximum', 'minimum'] as const) {
      const [out] = await runOn('wasm', true, () => [tf[op](tf.tensor1d(a), tf.tensor1d(b))]);
      assert.ok(Number.isNaN(out![3]!) && Number.isNaN(out![5]!), `${op}: NaN lost`);
      assert.equal(out![0], op === 'maximum' ? 2 : 1);
    }
  });
});
