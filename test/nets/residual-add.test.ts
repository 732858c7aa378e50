import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import * as tfl from '@tensorflow/tfjs-layers';
import { residualAdd } from '../../src/nets/residual-add.js';

/**
 * The loss sum((add(a, b)) * weights) with a = x * 3 and b = exp(x), through `layer`; the gradient in x, and the
 * number of live tensors when backprop reaches the bottom of the graph (a custom gradient around x).
 */
function run(layer: tfl.layers.Layer, x: tf.Tensor, weights: tf.Tensor) {
  let seen = -1;
  const bottom = tf.customGrad((t) => ({
    value: tf.mul(t as tf.Tensor, 1),
    gradFunc: (dy) => {
      seen = tf.memory().numTensors;
      return tf.mul(dy as tf.Tensor, 1);
    },
  }));
  const grad = tf.grad((xx: tf.Tensor) => {
    const h = bottom(xx);
    const sum = layer.apply([tf.mul(h, 3), tf.exp(h)]) as tf.Tensor;
    return tf.sum(tf.mul(sum, weights));
  })(x);
  return { grad, seen };
}

test('residualAdd: tfjs-layers Add values, config and gradient, and its tape keeps neither input', () => {
  const before = tf.memory().numTensors;
  const x = tf.tensor4d(
    Array.from({ length: 2 * 3 * 3 * 4 }, (_, i) => Math.sin(i) * 2),
    [2, 3, 3, 4],
  );
  const weights = tf.tensor4d(
    Array.from({ length: 2 * 3 * 3 * 4 }, (_, i) => Math.cos(i)),
    [2, 3, 3, 4],
  );
  const ours = residualAdd('block_add');
  const theirs = tfl.layers.add({ name: 'block_add' });
  assert.equal(ours.getClassName(), 'Add');
  assert.deepEqual(ours.getConfig(), theirs.getConfig());
  const [a, b] = [tf.mul(x, 3), tf.exp(x)];
  const [y1, y2] = [ours.apply([a, b]) as tf.Tensor, theirs.apply([a, b]) as tf.Tensor];
  assert.deepEqual(Array.from(y1.dataSync()), Array.from(y2.dataSync()));
  const o = run(ours, x, weights);
  const t = run(theirs, x, weights);
  assert.deepEqual(Array.from(o.grad.dataSync()), Array.from(t.grad.dataSync()));
  // TF.js's Add keeps both of its inputs (two clones) until backprop has passed it; residualAdd keeps none.
  assert.ok(t.seen - o.seen >= 2, `live tensors at the bottom: residualAdd ${o.seen}, Add ${t.seen}`);
  tf.dispose([x, weights, a, b, y1, y2, o.grad, t.grad]);
  assert.equal(tf.memory().numTensors, before);
});

test('residualAdd falls back to tfjs-layers Add for broadcasting inputs', () => {
  const layer = residualAdd('bcast_add');
  const [a, b] = [tf.ones([2, 3]), tf.tensor1d([1, 2, 3])];
  // tfjs-layers' Add requires equal shapes: its own error, not a silent broadcast.
  assert.throws(() => layer.apply([a, b]));
  const c = tf.ones([2, 3]);
  const grad = tf.grad((x: tf.Tensor) => tf.sum(layer.apply([x, c]) as tf.Tensor))(a);
  assert.deepEqual(Array.from(grad.dataSync()), [1, 1, 1, 1, 1, 1]);
  tf.dispose([a, b, c, grad]);
});
