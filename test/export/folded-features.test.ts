/**
 * A loaded export with batch norms (a ResNet's kind of network) computes its features with each batch norm folded
 * into the convolution before it: the same features as tfjs-layers' own inference, no FusedBatchNorm kernel, and
 * nothing left behind by dispose.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { initBackend } from '../../src/backend/index.js';
import { GaussianMixtureLayer } from '../../src/layers/gaussian-mixture.js';
import { LgmModel } from '../../src/export/lgm-model.js';
import { LGM_MODEL_FORMAT, type LgmModelMetadata } from '../../src/export/metadata.js';
import { mulberry32, seededNormal } from '../../src/util/random.js';

/** image [6,6,1] -> conv -> batch norm -> ReLU -> conv -> batch norm -> ReLU -> dense 2 -> GaussianMixture. */
function convBnModel(): tfl.LayersModel {
  const input = tfl.input({ shape: [6, 6, 1] });
  let x = input;
  for (const filters of [3, 4]) {
    x = tfl.layers
      .conv2d({ filters, kernelSize: 3, padding: 'same', useBias: false, kernelInitializer: 'glorotNormal' })
      .apply(x) as tfl.SymbolicTensor;
    x = tfl.layers.batchNormalization().apply(x) as tfl.SymbolicTensor;
    x = tfl.layers.reLU().apply(x) as tfl.SymbolicTensor;
  }
  const flat = tfl.layers.flatten().apply(x) as tfl.SymbolicTensor;
  const features = tfl.layers.dense({ units: 2 }).apply(flat) as tfl.SymbolicTensor;
  const logits = new GaussianMixtureLayer({ numClasses: 3, name: 'gm' }).apply(
    features,
  ) as tfl.SymbolicTensor;
  const model = tfl.model({ inputs: input, outputs: logits });
  // Statistics far from their initial values, so that the folding matters.
  const normal = seededNormal(mulberry32(7));
  tf.tidy(() => {
    for (const layer of model.layers.filter((l) => l.getClassName() === 'BatchNormalization')) {
      layer.setWeights(
        layer.weights.map((w) => {
          const name = w.originalName.split('/').pop()!;
          const v = Float32Array.from({ length: w.shape[0]! }, normal);
          if (name === 'moving_variance') return tf.tensor1d(v.map((a) => 0.5 + a * a));
          return tf.tensor1d(v.map((a) => (name === 'gamma' ? 1 + 0.3 * a : 0.4 * a)));
        }),
      );
    }
  });
  return model;
}

const metadata: LgmModelMetadata = {
  format: LGM_MODEL_FORMAT,
  head: 'lgm',
  inputShape: [6, 6, 1],
  numClasses: 3,
  featureDim: 2,
  classNames: null,
  normalization: { mean: [0], std: [1] },
  score: 'class-log-likelihood',
  threshold: 0,
  flagRate: 0.05,
  calibration: { dataset: 'none', split: 'train', images: 1 },
  headLayer: 'gm',
  source: { config: {}, epoch: null, step: null },
};

test('LgmModel features run batch norms folded: same values as tfjs-layers, no FusedBatchNorm, no leak', async () => {
  await initBackend('cpu');
  const before = tf.memory().numTensors;
  const model = convBnModel();
  const weights = tf.memory().numTensors;
  const lgmModel = new LgmModel(model, metadata);
  const images = tf.tidy(() => tf.randomUniform([5, 6, 6, 1], 0, 1, 'float32', 3));
  // tfjs-layers' own inference of the same layers: the model cut at the head's input, unpatched.
  const gm = model.getLayer('gm');
  const plain = tfl.model({ inputs: model.inputs, outputs: gm.input as tfl.SymbolicTensor });
  const expected = tf.tidy(() => plain.apply(images, { training: false }) as tf.Tensor);
  const kernels: string[] = [];
  const profile = await tf.profile(() => {
    const f = lgmModel.features(images);
    return f;
  });
  kernels.push(...profile.kernelNames);
  const got = lgmModel.features(images);
  const [a, b] = [got.dataSync(), expected.dataSync()];
  for (let i = 0; i < b.length; i++)
    assert.ok(Math.abs(a[i]! - b[i]!) <= 1e-4 * (1 + Math.abs(b[i]!)), `feature ${i}: ${a[i]} vs ${b[i]}`);
  assert.ok(!kernels.includes('FusedBatchNorm'), `kernels: ${kernels.join(', ')}`);
  assert.ok(kernels.includes('FusedConv2D'), `kernels: ${kernels.join(', ')}`);
  tf.dispose([got, expected, images, profile.result]);
  // The folded filters and biases are the only tensors the loaded model added; dispose frees them with the rest.
  assert.ok(tf.memory().numTensors > weights, 'the folded weights are cached');
  lgmModel.dispose();
  assert.equal(tf.memory().numTensors, before);
});
