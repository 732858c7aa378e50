import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../../src/backend/index.js';
import { DigitNetwork, MEAN_CIRCLE_RADIUS } from '../../web/src/model/network.js';
import { featureLogLikelihood, fitClassGaussians, trainedMixture } from '../../web/src/model/mixture.js';
import { evaluate, probe } from '../../web/src/model/evaluate.js';
import { fgsmRate } from '../../web/src/model/fgsm-rate.js';
import { fgsm as libraryFgsm, lowerQuantile } from '../../src/core.js';

before(async () => {
  await initBackend('cpu');
});

const LOG_2PI = Math.log(2 * Math.PI);

/** lgm's FGSM (src/attacks) on the page's network, which is a Classifier: the adversarial images. */
function fgsm(net: DigitNetwork, images: tf.Tensor, labels: number[], epsilon: number): tf.Tensor4D {
  const y = tf.tensor1d(labels, 'int32');
  try {
    return libraryFgsm(net, images, y, { epsilon }).adversarial as tf.Tensor4D;
  } finally {
    y.dispose();
  }
}

test('fitClassGaussians: per-class means and variances, smoothed priors for absent classes', () => {
  // Class 0 at (1, 2) +- (1, 0.5); class 3 at (-4, 0) +- (0, 2); no other class.
  const features = Float32Array.from([0, 1.5, 2, 2.5, -4, -2, -4, 2]);
  const fit = fitClassGaussians(features, [0, 0, 3, 3]);
  assert.equal(fit.origin, 'fitted');
  assert.deepEqual(fit.means[0], [1, 2]);
  assert.deepEqual(fit.means[3], [-4, 0]);
  assert.deepEqual(fit.variances[0], [1, 0.25]);
  assert.equal(fit.variances[3][1], 4);
  assert.ok(Math.abs(fit.variances[3][0] - 1e-4) < 1e-9, 'zero variance floored at 1e-4');
  assert.ok(Math.abs(fit.logPriors[0] - Math.log(3 / 14)) < 1e-12);
  assert.ok(Math.abs(fit.logPriors[5] - Math.log(1 / 14)) < 1e-12);
});

test('lowerQuantile picks the flag threshold and validates its rate', () => {
  assert.equal(lowerQuantile([5, 1, 4, 2, 3], 0.25), 2);
  assert.equal(lowerQuantile([3], 0.05), 3);
  assert.throws(() => lowerQuantile([1, 2], 0), /lowerQuantile: rate must be in \(0, 1\), got 0/);
  assert.throws(() => lowerQuantile([], 0.5), /lowerQuantile: values must not be empty/);
});

test('featureLogLikelihood: the L-GM head mixture and a fitted mixture match the closed form', () => {
  const lgm = DigitNetwork.create({ loss: 'lgm', covariance: 'diagonal', seed: 1 });
  const softmax = DigitNetwork.create({ loss: 'softmax', covariance: 'identity', seed: 1 });
  try {
    const before = tf.memory().numTensors;
    const trained = trainedMixture(lgm);
    assert.equal(trained.origin, 'trained');
    assert.equal(trained.means.length, 10);
    assert.deepEqual(trained.variances[4], [1, 1], 'log-variances start at 0');
    // The means start evenly spaced on a circle around the origin.
    trained.means.forEach((mu, k) => {
      const angle = (2 * Math.PI * k) / 10;
      assert.ok(Math.abs(mu[0] - MEAN_CIRCLE_RADIUS * Math.cos(angle)) < 1e-5, `mean ${k}: ${mu}`);
      assert.ok(Math.abs(mu[1] - MEAN_CIRCLE_RADIUS * Math.sin(angle)) < 1e-5, `mean ${k}: ${mu}`);
    });
    // meanCircle 0 keeps the layer's random N(0, 1) means; a negative radius is refused before building.
    const random = DigitNetwork.create({ loss: 'lgm', covariance: 'identity', seed: 1, meanCircle: 0 });
    const radii = trainedMixture(random).means.map(([x, y]) => Math.hypot(x, y));
    random.dispose();
    assert.ok(new Set(radii.map((r) => r.toFixed(3))).size > 1, `random means: radii ${radii}`);
    assert.throws(
      () => DigitNetwork.create({ loss: 'lgm', covariance: 'identity', seed: 1, meanCircle: -1 }),
      /DigitNetwork.create: meanCircle must be a finite number >= 0, got -1/,
    );
    assert.ok(Math.abs(trained.logPriors[2] - Math.log(0.1)) < 1e-6);
    const fitted = fitClassGaussians(Float32Array.from([0, 0, 2, 0, 5, 5, 5, 7]), [1, 1, 2, 2]);
    const point = [1, 3];
    const features = tf.tensor2d([point]);
    for (const [net, mixture, fit] of [
      [lgm, trained, null],
      [softmax, fitted, fitted],
    ] as const) {
      const ll = featureLogLikelihood(net, features, fit);
      const value = ll.dataSync()[0];
      ll.dispose();
      const terms = mixture.means.map((mu, k) => {
        const v = mixture.variances[k];
        const quad = ((point[0] - mu[0]) ** 2 / v[0] + (point[1] - mu[1]) ** 2 / v[1]) / 2;
        return mixture.logPriors[k] - quad - Math.log(v[0] * v[1]) / 2 - LOG_2PI;
      });
      const max = Math.max(...terms);
      const expected = max + Math.log(terms.reduce((s, t) => s + Math.exp(t - max), 0));
      assert.ok(
        Math.abs(value - expected) < 1e-3 * Math.max(1, Math.abs(expected)),
        `${value} vs ${expected}`,
      );
    }
    features.dispose();
    assert.equal(tf.memory().numTensors, before);
    assert.throws(() => trainedMixture(softmax), /trainedMixture: the network has a softmax head/);
  } finally {
    lgm.dispose();
    softmax.dispose();
  }
});

