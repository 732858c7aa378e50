import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../../src/backend/index.js';
import { MahalanobisDetector, datasetTensors } from '../../src/core.js';
import { syntheticImages } from '../../src/data/synthetic.js';
import { DigitNetwork } from '../../web/src/model/network.js';
import { MIXTURE_WARMUP, createStepTrainer } from '../../web/src/model/trainer.js';

before(async () => {
  await initBackend('cpu');
});

const OPTIONS = { batchSize: 16, learningRate: 0.001, mixtureLearningRate: 0.02, seed: 0 };

test("the page's loop is lgm's Trainer: the count continues, the mixture's rate switches after the warm-up", () => {
  const data = syntheticImages({ count: 64, seed: 1 });
  const net = DigitNetwork.create({ loss: 'lgm', covariance: 'isotropic', seed: 0 });
  const weights = { alpha: 0.1, lambda: 0.1 };
  const trainer = createStepTrainer(
    net,
    data,
    { ...OPTIONS, batchesBefore: MIXTURE_WARMUP - 1 },
    () => weights,
  );
  const means = net.mixtureHead?.params().means as tf.Variable;
  const before = tf.memory().numTensors;
  const moves: number[] = [];
  for (let i = 0; i < 2; i++) {
    const start = means.dataSync().slice();
    const result = trainer.step();
    assert.ok(Number.isFinite(result.loss) && result.auxiliaryLoss > 0, `L-GM step ${i}: ${result.loss}`);
    assert.deepEqual(result.values, weights, 'the loss weights of the step are the page controls');
    const end = means.dataSync();
    moves.push(Math.max(...Array.from(end, (v, j) => Math.abs(v - start[j]))));
  }
  assert.equal(trainer.state.step, MIXTURE_WARMUP + 1);
  // Adam moves a parameter by about its rate: 0.001 in the warm-up, 0.02 after it.
  assert.ok(moves[0] <= 0.0011, `warm-up step moved the means by ${moves[0]}`);
  assert.ok(moves[1] >= 0.005, `step after the warm-up moved the means by ${moves[1]}`);
  assert.equal(tf.memory().numTensors, before, 'no tensor leaks');
  trainer.dispose();
  net.dispose();
});

test("src/detect's detectors take the page's network (a Classifier) as it is", () => {
  const data = syntheticImages({ count: 40, seed: 2 });
  const net = DigitNetwork.create({ loss: 'softmax', covariance: 'identity', seed: 0 });
  const { x, y } = datasetTensors(data, {});
  const detector = new MahalanobisDetector({ batchSize: 16 });
  try {
    detector.fit(net, { inputs: x, labels: y });
    const scores = detector.score(net, x);
    assert.equal(scores.length, 40);
    assert.ok(scores.every((s) => Number.isFinite(s) && s >= 0));
  } finally {
    detector.dispose();
    tf.dispose([x, y]);
    net.dispose();
  }
});
