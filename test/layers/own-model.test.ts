/**
 * Your own model with an L-GM head: withGaussianMixtureHead on any tfjs-layers model (fit, detectors, errors),
 * `lgm train --model model.json --feature-layer name` (train, eval, export), and the runnable example.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { initBackend } from '../../src/backend/index.js';
import { trainCommand } from '../../src/cli/commands/train.js';
import { evalCommand } from '../../src/cli/commands/eval.js';
import { exportRun } from '../../src/export/export-run.js';
import { loadLgmModel } from '../../src/export/lgm-model.js';
import { fileSystem } from '../../src/io/file-system.js';
import { withGaussianMixtureHead } from '../../src/layers/with-gm-head.js';
import { createDetector } from '../../src/detect/registry.js';
import { loadInputs } from '../../src/detect/input-sets.js';
import { capture } from '../helpers/console.js';
import { lgm } from '../helpers/cli.js';

const root = fileURLToPath(new URL('../../../', import.meta.url));
let work: string;

/** A user's model: (flatten,) a hidden layer, an 8-D embedding, its own softmax classifier. */
function userModel(inputShape = [28, 28, 1]): tfl.LayersModel {
  const init = (seed: number) => tfl.initializers.glorotUniform({ seed });
  const hidden = { units: 32, activation: 'relu' as const, name: 'hidden', kernelInitializer: init(1) };
  return tfl.sequential({
    name: 'user_mlp',
    layers: [
      ...(inputShape.length > 1
        ? [tfl.layers.flatten({ inputShape, name: 'flat' }), tfl.layers.dense(hidden)]
        : [tfl.layers.dense({ ...hidden, inputShape })]),
      tfl.layers.dense({ units: 8, name: 'embedding', kernelInitializer: init(2) }),
      tfl.layers.dense({ units: 10, activation: 'softmax', name: 'classifier', kernelInitializer: init(3) }),
    ],
  });
}

async function saved(model: tfl.LayersModel, name: string): Promise<string> {
  const dir = join(work, name);
  await model.save(fileSystem(dir));
  model.dispose();
  return join(dir, 'model.json');
}

before(async () => {
  await initBackend('cpu');
  work = mkdtempSync(join(tmpdir(), 'lgm-own-model-'));
});

after(() => rmSync(work, { recursive: true, force: true }));

test('withGaussianMixtureHead: fit lowers the L-GM loss; the views share weights; the detectors take it', async () => {
  const model = userModel();
  const head = withGaussianMixtureHead(model, {
    featureLayer: 'embedding',
    numClasses: 10,
    covariance: 'diagonal',
    alpha: 0.1,
    lambda: 0.1,
    checkValues: false,
  });
  assert.deepEqual(head.features.outputs[0].shape, [null, 8]);
  assert.equal(head.classifier.featureDim, 8);
  const data = await loadInputs('mnist', { split: 'train', limit: 300 });
  const labels = tf.reshape(data.y, [-1, 1]);
  const targets = tf.cast(tf.oneHot(data.y, 10), 'float32');
  head.training.compile({
    optimizer: tf.train.adam(0.003),
    loss: (y: tf.Tensor, logits: tf.Tensor) => tf.losses.softmaxCrossEntropy(y, logits),
  });
  const history = await head.training.fit([data.x, labels], targets, {
    epochs: 4,
    batchSize: 50,
    verbose: 0,
  });
  const losses = history.history.loss as number[];
  assert.ok(losses[3] < 0.8 * losses[0], `loss ${losses.join(' -> ')}`);
  const accuracy = tf.tidy(
    () =>
      tf
        .mean(tf.cast(tf.equal(tf.argMax(head.inference.predict(data.x) as tf.Tensor, 1), data.y), 'float32'))
        .dataSync()[0],
  );
  assert.ok(accuracy > 0.6, `training accuracy ${accuracy}`);
  // The classifier's logits of its features are the inference model's output.
  const [direct, viaClassifier] = tf.tidy(() => [
    head.inference.predict(data.x) as tf.Tensor,
    head.classifier.logits(head.classifier.features(data.x)),
  ]);
  assert.ok(tf.tidy(() => tf.max(tf.abs(tf.sub(direct, viaClassifier))).dataSync()[0]) < 1e-4);
  const detector = createDetector('lgm-class', { classifier: head.classifier, mixture: head.mixture });
  const features = head.classifier.features(data.x);
  detector.fitFeatures(features, data.y);
  const scores = detector.scoreFeatures(features);
  assert.equal(scores.length, 300);
  assert.ok(scores.every(Number.isFinite));
  detector.dispose();
  tf.dispose([data.x, data.y, labels, targets, direct, viaClassifier, features]);
  head.training.dispose();
});

