import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../../../src/backend/index.js';
import { inferBenchmark } from '../../../src/cli/bench/infer.js';
import { DETECTOR_NAMES } from '../../../src/detect/registry.js';

test('lgm bench infer: forward and every detector timed, forward FLOPs, no leaks', async () => {
  await initBackend('wasm', { threads: 1 });
  const before = tf.memory().numTensors;
  const r = await inferBenchmark.run([
    '--batch',
    '3',
    '--steps',
    '1',
    '--warmup',
    '1',
    '--fit',
    '12',
    '--no-peak',
  ]);
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

test('lgm bench infer --profile: per-kernel rows of the forward pass, no leaks', async () => {
  await initBackend('wasm', { threads: 1 });
  const before = tf.memory().numTensors;
  const args = ['--batch', '3', '--steps', '1', '--warmup', '0', '--fit', '12', '--no-peak'];
  const r = await inferBenchmark.run([...args, '--profile', '2']);
  assert.equal(tf.memory().numTensors, before);
  const profile = r.profile as { rows: { phase: string; kernel: string; calls: number }[]; steps: number };
  assert.equal(profile.steps, 2);
  assert.ok(profile.rows.every((row) => row.phase === 'forward'));
  // LeNet++'s six convolutions per pass (the first without bias fusion as Conv2D or all as FusedConv2D).
  const convolutions = profile.rows
    .filter((row) => row.kernel === 'FusedConv2D' || row.kernel === 'Conv2D')
    .reduce((n, row) => n + row.calls, 0);
  assert.equal(convolutions, 6);
  assert.equal((await inferBenchmark.run(args)).profile, undefined);
  await assert.rejects(
    inferBenchmark.run(['--profile', '1.5']),
    /bench infer: --profile must be an integer >= 0, got '1.5'/,
  );
});
