import '../util/tf-gradients.js';
import * as tf from '@tensorflow/tfjs-core';
import { checkKnownKeys, choiceOption, numberOption, booleanOption } from '../util/options.js';
import { LgmError } from '../util/errors.js';
import {
  COVARIANCE_KINDS,
  CovarianceKind,
  DEFAULT_MIN_LOG_VARIANCE,
  GaussianMixtureParams,
  checkFeatures,
  checkFinite,
  checkParams,
  flooredLogVariances,
  logDeterminants,
  logPriorProbabilities,
} from './params.js';
import { halfSquaredMahalanobis } from './distance.js';

/** Options shared by every function that evaluates the mixture. */
export interface MixtureOptions {
  /** Covariance parameterisation: 'identity' | 'isotropic' | 'diagonal'. Required. */
  covariance: CovarianceKind;
  /** Include -1/2 log|Sigma_k| in the logits. Default true. (Densities always include it.) */
  logDet?: boolean;
  /** Floor on each log-variance, a finite number. Default log(1e-4) ~ -9.21. */
  minLogVariance?: number;
  /**
   * Check that features and parameters are finite and labels in range (one host read each). Default true;
   * false skips these reads (hot training loops on a GPU), keeping every shape and dtype check.
   */
  checkValues?: boolean;
}

export const MIXTURE_OPTION_KEYS = ['covariance', 'logDet', 'minLogVariance', 'checkValues'] as const;

/** Validated, defaulted mixture options. */
export interface ResolvedMixtureOptions {
  covariance: CovarianceKind;
  logDet: boolean;
  minLogVariance: number;
  checkValues: boolean;
}

/** Validates the shared mixture options (`extraKeys` are the caller's own, validated by the caller). */
export function resolveMixtureOptions(
  where: string,
  options: MixtureOptions,
  extraKeys: readonly string[] = [],
): ResolvedMixtureOptions {
  if (options === null || typeof options !== 'object') {
    throw new LgmError(`${where}: options must be an object with a covariance, got ${String(options)}`);
  }
  checkKnownKeys(where, options, [...MIXTURE_OPTION_KEYS, ...extraKeys]);
  return {
    covariance: choiceOption(where, 'options.covariance', options.covariance, COVARIANCE_KINDS),
    logDet: booleanOption(where, 'options.logDet', options.logDet, true),
    minLogVariance: numberOption(
      where,
      'options.minLogVariance',
      options.minLogVariance,
      DEFAULT_MIN_LOG_VARIANCE,
    ),
    checkValues: booleanOption(where, 'options.checkValues', options.checkValues, true),
  };
}

/** Everything a mixture evaluation needs, computed once per call. */
export interface MixtureTerms {
  /** d_ik = 1/2 (x_i - mu_k)^T Sigma_k^-1 (x_i - mu_k), [N,K]. */
  distances: tf.Tensor2D;
  /** log|Sigma_k|, [K] (zeros for identity). */
  logDets: tf.Tensor1D;
  /** log pi_k, normalised, [K]. */
  logPriors: tf.Tensor1D;
  numClasses: number;
  dim: number;
}

/**
 * Validates features and parameters: shapes, dtypes, a non-empty batch and (with checkValues) finite values.
 * Returns the number of classes and the feature dimension.
 */
export function checkMixtureInputs(
  where: string,
  features: tf.Tensor2D,
  params: GaussianMixtureParams,
  opts: ResolvedMixtureOptions,
): { numClasses: number; dim: number } {
  const shape = checkParams(where, params, opts.covariance);
  checkFeatures(where, features, shape.dim);
  if (features.shape[0] < 1) {
    throw new LgmError(
      `${where}: features must have at least one row, got float32 [${features.shape.join(',')}]`,
    );
  }
  if (opts.checkValues) {
    checkScale(where, features, params.means, shape.dim, opts.minLogVariance);
    if (params.logVariances !== undefined) checkFinite(where, 'params.logVariances', params.logVariances);
    if (params.logPriors !== undefined) checkFinite(where, 'params.logPriors', params.logPriors);
  }
  return shape;
}

