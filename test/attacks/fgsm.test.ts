import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { fgsm } from '../../src/attacks/index.js';
import { crossEntropy, logitsFunction } from '../../src/attacks/model.js';
import { accuracy, toyData, useToyClassifier } from './toy.js';

const classifier = useToyClassifier();

test('toy classifier is accurate on held-out data', () => {
  const { inputs, labels } = toyData(60, 99);
  assert.ok(accuracy(classifier(), inputs, labels) > 0.95);
  tf.dispose([inputs, labels]);
});

test('fgsm raises the loss, flips most predictions and stays in the L-inf ball and pixel range', () => {
  const { inputs, labels } = toyData(60, 7);
  const before = tf.memory().numTensors;
  const r = fgsm(classifier(), inputs, labels, { epsilon: 0.25, batchSize: 25 });
  assert.equal(tf.memory().numTensors, before + 1); // only the adversarial tensor survives
  assert.deepEqual(r.adversarial.shape, inputs.shape);
  const f = logitsFunction('test', classifier());
  const [lossClean, lossAdv] = tf.tidy(() => [
    crossEntropy(f(inputs), labels).dataSync(),
    crossEntropy(f(r.adversarial), labels).dataSync(),
  ]);
  let raised = 0;
  for (let i = 0; i < 60; i++) if (lossAdv[i] > lossClean[i]) raised++;
  assert.ok(raised >= 57, `loss raised on ${raised}/60`);
  assert.ok((r.successRate ?? 0) > 0.7, `success rate ${r.successRate}`);
  const [lo, hi] = tf.tidy(() => [tf.min(r.adversarial).dataSync()[0], tf.max(r.adversarial).dataSync()[0]]);
  assert.ok(lo >= 0 && hi <= 1);
  for (const v of r.linf) assert.ok(v <= 0.25 + 1e-6 && v > 0.2, `linf ${v}`);
  assert.equal(r.l2.length, 60);
  assert.equal(r.success.filter(Boolean).length, r.predictions.filter((p, i) => p !== i % 3).length);
  r.adversarial.dispose();
  tf.dispose([inputs, labels]);
});

test('fgsm validates its arguments', () => {
  const { inputs, labels } = toyData(4, 1);
  assert.throws(
    () => fgsm(classifier(), inputs, labels, {} as never),
    /fgsm: options.epsilon must be a number >= 0, got undefined/,
  );
  assert.throws(
    () => fgsm(classifier(), inputs, labels, { epsilon: -1 }),
    /options.epsilon must be a finite number in \[0, Infinity\], got number -1/,
  );
  assert.throws(
    () => fgsm(classifier(), inputs, labels, { epsilon: 0.1, steps: 3 } as never),
    /fgsm: unknown option 'steps'/,
  );
  assert.throws(
    () => fgsm(classifier(), tf.mul(inputs, 3), labels, { epsilon: 0.1 }),
    /fgsm: inputs must lie in \[clipMin, clipMax\] = \[0, 1\], got values in/,
  );
  const bad = tf.tensor1d([0, 1, 2, 3], 'int32');
  assert.throws(
    () => fgsm(classifier(), inputs, bad, { epsilon: 0.1 }),
    /fgsm: labels must be in \[0, 3\), got 3/,
  );
  assert.throws(
    () => fgsm({} as never, inputs, labels, { epsilon: 0.1 }),
    /fgsm: model must be a Classifier, a function or have predict\(\)/,
  );
  tf.dispose([inputs, labels, bad]);
});
