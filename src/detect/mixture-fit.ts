import * as tf from '@tensorflow/tfjs-core';
import { DEFAULT_MIN_LOG_VARIANCE, halfSquaredMahalanobis } from '../gm/index.js';
import type { CovarianceKind, GaussianMixtureParams } from '../gm/params.js';

/** A trained mixture as tensors the owner disposes (a run's mixture.json, read by src/run's readMixtureFile). */
export interface MixtureFile {
  covariance: CovarianceKind;
  params: GaussianMixtureParams;
  /** Frees the tensors. */
  dispose(): void;
}

/** How well a learned mixture describes features: per class, the mean of (x - mu_y)^T Sigma_y^-1 (x - mu_y) / D. */
export interface MixtureFit {
  /** Per class (NaN for a class without features): 1 when the class Gaussian fits its features. */
  perClass: number[];
  /** Median over the classes that have features. */
  median: number;
  /** A sentence when the median is outside [1/4, 4] (features typically 2 sigma away or more), else null. */
  warning: string | null;
}

/** The median beyond which (or below whose inverse) the fit is flagged: features typically 2 sigma out. */
const FIT_LIMIT = 4;

/**
 * Checks the learned mixture against the features it should describe (e.g. the training features): for a
 * Gaussian that fits, E[(x - mu)^T Sigma^-1 (x - mu)] = D, so each class's mean ratio is ~1. Far above 1 the
 * features lie outside their class Gaussian (e.g. stretched along rays beyond the mean when lambda is small and
 * the margin pushes them outwards): inputs whose features fall near the means, such as low-activation OOD
 * inputs, then look *more* likely than clean ones, and the likelihood detectors invert (AUROC below 50).
 */
export function mixtureFit(mixture: MixtureFile, features: tf.Tensor2D, labels: tf.Tensor1D): MixtureFit {
  const dim = features.shape[1];
  const k = mixture.params.means.shape[0];
  const own = tf.tidy(() => {
    const lv = mixture.params.logVariances;
    const invVar = lv === undefined ? null : tf.exp(tf.neg(tf.maximum(lv, DEFAULT_MIN_LOG_VARIANCE)));
    const d = halfSquaredMahalanobis(features, mixture.params.means, invVar, labels);
    const y = tf.cast(labels, 'int32');
    return tf.sum(tf.mul(d, tf.oneHot(y, k)), 1);
  });
  const halfD = own.dataSync();
  own.dispose();
  const ys = labels.dataSync();
  const sums = new Float64Array(k);
  const counts = new Float64Array(k);
  halfD.forEach((v, i) => {
    sums[ys[i]] += (2 * v) / dim;
    counts[ys[i]]++;
  });
  const perClass = Array.from(sums, (s, c) => (counts[c] > 0 ? s / counts[c] : NaN));
  const present = perClass.filter((v) => !Number.isNaN(v)).sort((a, b) => a - b);
  const mid = present.length >> 1;
  const median =
    present.length === 0
      ? NaN
      : present.length % 2 === 1
        ? present[mid]
        : (present[mid - 1] + present[mid]) / 2;
  const off = !(median >= 1 / FIT_LIMIT && median <= FIT_LIMIT);
  const warning = off
    ? `the learned mixture does not describe the features it was fitted to: the median over classes of ` +
      `(x - mu_y)^T Sigma_y^-1 (x - mu_y) / D is ${median.toPrecision(3)} (1 for a fitting Gaussian), so the ` +
      `lgm-* likelihood scores may rank abnormal inputs as more likely than clean ones (docs/detection.md)`
    : null;
  return { perClass, median, warning };
}
