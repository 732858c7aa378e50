import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import '@tensorflow/tfjs-backend-cpu';
import { inputConv2d } from '../../src/nets/input-conv.js';

const close = (a: tf.Tensor, b: tf.Tensor, what: string) => {
  const err = tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]!);
  assert.ok(err <= 1e-5, `${what}: max error ${err}`);
};

for (const [useBias, strides, padding] of [
  [true, 1, 'same'],
  [false, 2, 'same'],
  [true, 2, 'valid'],
] as const) {
  test(`inputConv2d trains as tfjs-layers' conv2d (bias ${useBias}, stride ${strides}, ${padding}) without the image's gradient`, async () => {
    await tf.setBackend('cpu');
    const before = tf.memory().numTensors;
    const args = { filters: 4, kernelSize: 3, strides, padding, useBias, name: 'c' } as const;
    const [ours, plain] = [inputConv2d(args), tfl.layers.conv2d(args)];
    const x = tf.randomNormal([2, 7, 7, 3], 0, 1, 'float32', 1);
    ours.build(x.shape);
    plain.build(x.shape);
    tf.tidy(() =>
      plain.setWeights(ours.getWeights().map((v) => tf.add(v, tf.randomNormal(v.shape, 0, 1, 'float32', 2)))),
    );
    ours.setWeights(plain.getWeights());
    const w = tf.randomNormal(
      [2, ...(plain.computeOutputShape(x.shape) as number[]).slice(1)],
      0,
      1,
      'float32',
      3,
    );
    const loss = (layer: tfl.layers.Layer, training: boolean) => () =>
      tf.sum(tf.mul(layer.apply(x, { training }) as tf.Tensor, w)) as tf.Scalar;
    for (const training of [true, false]) {
      const [a, b] = [tf.variableGrads(loss(ours, training)), tf.variableGrads(loss(plain, training))];
      close(a.value, b.value, `loss (training ${training})`);
      Object.values(a.grads).forEach((g, i) => close(g, Object.values(b.grads)[i]!, `grad ${i}`));
      tf.dispose([a.value, b.value, ...Object.values(a.grads), ...Object.values(b.grads)]);
    }
    // The image's gradient when asked for (an attack), as tfjs-layers'.
    const imageGrad = (layer: tfl.layers.Layer) =>
      tf.grad((xx: tf.Tensor) => tf.sum(tf.mul(layer.apply(xx, { training: true }) as tf.Tensor, w)))(x);
    const [ga, gb] = [imageGrad(ours), imageGrad(plain)];
    close(ga, gb, 'image gradient');
    // Training on the variables alone runs no backward-data convolution (tfjs-layers' fused one does).
    const kernels = async (layer: tfl.layers.Layer) => {
      const info = await tf.profile(() => {
        const { value, grads } = tf.variableGrads(loss(layer, true));
        tf.dispose([value, ...Object.values(grads)]);
      });
      return info.kernels.map((k) => k.name);
    };
    assert.ok(!(await kernels(ours)).includes('Conv2DBackpropInput'));
    assert.ok((await kernels(plain)).includes('Conv2DBackpropInput'), 'the check must be able to fail');
    assert.equal(ours.getClassName(), 'Conv2D');
    tf.dispose([x, w, ga, gb]);
    ours.weights.forEach((v) => v.dispose());
    plain.weights.forEach((v) => v.dispose());
    assert.equal(tf.memory().numTensors, before);
  });
}
