import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { initBackend } from '../../src/backend/index.js';
import { nativeKernelCalls, registerNativeKernels } from '../../src/native/index.js';
import { batchNormalization } from '../../src/nets/batch-norm.js';
import { withLeanTraining } from '../../src/nets/lean-training.js';
import { residualAdd } from '../../src/nets/residual-add.js';
import { buildNetwork } from '../../src/nets/registry.js';
import { releasingVariableGrads } from '../../src/util/releasing-gradients.js';
import { nativeSkip, randn } from './compare.js';

const skip = nativeSkip();

/**
 * A model of odd shapes with every case the training plan meets: lgm's batch norm read only by a ReLU (fused),
 * one also read by an Add (not fused), a residual Add read only by an Activation('relu') (fused), tfjs-layers'
 * own batch norm before a ReLU (a fusion step that runs the two layers), lgm's batch norm as the second input of an
 * Add before a ReLU whose first input, a 1x1 convolution, is computed in a branch of its own (fused), and a dense
 * head.
 */
function oddModel(seed: number): tfl.LayersModel {
  const input = tfl.input({ shape: [5, 7, 3] });
  let i = 0;
  const conv = (x: tfl.SymbolicTensor, filters: number) =>
    tfl.layers
      .conv2d({
        filters,
        kernelSize: 3,
        padding: 'same',
        kernelInitializer: tfl.initializers.glorotNormal({ seed: seed + i++ }),
      })
      .apply(x) as tfl.SymbolicTensor;
  const bn = (x: tfl.SymbolicTensor) =>
    batchNormalization({ momentum: 0.8, epsilon: 1e-3, name: `bn${i++}-${seed}` }).apply(
      x,
    ) as tfl.SymbolicTensor;
  const relu = (x: tfl.SymbolicTensor) => tfl.layers.reLU().apply(x) as tfl.SymbolicTensor;
  const r1 = relu(bn(conv(input, 5)));
  const b2 = bn(conv(r1, 5));
  const both = residualAdd(`both-${seed}`).apply([b2, relu(b2)]) as tfl.SymbolicTensor;
  const sum = tfl.layers.add().apply([both, r1]) as tfl.SymbolicTensor;
  const r3 = tfl.layers.activation({ activation: 'relu' }).apply(sum) as tfl.SymbolicTensor;
  const r4 = relu(tfl.layers.batchNormalization({ axis: -1 }).apply(conv(r3, 4)) as tfl.SymbolicTensor);
  const branch = tfl.layers
    .conv2d({
      filters: 4,
      kernelSize: 1,
      kernelInitializer: tfl.initializers.glorotNormal({ seed: seed + i++ }),
    })
    .apply(r3) as tfl.SymbolicTensor;
  const r5 = relu(tfl.layers.add().apply([branch, bn(conv(r4, 4))]) as tfl.SymbolicTensor);
  const pooled = tfl.layers.globalAveragePooling2d({}).apply(r5) as tfl.SymbolicTensor;
  const out = tfl.layers
    .dense({ units: 6, kernelInitializer: tfl.initializers.glorotNormal({ seed: seed + i++ }) })
    .apply(pooled) as tfl.SymbolicTensor;
  return withLeanTraining(tfl.model({ inputs: input, outputs: out }));
}

/**
 * `steps` SGD training steps (softmax cross-entropy, lr 0.05) of `model` with the training fusions on or off
 * (LGM_FUSE), as the trainer runs them (releasingVariableGrads). Returns each step's loss, the last step's
 * gradients, every weight afterwards (moving averages included), the tensors alive after each step, and the
 * native kernel calls.
 */
function train(model: tfl.LayersModel, x: tf.Tensor, labels: tf.Tensor, fuse: boolean, steps: number) {
  process.env.LGM_FUSE = fuse ? '1' : '0';
  nativeKernelCalls(true);
  const vars = model.trainableWeights.map((w) => w.read() as tf.Variable);
  const losses: number[] = [];
  const live: number[] = [];
  let grads: Float32Array[] = [];
  try {
    for (let s = 0; s < steps; s++) {
      const { value, grads: g } = releasingVariableGrads(
        () => tf.losses.softmaxCrossEntropy(labels, model.apply(x, { training: true }) as tf.Tensor2D),
        vars,
      );
      losses.push(value.dataSync()[0]!);
      grads = vars.map((v) => g[v.name]!.dataSync() as Float32Array);
      tf.tidy(() => vars.forEach((v) => v.assign(tf.sub(v, tf.mul(g[v.name]!, 0.05)))));
      tf.dispose([value, ...Object.values(g)]);
      live.push(tf.memory().numTensors);
    }
  } finally {
    delete process.env.LGM_FUSE;
  }
  const weights = model.getWeights().map((w) => w.dataSync() as Float32Array);
  return { losses, grads, weights, live, calls: nativeKernelCalls(true) };
}

