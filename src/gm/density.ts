import * as tf from '@tensorflow/tfjs-core';
import { GaussianMixtureParams } from './params.js';
import {
  MixtureOptions,
  ResolvedMixtureOptions,
  checkMixtureInputs,
  classOffsets,
  computeMixtureTerms,
  mixtureTerms,
  resolveMixtureOptions,
} from './mixture.js';

const LOG_2PI = Math.log(2 * Math.PI);

/**
 * Inference logits without margin: -d_ik - 1/2 log|Sigma_k| + log pi_k (paper eq. 17 with alpha = 0), [N,K].
 * With logDet (default) softmax of these is the exact Bayes posterior p(k | x).
 */
export function mixtureLogits(
  features: tf.Tensor2D,
  params: GaussianMixtureParams,
  options: MixtureOptions,
): tf.Tensor2D {
  const opts = resolveMixtureOptions('mixtureLogits', options);
  checkMixtureInputs('mixtureLogits', features, params, opts);
  return tf.tidy(() => computeMixtureLogits(features, params, opts));
}

/** mixtureLogits of inputs already validated (no checks, no host reads). Not tidied. */
export function computeMixtureLogits(
  features: tf.Tensor2D,
  params: GaussianMixtureParams,
  opts: Omit<ResolvedMixtureOptions, 'checkValues'>,
): tf.Tensor2D {
  const terms = computeMixtureTerms(features, params, opts);
  return tf.add(tf.neg(terms.distances), classOffsets(terms, opts.logDet)) as tf.Tensor2D;
}

/** The class posterior p(k | x) = softmax of the inference logits, [N,K]. */
export function mixturePosterior(
  features: tf.Tensor2D,
  params: GaussianMixtureParams,
  options: MixtureOptions,
): tf.Tensor2D {
  const opts = resolveMixtureOptions('mixturePosterior', options);
  return tf.tidy(() => {
    const terms = mixtureTerms('mixturePosterior', features, params, opts);
    return tf.softmax(tf.add(tf.neg(terms.distances), classOffsets(terms, opts.logDet))) as tf.Tensor2D;
  });
}

function logDensityOf(
  features: tf.Tensor2D,
  params: GaussianMixtureParams,
  where: string,
  options: MixtureOptions,
) {
  const opts = resolveMixtureOptions(where, options);
  const terms = mixtureTerms(where, features, params, opts);
  // log N(x; mu_k, Sigma_k) = -d_ik - 1/2 log|Sigma_k| - D/2 log(2 pi): the density always has its determinant.
  const constant = tf.reshape(tf.add(tf.mul(terms.logDets, 0.5), 0.5 * terms.dim * LOG_2PI), [1, -1]);
  return { terms, logDensity: tf.sub(tf.neg(terms.distances), constant) as tf.Tensor2D };
}

/** Per-class log-density log N(x_i; mu_k, Sigma_k), including the 2*pi constant, [N,K]. */
export function classLogDensity(
  features: tf.Tensor2D,
  params: GaussianMixtureParams,
  options: MixtureOptions,
): tf.Tensor2D {
  return tf.tidy(() => logDensityOf(features, params, 'classLogDensity', options).logDensity);
}

/** Mixture log-likelihood log p(x_i) = logsumexp_k (log pi_k + log N(x_i; mu_k, Sigma_k)), [N]. */
export function mixtureLogLikelihood(
  features: tf.Tensor2D,
  params: GaussianMixtureParams,
  options: MixtureOptions,
): tf.Tensor1D {
  return tf.tidy(() => {
    const { terms, logDensity } = logDensityOf(features, params, 'mixtureLogLikelihood', options);
    return tf.logSumExp(tf.add(logDensity, tf.reshape(terms.logPriors, [1, -1])), 1) as tf.Tensor1D;
  });
}
