import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import '@tensorflow/tfjs-backend-cpu';
import {
  GaussianMixtureLayer,
  LgmError,
  fileSystem,
  mixtureLogits,
  registerFileSystemRouter,
} from '../../src/index.js';
import { assertClose, makeProblem } from '../helpers/problems.js';

await tf.setBackend('cpu');

/** images [N,4] -> dense -> 3-D feature -> mixture head; a second model input carries the labels. */
function buildModel(lambda: number) {
  const image = tfl.input({ shape: [4], name: 'image' });
  // tfjs-layers feeds 1-D arrays as [N,1]; the layer flattens labels itself.
  const label = tfl.input({ shape: [1], dtype: 'int32', name: 'label' });
  const feature = tfl.layers
    .dense({ units: 3, kernelInitializer: tfl.initializers.glorotUniform({ seed: 1 }), name: 'feature' })
    .apply(image) as tfl.SymbolicTensor;
  const head = new GaussianMixtureLayer({
    numClasses: 3,
    covariance: 'diagonal',
    alpha: 0.2,
    lambda,
    seed: 2,
  });
  const logits = head.apply([feature, label]) as tfl.SymbolicTensor;
  return { model: tfl.model({ inputs: [image, label], outputs: logits }), head };
}

function data() {
  const p = makeProblem({ n: 24, k: 3, d: 4, kind: 'identity', seed: 3, meanSpread: 3 });
  return { x: tf.tensor2d(p.x), y: tf.tensor1d(p.y, 'int32') };
}

test('getConfig round trip through the serialization registry', () => {
  const layer = new GaussianMixtureLayer({
    numClasses: 5,
    covariance: 'diagonal',
    alpha: 0.4,
    lambda: 0.01,
    logDet: false,
    minLogVariance: -3,
    trainablePriors: false,
    meansInitializer: 'GlorotUniform',
    seed: 9,
    name: 'gm',
  });
  const config = layer.getConfig();
  const registered = tf.serialization.SerializationMap.getMap().classNameMap['GaussianMixture'];
  assert.ok(registered !== undefined, 'registered under its className');
  const copy = new GaussianMixtureLayer(config as never);
  assert.deepEqual(copy.getConfig(), config);
  assert.equal(config.covariance, 'diagonal');
  assert.equal(config.alpha, 0.4);
  // GlorotUniform serialises as its base class VarianceScaling with the Glorot settings.
  assert.deepEqual(config.meansInitializer, {
    className: 'VarianceScaling',
    config: { scale: 1, mode: 'fanAvg', distribution: 'uniform', seed: undefined },
  });
});

