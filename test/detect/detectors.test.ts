import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../../src/backend/index.js';
import {
  Detector,
  EnergyDetector,
  KernelDensityDetector,
  LgmLikelihoodDetector,
  MahalanobisDetector,
  MaxSoftmaxDetector,
  detectionMetrics,
} from '../../src/detect/index.js';
import { mixtureLogits } from '../../src/gm/index.js';
import { MEANS, blobs } from './features.js';

before(async () => {
  await initBackend('cpu');
});

/** An L-GM head: the identity-covariance mixture logits at the true means. */
const means = () => tf.tensor2d(MEANS);
const head = (z: tf.Tensor2D) =>
  tf.tidy(() => mixtureLogits(z, { means: tf.tensor2d(MEANS) }, { covariance: 'identity' }));

function detectors(): Detector[] {
  const mixture = { means: means() };
  return [
    new LgmLikelihoodDetector({ mixture, covariance: 'identity' }),
    new LgmLikelihoodDetector({ mixture, covariance: 'identity', mode: 'mixture' }),
    new MaxSoftmaxDetector({ head }),
    new EnergyDetector({ head }),
    new MahalanobisDetector(),
    new KernelDensityDetector({ head }),
    new KernelDensityDetector({ classChoice: 'best', maxPerClass: 50 }),
  ];
}

test('every detector separates far-away features from clean ones, without leaking tensors', () => {
  const train = blobs(300, 1);
  const clean = blobs(150, 2);
  const far = blobs(150, 3, 12); // shifted by 12 in every coordinate
  for (const d of detectors()) {
    const before = tf.memory().numTensors;
    d.fitFeatures(train.z, train.y);
    const c = d.scoreFeatures(clean.z);
    const a = d.scoreFeatures(far.z);
    d.dispose();
    assert.equal(tf.memory().numTensors, before, `${d.name} leaks`);
    assert.equal(c.length, 150);
    const r = detectionMetrics(c, a);
    // Far from every mean the Gaussian head's posterior saturates (logit gaps grow with distance), so MSP is
    // more confident there than on clean features: it misses them. Energy = -logsumexp of these logits is the
    // mixture's negative log-likelihood up to a constant, so it detects them like the likelihood scores.
    if (d.name === 'msp') assert.ok(r.auroc < 0.5, `${d.name} auroc ${r.auroc}`);
    else assert.ok(r.auroc > 0.99, `${d.name} auroc ${r.auroc}`);
  }
  tf.dispose([train.z, train.y, clean.z, clean.y, far.z, far.y]);
});