test('withGaussianMixtureHead names what is wrong', () => {
  const model = userModel();
  assert.throws(
    () => withGaussianMixtureHead(model, { featureLayer: 'embeding', numClasses: 10 }),
    /withGaussianMixtureHead: featureLayer must name a layer of model 'user_mlp', got 'embeding'; its layers: flat, hidden, embedding, classifier/,
  );
  const conv = tfl.sequential({
    layers: [
      tfl.layers.conv2d({ inputShape: [28, 28, 1], filters: 4, kernelSize: 3, name: 'conv' }),
      tfl.layers.flatten({ name: 'flat' }),
    ],
  });
  assert.throws(
    () => withGaussianMixtureHead(conv, { featureLayer: 'conv', numClasses: 10 }),
    /layer 'conv' must output features \[N, D\] \(rank 2\) for the L-GM head, got \[null,26,26,4\]; pick a layer after a flatten/,
  );
  assert.throws(
    () => withGaussianMixtureHead(model, { featureLayer: 'embedding' } as never),
    /GaussianMixtureLayer: numClasses must be an integer >= 1/,
  );
  model.dispose();
  conv.dispose();
});

test('lgm train --model --feature-layer trains your model; eval and export take the run', async () => {
  const file = await saved(userModel(), 'user');
  const run = join(work, 'run');
  const args = `--model ${file} --feature-layer embedding --dataset mnist --train-limit 300 --test-limit 100 --loss lgm --optimizer adam --lr 0.003 --epochs 3 --batch-size 50 --seed 1 --out ${run} --quiet --backend cpu`;
  const trained = await capture(() => trainCommand.run(args.split(' ')));
  assert.equal(trained.code, 0);
  const accuracy = Number(/test accuracy: ([\d.]+)%/.exec(trained.out)?.[1]) / 100;
  assert.ok(accuracy > 0.5, `test accuracy ${accuracy}`);
  const evaluated = await capture(() => evalCommand.run([run, '--json', '--backend', 'cpu']));
  assert.equal((JSON.parse(evaluated.out) as { accuracy: number }).accuracy, accuracy);
  const exported = join(work, 'exported');
  await exportRun(run, exported);
  const model = await loadLgmModel(exported);
  const testSet = await loadInputs('mnist', { split: 'test', limit: 100 });
  const predictions = await model.predict(testSet.x);
  const labels = testSet.y.dataSync();
  assert.equal(predictions.filter((p, i) => p.class === labels[i]).length / 100, accuracy);
  tf.dispose([testSet.x, testSet.y]);
  model.dispose();
});

test('lgm train --model: unknown layer, rank, input shape and flag mistakes exit 2 with what to do', async () => {
  const file = await saved(userModel(), 'user2');
  const flat = await saved(userModel([784]), 'flat-input');
  const common = ['--dataset', 'mnist', '--train-limit', '100', '--epochs', '1', '--out', join(work, 'bad')];
  const unknown = lgm('train', '--model', file, '--feature-layer', 'nope', ...common);
  assert.equal(unknown.code, 2);
  assert.match(
    unknown.stderr,
    /featureLayer must name a layer of model 'user_mlp', got 'nope'; its layers: flat, hidden, embedding, classifier/,
  );
  const shape = lgm('train', '--model', flat, '--feature-layer', 'embedding', ...common);
  assert.equal(shape.code, 2);
  assert.match(
    shape.stderr,
    /^lgm train: train: --model .* takes inputs \[784\], the data has images \[28,28,1\]; add a reshape or flatten layer/,
  );
  const noLayer = lgm('train', '--model', file, ...common);
  assert.match(noLayer.stderr, /--model needs --feature-layer <name>/);
  const both = lgm('train', '--model', file, '--feature-layer', 'embedding', '--net', 'mlp', ...common);
  assert.match(both.stderr, /--model and --net exclude each other/);
  const missing = lgm(
    'train',
    '--model',
    join(work, 'none', 'model.json'),
    '--feature-layer',
    'x',
    ...common,
  );
  assert.equal(missing.code, 2);
  assert.match(missing.stderr, /none\/model\.json does not exist/);
});

test('the own-model example runs on a small MNIST subset', () => {
  const r = spawnSync(process.execPath, [join(root, 'examples', 'own-model.mjs')], {
    cwd: root,
    encoding: 'utf8',
    env: { ...process.env, LGM_BACKEND: 'cpu', LGM_EXAMPLE_IMAGES: '600' },
  });
  assert.equal(r.status, 0, r.stderr);
  const result = JSON.parse(r.stdout.trim().split('\n').pop() ?? '{}') as {
    accuracy: number;
    trainImages: number;
  };
  assert.equal(result.trainImages, 600);
  assert.ok(result.accuracy > 0.6, `accuracy ${result.accuracy}`);
});
