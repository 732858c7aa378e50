import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '../../src/util/tf-gradients.js';
import { LOSS_NAMES, createLoss } from '../../src/losses/registry.js';
import { reduceLoss } from '../../src/losses/reduce.js';
import { lgmLoss } from '../../src/losses/lgm.js';
import { LgmLossModule } from '../../src/losses/lgm-module.js';
import { mlp } from '../../src/nets/mlp.js';
import { Optimizer } from '../../src/train/optimizer.js';
import { resolveTrainConfig } from '../../src/train/config.js';

const K = 3;
const D = 2;
const features = () =>
  tf.tensor2d([
    [1, 0.5],
    [-0.3, 2],
    [0.2, -1],
    [1.5, 1.5],
  ]);
const labels = () => tf.tensor1d([0, 1, 2, 1], 'int32');

/** Small margins/scales so that every loss can drive a tiny batch to zero error quickly. */
const OPTIONS: Record<string, Record<string, unknown>> = {
  softmax: {},
  center: { lambda: 0.01 },
  'am-softmax': { scale: 10, margin: 0.2 },
  arcface: { scale: 10, margin: 0.2 },
  lgm: { covariance: 'isotropic', alpha: 0.1, lambda: 0.01 },
};

test('every loss: per-sample shapes, inference logits, no leaks', async () => {
  await tf.setBackend('cpu');
  for (const name of LOSS_NAMES) {
    const loss = createLoss(name, { numClasses: K, featureDim: D, seed: 1, ...OPTIONS[name] });
    const [x, y] = [features(), labels()];
    const before = tf.memory().numTensors;
    const shapes = tf.tidy(() => {
      const ps = loss.perSample(x, y);
      const r = reduceLoss(ps);
      assert.ok(Number.isFinite(r.loss.dataSync()[0]), name);
      return [ps.classification.shape, ps.logits.shape, loss.logits(x).shape];
    });
    assert.deepEqual(shapes, [[4], [4, K], [4, K]], name);
    assert.equal(tf.memory().numTensors, before, `${name} leaks`);
    tf.dispose([x, y]);
    loss.dispose();
  }
});

test('every loss: a tiny MLP overfits a tiny batch (training accuracy 100%, loss falls)', async () => {
  await tf.setBackend('cpu');
  const x = tf.tensor2d(
    Array.from({ length: 12 * 4 }, (_, i) => Math.sin(i * 1.7) * 2),
    [12, 4],
  );
  const y = tf.tensor1d(
    Array.from({ length: 12 }, (_, i) => i % K),
    'int32',
  );
  const config = resolveTrainConfig({ optimizer: { name: 'adam', weightDecay: 0 } }).optimizer;
  for (const name of LOSS_NAMES) {
    const net = mlp({ inputShape: [4], hidden: [32], featureDim: 3, seed: 2 });
    const loss = createLoss(name, { numClasses: K, featureDim: 3, seed: 3, ...OPTIONS[name] });
    const vars = [
      ...net.trainableWeights.map((w) => w.read() as tf.Variable),
      ...loss.weights.map((w) => w.variable),
    ];
    const opt = new Optimizer(
      config,
      vars.map((v, i) => ({ key: String(i), variable: v, decay: false, lrScale: 1 })),
    );
    const objective = () => reduceLoss(loss.perSample(net.apply(x) as tf.Tensor2D, y)).loss;
    const first = tf.tidy(() => objective().dataSync()[0]);
    for (let step = 0; step < 200; step++) {
      const { value, grads } = tf.variableGrads(objective, vars);
      opt.apply(grads, 0.02);
      tf.dispose([value, ...Object.values(grads)]);
    }
    const [last, accuracy] = tf.tidy(() => {
      const pred = tf.argMax(loss.logits(net.apply(x) as tf.Tensor2D), 1);
      return [objective().dataSync()[0], tf.mean(tf.cast(tf.equal(pred, y), 'float32')).dataSync()[0]];
    });
    assert.equal(accuracy, 1, `${name}: accuracy ${accuracy}`);
    assert.ok(last < first * 0.5, `${name}: loss ${first} -> ${last}`);
    opt.dispose();
    loss.dispose();
    net.dispose();
  }
  tf.dispose([x, y]);
});

