import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import * as tfl from '@tensorflow/tfjs-layers';
import { withLeanTraining } from '../../src/nets/lean-training.js';

/** A small residual model: conv -> batch norm -> ReLU, twice, with a residual add, then global pooling. */
function residualModel(seed: number): tfl.LayersModel {
  const input = tfl.input({ shape: [6, 6, 4] });
  const conv = (x: tfl.SymbolicTensor, i: number) =>
    tfl.layers
      .conv2d({
        filters: 4,
        kernelSize: 3,
        padding: 'same',
        kernelInitializer: tfl.initializers.glorotNormal({ seed: seed + i }),
      })
      .apply(x) as tfl.SymbolicTensor;
  const bnRelu = (x: tfl.SymbolicTensor) =>
    tfl.layers.reLU().apply(tfl.layers.batchNormalization().apply(x)) as tfl.SymbolicTensor;
  const y = bnRelu(conv(bnRelu(conv(input, 0)), 1));
  const sum = tfl.layers.add().apply([y, input]) as tfl.SymbolicTensor;
  const out = tfl.layers.globalAveragePooling2d({}).apply(sum) as tfl.SymbolicTensor;
  return tfl.model({ inputs: input, outputs: out });
}

/** Loss value, gradients and the live tensor count when the forward pass returns, in training mode. */
function step(model: tfl.LayersModel, x: tf.Tensor) {
  let liveAfterForward = -1;
  const vars = model.trainableWeights.map((w) => w.read() as tf.Variable);
  const { value, grads } = tf.variableGrads(() => {
    const y = model.apply(x, { training: true }) as tf.Tensor;
    liveAfterForward = tf.memory().numTensors;
    return tf.sum(tf.square(y)) as tf.Scalar;
  }, vars);
  const result = {
    value: value.dataSync()[0],
    grads: vars.map((v) => Array.from(grads[v.name]!.dataSync())),
    liveAfterForward,
  };
  tf.dispose([value, ...Object.values(grads)]);
  return result;
}

test('withLeanTraining: same training values and gradients, a lower peak in the forward pass', async () => {
  const x = tf.tensor4d(
    Array.from({ length: 3 * 6 * 6 * 4 }, (_, i) => Math.sin(i * 0.7)),
    [3, 6, 6, 4],
  );
  const plain = residualModel(5);
  const lean = withLeanTraining(residualModel(5));
  const before = tf.memory().numTensors;
  const forwardPeak = async (model: tfl.LayersModel) =>
    (await tf.profile(() => tf.dispose(model.apply(x, { training: true }) as tf.Tensor))).peakBytes;
  const [plainPeak, leanPeak] = [await forwardPeak(plain), await forwardPeak(lean)];
  const p = step(plain, x);
  const afterPlain = tf.memory().numTensors;
  const l = step(lean, x);
  assert.equal(tf.memory().numTensors, afterPlain, 'no tensor left behind');
  assert.equal(afterPlain, before, 'no tensor left behind');
  assert.equal(l.value, p.value);
  assert.deepEqual(l.grads, p.grads);
  // tfjs-layers keeps every layer's output until the forward pass returns; the lean call frees each after its
  // last reader (the tape keeps what the gradients need).
  assert.ok(leanPeak < plainPeak, `forward peak bytes: lean ${leanPeak}, plain ${plainPeak}`);
  assert.equal(l.liveAfterForward, p.liveAfterForward);
  // Inference is untouched.
  const [yi, yp] = [lean.apply(x) as tf.Tensor, plain.apply(x) as tf.Tensor];
  assert.deepEqual(Array.from(yi.dataSync()), Array.from(yp.dataSync()));
  tf.dispose([x, yi, yp]);
  plain.dispose();
  lean.dispose();
});
