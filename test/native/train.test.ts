import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import '../../src/backend/index.js';
import { lgmLoss } from '../../src/losses/index.js';
import { nativeKernelCalls, registerNativeKernels, unregisterNativeKernels } from '../../src/native/index.js';
import { nativeSkip, randn } from './compare.js';

const BATCH = 8;

/** A LeNet++-like net small enough for a unit test: conv/PReLU/pool twice, then a 2-D feature layer. */
function smallNet(): tfl.Sequential {
  let seed = 0;
  const init = () => tfl.initializers.glorotUniform({ seed: seed++ });
  const model = tfl.sequential();
  model.add(
    tfl.layers.conv2d({
      inputShape: [12, 12, 1],
      filters: 8,
      kernelSize: 5,
      padding: 'same',
      kernelInitializer: init(),
    }),
  );
  model.add(tfl.layers.prelu({ sharedAxes: [1, 2] }));
  model.add(tfl.layers.maxPooling2d({ poolSize: 2, strides: 2 }));
  model.add(tfl.layers.conv2d({ filters: 8, kernelSize: 3, padding: 'same', kernelInitializer: init() }));
  model.add(tfl.layers.prelu({ sharedAxes: [1, 2] }));
  model.add(tfl.layers.maxPooling2d({ poolSize: 2, strides: 2 }));
  model.add(tfl.layers.flatten());
  model.add(tfl.layers.dense({ units: 2, kernelInitializer: init() }));
  return model;
}

/** Losses of 4 SGD-with-momentum steps of the small net with the L-GM loss; asserts no tensor leaks per step. */
async function trainLosses(backend: string, native: boolean): Promise<number[]> {
  assert.ok(await tf.setBackend(backend));
  if (native) assert.ok(registerNativeKernels(backend));
  try {
    const model = smallNet();
    const means = tf.variable(tf.tensor2d(randn(20, 5), [10, 2]));
    const x = tf.tensor4d(randn(BATCH * 144, 6), [BATCH, 12, 12, 1]);
    const y = tf.tensor1d(
      Array.from({ length: BATCH }, (_, i) => i % 10),
      'int32',
    );
    const optimizer = tf.train.momentum(0.05, 0.9);
    const losses: number[] = [];
    let tensors = 0;
    for (let step = 0; step < 4; step++) {
      const loss = optimizer.minimize(
        () =>
          lgmLoss(
            model.apply(x, { training: true }) as tf.Tensor2D,
            y,
            { means },
            { covariance: 'identity', alpha: 0.1, lambda: 0.1 },
          ).loss,
        true,
      )!;
      losses.push((await loss.data())[0]!);
      loss.dispose();
      // The optimizer creates its momentum slots on the first step; after that a step must not add tensors.
      if (step === 1) tensors = tf.memory().numTensors;
      if (step > 1)
        assert.equal(tf.memory().numTensors, tensors, `${backend} native=${native}: step ${step} leaked`);
    }
    tf.dispose([x, y, means]);
    optimizer.dispose();
    model.dispose();
    return losses;
  } finally {
    unregisterNativeKernels(backend);
  }
}

test(
  'a small net trains to the same L-GM losses with and without the native kernels',
  { skip: nativeSkip() },
  async () => {
    const reference = await trainLosses('cpu', false);
    assert.ok(reference[3]! < reference[0]!, `loss must decrease: ${reference}`);
    for (const backend of ['cpu', 'wasm']) {
      nativeKernelCalls(true);
      const losses = await trainLosses(backend, true);
      const calls = nativeKernelCalls(true);
      for (const name of [
        'FusedConv2D',
        'Conv2DBackpropInput',
        'Conv2DBackpropFilter',
        'MaxPoolGrad',
        'LgmPreluGrad',
      ]) {
        assert.ok((calls[name]?.native ?? 0) > 0, `${backend}: ${name} did not run natively`);
      }
      if (backend === 'wasm') assert.ok((calls.Identity?.native ?? 0) > 0, 'wasm: saved tensors were copied');
      losses.forEach((l, i) =>
        assert.ok(
          Math.abs(l - reference[i]!) <= 1e-4 * Math.abs(reference[i]!) + 1e-5,
          `${backend} step ${i}: ${l} vs ${reference[i]}`,
        ),
      );
    }
  },
);

test('without the addon (LGM_NATIVE=0) the same training runs on the backend kernels', async () => {
  const saved = process.env.LGM_NATIVE;
  process.env.LGM_NATIVE = '0';
  try {
    assert.equal(registerNativeKernels('cpu'), false);
    const losses = await trainLosses('cpu', false);
    assert.equal(losses.length, 4);
    assert.ok(losses.every(Number.isFinite) && losses[3]! < losses[0]!, `${losses}`);
  } finally {
    if (saved === undefined) delete process.env.LGM_NATIVE;
    else process.env.LGM_NATIVE = saved;
  }
});