test('softmax: logits are x W + b and the loss is their cross-entropy', async () => {
  await tf.setBackend('cpu');
  const loss = createLoss('softmax', { numClasses: K, featureDim: D });
  tf.tidy(() => {
    const [w, b] = loss.weights.map((v) => v.variable);
    const x = features();
    const logits = tf.add(tf.matMul(x, w), b);
    assert.deepEqual(loss.logits(x).arraySync(), logits.arraySync());
    const expected = tf.neg(
      tf.sum(tf.mul(tf.logSoftmax(logits), tf.cast(tf.oneHot(labels(), K), 'float32')), 1),
    );
    const got = loss.perSample(x, labels()).classification;
    assert.ok(tf.max(tf.abs(tf.sub(got, expected))).dataSync()[0] < 1e-5);
  });
  loss.dispose();
});

test('center loss: auxiliary term is 1/2 ||x - c_y||^2 with lambda from the options or the step', async () => {
  await tf.setBackend('cpu');
  const loss = createLoss('center', { numClasses: K, featureDim: D, lambda: 0.5 });
  tf.tidy(() => {
    loss.weights[2].variable.assign(
      tf.tensor2d([
        [1, 0],
        [0, 1],
        [1, 1],
      ]),
    );
    const ps = loss.perSample(features(), labels());
    const expected = [0.125, 0.5 * (0.09 + 1), 0.5 * (0.64 + 4), 0.5 * (2.25 + 0.25)];
    (ps.auxiliary as tf.Tensor1D)
      .arraySync()
      .forEach((v, i) => assert.ok(Math.abs(v - expected[i]) < 1e-5, `${v}`));
    assert.equal(ps.auxiliaryWeight, 0.5);
    assert.equal(loss.perSample(features(), labels(), { lambda: 0.2 }).auxiliaryWeight, 0.2);
  });
  assert.equal(loss.weights.find((w) => w.name === 'centers')?.group, 'mixture');
  loss.dispose();
});

test('AM-Softmax: s (cos - m) on the true class, s cos elsewhere and at inference', async () => {
  await tf.setBackend('cpu');
  const loss = createLoss('am-softmax', { numClasses: K, featureDim: D, scale: 4, margin: 0.3 });
  tf.tidy(() => {
    loss.weights[0].variable.assign(
      tf.tensor2d([
        [1, 0, -1],
        [0, 1, 0],
      ]),
    );
    const x = tf.tensor2d([[3, 4]]); // unit (0.6, 0.8): cosines 0.6, 0.8, -0.6
    assert.deepEqual(
      loss
        .logits(x)
        .arraySync()[0]
        .map((v) => +v.toFixed(5)),
      [2.4, 3.2, -2.4],
    );
    const train = loss.perSample(x, tf.tensor1d([1], 'int32')).logits.arraySync()[0];
    assert.deepEqual(
      train.map((v) => +v.toFixed(5)),
      [2.4, 2, -2.4],
    );
  });
  loss.dispose();
});

