import * as tf from '@tensorflow/tfjs-core';
import { oneHotFloat } from '../util/tensor.js';
import { GaussianMixtureParams, checkLabels, checkParams } from '../gm/params.js';
import { checkMixtureInputs, classOffsets, computeMixtureTerms } from '../gm/mixture.js';
import { fusedLgmAvailable, fusedLgmLossPerSample } from './lgm-fused.js';
import { LgmComputeOptions, LgmOptions, ResolvedLgmOptions, resolveLgmOptions } from './lgm-options.js';
import { LgmError, describe } from '../util/errors.js';
import { PerSampleLoss, reduceLoss, softmaxCrossEntropyPerSample } from './reduce.js';
import { variancePriorPenalty } from './variance-prior.js';

/**
 * Options of the L-GM loss function: the shared L-GM options (defaults LGM_DEFAULTS) except learnPriors, which
 * belongs to whoever owns the parameters (the module, the layer): the function takes the mixture as given.
 */
export type LgmLossOptions = Omit<LgmOptions, 'learnPriors'>;

/** The L-GM loss parts, as returned by `lgmLoss`. */
export interface LgmLossResult {
  /** classificationLoss + lambda * likelihoodLoss (+ the variance prior's penalty with learned variances). */
  loss: tf.Scalar;
  /** Mean cross-entropy of the margin logits. */
  classificationLoss: tf.Scalar;
  /** Mean of d_{i,y_i} + 1/2 log|Sigma_{y_i}| (the negative log-likelihood up to a constant). */
  likelihoodLoss: tf.Scalar;
  /** Training logits with the margin, [N,K]. */
  logits: tf.Tensor2D;
}

/**
 * Validates the inputs of an L-GM evaluation: features float32 [N,D] (N >= 1), the parameters against the
 * covariance kind, labels int32 [N] and, with checkValues, labels in [0,K) and finite, float32-safe values.
 */
export function checkLgmInputs(
  where: string,
  features: tf.Tensor2D,
  labels: tf.Tensor1D,
  params: GaussianMixtureParams,
  opts: Pick<ResolvedLgmOptions, 'covariance' | 'minLogVariance' | 'logDet' | 'checkValues'>,
): void {
  const { numClasses } = checkParams(where, params, opts.covariance);
  if (!(features instanceof tf.Tensor) || features.rank !== 2) {
    throw new LgmError(`${where}: features must be float32 of shape [N,D], got ${describe(features)}`);
  }
  checkLabels(where, labels, features.shape[0], numClasses, opts.checkValues);
  checkMixtureInputs(where, features, params, opts);
}

/**
 * L-GM per sample (no reduction): classification cross-entropy on the margin logits
 *   logits_ik = -(1 + alpha [k = y_i]) d_ik - 1/2 log|Sigma_k| + log pi_k        (paper eq. 17)
 * and the likelihood term d_{i,y_i} + 1/2 log|Sigma_{y_i}|                       (paper eq. 18),
 * plus, with learned variances, the variance prior's penalty (variancePriorPenalty).
 * Validates its inputs, then computes (computeLgmLossPerSample). Not wrapped in tidy: call it inside one.
 */
export function lgmLossPerSample(
  features: tf.Tensor2D,
  labels: tf.Tensor1D,
  params: GaussianMixtureParams,
  options: LgmLossOptions,
  where = 'lgmLossPerSample',
): PerSampleLoss {
  const opts = resolveLgmOptions(where, options, { exclude: ['learnPriors'] });
  checkLgmInputs(where, features, labels, params, opts);
  return computeLgmLossPerSample(features, labels, params, opts);
}

/**
 * lgmLossPerSample of inputs already validated (checkLgmInputs): no checks and no host reads, so a training step
 * never waits on the device. Runs the addon's fused kernel when one is registered. Not wrapped in tidy.
 */
export function computeLgmLossPerSample(
  features: tf.Tensor2D,
  labels: tf.Tensor1D,
  params: GaussianMixtureParams,
  opts: LgmComputeOptions,
): PerSampleLoss {
  const perSample = fusedLgmAvailable(features, params)
    ? fusedLgmLossPerSample(features, labels, params, opts)
    : opsLgmLossPerSample(features, labels, params, opts);
  const penalty = variancePriorPenalty(params.logVariances, features.shape[1], opts.variancePrior);
  return penalty === undefined ? perSample : { ...perSample, penalty };
}

/** computeLgmLossPerSample's data terms as TF.js ops (the fused kernel's reference). */
function opsLgmLossPerSample(
  features: tf.Tensor2D,
  labels: tf.Tensor1D,
  params: GaussianMixtureParams,
  opts: LgmComputeOptions,
): PerSampleLoss {
  const { alpha, lambda } = opts;
  const terms = computeMixtureTerms(features, params, opts, labels);
  const oneHot = oneHotFloat(labels, terms.numClasses);
  const offsets = classOffsets(terms, opts.logDet);
  const scale = alpha === 0 ? null : tf.add(1, tf.mul(oneHot, alpha));
  const scaled = scale === null ? terms.distances : tf.mul(terms.distances, scale);
  const logits = tf.sub(offsets, scaled) as tf.Tensor2D;
  const classification = softmaxCrossEntropyPerSample(logits, oneHot);
  const perClass = opts.logDet
    ? tf.add(terms.distances, tf.reshape(tf.mul(terms.logDets, 0.5), [1, -1]))
    : terms.distances;
  const auxiliary = tf.sum(tf.mul(perClass, oneHot), 1) as tf.Tensor1D;
  return { classification, auxiliary, auxiliaryWeight: lambda, logits };
}

/**
 * The large-margin Gaussian Mixture loss (Wan et al., CVPR 2018):
 *   loss = mean_i -log softmax(logits_i)[y_i] + lambda * mean_i (d_{i,y_i} + 1/2 log|Sigma_{y_i}|)
 * (+ beta/2 * mean_k sum_j (log sigma_kj^2)^2 with learned variances, options.variancePrior).
 * features [N,D] float32; labels [N] int32 in [0,K); params.means [K,D]; params.logVariances absent /
 * [K] / [K,D] for identity / isotropic / diagonal; params.logPriors [K] (absent = uniform). Options default to
 * LGM_DEFAULTS (identity covariance, alpha 0.1, lambda 0.01).
 * Leak-free: every intermediate is disposed; the four returned tensors belong to the caller.
 */
export function lgmLoss(
  features: tf.Tensor2D,
  labels: tf.Tensor1D,
  params: GaussianMixtureParams,
  options: LgmLossOptions = {},
): LgmLossResult {
  return tf.tidy(() => {
    const reduced = reduceLoss(lgmLossPerSample(features, labels, params, options, 'lgmLoss'));
    return {
      loss: reduced.loss,
      classificationLoss: reduced.classificationLoss,
      likelihoodLoss: reduced.auxiliaryLoss,
      logits: reduced.logits,
    };
  });
}
