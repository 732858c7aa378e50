import * as tf from '@tensorflow/tfjs-core';
import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import { initBackend } from '../../../src/backend/index.js';
import { buildTrainStep, parseTrainBenchArgs, timeTraining } from '../../../src/cli/bench/train.js';
import { countHostReads } from '../../helpers/host-reads.js';

before(async () => {
  await initBackend('wasm', { threads: 1 });
});

test('parseTrainBenchArgs: defaults and validation', () => {
  const o = parseTrainBenchArgs(['--loss', 'softmax', '--batch', '8']);
  assert.deepEqual(
    [o.net, o.loss, o.covariance, o.batch, o.steps, o.warmup, o.featureDim],
    ['lenetpp', 'softmax', 'identity', 8, 20, 3, 2],
  );
  assert.throws(() => parseTrainBenchArgs(['--batch', '0']), {
    message: "bench train: --batch must be an integer >= 1, got '0'",
  });
  assert.throws(() => parseTrainBenchArgs(['--steps', '2.5']), {
    message: "bench train: --steps must be an integer >= 1, got '2.5'",
  });
  assert.throws(() => parseTrainBenchArgs(['--loss', 'hinge']), {
    message: "bench train: --loss must be one of lgm, softmax, got 'hinge'",
  });
  assert.throws(() => parseTrainBenchArgs(['--bogus']), { code: 'ERR_PARSE_ARGS_UNKNOWN_OPTION' });
});

/** Tensors left behind by one timeTraining run. */
function leftBehind(loss: 'lgm' | 'softmax', covariance: 'identity' | 'diagonal', steps: number) {
  const before = tf.memory().numTensors;
  const r = timeTraining({
    net: 'lenetpp',
    loss,
    covariance,
    batch: 2,
    steps,
    warmup: 1,
    featureDim: 2,
    seed: 3,
  });
  assert.equal(r.numTensorsAfter, r.numTensorsBefore, 'tensors grew during the timed steps');
  assert.ok(Number.isFinite(r.finalLoss) && (r.imagesPerSecond ?? 0) > 0);
  return tf.memory().numTensors - before;
}

for (const [loss, covariance] of [
  ['lgm', 'diagonal'],
  ['softmax', 'identity'],
] as const) {
  test(`timeTraining (${loss}): no growth per step, finite loss`, () => {
    // tfjs 4.22 itself keeps a few tensors per model/optimizer built (MomentumOptimizer.dispose skips its
    // learning-rate scalar; a layers model keeps one after its first apply): the same for 1 step or 3.
    assert.equal(leftBehind(loss, covariance, 3), leftBehind(loss, covariance, 1));
  });
}

test('timeTraining: model FLOPs per step and memory figures', () => {
  const r = timeTraining({
    net: 'lenetpp',
    loss: 'lgm',
    covariance: 'diagonal',
    batch: 2,
    steps: 2,
    warmup: 1,
    featureDim: 2,
    seed: 1,
  });
  // LeNet++ per 28x28 image: 2 * (28*28*32*25*(1 + 32) + 14*14*64*25*(32 + 64) + 7*7*128*25*(64 + 128))
  // + the feature layer 2 * 1152 * 2; the diagonal head's two products 2 * (2 * 2 * 10) per image.
  const perImage = 2 * (28 * 28 * 32 * 25 * 33 + 14 * 14 * 64 * 25 * 96 + 7 * 7 * 128 * 25 * 192) + 4608 + 80;
  assert.equal(r.forwardFlopsPerStep, 2 * perImage);
  // Backward: twice the forward, less conv1_1's input gradient (2 * 28*28*32*25 per image).
  assert.equal(r.flopsPerStep, 2 * (3 * perImage - 2 * 28 * 28 * 32 * 25));
  assert.equal(r.numTensorsHalfway, r.numTensorsBefore);
  for (const key of ['rssBeforeModelMiB', 'rssAfterWarmupMiB', 'rssHalfwayMiB', 'rssEndMiB', 'peakRssMiB']) {
    assert.ok((r[key] as number) > 10, `${key} is a resident size in MiB`);
  }
  assert.ok((r.peakRssMiB as number) >= (r.rssEndMiB as number) - 0.1);
});

test('trainBenchmark: GFLOP/s against the sgemm peak, and a per-kernel profile', async () => {
  const { trainBenchmark } = await import('../../../src/cli/bench/train.js');
  const r = await trainBenchmark.run(['--batch', '2', '--steps', '1', '--warmup', '1', '--profile', '1']);
  const gflops = (r.flopsPerStep as number) / (r.msPerStep as number) / 1e6;
  assert.ok(Math.abs((r.gflopsPerSecond as number) - gflops) <= 1e-3 * gflops + 1e-3);
  const peak = r.peak as { gflops: number; source: string };
  assert.ok(peak.gflops > 0 && peak.source.length > 0);
  assert.ok(Math.abs((r.fractionOfPeak as number) - gflops / peak.gflops) < 2e-3);
  const profile = r.profile as { rows: { phase: string; kernel: string; calls: number }[] };
  const calls = (phase: string, kernel: string) =>
    profile.rows
      .filter((row) => row.phase === phase && row.kernel === kernel)
      .reduce((n, x) => n + x.calls, 0);
  // Six convolutions forward; their filter gradients backward; the update touches every variable.
  assert.equal(calls('forward', 'FusedConv2D') + calls('forward', 'Conv2D'), 6);
  assert.equal(calls('backward', 'Conv2DBackpropFilter'), 6);
  assert.ok(profile.rows.some((row) => row.phase === 'update'));
  assert.deepEqual(parseTrainBenchArgs(['--no-peak', '--profile', '3']).peak, false);
  assert.throws(() => parseTrainBenchArgs(['--profile', 'x']), /--profile must be an integer >= 0, got 'x'/);
});

for (const covariance of ['identity', 'diagonal'] as const) {
  test(`an lgm bench train step (${covariance}) reads nothing back: the loss is checked once, when built`, async () => {
    const step = buildTrainStep({
      net: 'lenetpp',
      loss: 'lgm',
      covariance,
      batch: 2,
      steps: 1,
      warmup: 0,
      featureDim: 2,
      seed: 3,
    });
    try {
      const { reads } = await countHostReads(() => {
        step.run(false);
        step.run(false);
      });
      assert.equal(reads, 0);
      // The loss, when asked for, is the one read.
      const withLoss = await countHostReads(() => step.run(true));
      assert.equal(withLoss.reads, 1);
      assert.ok(Number.isFinite(withLoss.result));
    } finally {
      step.dispose();
    }
  });
}
