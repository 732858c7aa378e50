import * as tf from '@tensorflow/tfjs-core';
import { DEFAULT_MIN_LOG_VARIANCE } from '../gm/index.js';
import type { CovarianceKind, GaussianMixtureParams } from '../gm/params.js';

/** A trained mixture as tensors the owner disposes (a run's mixture.json, read by src/run's readMixtureFile). */
export interface MixtureFile {
  covariance: CovarianceKind;
  params: GaussianMixtureParams;
  /** Frees the tensors. */
  dispose(): void;
}

/**
 * How well a learned mixture describes features, per class, in the class Gaussian's own metric
 * (x - mu)^T Sigma_y^-1 (x - mu).
 */
export interface MixtureFit {
  /** Per class (NaN for a class without features): the mean of that distance over D; 1 when the Gaussian fits. */
  perClass: number[];
  /** Median of perClass over the classes that have features. */
  median: number;
  /**
   * Per class (NaN without features): the distance from the learned mean to the features' centroid over the
   * features' RMS distance from that centroid. Near 0 when the Gaussian is centred on its features; above 1 when
   * the mean lies outside them.
   */
  displacement: number[];
  /** Median of displacement over the classes that have features. */
  medianDisplacement: number;
  /** A sentence when the features lie outside their Gaussians (see mixtureFit), else null. */
  warning: string | null;
}

/** perClass median above which the features are flagged as spread beyond their Gaussians (typically 2 sigma out). */
const SPREAD_LIMIT = 4;
/** medianDisplacement above which the means are flagged as lying outside their features. */
const DISPLACEMENT_LIMIT = 1;

function medianOf(values: number[]): number {
  const present = values.filter((v) => !Number.isNaN(v)).sort((a, b) => a - b);
  const mid = present.length >> 1;
  if (present.length === 0) return NaN;
  return present.length % 2 === 1 ? present[mid] : (present[mid - 1] + present[mid]) / 2;
}

/**
 * Checks the learned mixture against the features it should describe (e.g. the training features). The
 * likelihood detectors rank an input by how close its feature is to a class mean, so they invert (AUROC below 50)
 * when clean features sit farther from the means than abnormal ones: when the features are spread far beyond
 * their Gaussians (perClass median above 4: stretched along rays past the mean when lambda is small and the
 * margin pushes them outwards), or when the means lie outside their classes' features (median displacement above
 * 1: without the likelihood term, lambda 0, nothing pulls the features onto the means). Either way inputs whose
 * features fall near the means, such as low-activation OOD inputs, look *more* likely than clean ones.
 * Features much tighter than their Gaussians (perClass far below 1, as identity covariance with lambda > 0 trains
 * them) are not flagged: the ranking by distance to the mean still holds (docs/reproduce.md).
 */
export function mixtureFit(mixture: MixtureFile, features: tf.Tensor2D, labels: tf.Tensor1D): MixtureFit {
  const dim = features.shape[1];
  const k = mixture.params.means.shape[0];
  const [toCentroid, displaced, counts] = tf.tidy(() => {
    const means = mixture.params.means;
    const lv = mixture.params.logVariances;
    const invVar = lv === undefined ? null : tf.exp(tf.neg(tf.maximum(lv, DEFAULT_MIN_LOG_VARIANCE)));
    const y = tf.cast(labels, 'int32');
    const oneHot = tf.cast(tf.oneHot(y, k), 'float32'); // [N, K]
    const count = tf.sum(oneHot, 0); // [K]
    const centroids = tf.div(
      tf.matMul(oneHot, features, true, false),
      tf.expandDims(tf.maximum(count, 1), 1),
    );
    // Squared differences in the class Gaussian's metric: rows of a feature (rows = its labels) or of a class.
    const weigh = (sq: tf.Tensor2D, rows: tf.Tensor1D | null): tf.Tensor2D => {
      if (invVar === null) return sq;
      const iv = rows === null ? invVar : tf.gather(invVar, rows);
      return tf.mul(sq, iv.rank === 1 ? tf.expandDims(iv, 1) : iv) as tf.Tensor2D;
    };
    // Per feature, its distance to its class's centroid; per class, the mean of that (one [N, D] pass, no
    // N x K x D intermediate) and the centroid's distance to the learned mean.
    const spread = tf.sum(weigh(tf.square(tf.sub(features, tf.gather(centroids, y))) as tf.Tensor2D, y), 1);
    const meanSpread = tf.div(
      tf.squeeze(tf.matMul(oneHot, tf.expandDims(spread, 1), true, false), [1]),
      tf.maximum(count, 1),
    );
    const shift = tf.sum(weigh(tf.square(tf.sub(centroids, means)) as tf.Tensor2D, null), 1);
    return [meanSpread, shift, count];
  });
  const [b, c, n] = [toCentroid.dataSync(), displaced.dataSync(), counts.dataSync()];
  tf.dispose([toCentroid, displaced, counts]);
  // E (x - mu)^T Sigma^-1 (x - mu) = E (x - c)^T Sigma^-1 (x - c) + (c - mu)^T Sigma^-1 (c - mu), c the centroid:
  // the mean distance to the mean is the spread plus the shift, a sum of non-negative terms.
  const perClass = Array.from(b, (v, i) => (n[i] > 0 ? (v + c[i]) / dim : NaN));
  // A class whose features all coincide has no spread: any displacement is then outside them.
  const displacement = Array.from(c, (v, i) =>
    n[i] > 0 ? (b[i] > 0 ? Math.sqrt(v / b[i]) : v > 0 ? Infinity : 0) : NaN,
  );
  const median = medianOf(perClass);
  const medianDisplacement = medianOf(displacement);
  const reasons: string[] = [];
  if (median > SPREAD_LIMIT)
    reasons.push(
      `the median over classes of (x - mu_y)^T Sigma_y^-1 (x - mu_y) / D is ${median.toPrecision(3)} (1 for a fitting Gaussian)`,
    );
  if (medianDisplacement > DISPLACEMENT_LIMIT)
    reasons.push(
      `the median over classes of the distance from the mean to the features' centroid is ${medianDisplacement.toPrecision(3)} times the features' spread (0 for a fitting Gaussian)`,
    );
  const warning =
    reasons.length === 0
      ? null
      : `the learned mixture does not describe the features it was fitted to: ${reasons.join('; ')}, so the ` +
        `lgm-* likelihood scores may rank abnormal inputs as more likely than clean ones (docs/reproduce.md)`;
  return { perClass, median, displacement, medianDisplacement, warning };
}
