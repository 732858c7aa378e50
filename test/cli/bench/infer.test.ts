import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../../../src/backend/index.js';
import { inferBenchmark } from '../../../src/cli/bench/infer.js';
import { DETECTOR_NAMES } from '../../../src/detect/registry.js';

/** Three images, one warm-up and one timed pass, detectors fitted on 12 vectors, no sgemm peak. */
const SMALL = ['--batch', '3', '--steps', '1', '--warmup', '1', '--fit', '12', '--no-peak'];

test('lgm bench infer: forward and every detector timed, forward FLOPs, no leaks', async () => {
  await initBackend('wasm', { threads: 1 });
  const before = tf.memory().numTensors;
  const r = await inferBenchmark.run(SMALL);
  assert.equal(tf.memory().numTensors, before);
  assert.equal(r.numTensorsAfter, r.numTensorsBefore);
  assert.deepEqual(Object.keys(r.detectorMsPerBatch as object), [...DETECTOR_NAMES]);
  assert.ok((r.imagesPerSecond as number) > (r.withDetectorsImagesPerSecond as number));
  // LeNet++ forward per 28x28 image (see flops.test.ts) + the identity head's product 2 * 2 * 10.
  assert.equal(r.flopsPerBatch, 3 * (161_822_208 + 40));
  await assert.rejects(
    inferBenchmark.run(['--fit', '5']),
    /bench infer: --fit must be an integer >= 10, got '5'/,
  );
  await assert.rejects(inferBenchmark.run(['--net', 'vgg']), /bench infer: --net must be one of lenetpp/);
});

test('lgm bench infer --profile: kernels of one forward pass, no leaks', async () => {
  await initBackend('wasm', { threads: 1 });
  const before = tf.memory().numTensors;
  const r = await inferBenchmark.run([...SMALL, '--profile', '2']);
  assert.equal(tf.memory().numTensors, before);
  const profile = r.profile as { rows: { phase: string; kernel: string; calls: number }[]; passes: number };
  assert.equal(profile.passes, 2);
  assert.ok(profile.rows.every((row) => row.phase === 'inference'));
  const calls = (kernel: string) =>
    profile.rows.filter((row) => row.kernel === kernel).reduce((n, x) => n + x.calls, 0);
  // LeNet++: six convolutions per pass, one read-back of the predicted classes.
  assert.equal(calls('FusedConv2D') + calls('Conv2D'), 6);
  assert.equal(calls('ArgMax'), 1);
  await assert.rejects(
    inferBenchmark.run(['--profile', 'x']),
    /bench infer: --profile must be an integer >= 0/,
  );
});
