import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import '@tensorflow/tfjs-backend-cpu';
import { cifarResNet } from '../../src/nets/resnet.js';
import { withFoldedInference } from '../../src/nets/folded-inference.js';
import { mulberry32, seededNormal } from '../../src/util/random.js';

function randn(size: number, seed: number): Float32Array {
  return Float32Array.from({ length: size }, seededNormal(mulberry32(seed)));
}

/** Batch-norm statistics, scales and offsets far from their initial values, so that folding them matters. */
function randomiseBatchNorms(model: tfl.LayersModel, seed: number) {
  const values: Record<string, (v: number) => number> = {
    gamma: (v) => 1 + 0.3 * v,
    beta: (v) => 0.2 * v,
    moving_mean: (v) => 0.5 * v,
    moving_variance: (v) => 0.5 + v * v,
  };
  tf.tidy(() => {
    for (const [i, layer] of model.layers.entries()) {
      if (layer.getClassName() !== 'BatchNormalization') continue;
      layer.setWeights(
        layer.weights.map((w, j) => {
          const f = values[w.originalName.split('/').pop()!]!;
          return tf.tensor1d(randn(w.shape[0]!, seed + 10 * i + j).map(f));
        }),
      );
    }
  });
}

/** The same layers as an unpatched functional model: tfjs-layers' own inference (conv, batch norm, ReLU). */
const unfused = (model: tfl.LayersModel) => tfl.model({ inputs: model.inputs, outputs: model.outputs });

function assertClose(a: Float32Array, b: Float32Array, what: string, tol = 1e-4) {
  const scale = b.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
  const worst = a.reduce((m, v, i) => Math.max(m, Math.abs(v - b[i]!)), 0);
  assert.ok(worst <= tol * scale, `${what}: max error ${worst}, scale ${scale}`);
}

async function kernelNames(f: () => void): Promise<string[]> {
  return (await tf.profile(f)).kernels.map((k) => k.name);
}

test('folded inference equals the unfused forward (values, input gradient), runs no batch-norm kernel', async () => {
  await tf.setBackend('cpu');
  const before = tf.memory().numTensors;
  const net = cifarResNet({ depth: 20, seed: 3, featureDim: 10, inputShape: [8, 8, 3] });
  const plain = unfused(net);
  randomiseBatchNorms(net, 7);
  const x = tf.tensor(randn(3 * 8 * 8 * 3, 1), [3, 8, 8, 3]);
  const forward = (m: tfl.LayersModel) =>
    tf.tidy(() => (m.apply(x, { training: false }) as tf.Tensor).dataSync() as Float32Array);
  assertClose(forward(net), forward(plain), 'features');
  const names = await kernelNames(() => tf.tidy(() => void net.apply(x)));
  assert.ok(!names.includes('FusedBatchNorm'), names.join(' '));
  // ReLU only after the 9 residual adds; the other 10 are fused into their convolutions.
  assert.equal(names.filter((n) => n === 'Relu').length, 9);
  assert.equal(names.filter((n) => n === 'FusedConv2D').length, 19);
  // Global pooling as one average pool (with the two shortcuts' subsampling pools), not tf.mean.
  assert.ok(!names.includes('Mean'), names.join(' '));
  assert.equal(names.filter((n) => n === 'AvgPool').length, 3);
  // Gradients through the folded inference (what attacks take): with respect to the image and to the weights.
  const f = (m: tfl.LayersModel) => (xx: tf.Tensor) => tf.sum(tf.square(m.apply(xx) as tf.Tensor));
  const dx = [net, plain].map((m) => tf.tidy(() => tf.grad(f(m))(x).dataSync() as Float32Array));
  assertClose(dx[0]!, dx[1]!, 'input gradient');
  const dw = [net, plain].map((m) =>
    tf.tidy(() => {
      const { grads } = tf.variableGrads(() => f(m)(x) as tf.Scalar);
      return Object.values(grads).map((g) => g.dataSync() as Float32Array);
    }),
  );
  dw[0]!.forEach((g, i) => assertClose(g, dw[1]![i]!, `weight gradient ${i}`, 2e-4));
  x.dispose();
  net.dispose();
  assert.equal(tf.memory().numTensors, before, 'tensors leaked');
});

