import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { AttackResult, bim, fgsm, pgd } from '../../src/attacks/index.js';
import { toyData, useToyClassifier } from './toy.js';

const classifier = useToyClassifier();

function inRange(r: AttackResult) {
  const [lo, hi] = tf.tidy(() => [tf.min(r.adversarial).dataSync()[0], tf.max(r.adversarial).dataSync()[0]]);
  assert.ok(lo >= 0 && hi <= 1, `range [${lo}, ${hi}]`);
}

test('bim flips more predictions than fgsm at the same budget and respects it', () => {
  const { inputs, labels } = toyData(60, 7);
  const one = fgsm(classifier(), inputs, labels, { epsilon: 0.15 });
  const before = tf.memory().numTensors;
  const many = bim(classifier(), inputs, labels, { epsilon: 0.15, steps: 8, batchSize: 32 });
  assert.equal(tf.memory().numTensors, before + 1);
  assert.ok((many.successRate ?? 0) >= (one.successRate ?? 0), `${many.successRate} vs ${one.successRate}`);
  assert.ok((many.successRate ?? 0) > 0.6, `bim success ${many.successRate}`);
  for (const v of many.linf) assert.ok(v <= 0.15 + 1e-6, `linf ${v}`);
  inRange(many);
  tf.dispose([one.adversarial, many.adversarial, inputs, labels]);
});

test('pgd L-inf with random start is seeded, flips most predictions and respects the budget', () => {
  const { inputs, labels } = toyData(60, 8);
  const a = pgd(classifier(), inputs, labels, { epsilon: 0.2, steps: 10, seed: 3 });
  const b = pgd(classifier(), inputs, labels, { epsilon: 0.2, steps: 10, seed: 3 });
  const c = pgd(classifier(), inputs, labels, { epsilon: 0.2, steps: 1, stepSize: 0.01, seed: 4 });
  const d = pgd(classifier(), inputs, labels, { epsilon: 0.2, steps: 1, stepSize: 0.01, seed: 5 });
  assert.deepEqual(a.adversarial.dataSync(), b.adversarial.dataSync());
  assert.notDeepEqual(c.adversarial.dataSync(), d.adversarial.dataSync()); // the start is random
  assert.ok((a.successRate ?? 0) > 0.8, `pgd success ${a.successRate}`);
  for (const v of [...a.linf, ...c.linf]) assert.ok(v <= 0.2 + 1e-6, `linf ${v}`);
  inRange(a);
  tf.dispose([a.adversarial, b.adversarial, c.adversarial, d.adversarial, inputs, labels]);
});

test('pgd L2 respects its L2 budget exactly and flips predictions', () => {
  const { inputs, labels } = toyData(60, 9);
  const r = pgd(classifier(), inputs, labels, { epsilon: 0.8, norm: 'l2', steps: 12, seed: 1 });
  for (const v of r.l2) assert.ok(v <= 0.8 * (1 + 1e-6), `l2 ${v}`);
  // Most examples use the whole budget (clipping to the box may shorten a few).
  assert.ok(r.l2.filter((v) => v > 0.79).length > 40);
  assert.ok((r.successRate ?? 0) > 0.7, `pgd-l2 success ${r.successRate}`);
  inRange(r);
  assert.throws(
    () => pgd(classifier(), inputs, labels, { epsilon: 0.1, norm: 'l1' as never }),
    /pgd: options.norm must be one of linf, l2, got 'l1'/,
  );
  assert.throws(
    () => pgd(classifier(), inputs, labels, { epsilon: 0.1, randomStart: 1 as never }),
    /pgd: options.randomStart must be a boolean, got number 1/,
  );
  assert.throws(
    () => bim(classifier(), inputs, labels, { epsilon: 0.1, steps: 0 }),
    /bim: options.steps must be an integer/,
  );
  tf.dispose([r.adversarial, inputs, labels]);
});

test('epsilon 0 leaves inputs unchanged', () => {
  const { inputs, labels } = toyData(9, 10);
  const r = pgd(classifier(), inputs, labels, { epsilon: 0 });
  assert.deepEqual(r.adversarial.dataSync(), inputs.dataSync());
  assert.deepEqual(r.linf, new Array(9).fill(0));
  tf.dispose([r.adversarial, inputs, labels]);
});
