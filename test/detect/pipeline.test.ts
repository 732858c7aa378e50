import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { attackImages, attackedRows, successfulRows } from '../../src/attacks/run.js';
import { attackInputSets, detectionPipeline, fitMahalanobis } from '../../src/detect/pipeline.js';
import { toyData, useToyClassifier } from '../attacks/toy.js';
import { mulberry32 } from '../../src/util/random.js';

const classifier = useToyClassifier();

test('attackInputSets: -all and -successful, each against the correctly classified attacked images', () => {
  const { inputs, labels } = toyData(30, 9);
  const attacked = attackImages(classifier(), inputs, labels, 'fgsm', { epsilon: 0.3 });
  const r = attacked.result;
  const set = { ...r, name: 'fgsm', clean: inputs };
  const before = tf.memory().numTensors;
  const sets = attackInputSets(classifier(), set, 8);
  assert.deepEqual(
    sets.map((s) => s.name),
    successfulRows(r).length > 0 ? ['fgsm-all', 'fgsm-successful'] : ['fgsm-all'],
  );
  assert.equal(sets[0].features.shape[0], attackedRows(r).length);
  assert.equal(sets[0].clean?.shape[0], attackedRows(r).length);
  assert.equal(sets[1].features.shape[0], successfulRows(r).length);
  assert.equal(sets[1].clean, sets[0].clean, 'the two sets share their clean features');
  // -successful's rows are -all's rows that the attack flipped.
  const all = sets[0].features.arraySync();
  const flipped = new Set(successfulRows(r));
  assert.deepEqual(
    sets[1].features.arraySync(),
    all.filter((_, j) => flipped.has(attackedRows(r)[j])),
  );
  tf.dispose([sets[0].features, sets[0].clean!, sets[1].features]);
  assert.equal(tf.memory().numTensors, before);
  const none = attackInputSets(
    classifier(),
    { ...set, originalCorrect: set.originalCorrect.map(() => false) },
    8,
  );
  assert.deepEqual(none, [], 'no correctly classified image: no set');
  tf.dispose([inputs, labels, r.adversarial]);
});

test('fitMahalanobis raises the ridge for degenerate features and says so', () => {
  // Rank-1 features in 64 dimensions: the float32 shared covariance has negative round-off eigenvalues larger
  // than the default ridge (1e-6 of the mean variance), so its Cholesky factorisation fails there.
  const rand = mulberry32(1);
  const scales = Array.from({ length: 64 }, () => 0.5 + 1.5 * rand());
  const rows = Array.from({ length: 200 }, (_, i) => {
    const t = rand() - 0.5;
    return scales.map((c) => c * t + (i % 2));
  });
  const features = tf.tensor2d(rows);
  const labels = tf.tensor1d(
    rows.map((_, i) => i % 2),
    'int32',
  );
  const notes: string[] = [];
  const detector = fitMahalanobis(features, labels, notes);
  assert.equal(detector.name, 'mahalanobis');
  assert.deepEqual(notes, ['mahalanobis: covariance singular at smaller ridges; fitted with ridge 0.0001']);
  detector.dispose();
  tf.dispose([features, labels]);
});

test('detectionPipeline: detectors in the order asked, attacks and OOD sets, no tensor left behind', () => {
  const train = toyData(60, 1);
  const test = toyData(30, 2);
  const attacked = attackImages(classifier(), test.inputs, test.labels, 'fgsm', { epsilon: 0.3 });
  const r = attacked.result;
  const noise = tf.randomUniform([20, 16], 0, 1, 'float32', 3);
  const before = tf.memory().numTensors;
  const outcome = detectionPipeline({
    classifier: classifier(),
    mixture: null,
    detectors: ['msp', 'mahalanobis', 'energy'],
    train: { x: train.inputs, y: train.labels },
    clean: test.inputs,
    attacks: [{ ...r, name: 'fgsm', clean: test.inputs }],
    ood: [{ name: 'uniform', inputs: noise }],
    batchSize: 16,
  });
  assert.equal(tf.memory().numTensors, before);
  assert.deepEqual(
    [...new Set(outcome.report.rows.map((x) => x.detector))],
    ['msp', 'mahalanobis', 'energy'],
  );
  const sets = outcome.sets.map((s) => s.name);
  assert.deepEqual(sets.slice(-1), ['uniform']);
  assert.equal(sets[0], 'fgsm-all');
  assert.equal(outcome.report.rows.length, 3 * sets.length);
  const wrong = tf.zeros([2, 4]);
  assert.throws(
    () =>
      detectionPipeline({
        classifier: classifier(),
        mixture: null,
        detectors: ['msp'],
        train: { x: train.inputs, y: train.labels },
        clean: test.inputs,
        attacks: [],
        ood: [{ name: 'wrong', inputs: wrong }],
        batchSize: 16,
      }),
    /detect: OOD set wrong must have images of shape \[16\], got \[4\]/,
  );
  tf.dispose([train.inputs, train.labels, test.inputs, test.labels, r.adversarial, noise, wrong]);
});
