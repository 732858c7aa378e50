import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import '@tensorflow/tfjs-backend-cpu';
import {
  GaussianMixtureLayer,
  LGM_DEFAULTS,
  LgmError,
  LgmLossModule,
  lgmLoss,
  resolveLgmOptions,
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
    learnPriors: true,
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

/** Saves buildModel(0.1) into a temp directory and calls `check` with it and the model's outputs on data(). */
async function withSavedModel(
  check: (dir: string, inputs: tf.Tensor[], before: unknown) => Promise<void>,
): Promise<void> {
  registerFileSystemRouter();
  const { model } = buildModel(0.1);
  const { x, y } = data();
  const before = (model.predict([x, y]) as tf.Tensor).arraySync();
  const dir = mkdtempSync(join(tmpdir(), 'lgm-layer-'));
  try {
    await model.save(`file://${dir}`);
    await check(dir, [x, y], before);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test('a functional model with the layer saves to disk and loads back with identical outputs', async () => {
  await withSavedModel(async (dir, inputs, before) => {
    const loaded = await tfl.loadLayersModel(`file://${dir}/model.json`);
    assert.deepEqual((loaded.predict(inputs) as tf.Tensor).arraySync(), before);
    const head = loaded.layers.find((l) => l instanceof GaussianMixtureLayer) as GaussianMixtureLayer;
    assert.equal(head.alpha, 0.2);
    assert.equal(head.covariance, 'diagonal');
    // Explicit handler, same result.
    const again = await tfl.loadLayersModel(fileSystem(dir));
    assert.deepEqual((again.predict(inputs) as tf.Tensor).arraySync(), before);
  });
});

test('a model saved before learnPriors was named (trainablePriors in its config) loads with its priors setting', async () => {
  await withSavedModel(async (dir, inputs, before) => {
    // Rewrite the saved config as main's lgm 0.1.0 wrote it: trainablePriors, no learnPriors.
    const file = join(dir, 'model.json');
    const text = readFileSync(file, 'utf8');
    // tfjs-layers writes config keys in snake case.
    assert.ok(text.includes('"learn_priors":false'), 'the current config writes learnPriors');
    writeFileSync(file, text.replace('"learn_priors":false', '"trainable_priors":true'));
    const loaded = await tfl.loadLayersModel(`file://${file}`);
    const head = loaded.layers.find((l) => l instanceof GaussianMixtureLayer) as GaussianMixtureLayer;
    assert.equal(head.learnPriors, true);
    assert.equal(head.trainablePriors, true, 'the deprecated name still reads');
    assert.ok(
      head.trainableWeights.some((w) => w.name.includes('/logPriors')),
      'the priors are trained',
    );
    assert.equal(head.getConfig().learnPriors, true);
    assert.equal(head.getConfig().trainablePriors, undefined, 'written under the one name');
    assert.deepEqual((loaded.predict(inputs) as tf.Tensor).arraySync(), before);
  });
  assert.throws(
    () => new GaussianMixtureLayer({ numClasses: 2, learnPriors: true, trainablePriors: false }),
    /GaussianMixtureLayer: trainablePriors \(the old name of learnPriors\) must agree with learnPriors, got boolean false and boolean true/,
  );
});

test('the loss function, the module and the layer share LGM_DEFAULTS', () => {
  const layer = new GaussianMixtureLayer({ numClasses: 3 });
  const module = new LgmLossModule({ numClasses: 3, featureDim: 2 });
  const fn = resolveLgmOptions('lgmLoss', {});
  for (const key of ['covariance', 'alpha', 'lambda', 'logDet', 'learnPriors'] as const) {
    assert.equal(layer[key], LGM_DEFAULTS[key], `layer ${key}`);
    assert.equal(module.options[key], LGM_DEFAULTS[key], `module ${key}`);
    assert.equal(fn[key], LGM_DEFAULTS[key], `function ${key}`);
  }
  module.dispose();
  // The function with no options is the function with LGM_DEFAULTS.
  const p = makeProblem({ n: 6, k: 3, d: 2, kind: 'identity', seed: 4 });
  const [x, y, means] = [tf.tensor2d(p.x), tf.tensor1d(p.y, 'int32'), tf.tensor2d(p.params.means)];
  const a = lgmLoss(x, y, { means });
  const { covariance, alpha, lambda, logDet } = LGM_DEFAULTS;
  const b = lgmLoss(x, y, { means }, { covariance, alpha, lambda, logDet });
  assert.equal(a.loss.dataSync()[0], b.loss.dataSync()[0]);
  tf.dispose([x, y, means, a.loss, a.classificationLoss, a.likelihoodLoss, a.logits]);
  tf.dispose([b.loss, b.classificationLoss, b.likelihoodLoss, b.logits]);
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

test('the layer at seed 0 (the default) starts from the same means every time, and seed 1 from others', () => {
  const before = tf.memory().numTensors;
  const means = (seed?: number) => {
    const layer = new GaussianMixtureLayer({ numClasses: 3, ...(seed === undefined ? {} : { seed }) });
    layer.build([
      [null, 4],
      [null, 1],
    ]);
    const m = layer.getWeights()[0]!.dataSync().slice();
    layer.weights.forEach((w) => w.dispose()); // Layer.dispose needs a layer that has been called
    return m;
  };
  assert.deepEqual(means(), means());
  assert.deepEqual(means(0), means());
  assert.notDeepEqual(means(1), means(0));
  assert.equal(tf.memory().numTensors, before);
});
