/**
 * Fault injection: SIGTERM and SIGHUP checkpoint like Ctrl-C, periodic checkpoints bound what a kill loses,
 * and a diverging run never replaces its last good checkpoint.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { trainRun } from '../../src/train/trainer.js';
import { readCheckpoint } from '../../src/run/checkpoint.js';
import { checkpointDue, parseCheckpointEvery } from '../../src/train/checkpoint-every.js';
import { readMetrics } from '../../src/run/metrics.js';
import { blobData, finalWeights, mlpConfig, tempDir, useCpu } from '../train/fixtures.js';
import { runCli, tinyTrainArgs } from './helpers.js';

for (const [signal, code] of [
  ['SIGTERM', 143],
  ['SIGHUP', 129],
] as const) {
  test(`${signal} finishes the step, writes a checkpoint and exits ${code}; the run resumes`, async () => {
    const runDir = join(tempDir(), 'run');
    const stopped = await runCli([...tinyTrainArgs(['--epochs', '20']), '--out', runDir], {
      signalOn: { pattern: /epoch 1\/20/, signal },
    });
    assert.equal(stopped.status, code, stopped.stderr);
    assert.match(
      stopped.stdout,
      new RegExp(`${signal}: finishing the current step and writing a checkpoint`),
    );
    const note = stopped.stdout.match(
      /interrupted: checkpoint written at epoch \d+, batch \d+ \(step (\d+)\); continue with: lgm train --resume (\S+)/,
    );
    assert.ok(note, stopped.stdout);
    assert.equal(note[2], runDir);
    const saved = await readCheckpoint(runDir);
    assert.equal(saved?.state.step, Number(note[1]));
    const resumed = await runCli(['train', '--resume', runDir, '--backend', 'cpu', '--quiet']);
    assert.equal(resumed.status, 0, resumed.stderr);
    assert.equal((await readMetrics(runDir)).filter((r) => r.type === 'epoch').length, 20);
  });
}

test('periodic checkpoints: a crash mid-epoch loses at most --checkpoint-every steps; resume is exact', async () => {
  await useCpu();
  const data = () => blobData({ batchSize: 8 }); // 12 steps per epoch
  const config = mlpConfig({ epochs: 2 });
  const whole = await trainRun({ config, runDir: join(tempDir(), 'run'), data: data() });
  const expected = await finalWeights(whole);
  const runDir = join(tempDir(), 'run');
  const crashAt8 = {
    step: (p: { batch: number }) => {
      if (p.batch === 8) throw new Error('simulated crash');
    },
    epoch() {},
    note() {},
  };
  await assert.rejects(
    trainRun({
      config,
      runDir,
      data: data(),
      reporter: crashAt8,
      checkpointEvery: { steps: 3, seconds: null },
    }),
    /simulated crash/,
  );
  assert.equal((await readCheckpoint(runDir))?.state.step, 6, 'checkpoints at steps 3 and 6 of epoch 1');
  const resumed = await trainRun({ config, runDir, data: data(), resume: true });
  assert.deepEqual(await finalWeights(resumed), expected);
});

test('--checkpoint-every parses steps, times and both; checkpointDue follows it', async () => {
  assert.deepEqual(parseCheckpointEvery('t', '500'), { steps: 500, seconds: null });
  assert.deepEqual(parseCheckpointEvery('t', '5m'), { steps: null, seconds: 300 });
  assert.deepEqual(parseCheckpointEvery('t', '100,30s'), { steps: 100, seconds: 30 });
  assert.deepEqual(parseCheckpointEvery('t', 'epoch'), { steps: null, seconds: null });
  for (const bad of ['0', '-5', '1.5', '5x', '10,20', ''])
    assert.throws(() => parseCheckpointEvery('t', bad), /t: --checkpoint-every must be steps \(500\)/);
  const every = { steps: 10, seconds: 60 };
  assert.equal(checkpointDue(every, { step: 0, time: 0 }, 9, 59_000), false);
  assert.equal(checkpointDue(every, { step: 0, time: 0 }, 10, 0), true);
  assert.equal(checkpointDue(every, { step: 0, time: 0 }, 1, 60_000), true);
  const bad = await runCli([
    ...tinyTrainArgs(),
    '--checkpoint-every',
    'often',
    '--out',
    join(tempDir(), 'r'),
  ]);
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /^lgm train: train: --checkpoint-every must be/);
});

for (const loss of ['softmax', 'lgm'] as const) {
  test(`a diverging run (${loss}) keeps its last good checkpoint and says which step went bad`, async () => {
    await useCpu();
    const runDir = join(tempDir(), 'run');
    const config = mlpConfig({
      epochs: 6,
      loss: { name: loss },
      lr: { base: loss === 'softmax' ? 1e30 : 1e12, warmupEpochs: 5 },
      logEvery: 1,
    });
    await assert.rejects(
      trainRun({ config, runDir, data: blobData({ count: 16, batchSize: 16 }) }),
      /train: the (test loss must be finite|loss must stay finite|weights must stay finite|step must succeed|test evaluation must succeed), got .* at step (\d+) \(epoch \d+\); the last good checkpoint \(step \d+\) is kept/,
    );
    const kept = await readCheckpoint(runDir);
    assert.ok(kept !== null, 'a good checkpoint is kept');
    for (const t of kept.tensors.values())
      assert.ok(t.values.every(Number.isFinite), 'kept weights are finite');
    const epochs = (await readMetrics(runDir)).filter((r) => r.type === 'epoch');
    assert.ok(
      epochs.every((r) => typeof r.testLoss === 'number'),
      'no epoch recorded with a NaN test loss',
    );
    assert.equal(kept.state.step, epochs.length, 'the checkpoint is the last recorded epoch');
  });
}