test('folded weights are cached once and recomputed when any weight is written', async () => {
  await tf.setBackend('cpu');
  const before = tf.memory().numTensors;
  const net = cifarResNet({ depth: 20, seed: 4, inputShape: [8, 8, 3] });
  const plain = unfused(net);
  const x = tf.tensor(randn(2 * 8 * 8 * 3, 2), [2, 8, 8, 3]);
  const forward = (m: tfl.LayersModel) => tf.tidy(() => (m.apply(x) as tf.Tensor).dataSync() as Float32Array);
  forward(net);
  const cached = tf.memory().numTensors;
  forward(net);
  assert.equal(tf.memory().numTensors, cached, 'a second call allocates nothing that stays');
  // Moving statistics written (as training does), then a convolution's kernel: each time the same as unfused.
  randomiseBatchNorms(net, 8);
  assertClose(forward(net), forward(plain), 'after new statistics');
  const conv = net.layers.find((l) => l.getClassName() === 'Conv2D' && l.name.endsWith('conv2'))!;
  tf.tidy(() => conv.setWeights([tf.mul(conv.getWeights()[0]!, -2)]));
  assertClose(forward(net), forward(plain), 'after a new filter');
  // A training step's moving-average update.
  tf.tidy(() => void net.apply(x, { training: true }));
  assertClose(forward(net), forward(plain), 'after a training call');
  assert.equal(tf.memory().numTensors, cached, 'old folded weights disposed');
  x.dispose();
  net.dispose();
  assert.equal(tf.memory().numTensors, before, 'tensors leaked');
});

test('models the plan does not cover run as before; a layer returning its input is not disposed early', async () => {
  await tf.setBackend('cpu');
  const start = tf.memory().numTensors;
  // Two outputs: left alone.
  const input = tfl.input({ shape: [4] });
  const d = tfl.layers.dense({ units: 3 }).apply(input) as tfl.SymbolicTensor;
  const two = tfl.model({ inputs: input, outputs: [d, tfl.layers.reLU().apply(d) as tfl.SymbolicTensor] });
  const ownCall = two.call;
  assert.equal(withFoldedInference(two).call, ownCall);
  // A convolution read by batch norm and by an add (not folded); dropout (its input back in inference) between;
  // a 1x1 convolution with bias -> batch norm without offset -> relu activation (folded).
  const image = tfl.input({ shape: [5, 5, 2] });
  const c = tfl.layers
    .conv2d({ filters: 3, kernelSize: 3, padding: 'same' })
    .apply(image) as tfl.SymbolicTensor;
  const bn = tfl.layers.batchNormalization({ axis: -1 }).apply(c) as tfl.SymbolicTensor;
  const drop = tfl.layers.dropout({ rate: 0.5 }).apply(bn) as tfl.SymbolicTensor;
  const sum = tfl.layers.add().apply([drop, c]) as tfl.SymbolicTensor;
  const c2 = tfl.layers.conv2d({ filters: 2, kernelSize: 1, useBias: true }).apply(sum) as tfl.SymbolicTensor;
  const bn2 = tfl.layers.batchNormalization({ axis: 3, center: false }).apply(c2) as tfl.SymbolicTensor;
  const act = tfl.layers.activation({ activation: 'relu' }).apply(bn2) as tfl.SymbolicTensor;
  const model = tfl.model({ inputs: image, outputs: tfl.layers.flatten().apply(act) as tfl.SymbolicTensor });
  const plain = unfused(model);
  withFoldedInference(model);
  randomiseBatchNorms(model, 9);
  const x = tf.tensor(randn(2 * 5 * 5 * 2, 3), [2, 5, 5, 2]);
  const [a, b] = [model, plain].map((m) =>
    tf.tidy(() => (m.apply(x) as tf.Tensor).dataSync() as Float32Array),
  );
  assertClose(a!, b!, 'features');
  const names = await kernelNames(() => tf.tidy(() => void model.apply(x)));
  assert.equal(names.filter((n) => n === 'FusedBatchNorm').length, 1, names.join(' '));
  assert.ok(!names.includes('Relu'), names.join(' '));
  model.dispose();
  two.dispose();
  x.dispose();
  assert.equal(tf.memory().numTensors, start, 'tensors leaked');
});