test('ArcFace: s cos(theta + m) on the true class; the linear rule beyond pi - m', async () => {
  await tf.setBackend('cpu');
  const m = 0.5;
  const loss = createLoss('arcface', { numClasses: K, featureDim: D, scale: 2, margin: m });
  tf.tidy(() => {
    loss.weights[0].variable.assign(
      tf.tensor2d([
        [1, 0, -1],
        [0, 1, 0],
      ]),
    );
    const x = tf.tensor2d([
      [3, 4],
      [3, 4],
    ]);
    const train = loss.perSample(x, tf.tensor1d([0, 2], 'int32')).logits.arraySync();
    const theta0 = Math.acos(0.6);
    assert.ok(Math.abs(train[0][0] - 2 * Math.cos(theta0 + m)) < 1e-5);
    // class 2: cos = -0.6 > cos(pi - 0.5) = -0.878, so theta + m < pi: still the angular rule.
    assert.ok(Math.abs(train[1][2] - 2 * Math.cos(Math.acos(-0.6) + m)) < 1e-5);
    const far = loss.perSample(tf.tensor2d([[-1, 0]]), tf.tensor1d([0], 'int32')).logits.arraySync();
    assert.ok(Math.abs(far[0][0] - 2 * (-1 - m * Math.sin(m))) < 1e-4, `${far[0][0]}`);
  });
  loss.dispose();
});

test('L-GM module: equals lgmLoss on its own parameters; inference logits have no margin', async () => {
  await tf.setBackend('cpu');
  for (const covariance of ['identity', 'isotropic', 'diagonal'] as const) {
    const loss = new LgmLossModule({
      numClasses: K,
      featureDim: D,
      covariance,
      alpha: 0.3,
      lambda: 0.1,
      learnPriors: true,
    });
    tf.tidy(() => {
      const ref = lgmLoss(features(), labels(), loss.params(), { covariance, alpha: 0.3, lambda: 0.1 });
      const got = reduceLoss(loss.perSample(features(), labels()));
      assert.ok(Math.abs(got.loss.dataSync()[0] - ref.loss.dataSync()[0]) < 1e-6, covariance);
      const plain = lgmLoss(features(), labels(), loss.params(), { covariance, alpha: 0 }).logits;
      assert.ok(tf.max(tf.abs(tf.sub(loss.logits(features()), plain))).dataSync()[0] < 1e-5);
    });
    const names = loss.weights.map((w) => `${w.name}:${w.decay}`);
    const expected =
      covariance === 'identity'
        ? ['means:true', 'logPriors:false']
        : ['means:true', 'logVariances:false', 'logPriors:false'];
    assert.deepEqual(names, expected);
    loss.dispose();
  }
});

test('losses: bad names, options and feature widths are clear errors', () => {
  assert.throws(
    () => createLoss('cosface', { numClasses: 3, featureDim: 2 }),
    /createLoss: loss must be one of softmax, center, am-softmax, arcface, lgm, got 'cosface'/,
  );
  assert.throws(
    () => createLoss('arcface', { numClasses: 3, featureDim: 1 }),
    /arcFaceLoss: options.featureDim must be an integer >= 2, got number 1/,
  );
  assert.throws(
    () => createLoss('softmax', { numClasses: 3, featureDim: 2, margin: 1 }),
    /softmaxLoss: unknown option 'margin', expected one of numClasses, featureDim, seed/,
  );
  assert.throws(
    () => createLoss('lgm', { numClasses: 3, featureDim: 2, covariance: 'full' }),
    /options.covariance must be one of identity, isotropic, diagonal, got 'full'/,
  );
  assert.throws(
    () => createLoss('am-softmax', { numClasses: 3, featureDim: 2, scale: 0 }),
    /amSoftmaxLoss: options.scale must be a finite number/,
  );
  assert.throws(
    () => createLoss('lgm', { numClasses: 1, featureDim: 2 }),
    /options.numClasses must be an integer >= 2, got number 1/,
  );
  const loss = createLoss('softmax', { numClasses: 3, featureDim: 2 });
  assert.throws(
    () => loss.perSample(tf.zeros([2, 3]) as tf.Tensor2D, tf.tensor1d([0, 1], 'int32')),
    /softmaxLoss: features must be float32 of shape \[N,2\], got float32 \[2,3\]/,
  );
  assert.throws(
    () => loss.perSample(tf.zeros([2, 2]) as tf.Tensor2D, tf.tensor1d([0, 3], 'int32')),
    /softmaxLoss: labels must be in \[0, 3\), got 3/,
  );
  loss.dispose();
});
