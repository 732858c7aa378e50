import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { existsSync, readFileSync, readdirSync, renameSync, writeFileSync } from 'node:fs';
import { trainRun } from '../../src/train/trainer.js';
import { readMetrics } from '../../src/run/metrics.js';
import { disposeModel } from '../../src/train/model.js';
import { readCheckpoint } from '../../src/run/checkpoint.js';
import { blobData, finalWeights, mlpConfig, tempDir, untimed, useCpu } from './fixtures.js';
import type { TrainConfig } from '../../src/train/config.js';

/** A config exercising every schedule and Adam/Nesterov state: whatever resume forgets shows up here. */
function configs(): TrainConfig[] {
  return [
    mlpConfig({
      epochs: 3,
      loss: { name: 'lgm', options: { covariance: 'diagonal', learnPriors: true } },
      optimizer: { name: 'sgd', momentum: 0.9, nesterov: true, mixtureLrMultiplier: 2 },
      lr: { kind: 'cosine', base: 0.05, warmupEpochs: 0.5 },
      alpha: { kind: 'stepup', start: 0.1, factor: 2, every: 4, max: 0.5 },
      lambda: { kind: 'ramp', value: 0.05, epochs: 2 },
    }),
    mlpConfig({ epochs: 3, loss: { name: 'center' }, optimizer: { name: 'adam' }, lr: { base: 0.01 } }),
  ];
}

for (const config of configs()) {
  test(`resume after an interruption reproduces the uninterrupted run exactly (${config.loss.name}, ${config.optimizer.name})`, async () => {
    await useCpu();
    const whole = join(tempDir(), 'run');
    const full = await trainRun({ config, runDir: whole, data: blobData() });
    const fullWeights = await finalWeights(full);

    const split = join(tempDir(), 'run');
    // Interrupt mid-epoch 2 (6 batches per epoch), like Ctrl-C, then resume twice more from the checkpoint.
    const first = await trainRun({ config, runDir: split, data: blobData(), stopAfterSteps: 8 });
    assert.equal(first.completed, false);
    disposeModel(first.model);
    const second = await trainRun({
      config,
      runDir: split,
      data: blobData(),
      resume: true,
      stopAfterSteps: 12,
    });
    assert.equal(second.completed, false);
    disposeModel(second.model);
    const third = await trainRun({ config, runDir: split, data: blobData(), resume: true });
    assert.equal(third.completed, true);
    assert.deepEqual(third.evaluation?.accuracy, full.evaluation?.accuracy);
    assert.deepEqual(await finalWeights(third), fullWeights);
    assert.deepEqual(untimed(await readMetrics(split)), untimed(await readMetrics(whole)));
  });
}

test('a crash between writing a checkpoint and renaming it leaves the previous checkpoint usable', async () => {
  await useCpu();
  const config = configs()[0];
  const runDir = join(tempDir(), 'run');
  const whole = join(tempDir(), 'run');
  const full = await trainRun({ config, runDir: whole, data: blobData() });
  const fullWeights = await finalWeights(full);
  // Epoch 1 checkpoints normally; the epoch-2 checkpoint "crashes" after its files are written.
  let writes = 0;
  const crash = () => {
    writes++;
    if (writes === 2) throw new Error('simulated crash');
  };
  await assert.rejects(
    trainRun({ config, runDir, data: blobData(), hooks: { beforeRename: crash } }),
    /simulated crash/,
  );
  // A failed write removes its temp dir (a kill leaves it: test/faults covers that).
  assert.ok(!readdirSync(runDir).some((n) => n.startsWith('checkpoint.tmp-')), 'temp dir removed');
  const kept = await readCheckpoint(runDir);
  assert.equal(kept?.state.epoch, 1);
  // Also a crash between the two renames: only checkpoint.old is left.
  renameSync(join(runDir, 'checkpoint'), join(runDir, 'checkpoint.old'));
  assert.equal((await readCheckpoint(runDir))?.state.epoch, 1);
  const resumed = await trainRun({ config, runDir, data: blobData(), resume: true });
  assert.equal(resumed.completed, true);
  assert.deepEqual(await finalWeights(resumed), fullWeights);
  assert.deepEqual(untimed(await readMetrics(runDir)), untimed(await readMetrics(whole)));
  assert.ok(!readdirSync(runDir).some((n) => n.startsWith('checkpoint.')), 'temp and old dirs cleaned up');
  assert.ok(existsSync(join(runDir, 'checkpoint', 'tensors.bin')));
});

test('resume refuses a different config and names the differences', async () => {
  await useCpu();
  const runDir = join(tempDir(), 'run');
  const r = await trainRun({ config: mlpConfig({ epochs: 1 }), runDir, data: blobData() });
  disposeModel(r.model);
  await assert.rejects(
    trainRun({ config: mlpConfig({ epochs: 1, lr: { base: 0.1 } }), runDir, data: blobData(), resume: true }),
    /the config must equal the run's, got differences:\n {2}config\.lr\.base: 0\.05 in the run vs 0\.1 given/,
  );
  await assert.rejects(
    trainRun({ config: mlpConfig({ epochs: 1 }), runDir, data: blobData() }),
    /must be a new run directory \(or pass --resume\), got one holding config\.json/,
  );
});

test('a learned-variance run written before the variance prior resumes without it, and says how', async () => {
  await useCpu();
  const runDir = join(tempDir(), 'run');
  const config = (options: Record<string, unknown>) =>
    mlpConfig({ epochs: 2, loss: { name: 'lgm', options: { covariance: 'isotropic', ...options } } });
  const first = await trainRun({ config: config({}), runDir, data: blobData(), stopAfterSteps: 3 });
  disposeModel(first.model);
  // What an lgm before the prior wrote: resolved loss options without variancePrior.
  const file = join(runDir, 'config.json');
  const saved = JSON.parse(readFileSync(file, 'utf8'));
  delete saved.config.loss.options.variancePrior;
  writeFileSync(file, JSON.stringify(saved));
  await assert.rejects(
    trainRun({ config: config({}), runDir, data: blobData(), resume: true }),
    /config\.loss\.options\.variancePrior: 0 in the run vs 1 given\n\(this run was begun without the variance prior: pass --variance-prior 0/,
  );
  const resumed = await trainRun({
    config: config({ variancePrior: 0 }),
    runDir,
    data: blobData(),
    resume: true,
  });
  assert.equal(resumed.completed, true);
  disposeModel(resumed.model);
});
