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

test('wasm GatherV2 with batch dims matches cpu wherever the tensors sit on the heap', () => {
  // The packaged kernel read outside its buffers for gather(x [N,K], idx [N,1], 1, 1) when the indices were
  // allocated before x (RuntimeError: memory access out of bounds).
  const cases: [number[], number[], number, number][] = [
    [[500, 8], [500, 1], 1, 1],
    [[6, 4, 5], [6, 3], 2, 1],
    [[2, 3, 4, 2], [2, 3, 2], 2, 2],
    [[3, 5, 2], [3, 4], 1, 1],
  ];
  for (const [shape, idxShape, axis, batchDims] of cases) {
    const dimSize = shape[axis];
    const idxSize = idxShape.reduce((a, b) => a * b, 1);
    const indices = Array.from(randomValues(idxSize, idxSize + 1, 0, dimSize), (v) =>
      Math.min(dimSize - 1, Math.floor(v)),
    );
    const size = shape.reduce((a, b) => a * b, 1);
    const values = randomValues(size, size + 2, -50, 50);
    const on = (backend: string) => {
      tf.setBackend(backend);
      return tf.tidy(() => {
        const idx = tf.tensor(indices, idxShape, 'int32'); // first: the order that broke the packaged kernel
        const x = tf.tensor(values, shape, 'float32');
        return tf.gather(x, idx, axis, batchDims).arraySync();
      });
    };
    tf.setBackend('wasm');
    const before = tf.memory().numTensors;
    assert.deepEqual(on('wasm'), on('cpu'), `${shape} ${idxShape} axis ${axis} batchDims ${batchDims}`);
    assert.equal(tf.memory().numTensors, before);
  }
});
