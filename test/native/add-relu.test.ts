import * as tf from '@tensorflow/tfjs-core';
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { registerNativeKernels, unregisterNativeKernels } from '../../src/native/index.js';
import { cifarResNet } from '../../src/nets/resnet.js';
import { LGM_ADD_RELU } from '../../src/util/add-relu-kernel.js';
import { agreesWithCpu, nativeSkip, randn } from './compare.js';

const skip = nativeSkip();
const BACKENDS = ['cpu', 'wasm'];

/** relu(a + b): the fused kernel where registered, else TF.js's Add and Relu. */
function addRelu(a: tf.Tensor, b: tf.Tensor): tf.Tensor {
  if (tf.getKernel(LGM_ADD_RELU, tf.getBackend()) !== undefined) {
    return tf.engine().runKernel(LGM_ADD_RELU, { a, b }) as tf.Tensor;
  }
  return tf.relu(tf.add(a, b));
}

describe('fused add + ReLU agrees with Add and Relu on the cpu backend', { skip }, () => {
  for (const backend of BACKENDS) {
    test(`${backend}: values (NaN and zeros included) and both inputs' gradients`, async () => {
      const shape = [3, 5, 7, 6];
      const [av, bv] = [randn(630, 1), randn(630, 2)];
      av[3] = NaN;
      bv[4] = -av[4]!; // a + b = 0 exactly: relu 0, gradient 0
      await agreesWithCpu(
        backend,
        'add relu',
        () => {
          const [a, b] = [tf.tensor(av, shape), tf.tensor(bv, shape)];
          const weights = tf.tensor(randn(630, 3), shape);
          const grads = tf.grads((x: tf.Tensor, y: tf.Tensor) => tf.sum(tf.mul(addRelu(x, y), weights)))([
            a,
            b,
          ]);
          // NaN compared as a marker (-7), so that the other elements are compared to the tolerance.
          const marked = (t: tf.Tensor) => tf.where(tf.isNaN(t), tf.fill(t.shape, -7), t);
          return [addRelu(a, b), ...grads, tf.grad((x: tf.Tensor) => tf.sum(addRelu(x, x)))(a)].map(marked);
        },
        [LGM_ADD_RELU, 'LgmReluGrad'],
      );
    });

    test(`${backend}: the ResNet's folded inference with the native kernels equals the cpu backend's`, async () => {
      const x = randn(2 * 16 * 16 * 3, 4);
      await agreesWithCpu(
        backend,
        'resnet20 inference',
        () => {
          const net = cifarResNet({ depth: 20, seed: 6, inputShape: [16, 16, 3] });
          const input = tf.tensor(x, [2, 16, 16, 3]);
          const features = net.apply(input, { training: false }) as tf.Tensor;
          const dx = tf.grad((i: tf.Tensor) => tf.sum(net.apply(i) as tf.Tensor))(input);
          const out = [features, dx].map((t) => t.clone());
          net.dispose();
          return out;
        },
        [LGM_ADD_RELU, 'FusedConv2D', 'AvgPool'],
      );
    });
  }

  test('without the kernel the step runs Add and Relu; with it, neither', async () => {
    assert.ok(await tf.setBackend('wasm'));
    const net = cifarResNet({ depth: 20, seed: 6, inputShape: [8, 8, 3] });
    const x = tf.zeros([1, 8, 8, 3]);
    const names = async () =>
      (await tf.profile(() => tf.tidy(() => void net.apply(x)))).kernels.map((k) => k.name);
    unregisterNativeKernels('wasm');
    const without = await names();
    assert.equal(without.filter((n) => n === 'Relu').length, 9);
    assert.ok(registerNativeKernels('wasm'));
    const withKernel = await names();
    assert.equal(withKernel.filter((n) => n === LGM_ADD_RELU).length, 9);
    assert.ok(!withKernel.includes('Relu') && !withKernel.includes('Add'), withKernel.join(' '));
    unregisterNativeKernels('wasm');
    x.dispose();
    net.dispose();
  });
});