test('evaluate, probe and fgsm on a few images: consistent numbers, bounded perturbation, no leaks', async () => {
  const net = DigitNetwork.create({ loss: 'lgm', covariance: 'isotropic', seed: 2 });
  try {
    const x = tf.randomUniform([3, 28, 28, 1], 0, 1, 'float32', 5) as tf.Tensor4D;
    const labels = Uint8Array.from([0, 1, 2]);
    const before = tf.memory().numTensors;
    const evaluation = await evaluate(net, { x, labels }, 0.5);
    assert.equal(evaluation.features.length, 6);
    assert.ok(evaluation.accuracy >= 0 && evaluation.accuracy <= 1);
    const sorted = Array.from(evaluation.logLikelihood).sort((a, b) => a - b);
    assert.equal(evaluation.calibration.threshold, sorted[1], 'rate 0.5 of 3 values: the median');
    const image = tf.slice(x, [0, 0, 0, 0], [1, 28, 28, 1]);
    const result = await probe(net, image, evaluation.calibration);
    // One image alone vs inside a batch of three: equal up to float rounding (native convolutions block by batch).
    [evaluation.features[0], evaluation.features[1]].forEach((v, i) =>
      assert.ok(
        Math.abs(result.feature[i] - v) <= 1e-5 * Math.max(1, Math.abs(v)),
        `${result.feature[i]} vs ${v}`,
      ),
    );
    assert.ok(Math.abs(result.posterior.reduce((a, b) => a + b, 0) - 1) < 1e-5);
    assert.ok(Math.abs(result.logLikelihood - evaluation.logLikelihood[0]) < 1e-3);
    assert.equal(result.unfamiliar, result.logLikelihood < evaluation.calibration.threshold);
    const adversarial = fgsm(net, image, [result.predicted], 0.1);
    const [clean, adv] = [image.dataSync(), adversarial.dataSync()];
    assert.ok(adv.every((v, i) => v >= 0 && v <= 1 && Math.abs(v - clean[i]) <= 0.1 + 1e-6));
    assert.ok(
      adv.some((v, i) => v !== clean[i]),
      'the attack changes the image',
    );
    tf.dispose([image, adversarial]);
    assert.equal(tf.memory().numTensors, before);
    // A batch: each image moves by its own gradient's sign, as when attacked alone.
    const second = (t: tf.Tensor4D) => tf.slice(t, [1, 0, 0, 0], [1, 28, 28, 1]);
    const batch = fgsm(net, x, [result.predicted, 3, 7], 0.1);
    const [image1, batch1] = [second(x), second(batch)];
    const alone = fgsm(net, image1, [3], 0.1);
    const [fromBatch, fromAlone] = [batch1.dataSync(), alone.dataSync()];
    const differing = fromAlone.filter((v, i) => Math.abs(v - fromBatch[i]) > 1e-6).length;
    // Sign flips only where a gradient is ~0 and rounding differs between batch sizes.
    assert.ok(differing <= 8, `${differing} of 784 pixels differ between the batch and the single image`);
    tf.dispose([batch, alone, image1, batch1]);
    const rate = await fgsmRate(net, x, evaluation.calibration, 0.2);
    assert.equal(rate.count, 3);
    assert.equal(rate.eps, 0.2);
    for (const v of [rate.changed, rate.flagged, rate.cleanFlagged]) assert.ok([0, 1, 2, 3].includes(v * 3));
    // The calibration images themselves: one of three is below the median threshold.
    assert.equal(rate.cleanFlagged, 1 / 3);
    assert.equal(tf.memory().numTensors, before);
    assert.throws(() => fgsm(net, x, [0, 0, 0], -1), /fgsm: options.epsilon must be/);
    assert.throws(() => fgsm(net, x, [0, 10, 0], 0.1), /fgsm: labels must/);
    assert.throws(() => fgsm(net, x, [0], 0.1), /fgsm: labels must/);
    x.dispose();
  } finally {
    net.dispose();
  }
});
