import * as tf from '@tensorflow/tfjs-core';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { initBackend } from '../../src/backend/index.js';
import { nativeKernelCalls, registerNativeKernels } from '../../src/native/index.js';
import { buildNetwork } from '../../src/nets/registry.js';
import { Optimizer } from '../../src/train/optimizer.js';
import { resolveTrainConfig } from '../../src/train/config.js';
import { nativeSkip, randn } from './compare.js';

const skip = nativeSkip();

/** The kernels of the LeNet++ round of issue 18 that have a TF.js path to fall back on when unregistered. */
const NEW_KERNELS = ['LgmSgdUpdate', 'LgmPreluGrad'];

/**
 * Losses of `steps` steps of LeNet++ (12x12 inputs, batch 8, 10-d features under softmax cross-entropy) with the
 * trainer's optimizer (SGD, momentum 0.9, weight decay on the kernels) on wasm with the native kernels, with or
 * without NEW_KERNELS (without them the optimizer runs its ops and PReLU TF.js's own gradient).
 */
async function leNetLosses(withNew: boolean, steps: number): Promise<number[]> {
  await initBackend('wasm', { threads: 1 });
  assert.ok(registerNativeKernels('wasm'));
  const removed = withNew
    ? []
    : NEW_KERNELS.map((name) => {
        const kernel = tf.getKernel(name, 'wasm');
        assert.ok(kernel !== undefined, `${name} is not registered`);
        tf.unregisterKernel(name, 'wasm');
        return kernel;
      });
  try {
    const before = tf.memory().numTensors;
    const model = buildNetwork('lenetpp', { inputShape: [12, 12, 1], featureDim: 10, seed: 1 });
    const x = tf.tensor4d(randn(8 * 12 * 12, 31), [8, 12, 12, 1]);
    const labels = tf.tidy(() => tf.oneHot(tf.tensor1d([0, 1, 2, 3, 4, 5, 6, 7], 'int32'), 10));
    const variables = model.trainableWeights.map((w) => w.read() as tf.Variable);
    const optimizer = new Optimizer(
      resolveTrainConfig({ optimizer: { name: 'sgd', momentum: 0.9, weightDecay: 1e-3 } }).optimizer,
      variables.map((variable, i) => ({ key: `p${i}`, variable, decay: variable.rank > 1, lrScale: 1 })),
    );
    const losses: number[] = [];
    for (let step = 0; step < steps; step++) {
      const { value, grads } = tf.variableGrads(
        () => tf.losses.softmaxCrossEntropy(labels, model.apply(x, { training: true }) as tf.Tensor2D),
        variables,
      );
      optimizer.apply(grads, 0.001);
      losses.push(value.dataSync()[0]!);
      tf.dispose([value, ...Object.values(grads)]);
    }
    tf.dispose([x, labels]);
    optimizer.dispose();
    model.dispose();
    // tfjs-layers keeps one tensor per model after its first apply (docs/performance.md, "Known issues").
    assert.ok(tf.memory().numTensors <= before + 1, `tensors leaked: ${before} -> ${tf.memory().numTensors}`);
    return losses;
  } finally {
    for (const kernel of removed) tf.registerKernel(kernel);
  }
}

test(
  'LeNet++: a 200-step loss curve with the new native kernels agrees with the one without them (1e-5 for 50 steps, then 1e-3)',
  { skip },
  async () => {
    nativeKernelCalls(true);
    const withNew = await leNetLosses(true, 200);
    const calls = nativeKernelCalls(true);
    for (const name of ['FusedConv2D', 'MaxPool', 'MaxPoolGrad', 'Prelu', ...NEW_KERNELS]) {
      assert.ok((calls[name]?.native ?? 0) > 0, `${name} did not run natively`);
    }
    const without = await leNetLosses(false, 200);
    const rest = nativeKernelCalls(true);
    for (const name of NEW_KERNELS)
      assert.equal(rest[name]?.native ?? 0, 0, `${name} ran while unregistered`);
    assert.ok(without[199]! < 0.85 * without[0]!, `the net must train: ${without[0]} -> ${without[199]}`);
    // The two paths round differently (PReLU's gradient sums in another order), and training amplifies a rounding
    // difference step by step: measured, the relative gap is 1e-6 by step 50 and 2e-4 by step 199 on an AVX-512
    // CPU (less with AVX2). So the first 50 steps must agree to rounding, and the whole curve to 1e-3: a wrong
    // gradient or update moves the loss by far more within a few steps.
    withNew.forEach((l, i) => {
      const tolerance = i < 50 ? 1e-5 : 1e-3;
      assert.ok(
        Math.abs(l - without[i]!) <= tolerance * Math.abs(without[i]!),
        `step ${i}: ${l} vs ${without[i]} (relative tolerance ${tolerance})`,
      );
    });
  },
);
