import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { lgmLoss, LgmError } from '../../src/index.js';
import type { GaussianMixtureParams, LgmLossOptions } from '../../src/index.js';

await tf.setBackend('cpu');

const x = tf.zeros([8, 3]) as tf.Tensor2D;
const y = tf.zeros([8], 'int32') as tf.Tensor1D;
const means = tf.zeros([4, 3]) as tf.Tensor2D;
const iso = tf.zeros([4]);
const diag = tf.zeros([4, 3]);

function throwsWith(
  message: string,
  args: { features?: unknown; labels?: unknown; params?: unknown; options?: unknown },
): void {
  const before = tf.memory().numTensors;
  assert.throws(
    () =>
      lgmLoss(
        ('features' in args ? args.features : x) as tf.Tensor2D,
        ('labels' in args ? args.labels : y) as tf.Tensor1D,
        ('params' in args ? args.params : { means }) as GaussianMixtureParams,
        ('options' in args ? args.options : { covariance: 'identity' }) as LgmLossOptions,
      ),
    (err: unknown) => {
      assert.ok(err instanceof LgmError, `expected LgmError, got ${String(err)}`);
      assert.equal(err.message, message);
      return true;
    },
  );
  assert.equal(tf.memory().numTensors, before, 'a rejected call leaks nothing');
}

test('labels: dtype, shape and range', () => {
  throwsWith('lgmLoss: labels must be int32 of shape [8], got float32 [8,1]', { labels: tf.zeros([8, 1]) });
  throwsWith('lgmLoss: labels must be int32 of shape [8], got float32 [8]', { labels: tf.zeros([8]) });
  throwsWith('lgmLoss: labels must be int32 of shape [8], got int32 [7]', { labels: tf.zeros([7], 'int32') });
  throwsWith('lgmLoss: labels must be in [0, 4), got 4', { labels: tf.fill([8], 4, 'int32') });
  throwsWith('lgmLoss: labels must be in [0, 4), got -1', { labels: tf.fill([8], -1, 'int32') });
  throwsWith('lgmLoss: labels must be int32 of shape [8], got array of length 8', {
    labels: [0, 0, 0, 0, 0, 0, 0, 0],
  });
});

test('features: rank, dtype, width and finiteness', () => {
  throwsWith('lgmLoss: features must be float32 of shape [N,D], got float32 [8]', {
    features: tf.zeros([8]),
  });
  throwsWith('lgmLoss: features must be float32 of shape [?,3], got float32 [8,2]', {
    features: tf.zeros([8, 2]),
  });
  throwsWith('lgmLoss: features must be float32 of shape [?,3], got int32 [8,3]', {
    features: tf.zeros([8, 3], 'int32'),
  });
  throwsWith('lgmLoss: features must be finite, got NaN or Infinity in float32 [8,3]', {
    features: tf.fill([8, 3], NaN),
  });
  throwsWith('lgmLoss: features must be finite, got NaN or Infinity in float32 [8,3]', {
    features: tf.fill([8, 3], Infinity),
  });
  throwsWith('lgmLoss: features must have at least one row, got float32 [0,3]', {
    features: tf.zeros([0, 3]),
    labels: tf.zeros([0], 'int32'),
  });
});

test('params: shapes of means, logVariances and logPriors must agree with K, D and the covariance kind', () => {
  throwsWith('lgmLoss: params.means must be float32 of shape [?,?], got float32 [4]', {
    params: { means: tf.zeros([4]) },
  });
  throwsWith("lgmLoss: params.logVariances must be absent for covariance 'identity', got float32 [4]", {
    params: { means, logVariances: iso },
  });
  throwsWith(
    "lgmLoss: params.logVariances (covariance 'isotropic') must be float32 of shape [4], got float32 [4,3]",
    {
      params: { means, logVariances: diag },
      options: { covariance: 'isotropic' },
    },
  );
  throwsWith(
    "lgmLoss: params.logVariances (covariance 'isotropic') must be float32 of shape [4], got undefined",
    {
      params: { means },
      options: { covariance: 'isotropic' },
    },
  );
  throwsWith(
    "lgmLoss: params.logVariances (covariance 'diagonal') must be float32 of shape [4,3], got float32 [4,2]",
    {
      params: { means, logVariances: tf.zeros([4, 2]) },
      options: { covariance: 'diagonal' },
    },
  );
  throwsWith('lgmLoss: params.logPriors must be float32 of shape [4], got float32 [5]', {
    params: { means, logPriors: tf.zeros([5]) },
  });
  throwsWith('lgmLoss: params.means must be finite, got NaN or Infinity in float32 [4,3]', {
    params: { means: tf.fill([4, 3], NaN) },
  });
  throwsWith('lgmLoss: params must be an object with means, got null', { params: null });
});

test('options: covariance name, alpha, lambda, logDet, unknown keys', () => {
  throwsWith("lgmLoss: options.covariance must be one of identity, isotropic, diagonal, got 'full'", {
    options: { covariance: 'full' },
  });
  throwsWith("lgmLoss: options.covariance must be one of identity, isotropic, diagonal, got 'Identity'", {
    options: { covariance: 'Identity' },
  });
  throwsWith('lgmLoss: options.alpha must be a finite number in [0, Infinity], got number -0.1', {
    options: { covariance: 'identity', alpha: -0.1 },
  });
  throwsWith('lgmLoss: options.lambda must be a finite number in [0, Infinity], got number -1', {
    options: { covariance: 'identity', lambda: -1 },
  });
  throwsWith('lgmLoss: options.lambda must be a finite number in [0, Infinity], got number NaN', {
    options: { covariance: 'identity', lambda: NaN },
  });
  throwsWith('lgmLoss: options.variancePrior must be a finite number in [0, Infinity], got number -0.01', {
    options: { covariance: 'isotropic', variancePrior: -0.01 },
  });
  throwsWith("lgmLoss: options.logDet must be a boolean, got 'yes'", {
    options: { covariance: 'identity', logDet: 'yes' },
  });
  throwsWith(
    "lgmLoss: unknown option 'margin', expected one of covariance, alpha, lambda, logDet, minLogVariance, variancePrior, checkValues",
    { options: { covariance: 'identity', margin: 0.1 } },
  );
});
