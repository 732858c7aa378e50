import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { Trainer, type StepResult } from '../../src/train/step-trainer.js';
import { modelObjective, type StepObjective } from '../../src/train/step.js';
import { buildModel, disposeModel, modelTensors } from '../../src/train/model.js';
import { configTrainer } from '../../src/train/config-trainer.js';
import { trainRun } from '../../src/train/trainer.js';
import { readMetrics } from '../../src/run/metrics.js';
import { initialState } from '../../src/train/state.js';
import { arraySource } from '../../src/train/data.js';
import type { TrainConfig, TrainConfigInput } from '../../src/train/config.js';
import { blobData, mlpConfig, tempDir, useCpu } from './fixtures.js';

/**
 * Losses and the first weights after 8 steps of `mlpConfig(extra)` on blobData, as trainRun computed them
 * before it was built on the Trainer (main at 206f59d, cpu backend).
 */
const BEFORE = {
  'sgd-lgm': {
    extra: {},
    losses: [1.6508117, 0.2641637, 0.1116501, 0.1990189, 0.239201, 0.2343956, 0.1861565, 0.2160674],
    auxiliary: [8.799342, 4.500119, 6.893096, 6.953889, 11.685515, 20.316412, 18.42239, 21.551949],
    weights: {
      'weights/0/dense1/kernel': [-0.12024, -0.1132783, -0.4094202],
      'weights/3/feature/bias': [0.1502918, -0.121984, 0.0393053],
      'loss/means': [0.0351723, 0.453721, 1.4172326],
    },
  },
  'adam-softmax': {
    extra: {
      loss: { name: 'softmax' },
      optimizer: { name: 'adam', weightDecay: 0 },
      lr: { base: 0.01 },
    } as TrainConfigInput,
    losses: [0.7576861, 0.4811751, 0.3616158, 0.2841319, 0.2082561, 0.1339077, 0.0980477, 0.0683376],
    auxiliary: [0, 0, 0, 0, 0, 0, 0, 0],
    weights: {
      'weights/0/dense1/kernel': [-0.1925715, -0.1132946, -0.5477092],
      'weights/3/feature/bias': [-0.0723952, 0.0482961, 0.0696959],
      'loss/kernel': [-0.0531536, 0.1996781, 0.8312028],
    },
  },
} as const;
const STEPS = 8;

const close = (actual: number[], expected: readonly number[], what: string) => {
  assert.equal(actual.length, expected.length, what);
  actual.forEach((v, i) =>
    assert.ok(Math.abs(v - expected[i]) <= 1e-5 * Math.max(1, Math.abs(expected[i])), `${what}[${i}]: ${v}`),
  );
};

/** A Trainer for `config`'s model on `data` (as trainRun builds it). */
function trainerFor(config: TrainConfig, data = blobData()) {
  const model = buildModel(config, data.inputShape, data.numClasses);
  return { model, trainer: configTrainer(model, config, data.train) };
}

for (const [name, expected] of Object.entries(BEFORE)) {
  test(`Trainer steps give the losses and weights trainRun gave before it was built on them (${name})`, async () => {
    await useCpu();
    const before = tf.memory().numTensors;
    const { model, trainer } = trainerFor(mlpConfig({ ...expected.extra, logEvery: 1 }));
    assert.equal(trainer.initialize(), 2 * 6);
    const results: StepResult[] = [];
    await trainer.fitAsync({ onStep: (r) => results.push(r) < STEPS });
    close(
      results.map((r) => r.loss),
      expected.losses,
      'loss',
    );
    close(
      results.map((r) => r.auxiliaryLoss),
      expected.auxiliary,
      'auxiliaryLoss',
    );
    assert.deepEqual(
      results.map((r) => [r.epoch, r.batch, r.endOfEpoch]),
      [0, 0, 0, 0, 0, 0, 1, 1].map((e, i) => [e, e === 0 ? i + 1 : i - 5, i === 5]),
    );
    const tensors = modelTensors(model);
    for (const [key, values] of Object.entries(expected.weights)) {
      close(Array.from(tensors[key].dataSync()).slice(0, 3), values, key);
    }
    trainer.dispose();
    disposeModel(model);
    assert.equal(tf.memory().numTensors, before, 'no tensor leaks');

    // trainRun (the CLI path) writes the same numbers as the bare steps.
    const runDir = join(tempDir(), 'run');
    const run = await trainRun({
      config: mlpConfig({ ...expected.extra, logEvery: 1 }),
      runDir,
      data: blobData(),
      stopAfterSteps: STEPS,
    });
    disposeModel(run.model);
    const records = (await readMetrics(runDir)).filter((r) => r.type === 'step');
    assert.deepEqual(
      records.map((r) => r.loss),
      results.map((r) => r.loss),
    );
  });
}

