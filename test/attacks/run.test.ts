import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import {
  attackImages,
  attackLine,
  attackedRows,
  rowFeatures,
  successfulRows,
} from '../../src/attacks/run.js';
import { toyData, useToyClassifier } from './toy.js';

const classifier = useToyClassifier();

test('successful means: the attack flipped an image that was classified correctly before', () => {
  const result = { success: [true, true, false, false], originalCorrect: [true, false, true, false] };
  assert.deepEqual(successfulRows(result), [0]);
  assert.deepEqual(attackedRows(result), [0, 2]);
});

test('attackImages keeps the features of exactly the successful examples, and leaks nothing', () => {
  const { inputs, labels } = toyData(40, 5);
  const before = tf.memory().numTensors;
  const attacked = attackImages(classifier(), inputs, labels, 'fgsm', { epsilon: 0.3, batchSize: 16 });
  const rows = successfulRows(attacked.result);
  assert.ok(rows.length > 0, 'fgsm with epsilon 0.3 flips some toy images');
  assert.deepEqual(attacked.features, rowFeatures(classifier(), attacked.result.adversarial, rows, 16));
  assert.equal(attacked.features.length, rows.length);
  assert.equal(attacked.attack, 'fgsm');
  assert.match(attackLine(attacked), /^fgsm\s+\d+\.\d%\s+\d+\.\d%\s+\d+\.\d%/);
  attacked.result.adversarial.dispose();
  assert.equal(tf.memory().numTensors, before);
  tf.dispose([inputs, labels]);
});