/** Two fresh copies of a model: one trains fused, one unfused, from the same weights and inputs. */
async function fusedAndUnfused(
  make: () => tfl.LayersModel,
  xShape: number[],
  classes: number,
  steps: number,
) {
  await initBackend('wasm', { threads: 1 });
  assert.ok(registerNativeKernels('wasm'));
  const before = tf.memory().numTensors;
  const [a, b] = [make(), make()];
  const x = tf.tensor(
    randn(
      xShape.reduce((p, q) => p * q),
      3,
    ),
    xShape,
  );
  const labels = tf.tidy(() =>
    tf.oneHot(
      tf.tensor1d(
        Array.from({ length: xShape[0]! }, (_, i) => i % classes),
        'int32',
      ),
      classes,
    ),
  );
  const fused = train(a, x, labels, true, steps);
  const unfused = train(b, x, labels, false, steps);
  tf.dispose([x, labels]);
  a.dispose();
  b.dispose();
  assert.equal(tf.memory().numTensors, before, 'no tensor left behind');
  return { fused, unfused };
}

/** Elementwise |a - b| <= 1e-6 (1 + |b|): the same values to float rounding. */
function assertSame(a: Float32Array[], b: Float32Array[], what: string) {
  assert.equal(a.length, b.length, what);
  a.forEach((values, i) =>
    values.forEach((v, j) =>
      assert.ok(
        Math.abs(v - b[i]![j]!) <= 1e-6 * (1 + Math.abs(b[i]![j]!)),
        `${what} ${i}[${j}]: ${v} vs ${b[i]![j]}`,
      ),
    ),
  );
}

describe('training fusions (batch norm + ReLU, add + ReLU) give the unfused step', { skip }, () => {
  test('ResNet-20: loss, every gradient, the moving averages and the tensor count', async () => {
    const make = () => buildNetwork('resnet20', { inputShape: [8, 8, 3], seed: 4 });
    const { fused, unfused } = await fusedAndUnfused(make, [4, 8, 8, 3], 64, 3);
    assertSame([Float32Array.from(fused.losses)], [Float32Array.from(unfused.losses)], 'losses');
    assertSame(fused.grads, unfused.grads, 'gradient');
    assertSame(fused.weights, unfused.weights, 'weight after 3 steps');
    assert.deepEqual(fused.live, unfused.live, 'tensors alive after each step');
    // Each step: 10 batch norms before a ReLU (the stem and each block's first), 9 before a residual add and a
    // ReLU (each block's second); no batch norm, add, ReLU or ReLU gradient of its own.
    assert.equal(fused.calls.LgmBatchNormReluTrain?.native, 3 * 10);
    assert.equal(fused.calls.LgmBatchNormReluTrainGrad?.native, 3 * 10);
    assert.equal(fused.calls.LgmBatchNormAddReluTrain?.native, 3 * 9);
    assert.equal(fused.calls.LgmBatchNormAddReluTrainGrad?.native, 3 * 9);
    for (const name of ['LgmBatchNormTrain', 'LgmAddRelu', 'LgmReluGrad', 'Relu']) {
      assert.equal(fused.calls[name], undefined, `no ${name} in the fused step`);
    }
    assert.equal(unfused.calls.LgmBatchNormReluTrain, undefined);
    assert.equal(unfused.calls.LgmBatchNormTrain?.native, 3 * 19);
    assert.equal(unfused.calls.LgmReluGrad?.native, 3 * 19);
  });

  test('a model of odd shapes: fused where the graph allows, the same values everywhere', async () => {
    const { fused, unfused } = await fusedAndUnfused(() => oddModel(11), [3, 5, 7, 3], 6, 3);
    assertSame([Float32Array.from(fused.losses)], [Float32Array.from(unfused.losses)], 'losses');
    assertSame(fused.grads, unfused.grads, 'gradient');
    assertSame(fused.weights, unfused.weights, 'weight after 3 steps');
    assert.deepEqual(fused.live, unfused.live, 'tensors alive after each step');
    // The first batch norm is fused with its ReLU, the last with its add and ReLU; the second (also read by an
    // Add) and tfjs-layers' own are not.
    assert.equal(fused.calls.LgmBatchNormReluTrain?.native, 3);
    assert.equal(fused.calls.LgmBatchNormAddReluTrain?.native, 3);
    assert.equal(fused.calls.LgmBatchNormTrain?.native, 3);
    assert.equal(fused.calls.LgmAddRelu?.native, 3);
  });
});
