import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { existsSync, readFileSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs-core';
import { trainRun } from '../../src/train/trainer.js';
import { readMetrics } from '../../src/run/metrics.js';
import { disposeModel } from '../../src/train/model.js';
import { loadRun } from '../../src/train/run.js';
import { blobData, mlpConfig, tempDir, useCpu } from './fixtures.js';

test('trainRun writes the run directory and learns separable blobs', async () => {
  await useCpu();
  const runDir = join(tempDir(), 'run');
  const before = tf.memory().numTensors;
  const result = await trainRun({ config: mlpConfig({ epochs: 3 }), runDir, data: blobData() });
  assert.equal(result.completed, true);
  assert.ok(
    result.evaluation !== null && result.evaluation.accuracy > 0.9,
    `accuracy ${result.evaluation?.accuracy}`,
  );
  disposeModel(result.model);
  assert.equal(tf.memory().numTensors, before);
  for (const f of [
    'config.json',
    'metrics.jsonl',
    'checkpoint/state.json',
    'features.json',
    'mixture.json',
  ]) {
    assert.ok(existsSync(join(runDir, f)), f);
  }
  const metrics = await readMetrics(runDir);
  const epochs = metrics.filter((m) => m.type === 'epoch');
  assert.deepEqual(
    epochs.map((e) => e.epoch),
    [1, 2, 3],
  );
  for (const key of [
    'trainLoss',
    'trainAccuracy',
    'testAccuracy',
    'testLoss',
    'lr',
    'alpha',
    'lambda',
    'imagesPerSecond',
    'seconds',
  ]) {
    assert.ok(key in epochs[0], key);
  }
  const steps = metrics.filter((m) => m.type === 'step');
  assert.equal(steps.length, 9); // 6 batches per epoch x 3 epochs, every 2nd step
  const features = JSON.parse(readFileSync(join(runDir, 'features.json'), 'utf8'));
  assert.equal(features.dim, 3);
  assert.equal(features.labels.length, 48);
  const run = await loadRun(runDir);
  const acc = tf.tidy(() => {
    const x = tf.tensor2d(
      blobData().test.epoch(0)[Symbol.iterator]().next().value!.x.arraySync() as number[][],
    );
    return run.classifier.logits(run.classifier.features(x)).shape;
  });
  assert.deepEqual(acc, [32, 3]);
  run.dispose();
});

test('an aborted signal (Ctrl-C) stops after the current step with a checkpoint; loadRun matches features.json', async () => {
  await useCpu();
  const runDir = join(tempDir(), 'run');
  const controller = new AbortController();
  controller.abort();
  const stopped = await trainRun({
    config: mlpConfig(),
    runDir,
    data: blobData(),
    signal: controller.signal,
  });
  assert.equal(stopped.completed, false);
  assert.equal(stopped.state.step, 1);
  disposeModel(stopped.model);
  const done = await trainRun({ config: mlpConfig(), runDir, data: blobData(), resume: true });
  assert.equal(done.completed, true);
  disposeModel(done.model);
  const run = await loadRun(runDir);
  const saved = JSON.parse(readFileSync(join(runDir, 'features.json'), 'utf8'));
  const before = tf.memory().numTensors;
  const predictions = tf.tidy(() => {
    const x = tf.concat([...blobData().test.epoch(0)].map((b) => b.x));
    return Array.from(tf.argMax(run.classifier.logits(run.classifier.features(x)), 1).dataSync());
  });
  assert.equal(tf.memory().numTensors, before);
  assert.deepEqual(predictions, saved.predictions);
  run.dispose();
});
