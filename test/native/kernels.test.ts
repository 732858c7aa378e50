import * as tf from '@tensorflow/tfjs-core';
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { registerNativeKernels, unregisterNativeKernels } from '../../src/native/index.js';
import { mulberry32 } from '../../src/util/random.js';
import { agreesWithCpu, fusedConvGrads, nativeSkip, randInt, randn, weightedSum } from './compare.js';

const skip = nativeSkip();
const BACKENDS = ['cpu', 'wasm'];

type Conv = { x: number[]; f: number[]; stride: number; pad: 'same' | 'valid' | number; dilation: number };

function randomConv(rand: () => number): Conv {
  const k = randInt(rand, 1, 5);
  const stride = randInt(rand, 1, 2);
  const dilation = stride === 1 && rand() < 0.3 ? 2 : 1;
  const pads = ['same', 'valid', randInt(rand, 0, 2)] as const;
  const pad = pads[randInt(rand, 0, 2)]!;
  const size = randInt(rand, k * dilation, 12);
  return {
    x: [randInt(rand, 1, 4), size, size + randInt(rand, 0, 3), randInt(rand, 1, 9)],
    f: [k, k, 0, randInt(rand, 1, 17)],
    stride,
    pad,
    dilation,
  };
}

describe('native kernels agree with the cpu backend', { skip }, () => {
  for (const backend of BACKENDS) {
    test(`${backend}: Conv2D / FusedConv2D forward and both gradients on random shapes`, async () => {
      const rand = mulberry32(11);
      for (let trial = 0; trial < 6; trial++) {
        const c = randomConv(rand);
        const fShape = [c.f[0]!, c.f[1]!, c.x[3]!, c.f[3]!];
        const xv = randn(
          c.x.reduce((a, b) => a * b),
          trial,
        );
        const fv = randn(
          fShape.reduce((a, b) => a * b),
          100 + trial,
        );
        const bv = randn(fShape[3]!, 200 + trial);
        const what = `conv ${JSON.stringify(c)}`;
        const make = () =>
          [tf.tensor4d(xv, c.x as never), tf.tensor4d(fv, fShape as never), tf.tensor1d(bv)] as const;
        await agreesWithCpu(
          backend,
          `${what} forward`,
          () => {
            const [x, f, b] = make();
            const plain = tf.conv2d(x, f, c.stride, c.pad, 'NHWC', c.dilation);
            const fused = tf.fused.conv2d({
              x,
              filter: f,
              strides: c.stride,
              pad: c.pad,
              dilations: c.dilation,
              bias: b,
              activation: 'relu',
            });
            return [plain, fused];
          },
          ['Conv2D', 'FusedConv2D'],
        );
        if (c.dilation !== 1) continue; // TF.js has no conv gradient with dilation
        await agreesWithCpu(
          backend,
          `${what} gradients`,
          () => {
            const [x, f, b] = make();
            return fusedConvGrads(x, f, b, c.stride, c.pad, 300 + trial);
          },
          ['FusedConv2D', 'Conv2DBackpropInput', 'Conv2DBackpropFilter', 'Sum'],
        );
      }
    });

    test(`${backend}: BatchMatMul / _FusedMatMul with transposes, batches and bias`, async () => {
      const rand = mulberry32(12);
      for (let trial = 0; trial < 8; trial++) {
        const [m, n, k] = [randInt(rand, 1, 20), randInt(rand, 1, 20), randInt(rand, 1, 30)];
        const [ta, tb] = [rand() < 0.5, rand() < 0.5];
        const batch = trial < 4 ? [] : [randInt(rand, 2, 3)];
        const aShape = [...batch, ...(ta ? [k, m] : [m, k])];
        const bShape = [...(trial === 6 ? [] : batch), ...(tb ? [n, k] : [k, n])];
        const av = randn(
          aShape.reduce((p, q) => p * q),
          trial,
        );
        const bv = randn(
          bShape.reduce((p, q) => p * q),
          50 + trial,
        );
        const biasV = randn(n, 60 + trial);
        await agreesWithCpu(
          backend,
          `matmul ${aShape} x ${bShape} ta=${ta} tb=${tb}`,
          () => {
            const [a, b, bias] = [tf.tensor(av, aShape), tf.tensor(bv, bShape), tf.tensor1d(biasV)];
            const y = tf.matMul(a, b, ta, tb);
            const relu = tf.fused.matMul({ a, b, transposeA: ta, transposeB: tb, bias, activation: 'relu' });
            // Under a gradient tape TF.js only fuses the linear activation.
            const fusedGrads = tf.grads((aa: tf.Tensor, bb: tf.Tensor) =>
              weightedSum(
                tf.fused.matMul({ a: aa, b: bb, transposeA: ta, transposeB: tb, bias }),
                70 + trial,
              ),
            );
            return [y, ...(batch.length === 0 ? [relu, ...fusedGrads([a, b])] : [])];
          },
          batch.length === 0 ? ['BatchMatMul', '_FusedMatMul'] : ['BatchMatMul'],
        );
      }
    });

    test(`${backend}: MaxPool forward and gradient, PReLU forward and gradient, Sum over axes, Tile`, async () => {
      const rand = mulberry32(13);
      for (let trial = 0; trial < 5; trial++) {
        const shape = [randInt(rand, 1, 3), randInt(rand, 2, 9), randInt(rand, 2, 9), randInt(rand, 1, 8)];
        const size = randInt(rand, 1, 3);
        const stride = randInt(rand, 1, 2);
        const pad = rand() < 0.5 ? 'same' : 'valid';
        // Ties exercise the first-maximum rule: round the inputs to a few levels.
        const xv = randn(
          shape.reduce((a, b) => a * b),
          trial,
        ).map((v) => Math.round(v * 2) / 2);
        const alphaShapes = [[1, 1, shape[3]!], [], shape.slice(1)];
        const alphaShape = alphaShapes[trial % 3]!;
        const av = randn(
          alphaShape.reduce((a, b) => a * b, 1),
          40 + trial,
        );
        await agreesWithCpu(
          backend,
          `pool/prelu/sum ${shape} size ${size} stride ${stride} ${pad}`,
          () => {
            const x = tf.tensor4d(xv, shape as never);
            const alpha = tf.tensor(av, alphaShape);
            const [dx] = tf.grads((xx: tf.Tensor) =>
              weightedSum(tf.maxPool(xx as tf.Tensor4D, size, stride, pad), trial),
            )([x]);
            const preluGrads = tf.grads((xx: tf.Tensor, aa: tf.Tensor) =>
              weightedSum(tf.prelu(xx, aa), 90 + trial),
            )([x, alpha]);
            const sums = [tf.sum(x, [0, 1, 2]), tf.sum(x, [2, 3], true), tf.sum(x, [1, 3]), tf.sum(x)];
            const tiles = [tf.tile(x, [1, 2, 1, 3]), tf.tile(tf.reshape(alpha, [-1]), [trial + 1])];
            const prelu = tf.prelu(x, alpha);
            return [tf.maxPool(x, size, stride, pad), dx!, prelu, ...preluGrads, ...sums, ...tiles];
          },
          ['MaxPool', 'MaxPoolGrad', 'Prelu', 'LgmPreluGrad', 'Sum', 'Tile'],
        );
      }
    });
  }

  test('wasm: Identity shares the data, which lives until its last reference is disposed', async () => {
    await tf.setBackend('wasm');
    assert.ok(registerNativeKernels('wasm'));
    try {
      const buffers = tf.engine().backend.numDataIds();
      const x = tf.tensor1d([1, 2, 3]);
      const y = tf.clone(x);
      assert.equal(tf.engine().backend.numDataIds(), buffers + 1, 'the clone must not copy');
      x.dispose();
      assert.deepEqual(Array.from(await y.data()), [1, 2, 3]);
      y.dispose();
      assert.equal(tf.engine().backend.numDataIds(), buffers);
    } finally {
      unregisterNativeKernels('wasm');
    }
  });

  test('cases outside the addon fall back to the backend kernel (NCHW conv, int32 matmul and sum)', async () => {
    const xv = randn(2 * 3 * 6 * 6, 1);
    const fv = randn(3 * 3 * 3 * 4, 2);
    await agreesWithCpu(
      'cpu',
      'fallbacks',
      () => {
        const nchw = tf.conv2d(
          tf.tensor4d(xv, [2, 3, 6, 6]),
          tf.tensor4d(fv, [3, 3, 3, 4]),
          1,
          'same',
          'NCHW',
        );
        const ints = tf.tensor2d([1, 2, 3, 4], [2, 2], 'int32');
        return [nchw, tf.cast(tf.matMul(ints, ints), 'float32'), tf.cast(tf.sum(ints, 0), 'float32')];
      },
      [],
    );
  });
});
