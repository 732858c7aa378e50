import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { initBoth, randomValues } from './compare.js';

await initBoth();

function gatherOn(backend: string, x: tf.Tensor, indices: number[], axis: number) {
  tf.setBackend(backend);
  return tf.tidy(() => {
    const xs = tf.tensor(x.dataSync(), x.shape, x.dtype);
    return tf.gather(xs, tf.tensor1d(indices, 'int32'), axis).arraySync();
  });
}

test('wasm GatherV2 row copies match cpu for float32 and int32, repeats, 1-D and 3-D inputs', () => {
  const cases: [number[], 'float32' | 'int32', number[], number][] = [
    [[7, 5], 'float32', [6, 0, 0, 3, 6, 1], 0],
    [[7], 'float32', [2, 2, 5], 0],
    [[4, 3, 2], 'int32', [3, 1], 0],
    [[4, 3, 2], 'float32', [2, 0, 1], 1], // not the first axis: the packaged kernel
  ];
  for (const [shape, dtype, indices, axis] of cases) {
    tf.setBackend('cpu');
    const size = shape.reduce((a, b) => a * b, 1);
    const values = Array.from(randomValues(size, size, -50, 50), (v) =>
      dtype === 'int32' ? Math.round(v) : v,
    );
    const x = tf.tensor(values, shape, dtype);
    const before = tf.memory().numTensors;
    assert.deepEqual(
      gatherOn('wasm', x, indices, axis),
      gatherOn('cpu', x, indices, axis),
      `${shape} ${dtype}`,
    );
    assert.equal(tf.memory().numTensors, before);
    x.dispose();
  }
});
