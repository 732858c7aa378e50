import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import {
  EnergyDetector,
  KernelDensityDetector,
  MahalanobisDetector,
  MaxSoftmaxDetector,
  detectionMetrics,
} from '../../src/detect/index.js';
import { mulberry32 } from '../../src/util/random.js';
import { toyData, useToyClassifier } from '../attacks/toy.js';

const classifier = useToyClassifier();

test('model-level fit/score equal the feature-level calls, batch by batch', () => {
  const train = toyData(120, 21);
  const clean = toyData(50, 22);
  const d = new MahalanobisDetector({ batchSize: 16 });
  d.fit(classifier(), train);
  const before = tf.memory().numTensors;
  const viaModel = d.score(classifier(), clean.inputs);
  assert.equal(tf.memory().numTensors, before);
  const z = classifier().features(clean.inputs);
  const viaFeatures = d.scoreFeatures(z);
  viaModel.forEach((v, i) => assert.ok(Math.abs(v - viaFeatures[i]) < 1e-4 * Math.max(1, Math.abs(v))));
  assert.throws(
    () => d.score(classifier(), tf.zeros([3, 15])),
    /mahalanobis.score: inputs must be float32 of shape \[N,16\], got float32 \[3,15\]/,
  );
  assert.throws(
    () => d.fit(classifier(), { inputs: train.inputs, labels: tf.tensor1d([0], 'int32') }),
    /mahalanobis.fit: labels must be int32 of shape \[120\], got int32 \[1\]/,
  );
  d.dispose();
  tf.dispose([train.inputs, train.labels, clean.inputs, clean.labels, z]);
});

test('feature detectors fitted through a model flag uniform-noise inputs', () => {
  const train = toyData(150, 23);
  const clean = toyData(60, 24);
  const rand = mulberry32(5);
  const noise = tf.tensor2d(
    Float32Array.from({ length: 60 * 16 }, () => rand()),
    [60, 16],
  );
  for (const d of [
    new MahalanobisDetector(),
    new KernelDensityDetector(),
    new EnergyDetector(),
    new MaxSoftmaxDetector(),
  ]) {
    d.fit(classifier(), train);
    const r = detectionMetrics(d.score(classifier(), clean.inputs), d.score(classifier(), noise));
    if (d.name === 'mahalanobis' || d.name === 'kde') assert.ok(r.auroc > 0.9, `${d.name} auroc ${r.auroc}`);
    else assert.ok(r.auroc > 0.5, `${d.name} auroc ${r.auroc}`);
    d.dispose();
  }
  tf.dispose([train.inputs, train.labels, clean.inputs, clean.labels, noise]);
});
