import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import * as tfl from '@tensorflow/tfjs-layers';
import { batchNormalization } from '../../src/nets/batch-norm.js';
import { buildPlan } from '../../src/nets/folded-inference.js';
import { trainingFusionEnabled } from '../../src/nets/fused-training.js';
import { withLeanTraining } from '../../src/nets/lean-training.js';
import { residualAdd } from '../../src/nets/residual-add.js';

/** conv -> lgm batch norm -> ReLU -> conv -> lgm batch norm -> residual add -> ReLU -> pooling. */
function block(seed: number, lean: boolean): tfl.LayersModel {
  const input = tfl.input({ shape: [5, 6, 3] });
  const conv = (x: tfl.SymbolicTensor, i: number) =>
    tfl.layers
      .conv2d({
        filters: 3,
        kernelSize: 3,
        padding: 'same',
        kernelInitializer: tfl.initializers.glorotNormal({ seed: seed + i }),
      })
      .apply(x) as tfl.SymbolicTensor;
  const bn = (x: tfl.SymbolicTensor, i: number) =>
    batchNormalization({ momentum: 0.9, epsilon: 1e-5, name: `bn${i}` }).apply(x) as tfl.SymbolicTensor;
  const y = bn(conv(tfl.layers.reLU().apply(bn(conv(input, 0), 0)) as tfl.SymbolicTensor, 1), 1);
  const sum = residualAdd('add').apply([y, input]) as tfl.SymbolicTensor;
  const out = tfl.layers.globalAveragePooling2d({}).apply(tfl.layers.reLU().apply(sum)) as tfl.SymbolicTensor;
  const model = tfl.model({ inputs: input, outputs: out });
  return lean ? withLeanTraining(model) : model;
}

/** Loss, gradients and weights (moving averages included) after one training step. */
function step(model: tfl.LayersModel, x: tf.Tensor) {
  const vars = model.trainableWeights.map((w) => w.read() as tf.Variable);
  const { value, grads } = tf.variableGrads(
    () => tf.sum(tf.square(model.apply(x, { training: true }) as tf.Tensor)) as tf.Scalar,
    vars,
  );
  const result = {
    value: value.dataSync()[0],
    grads: vars.map((v) => Array.from(grads[v.name]!.dataSync())),
    weights: model.getWeights().map((w) => Array.from(w.dataSync())),
  };
  tf.dispose([value, ...Object.values(grads)]);
  return result;
}

test('the training plan joins each batch norm (and the residual add) with the ReLU that alone reads it', () => {
  const model = block(1, false);
  const plan = buildPlan(model, false)!;
  assert.deepEqual(
    plan.steps.map((s) => s.kind),
    ['layer', 'bn-relu', 'layer', 'bn-add-relu', 'layer'],
  );
  model.dispose();
});

test('without the native kernels the paired steps run the layers: the same values, no tensor left', () => {
  assert.equal(tf.getBackend(), 'cpu');
  const x = tf.tensor4d(
    Array.from({ length: 2 * 5 * 6 * 3 }, (_, i) => Math.cos(i * 0.3)),
    [2, 5, 6, 3],
  );
  const before = tf.memory().numTensors;
  const [plain, lean, off] = [block(2, false), block(2, true), block(2, true)];
  const p = step(plain, x);
  const l = step(lean, x);
  process.env.LGM_FUSE = '0';
  assert.equal(trainingFusionEnabled(), false);
  const o = step(off, x);
  delete process.env.LGM_FUSE;
  assert.equal(trainingFusionEnabled(), true);
  for (const other of [l, o]) {
    assert.equal(other.value, p.value);
    assert.deepEqual(other.grads, p.grads);
    assert.deepEqual(other.weights, p.weights);
  }
  [plain, lean, off].forEach((m) => m.dispose());
  assert.equal(tf.memory().numTensors, before, 'no tensor left behind');
  x.dispose();
});