test('L-GM scores equal the Gaussian negative log-densities worked out by hand', () => {
  const mixture = { means: means() };
  const z = tf.tensor2d([
    [1, 0, 0],
    [4, 1, 1],
  ]);
  const half = 1.5 * Math.log(2 * Math.PI);
  const cls = new LgmLikelihoodDetector({ mixture, covariance: 'identity' });
  cls.fitFeatures(z, tf.tensor1d([0, 1], 'int32'));
  // Row 0 is nearest class 0: 1/2 |(1,0,0)|^2 + 3/2 log 2pi; row 1 nearest class 1: 1/2 |(0,1,0)|^2 + ...
  const s = cls.scoreFeatures(z);
  assert.ok(Math.abs(s[0] - (0.5 + half)) < 1e-5 && Math.abs(s[1] - (0.5 + half)) < 1e-5, `${s}`);
  const mix = new LgmLikelihoodDetector({ mixture, covariance: 'identity', mode: 'mixture' });
  mix.fitFeatures(z, tf.tensor1d([0, 1], 'int32'));
  const sq = MEANS.map((m) => m.reduce((acc, v, j) => acc + (v - [1, 0, 0][j]) ** 2, 0));
  const expected = -Math.log(sq.reduce((acc, d2) => acc + Math.exp(-0.5 * d2 - half) / 3, 0));
  assert.ok(Math.abs(mix.scoreFeatures(z)[0] - expected) < 1e-4, `${mix.scoreFeatures(z)[0]} vs ${expected}`);
  assert.throws(
    () => cls.fitFeatures(z, tf.tensor1d([0, 3], 'int32')),
    /lgm-class.fitFeatures: labels must be in \[0, 3\) \(the mixture's K\), got 3/,
  );
  assert.throws(
    () => new LgmLikelihoodDetector({ mixture, covariance: 'diagonal' }),
    /params.logVariances \(covariance 'diagonal'\) must be float32 of shape \[3,3\], got undefined/,
  );
  tf.dispose([mixture.means, z]);
});

test('MSP and energy match their formulas', () => {
  const logits = tf.tensor2d([
    [2, 0, 0],
    [1, 1, 1],
  ]);
  const z = tf.zeros([2, 5]) as tf.Tensor2D;
  const y = tf.tensor1d([0, 1], 'int32');
  const msp = new MaxSoftmaxDetector({ head: () => logits.clone() });
  msp.fitFeatures(z, y);
  const e2 = Math.exp(2);
  const m = msp.scoreFeatures(z);
  assert.ok(Math.abs(m[0] + e2 / (e2 + 2)) < 1e-6 && Math.abs(m[1] + 1 / 3) < 1e-6, `${m}`);
  const energy = new EnergyDetector({ head: () => logits.clone(), temperature: 2 });
  energy.fitFeatures(z, y);
  const e = energy.scoreFeatures(z);
  assert.ok(Math.abs(e[0] + 2 * Math.log(Math.exp(1) + 2)) < 1e-5, `${e}`);
  assert.ok(Math.abs(e[1] + 2 * Math.log(3 * Math.exp(0.5))) < 1e-5, `${e}`);
  assert.throws(
    () => new MaxSoftmaxDetector().fitFeatures(z, y),
    /msp: a logits head is needed \(pass options.head, or use fit\(model, data\)\), got none/,
  );
  tf.dispose([logits, z, y]);
});

test('Mahalanobis matches a float64 computation with a correlated covariance', () => {
  // Two classes in 2-D; class-centred residuals (±1, ±1) and (±1, ∓1) weighted to give a correlated covariance.
  const z = tf.tensor2d([
    [1, 1],
    [-1, -1],
    [1, 1],
    [-1, -1],
    [11, 0],
    [9, 0],
  ]);
  const y = tf.tensor1d([0, 0, 0, 0, 1, 1], 'int32');
  // Means (0,0) and (10,0); Sigma = (1/6) [[6, 4],[4, 4]] = [[1, 2/3],[2/3, 2/3]]; det = 2/3 - 4/9 = 2/9.
  // Sigma^-1 = (9/2) [[2/3, -2/3],[-2/3, 1]] = [[3, -3],[-3, 4.5]].
  const d = new MahalanobisDetector({ regularization: 0 });
  d.fitFeatures(z, y);
  const q = tf.tensor2d([
    [0, 1],
    [10, 1],
    [1, 0],
  ]);
  const s = d.scoreFeatures(q);
  // (0,1) to class 0: 4.5; (10,1) to class 1: 4.5; (1,0) to class 0: 3 (to class 1: 81*3 = 243).
  [4.5, 4.5, 3].forEach((v, i) => assert.ok(Math.abs(s[i] - v) < 1e-4, `${s}`));
  // Constant features: the ridge keeps the covariance invertible.
  const flat = tf.ones([4, 2]) as tf.Tensor2D;
  const ridge = new MahalanobisDetector();
  ridge.fitFeatures(flat, tf.tensor1d([0, 0, 1, 1], 'int32'));
  assert.ok(Number.isFinite(ridge.scoreFeatures(q)[0]));
  assert.throws(
    () => new MahalanobisDetector().fitFeatures(z, tf.tensor1d([0, 0, 0, 0, 2, 2], 'int32')),
    /mahalanobis.fitFeatures: every class in \[0, 3\) must have a sample, got none of class 1/,
  );
  tf.dispose([z, y, q, flat]);
  d.dispose();
  ridge.dispose();
});

test('detectors refuse to score before fitting, and features of the wrong width', () => {
  const train = blobs(30, 1);
  for (const d of detectors()) {
    assert.throws(
      () => d.scoreFeatures(train.z),
      new RegExp(
        `${d.name}.scoreFeatures: detector must be fitted first \\(fitFeatures or fit\\), got an unfitted detector`,
      ),
    );
    assert.equal(d.fitted, false);
    d.fitFeatures(train.z, train.y);
    assert.equal(d.fitted, true);
    const wide = tf.zeros([2, 4]);
    assert.throws(
      () => d.scoreFeatures(wide as tf.Tensor2D),
      new RegExp(
        `${d.name}.scoreFeatures: features must be float32 of shape \\[\\?,3\\], got float32 \\[2,4\\]`,
      ),
    );
    const nan = tf.tensor2d([[NaN, 0, 0]]);
    assert.throws(() => d.scoreFeatures(nan), /features must be finite, got NaN or Infinity/);
    assert.throws(
      () => d.fitFeatures(train.z, tf.tensor1d([0], 'int32')),
      /labels must be int32 of shape \[30\], got int32 \[1\]/,
    );
    d.dispose();
    assert.equal(d.fitted, false);
    tf.dispose([wide, nan]);
  }
  tf.dispose([train.z, train.y]);
});

test('negative labels are rejected at fit time', () => {
  const train = blobs(6, 1);
  const bad = tf.tensor1d([0, 1, 2, 0, -1, 2], 'int32');
  assert.throws(
    () => new MahalanobisDetector().fitFeatures(train.z, bad),
    /mahalanobis.fitFeatures: labels must be in \[0, Infinity\), got -1/,
  );
  tf.dispose([train.z, train.y, bad]);
});
