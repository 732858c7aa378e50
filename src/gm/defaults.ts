import type { CovarianceKind } from './params.js';

/**
 * The one set of L-GM defaults, shared through resolveLgmOptions (losses/lgm-options.ts) by the loss function,
 * the loss module (the trainer's) and the tfjs-layers layer: identity
 * covariance and no learned priors, as the official code's released configuration; alpha 0.1 and lambda 0.01,
 * as its TensorFlow version. Learned variances ('isotropic', 'diagonal') are opt-in: the objective has a
 * direction along which the classification loss is flat and the likelihood term falls without bound (shrink
 * the features, the means and every variance together: d_k is unchanged and 1/2 log|Sigma_k| falls by the same
 * amount for every class), so long runs drift towards the variance floor (docs/reproduce.md). When they are
 * learned, a Gaussian prior on the log-variances (variancePrior, beta) closes that direction: its minimum together
 * with eq. 18's log-determinant sits at log sigma^2 = -lambda / (2 beta), so the feature scale has a reference.
 */
export const LGM_DEFAULTS = {
  covariance: 'identity' as CovarianceKind,
  alpha: 0.1,
  lambda: 0.01,
  logDet: true,
  learnPriors: false,
  variancePrior: 0.01,
};

/**
 * Default standard deviation of the means' normal initialisation: sqrt(2 / D) (He / MSRA, the official Caffe
 * code's filler for the means), so |mu_k|^2 starts near 2 at any width and the initial logits are O(1).
 */
export function defaultMeanInitStd(featureDim: number): number {
  return Math.sqrt(2 / featureDim);
}
