/**
 * The Gaussian mixture the app scores features with. For L-GM it is the head's own (trained) mixture; a softmax
 * network has none, so one diagonal Gaussian per class is fitted to its validation features (the usual
 * class-conditional Gaussian detector), which shows how far softmax features are from a mixture.
 */
import * as tf from '@tensorflow/tfjs-core';
import { fitClassGaussians as fitGaussians, mixtureLogLikelihood } from 'lgm/core';
import { NUM_CLASSES, type DigitNetwork } from './network.js';

/** A mixture with diagonal covariances as plain numbers (for plotting, saving and re-creating tensors). */
export interface MixtureSummary {
  /** Class means, K rows of D numbers. */
  means: number[][];
  /** Per-dimension variances, K rows of D numbers (after the floor). */
  variances: number[][];
  /** Normalised log class priors, K numbers. */
  logPriors: number[];
  /** 'trained' (the L-GM head) or 'fitted' (to softmax features). */
  origin: 'trained' | 'fitted';
}

/** One diagonal Gaussian per class fitted to features [N*2] (row-major) with labels [N] (src/detect's fit). */
export function fitClassGaussians(features: Float32Array, labels: ArrayLike<number>): MixtureSummary {
  return { ...fitGaussians(features, labels, NUM_CLASSES), origin: 'fitted' };
}

/** The L-GM head's mixture as numbers (identity: unit variances; isotropic: one variance per class). */
export function trainedMixture(net: DigitNetwork): MixtureSummary {
  const gm = net.mixtureHead;
  if (gm === null) throw new Error('trainedMixture: the network has a softmax head, not a Gaussian mixture');
  const params = gm.params();
  const means = (params.means.arraySync() as number[][]).map((row) => row.slice());
  const floor = (lv: number) => Math.exp(Math.max(lv, gm.minLogVariance));
  let variances: number[][];
  if (params.logVariances === undefined) {
    variances = means.map((row) => row.map(() => 1));
  } else if (params.logVariances.rank === 1) {
    const lv = params.logVariances.arraySync() as number[];
    variances = means.map((row, k) => row.map(() => floor(lv[k])));
  } else {
    variances = (params.logVariances.arraySync() as number[][]).map((row) => row.map(floor));
  }
  const raw =
    params.logPriors === undefined ? new Array<number>(NUM_CLASSES).fill(0) : params.logPriors.arraySync();
  const max = Math.max(...raw);
  const logZ = max + Math.log(raw.reduce((s, v) => s + Math.exp(v - max), 0));
  return { means, variances, logPriors: raw.map((v) => v - logZ), origin: 'trained' };
}

/**
 * Mixture log-likelihood log p(x) of features [N,2]: through the head for L-GM, through `mixtureLogLikelihood`
 * with the fitted diagonal mixture for softmax.
 */
export function featureLogLikelihood(
  net: DigitNetwork,
  features: tf.Tensor2D,
  fitted: MixtureSummary | null,
): tf.Tensor1D {
  const gm = net.mixtureHead;
  if (gm !== null) return gm.logLikelihood(features);
  if (fitted === null) throw new Error('featureLogLikelihood: a softmax network needs its fitted mixture');
  return tf.tidy(() =>
    mixtureLogLikelihood(
      features,
      {
        means: tf.tensor2d(fitted.means),
        logVariances: tf.log(tf.tensor2d(fitted.variances)),
        logPriors: tf.tensor1d(fitted.logPriors),
      },
      { covariance: 'diagonal', checkValues: false },
    ),
  );
}
