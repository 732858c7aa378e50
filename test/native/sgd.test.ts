import * as tf from '@tensorflow/tfjs-core';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { initBackend } from '../../src/backend/index.js';
import { nativeKernelCalls, registerNativeKernels, unregisterNativeKernels } from '../../src/native/index.js';
import { Optimizer, type Param } from '../../src/train/optimizer.js';
import { resolveTrainConfig, type OptimizerConfig } from '../../src/train/config.js';
import { nativeSkip, randn } from './compare.js';

const skip = nativeSkip();

const CONFIGS: [string, Partial<OptimizerConfig>][] = [
  ['plain momentum', { momentum: 0.9 }],
  ['Nesterov with weight decay', { momentum: 0.9, nesterov: true, weightDecay: 1e-3 }],
  ['no momentum, weight decay', { momentum: 0, weightDecay: 5e-4 }],
];

/** Parameters and optimizer state after three updates with seeded gradients, on `backend`. */
async function threeUpdates(backend: string, native: boolean, config: Partial<OptimizerConfig>) {
  await initBackend(backend, { threads: 1 });
  if (native) assert.ok(registerNativeKernels(backend));
  else unregisterNativeKernels(backend);
  const before = tf.memory().numTensors;
  // A tensor above and one below the element-wise kernels' native size threshold, one decayed, one scaled.
  const shapes = [[40, 30], [7]];
  const params: Param[] = shapes.map((shape, i) => ({
    key: `p${i}`,
    variable: tf.tidy(() =>
      tf.variable(
        tf.tensor(
          randn(
            shape.reduce((a, b) => a * b),
            i,
          ),
          shape,
        ),
        true,
        `sgd-${backend}-${i}`,
      ),
    ),
    decay: i === 0,
    lrScale: i === 0 ? 1 : 3,
  }));
  const optimizer = new Optimizer(
    resolveTrainConfig({ optimizer: { name: 'sgd', momentum: 0, weightDecay: 0, ...config } }).optimizer,
    params,
  );
  for (let step = 0; step < 3; step++) {
    const grads = Object.fromEntries(
      params.map((p, i) => [
        p.variable.name,
        tf.tensor(randn(p.variable.size, 10 * step + i + 5), p.variable.shape),
      ]),
    );
    optimizer.apply(grads, 0.05);
    tf.dispose(Object.values(grads));
  }
  const out = [
    ...params.map((p) => p.variable.dataSync().slice()),
    ...Object.values(optimizer.state()).map((t) => t.dataSync().slice()),
  ];
  optimizer.dispose();
  for (const p of params) p.variable.dispose();
  assert.equal(tf.memory().numTensors, before, `${backend}: tensors leaked`);
  registerNativeKernels(backend);
  return out;
}

for (const backend of ['cpu', 'wasm']) {
  for (const [name, config] of CONFIGS) {
    test(`${backend}: the fused SGD update equals the op path bit for bit (${name})`, { skip }, async () => {
      nativeKernelCalls(true);
      const fused = await threeUpdates(backend, true, config);
      assert.ok((nativeKernelCalls(true).LgmSgdUpdate?.native ?? 0) > 0, 'LgmSgdUpdate did not run');
      const ops = await threeUpdates(backend, false, config);
      assert.equal(fused.length, ops.length);
      fused.forEach((values, i) => assert.deepEqual(values, ops[i], `${backend} tensor ${i}`));
    });
  }
}
