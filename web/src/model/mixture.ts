/**
 * The Gaussian mixture the app scores features with. For L-GM it is the head's own (trained) mixture; a softmax
 * network has none, so one diagonal Gaussian per class is fitted to its validation features (the usual
 * class-conditional Gaussian detector), which shows how far softmax features are from a mixture.
 */
import * as tf from '@tensorflow/tfjs-core';
import { mixtureLogLikelihood } from '../../../src/gm/density.js';
import { DEFAULT_MIN_LOG_VARIANCE } from '../../../src/gm/params.js';
import { FEATURE_DIM, NUM_CLASSES, type DigitNetwork } from './network.js';

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

const MIN_VARIANCE = Math.exp(DEFAULT_MIN_LOG_VARIANCE);

/** Fits one diagonal Gaussian per class to features [N*D] (row-major) with labels [N]. */
export function fitClassGaussians(features: Float32Array, labels: ArrayLike<number>): MixtureSummary {
  const n = labels.length;
  const counts = new Array<number>(NUM_CLASSES).fill(0);
  const sums = Array.from({ length: NUM_CLASSES }, () => new Array<number>(FEATURE_DIM).fill(0));
  const squares = Array.from({ length: NUM_CLASSES }, () => new Array<number>(FEATURE_DIM).fill(0));
  for (let i = 0; i < n; i++) {
    const k = labels[i];
    counts[k]++;
    for (let d = 0; d < FEATURE_DIM; d++) {
      const v = features[i * FEATURE_DIM + d];
      sums[k][d] += v;
      squares[k][d] += v * v;
    }
  }
  const means = sums.map((row, k) => row.map((s) => s / Math.max(counts[k], 1)));
  const variances = squares.map((row, k) =>
    row.map((s, d) => Math.max(s / Math.max(counts[k], 1) - means[k][d] ** 2, MIN_VARIANCE)),
  );
  // Add-one smoothing keeps a class absent from the sample at a finite prior.
  const total = n + NUM_CLASSES;
  const logPriors = counts.map((c) => Math.log((c + 1) / total));
  return { means, variances, logPriors, origin: 'fitted' };
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