test('fit trains every epoch; step() after the end, bad epochs and states are refused', async () => {
  await useCpu();
  const { model, trainer } = trainerFor(mlpConfig({ epochs: 2 }));
  assert.throws(() => trainer.step(), /Trainer: initialize\(\) must come before training/);
  assert.throws(
    () => trainer.initialize({ ...initialState(0), batch: 7 }),
    /Trainer.initialize: state.batch must be at most the 6 batches of an epoch, got 7/,
  );
  trainer.initialize();
  const state = trainer.fit();
  assert.deepEqual([state.epoch, state.batch, state.step, state.seen], [1, 6, 12, 96]);
  assert.equal(trainer.done, true);
  assert.throws(() => trainer.step(), /Trainer.step: all 2 epochs are trained/);
  trainer.dispose();
  disposeModel(model);
  const data = blobData();
  assert.throws(
    () =>
      new Trainer({
        objective: modelObjective(model),
        params: [],
        optimizer: mlpConfig().optimizer,
        train: data.train,
        epochs: 1.5,
        learningRate: () => 0.1,
      }),
    /Trainer: epochs must be an integer >= 1 or Infinity, got 1.5/,
  );
});

/** Counts the tensors read back to the host (sync and async) while `fn` runs. */
function countReads(fn: () => void): number {
  const backend = tf.backend() as unknown as {
    readSync: (id: unknown) => unknown;
    read: (id: unknown) => Promise<unknown>;
  };
  const { readSync, read } = backend;
  let reads = 0;
  backend.readSync = (id) => (reads++, readSync.call(backend, id));
  backend.read = (id) => (reads++, read.call(backend, id));
  try {
    fn();
  } finally {
    backend.readSync = readSync;
    backend.read = read;
  }
  return reads;
}

test('a step reads one tensor back (its four metrics); endless training with per-step rates and values', async () => {
  await useCpu();
  // A linear softmax objective on 2-D points: w [2,2] learns to separate two classes.
  const w = tf.variable(tf.zeros([2, 2]), true, 'w');
  const values = Float32Array.from([1, 0, 0, 1, -1, 0, 0, -1]);
  const train = arraySource(values, Int32Array.from([0, 1, 1, 0]), [2], { batchSize: 2, seed: 1 });
  const seen: { lr: number; alpha: number | undefined }[] = [];
  const scaled: number[] = [];
  const objective: StepObjective = (x, y) => {
    const logits = tf.matMul(x, w) as tf.Tensor2D;
    const loss = tf.losses.softmaxCrossEntropy(tf.oneHot(y, 2), logits) as tf.Scalar;
    return { loss, classificationLoss: loss, auxiliaryLoss: tf.scalar(0), logits };
  };
  const trainer = new Trainer({
    objective,
    params: [{ key: 'w', variable: w, decay: false, lrScale: 1 }],
    optimizer: mlpConfig({ optimizer: { name: 'sgd', momentum: 0, weightDecay: 0 } }).optimizer,
    train,
    epochs: Infinity,
    learningRate: (at) => 0.5 / (1 + at.step),
    lossValues: (at) => ({ alpha: at.epochFloat }),
    lrScale: (param, at) => (scaled.push(at.step), param.lrScale),
  });
  assert.equal(trainer.initialize(), Infinity);
  const before = tf.memory().numTensors;
  const reads = countReads(() => {
    const r = trainer.step();
    seen.push({ lr: r.lr, alpha: r.values.alpha });
  });
  assert.equal(reads, 1, 'one host read per step');
  const controller = new AbortController();
  await trainer.fitAsync({
    signal: controller.signal,
    onStep: (r) => {
      seen.push({ lr: r.lr, alpha: r.values.alpha });
      if (r.step === 5) controller.abort();
    },
    between: () => Promise.resolve(),
  });
  assert.equal(tf.memory().numTensors, before, 'no tensor leaks');
  assert.equal(trainer.state.step, 5);
  assert.equal(trainer.state.epoch, 2, 'rolled over into the third epoch');
  assert.deepEqual(
    seen.map((s) => s.alpha),
    [0, 0.5, 1, 1.5, 2],
  );
  close(
    seen.map((s) => s.lr),
    [0.5, 0.25, 0.5 / 3, 0.125, 0.1],
    'lr',
  );
  assert.deepEqual(scaled, [0, 1, 2, 3, 4], 'the per-step multiplier is asked at every step');
  trainer.dispose();
  w.dispose();
});
