import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { carliniWagnerL2, deepFool, pgd } from '../../src/attacks/index.js';
import { toyData, useToyClassifier } from './toy.js';

const classifier = useToyClassifier();

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

test('deepFool flips almost every prediction with small L2 perturbations', () => {
  const { inputs, labels } = toyData(30, 11);
  const before = tf.memory().numTensors;
  const r = deepFool(classifier(), inputs, labels, { maxIterations: 30 });
  assert.equal(tf.memory().numTensors, before + 1);
  assert.ok((r.successRate ?? 0) >= 0.9, `deepfool success ${r.successRate}`);
  // Reported norms are those of adversarial - inputs.
  const l2 = tf.tidy(() => tf.sqrt(tf.sum(tf.square(tf.sub(r.adversarial, inputs)), 1)).dataSync());
  r.l2.forEach((v, i) => assert.ok(Math.abs(v - l2[i]) < 1e-5));
  // Minimal perturbations: well below what a budget-bounded L2 attack needs to succeed as often.
  const bounded = pgd(classifier(), inputs, labels, { epsilon: 2, norm: 'l2', steps: 10 });
  assert.ok(median(r.l2) < median(bounded.l2), `${median(r.l2)} vs ${median(bounded.l2)}`);
  tf.dispose([r.adversarial, bounded.adversarial, inputs, labels]);
});

test('carliniWagnerL2 finds small successful perturbations and returns the input on failure', () => {
  const { inputs, labels } = toyData(12, 12);
  const before = tf.memory().numTensors;
  const r = carliniWagnerL2(classifier(), inputs, labels, { binarySearchSteps: 3, maxIterations: 40 });
  assert.equal(tf.memory().numTensors, before + 1);
  assert.ok((r.successRate ?? 0) >= 0.8, `cw success ${r.successRate}`);
  const adv = r.adversarial.dataSync();
  const x = inputs.dataSync();
  r.success.forEach((ok, i) => {
    if (!ok) for (let j = 0; j < 16; j++) assert.equal(adv[i * 16 + j], x[i * 16 + j]);
  });
  for (let i = 0; i < adv.length; i++) assert.ok(adv[i] >= 0 && adv[i] <= 1);
  const df = deepFool(classifier(), inputs, labels);
  // C&W optimises the distance: its median L2 is not far above DeepFool's (a minimal-norm attack too).
  assert.ok(median(r.l2) < 2 * median(df.l2), `${median(r.l2)} vs ${median(df.l2)}`);
  assert.throws(
    () => carliniWagnerL2(classifier(), inputs, labels, { learningRate: 0 }),
    /carliniWagnerL2: options.learningRate must be a finite number/,
  );
  tf.dispose([r.adversarial, df.adversarial, inputs, labels]);
});

test('carliniWagnerL2 evaluates each point it reaches with one forward pass, that of the gradient step', () => {
  const { inputs, labels } = toyData(6, 13);
  const model = classifier();
  let forwards = 0;
  const counted = (x: tf.Tensor) => {
    forwards++;
    return model.logits(model.features(x));
  };
  const options = { binarySearchSteps: 2, maxIterations: 7, abortEarly: false, batchSize: 6 };
  const r = carliniWagnerL2(counted, inputs, labels, options);
  // Per round: the number of classes (1), one forward-backward pass per step (7), the point the last step
  // reached (1); around the attack, the input check, the clean and the adversarial predictions (3).
  assert.equal(forwards, 2 * (1 + 7 + 1) + 3);
  assert.ok((r.successRate ?? 0) > 0, `cw success ${r.successRate}`);
  tf.dispose([r.adversarial, inputs, labels]);
});
