import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tfl from '@tensorflow/tfjs-layers';
import '@tensorflow/tfjs-backend-cpu';
import { addFlops, countHeadFlops, countModelFlops } from '../../../src/cli/bench/flops.js';
import { buildNetwork } from '../../../src/nets/registry.js';

// Every expected value below is worked out by hand from the formula in src/bench/flops.ts.

test('countModelFlops: conv + dense, the first layer has no input gradient', () => {
  const model = tfl.sequential({
    layers: [
      tfl.layers.conv2d({ inputShape: [4, 4, 1], filters: 2, kernelSize: 3, padding: 'same' }),
      tfl.layers.flatten(),
      tfl.layers.dense({ units: 3 }),
    ],
  });
  // conv: 2 * (4*4*2 outputs) * (3*3*1) = 576 per image; dense: 2 * 32 * 3 = 192.
  assert.deepEqual(countModelFlops(model, 1, false), {
    forward: 768,
    backward: 0,
    total: 768,
    uncounted: [],
  });
  // Backward per image: conv weight gradient 576 (no input gradient), dense weight + input 2 * 192.
  assert.deepEqual(countModelFlops(model, 2, true), {
    forward: 1536,
    backward: 2 * (576 + 384),
    total: 1536 + 1920,
    uncounted: [],
  });
  model.dispose();
});

test('countModelFlops: pooling, 1x1, depthwise and strided convolutions; frozen layers', () => {
  const input = tfl.input({ shape: [6, 6, 2] });
  const pooled = tfl.layers.maxPooling2d({ poolSize: 2 }).apply(input) as tfl.SymbolicTensor;
  const pointwise = tfl.layers.conv2d({ filters: 4, kernelSize: 1, useBias: false });
  let x = pointwise.apply(pooled) as tfl.SymbolicTensor; // [3,3,4]: 2*3*3*4*2 = 144
  x = tfl.layers.batchNormalization().apply(x) as tfl.SymbolicTensor;
  x = tfl.layers
    .depthwiseConv2d({ kernelSize: 3, depthMultiplier: 2, padding: 'same' })
    .apply(x) as tfl.SymbolicTensor; // [3,3,8]: 2*3*3*8*9 = 1296
  x = tfl.layers
    .conv2d({ filters: 5, kernelSize: 3, strides: 2, padding: 'same' })
    .apply(x) as tfl.SymbolicTensor; // [2,2,5]: 2*2*2*5*9*8 = 2880
  const model = tfl.model({ inputs: input, outputs: x });
  const forward = 144 + 1296 + 2880;
  // The 1x1 convolution only sees the (pooled) input: weight gradient only. The others: weight + input.
  assert.deepEqual(countModelFlops(model, 1, true), {
    forward,
    backward: 144 + 2 * 1296 + 2 * 2880,
    total: forward + 144 + 2 * 1296 + 2 * 2880,
    uncounted: [],
  });
  pointwise.trainable = false; // no weight gradient; batch norm's weights still make later input gradients flow
  assert.equal(countModelFlops(model, 1, true).backward, 2 * 1296 + 2 * 2880);
  model.dispose();
});

test('countModelFlops: ResNet-20 is the known 40.55 M multiply-adds per 32x32 image', () => {
  const model = buildNetwork('resnet20', { inputShape: [32, 32, 3] });
  // conv0 32*32*16*27 + stage 1: 6 * 32*32*16*144 + stages 2, 3: (16*16*32*144 + 5 * 16*16*32*288) each.
  const macs = 442_368 + 6 * 2_359_296 + 2 * (1_179_648 + 5 * 2_359_296);
  assert.equal(macs, 40_550_400);
  const count = countModelFlops(model, 1, true);
  assert.equal(count.forward, 2 * macs);
  assert.equal(count.backward, 4 * macs - 2 * 442_368, 'no input gradient for conv0');
  model.dispose();
});

test('countModelFlops: products it cannot count are named; bad batch is an error', () => {
  const model = tfl.sequential({
    layers: [tfl.layers.conv1d({ inputShape: [8, 2], filters: 3, kernelSize: 3, name: 'c1' })],
  });
  assert.deepEqual(countModelFlops(model, 1, false).uncounted, ['c1 (Conv1D)']);
  assert.throws(() => countModelFlops(model, 0, false), {
    message: 'countModelFlops: batch must be an integer >= 1, got 0',
  });
  model.dispose();
});

test('countHeadFlops: dense/identity/isotropic one product forward, diagonal two; backward twice forward', () => {
  for (const kind of ['softmax', 'identity', 'isotropic'] as const) {
    assert.deepEqual(countHeadFlops(kind, 2, 3, 4, true), {
      forward: 48,
      backward: 96,
      total: 144,
      uncounted: [],
    });
  }
  assert.deepEqual(countHeadFlops('diagonal', 2, 3, 4, false), {
    forward: 96,
    backward: 0,
    total: 96,
    uncounted: [],
  });
  assert.equal(countHeadFlops('diagonal', 2, 3, 4, true).total, 288);
  assert.throws(() => countHeadFlops('identity', 2, 0, 4, true), {
    message: 'countHeadFlops: d must be an integer >= 1, got 0',
  });
  assert.deepEqual(
    addFlops(countHeadFlops('identity', 1, 1, 1, true), countHeadFlops('softmax', 1, 1, 1, false)),
    {
      forward: 4,
      backward: 4,
      total: 8,
      uncounted: [],
    },
  );
});
