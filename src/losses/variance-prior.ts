import * as tf from '@tensorflow/tfjs-core';

/**
 * The L-GM variance prior: beta/2 * mean_k sum_j (log sigma_kj^2)^2, a Gaussian prior N(0, 1/beta) on every
 * learned log-variance (MAP). An isotropic class's one log-variance stands for D equal ones, so both kinds come
 * to beta * D / 2 * mean(logVariances^2). Without it the objective is flat along "shrink the features, the means
 * and every variance together" while eq. 18's log-determinant keeps falling (docs/reproduce.md, "Learned
 * variances"); with it the minimum along that direction is at log sigma^2 = -lambda / (2 beta).
 * Undefined when there is nothing to penalise (identity covariance, beta 0). Not tidied.
 */
export function variancePriorPenalty(
  logVariances: tf.Tensor | undefined,
  featureDim: number,
  beta: number,
): tf.Scalar | undefined {
  if (logVariances === undefined || beta === 0) return undefined;
  return tf.mul(tf.mean(tf.square(logVariances)), (beta * featureDim) / 2) as tf.Scalar;
}
