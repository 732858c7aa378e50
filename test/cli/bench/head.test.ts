import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { headBenchmark } from '../../../src/cli/bench/head.js';

test('lgm bench head prints timings, the ratio and every covariance kind, without leaking', async () => {
  const result = await headBenchmark.run([
    '--n',
    '16',
    '--d',
    '8',
    '--k',
    '10',
    '--repeats',
    '1',
    '--backend',
    'cpu',
  ]);
  const before = tf.memory().numTensors;
  assert.equal(result.backend, 'cpu');
  assert.deepEqual([result.n, result.d, result.k], [16, 8, 10]);
  assert.ok((result.lgmMs as number) > 0 && (result.denseMs as number) > 0);
  const quotient = (result.lgmMs as number) / (result.denseMs as number);
  assert.ok(
    Math.abs((result.ratio as number) - quotient) <= 0.01 * quotient + 0.002,
    'ratio = lgmMs / denseMs',
  );
  const per = result.perCovariance as Record<string, { ms: number; ratio: number }>;
  assert.deepEqual(Object.keys(per), ['identity', 'isotropic', 'diagonal']);
  await headBenchmark.run(['--n', '4', '--d', '2', '--k', '3', '--repeats', '1', '--backend', 'cpu']);
  assert.equal(tf.memory().numTensors, before);
  await assert.rejects(headBenchmark.run(['--k', '0']), /bench head: --k must be an integer >= 1, got '0'/);
});