/** Largest half squared distance accepted: 1/30 of float32's range leaves room for the expanded form's terms. */
const MAX_DISTANCE = 1e37;

/**
 * Checks that features and means are finite and small enough that no squared distance can overflow float32
 * (max |x| + max |mu| up to ~1e16 for D = 2 at the default variance floor): beyond that the distances, and every
 * density, logit and loss made of them, would come out NaN or Infinity. One host read for both tensors.
 */
function checkScale(
  where: string,
  features: tf.Tensor2D,
  means: tf.Tensor2D,
  dim: number,
  minLogVariance: number,
): void {
  const finite = (t: tf.Tensor) => tf.cast(tf.all(tf.isFinite(t)), 'float32');
  const [fOk, fx, mOk, mx] = tf.tidy(() =>
    Array.from(
      tf.stack([finite(features), tf.max(tf.abs(features)), finite(means), tf.max(tf.abs(means))]).dataSync(),
    ),
  );
  if (fOk !== 1) checkFinite(where, 'features', features);
  if (mOk !== 1) checkFinite(where, 'params.means', means);
  // d <= 1/2 D (|x| + |mu|)^2 / sigma^2, with sigma^2 >= exp(minLogVariance) (the floor).
  const reach = Math.sqrt((2 * MAX_DISTANCE * Math.exp(minLogVariance)) / dim);
  if (fx + mx > reach) {
    const name = fx >= mx ? 'features' : 'params.means';
    throw new LgmError(
      `${where}: ${name} must stay within float32 range for squared distances (max |features| + max |means| ` +
        `<= ${reach.toExponential(2)} at D = ${dim}, variance floor exp(${minLogVariance.toFixed(2)})), ` +
        `got max |features| ${fx.toExponential(2)}, max |means| ${mx.toExponential(2)}`,
    );
  }
}

/**
 * Validates inputs and computes the distance matrix, log-determinants and log-priors.
 * `labels` (already validated) makes the true-class distances exact anchors (see distance.ts).
 */
export function mixtureTerms(
  where: string,
  features: tf.Tensor2D,
  params: GaussianMixtureParams,
  opts: ResolvedMixtureOptions,
  labels?: tf.Tensor1D,
): MixtureTerms {
  checkMixtureInputs(where, features, params, opts);
  return computeMixtureTerms(features, params, opts, labels);
}

/**
 * mixtureTerms without any check, for inputs already validated at the public boundary (a training step): no
 * host reads, so it never stalls a GPU pipeline.
 */
export function computeMixtureTerms(
  features: tf.Tensor2D,
  params: GaussianMixtureParams,
  opts: Omit<ResolvedMixtureOptions, 'checkValues'>,
  labels?: tf.Tensor1D,
): MixtureTerms {
  const [numClasses, dim] = params.means.shape;
  const logVar = flooredLogVariances(params, opts.covariance, opts.minLogVariance);
  // exp(-logvar) rather than 1/exp(logvar): finite for every floored value, no overflow for large variances.
  const invVar = logVar === null ? null : tf.exp(tf.mul(logVar, -1)); // mul, not neg: vectorised on wasm
  return {
    distances: halfSquaredMahalanobis(features, params.means, invVar, labels),
    logDets: logDeterminants(logVar, numClasses, dim),
    logPriors: logPriorProbabilities(params, numClasses),
    numClasses,
    dim,
  };
}

/** -1/2 log|Sigma_k| + log pi_k as [1,K], the class-dependent offset of every logit. */
export function classOffsets(terms: MixtureTerms, logDet: boolean): tf.Tensor2D {
  const offset = logDet ? tf.sub(terms.logPriors, tf.mul(terms.logDets, 0.5)) : terms.logPriors;
  return tf.reshape(offset, [1, -1]) as tf.Tensor2D;
}
