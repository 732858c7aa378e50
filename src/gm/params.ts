import * as tf from '@tensorflow/tfjs-core';
import { LgmError, describe } from '../util/errors.js';

/** How each class's covariance is parameterised. */
export type CovarianceKind = 'identity' | 'isotropic' | 'diagonal';
/** Every covariance parameterisation of the mixture, in order of freedom. */
export const COVARIANCE_KINDS: readonly CovarianceKind[] = ['identity', 'isotropic', 'diagonal'];

/** The parameters of a Gaussian mixture over features of width D with K classes. */
export interface GaussianMixtureParams {
  /** Class means, [K, D] float32. */
  means: tf.Tensor2D;
  /** Log-variances: absent for 'identity', [K] for 'isotropic', [K, D] for 'diagonal'. */
  logVariances?: tf.Tensor;
  /** Unnormalised log class priors, [K]; absent means uniform priors. */
  logPriors?: tf.Tensor1D;
}

/**
 * Default lower bound on a log-variance: variances below 1e-4 (the official Caffe code's floor) are clamped
 * so that log|Sigma| cannot run to -inf and 1/sigma^2 stays finite.
 */
export const DEFAULT_MIN_LOG_VARIANCE = Math.log(1e-4);

function expectFloat(where: string, name: string, t: unknown, shape: (number | null)[]): tf.Tensor {
  const shapeText = `[${shape.map((s) => s ?? '?').join(',')}]`;
  const ok =
    t instanceof tf.Tensor &&
    t.dtype === 'float32' &&
    t.rank === shape.length &&
    shape.every((s, i) => s === null || t.shape[i] === s);
  if (!ok) throw new LgmError(`${where}: ${name} must be float32 of shape ${shapeText}, got ${describe(t)}`);
  return t;
}

/** Checks a features tensor: float32 [N, D] (D checked when given). */
export function checkFeatures(where: string, features: unknown, width?: number): tf.Tensor2D {
  return expectFloat(where, 'features', features, [null, width ?? null]) as tf.Tensor2D;
}

/**
 * Validates mixture parameters against the covariance kind and returns K and D.
 * Every mismatch names the offending tensor, the expected shape and the received one.
 */
export function checkParams(
  where: string,
  params: GaussianMixtureParams,
  covariance: CovarianceKind,
): { numClasses: number; dim: number } {
  if (params === null || typeof params !== 'object') {
    throw new LgmError(`${where}: params must be an object with means, got ${describe(params)}`);
  }
  const means = expectFloat(where, 'params.means', params.means, [null, null]);
  const [numClasses, dim] = means.shape as [number, number];
  if (numClasses < 1 || dim < 1) {
    throw new LgmError(`${where}: params.means must have K >= 1 and D >= 1, got ${describe(means)}`);
  }
  const lv = params.logVariances;
  if (covariance === 'identity') {
    if (lv !== undefined) {
      throw new LgmError(
        `${where}: params.logVariances must be absent for covariance 'identity', got ${describe(lv)}`,
      );
    }
  } else if (covariance === 'isotropic') {
    expectFloat(where, "params.logVariances (covariance 'isotropic')", lv, [numClasses]);
  } else {
    expectFloat(where, "params.logVariances (covariance 'diagonal')", lv, [numClasses, dim]);
  }
  if (params.logPriors !== undefined) expectFloat(where, 'params.logPriors', params.logPriors, [numClasses]);
  return { numClasses, dim };
}

/** Checks that every value of `t` is finite (one small reduction read back to the host). */
export function checkFinite(where: string, name: string, t: tf.Tensor): void {
  const bad = tf.tidy(() => tf.logicalNot(tf.all(tf.isFinite(t))).dataSync()[0]);
  if (bad) throw new LgmError(`${where}: ${name} must be finite, got NaN or Infinity in ${describe(t)}`);
}

/** Checks labels: int32 [N], and (when `checkValues`) every value in [0, K) with one host read. */
export function checkLabels(
  where: string,
  labels: unknown,
  count: number,
  numClasses: number,
  checkValues = true,
): tf.Tensor1D {
  const ok = labels instanceof tf.Tensor && labels.dtype === 'int32' && labels.rank === 1;
  if (!ok || labels.shape[0] !== count) {
    throw new LgmError(`${where}: labels must be int32 of shape [${count}], got ${describe(labels)}`);
  }
  if (checkValues && count > 0) {
    const [lo, hi] = tf.tidy(() => Array.from(tf.stack([tf.min(labels), tf.max(labels)]).dataSync()));
    if (lo < 0 || hi >= numClasses) {
      const got = lo < 0 ? lo : hi;
      throw new LgmError(`${where}: labels must be in [0, ${numClasses}), got ${got}`);
    }
  }
  return labels as tf.Tensor1D;
}

/**
 * Effective log-variances after the floor, as [K, D] for 'diagonal', [K] for 'isotropic', null for
 * 'identity'. The floor is a clamp: above it gradients pass through unchanged.
 */
export function flooredLogVariances(
  params: GaussianMixtureParams,
  covariance: CovarianceKind,
  minLogVariance: number,
): tf.Tensor | null {
  if (covariance === 'identity' || params.logVariances === undefined) return null;
  // max(v, floor) written as relu(v - floor) + floor: the same values and gradient (1 above the floor, 0 below),
  // but relu and its step-mask gradient are vectorised on wasm, where Maximum and its GreaterEqual mask are
  // much slower (docs/performance.md, "Measurements behind code choices").
  return tf.add(tf.relu(tf.sub(params.logVariances, minLogVariance)), minLogVariance);
}

/**
 * log|Sigma_k| = sum_j log sigma^2_kj as [K] (zeros for identity): D * logvar for isotropic.
 */
export function logDeterminants(logVar: tf.Tensor | null, numClasses: number, dim: number): tf.Tensor1D {
  if (logVar === null) return tf.zeros([numClasses]);
  if (logVar.rank === 1) return tf.mul(logVar, dim) as tf.Tensor1D;
  // A row sum as a product with a ones column: its gradient is then an outer product (one small matMul) rather
  // than tf.sum's gradient, which fills a [K,D] ones tensor element by element on wasm.
  return tf.reshape(tf.matMul(logVar as tf.Tensor2D, tf.ones([dim, 1])), [-1]) as tf.Tensor1D;
}

/** log pi_k = logPriors_k - logsumexp(logPriors), uniform -log K when absent. As [K]. */
export function logPriorProbabilities(params: GaussianMixtureParams, numClasses: number): tf.Tensor1D {
  if (params.logPriors === undefined) return tf.fill([numClasses], -Math.log(numClasses)) as tf.Tensor1D;
  return tf.sub(params.logPriors, tf.logSumExp(params.logPriors)) as tf.Tensor1D;
}