test('a functional model with the layer saves to disk and loads back with identical outputs', async () => {
  registerFileSystemRouter();
  const { model } = buildModel(0.1);
  const { x, y } = data();
  const before = (model.predict([x, y]) as tf.Tensor).arraySync();
  const dir = mkdtempSync(join(tmpdir(), 'lgm-layer-'));
  try {
    await model.save(`file://${dir}`);
    const loaded = await tfl.loadLayersModel(`file://${dir}/model.json`);
    assert.deepEqual((loaded.predict([x, y]) as tf.Tensor).arraySync(), before);
    const head = loaded.layers.find((l) => l instanceof GaussianMixtureLayer) as GaussianMixtureLayer;
    assert.equal(head.alpha, 0.2);
    assert.equal(head.covariance, 'diagonal');
    // Explicit handler, same result.
    const again = await tfl.loadLayersModel(fileSystem(dir));
    assert.deepEqual((again.predict([x, y]) as tf.Tensor).arraySync(), before);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('model.fit optimises cross-entropy on the margin logits plus lambda * likelihood', async () => {
  const { model, head } = buildModel(0.5);
  const { x, y } = data();
  model.compile({
    optimizer: tf.train.sgd(0.05),
    loss: (yTrue: tf.Tensor, yPred: tf.Tensor) => tf.losses.softmaxCrossEntropy(yTrue, yPred),
  });
  const featureModel = tfl.model({ inputs: model.inputs[0], outputs: model.getLayer('feature').output });
  const expected = tf.tidy(() => head.loss(featureModel.predict(x) as tf.Tensor2D, y).loss.dataSync()[0]);
  const history = await model.fit([x, y], tf.oneHot(y, 3), { batchSize: 24, epochs: 1, verbose: 0 });
  assertClose(history.history.loss[0] as number, expected, 1e-5, 'first-step loss = full L-GM loss');
  const later = await model.fit([x, y], tf.oneHot(y, 3), { batchSize: 24, epochs: 30, verbose: 0 });
  const losses = later.history.loss as number[];
  assert.ok(losses[losses.length - 1] < expected, 'training lowers the loss');
});

test('a plain custom loop with a TF.js optimizer trains the layer weights', () => {
  const head = new GaussianMixtureLayer({ numClasses: 3, covariance: 'isotropic', lambda: 0.1, seed: 4 });
  head.build([null, 4]);
  const { x, y } = data();
  const optimizer = tf.train.adam(0.1);
  const first = tf.tidy(() => head.loss(x, y).loss.dataSync()[0]);
  const meansBefore = head.params().means.arraySync();
  for (let i = 0; i < 50; i++) tf.dispose(optimizer.minimize(() => head.loss(x, y).loss, true) ?? []);
  const last = tf.tidy(() => head.loss(x, y).loss.dataSync()[0]);
  assert.ok(last < first - 0.5, `loss ${first} -> ${last}`);
  assert.notDeepEqual(head.params().means.arraySync(), meansBefore);
});

test('inference: features alone give the margin-free mixture logits; no leaks', () => {
  const head = new GaussianMixtureLayer({ numClasses: 3, covariance: 'diagonal', alpha: 1, seed: 5 });
  head.build([null, 4]);
  const { x, y } = data();
  const before = tf.memory().numTensors;
  const logits = head.apply(x) as tf.Tensor;
  const expected = mixtureLogits(x, head.params(), { covariance: 'diagonal' });
  assert.deepEqual(logits.arraySync(), expected.arraySync());
  const train = head.apply([x, y]) as tf.Tensor;
  const post = head.posterior(x);
  const ll = head.logLikelihood(x);
  const rowSums = tf.tidy(() => tf.sum(post, 1).arraySync() as number[]);
  assertClose(rowSums, Array(24).fill(1), 1e-5, 'posterior rows sum to 1');
  tf.dispose([logits, expected, train, post, ll]);
  // The stored lambda * likelihood of the last training call is the one tensor the layer keeps.
  assert.equal(tf.memory().numTensors, before + 1);
});

test('bad configuration gives clear errors', () => {
  assert.throws(
    () => new GaussianMixtureLayer({ numClasses: 0 }),
    new LgmError('GaussianMixtureLayer: numClasses must be an integer in [1, Infinity], got number 0'),
  );
  assert.throws(
    () => new GaussianMixtureLayer({ numClasses: 3, covariance: 'full' as never }),
    new LgmError("GaussianMixtureLayer: covariance must be one of identity, isotropic, diagonal, got 'full'"),
  );
  assert.throws(
    () => new GaussianMixtureLayer({ numClasses: 3, margin: 1 } as never),
    /GaussianMixtureLayer: unknown option 'margin'/,
  );
  assert.throws(
    () => new GaussianMixtureLayer({ numClasses: 3, meansInitializer: 'Bogus' }),
    /GaussianMixtureLayer: meansInitializer must be one of .*GlorotUniform.*, got 'Bogus'/,
  );
  const head = new GaussianMixtureLayer({ numClasses: 3 });
  assert.throws(() => head.build([null, 4, 4]), /features must have shape \[N,D\], got \[,4,4\]/);
});
