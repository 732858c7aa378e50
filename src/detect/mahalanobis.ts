import * as tf from '@tensorflow/tfjs-core';
import { halfSquaredMahalanobis } from '../gm/distance.js';
import { checkKnownKeys, numberOption } from '../util/options.js';
import { choleskyLower, invertLower } from './cholesky.js';
import { classMeans } from './class-stats.js';
import { BASE_OPTION_KEYS, DetectorBaseOptions, FeatureDetector } from './detector.js';

/** Options of the Mahalanobis detector. */
export interface MahalanobisOptions extends DetectorBaseOptions {
  /**
   * Ridge added to the shared covariance, relative to its mean variance: Sigma + r * tr(Sigma)/D * I.
   * Keeps the inverse stable when features are (nearly) degenerate. Default 1e-6, in [0, 1].
   */
  regularization?: number;
}

/**
 * Mahalanobis score (Lee et al. 2018, eq. 2 without input preprocessing): class means and one shared covariance
 * fitted on a model's features; score = min_k (z - mu_k)^T Sigma^-1 (z - mu_k). Works for any model's features,
 * softmax-trained or L-GM. Sigma = L L^T is factorised in float64; scoring whitens with W = L^-1 so that the
 * distance is the squared Euclidean distance between W z and W mu_k.
 */
export class MahalanobisDetector extends FeatureDetector {
  readonly name = 'mahalanobis';
  private readonly regularization: number;
  private whiten: tf.Tensor2D | null = null; // W^T, [D,D]
  private whitenedMeans: tf.Tensor2D | null = null; // mu W^T, [K,D]

  constructor(options: MahalanobisOptions = {}) {
    const where = 'MahalanobisDetector';
    checkKnownKeys(where, options, [...BASE_OPTION_KEYS, 'regularization']);
    super(where, options);
    this.regularization = numberOption(where, 'options.regularization', options.regularization, 1e-6, {
      min: 0,
      max: 1,
    });
  }

  protected fitImpl(features: tf.Tensor2D, labels: tf.Tensor1D, numClasses: number): void {
    const where = `${this.name}.fitFeatures`;
    const [n, d] = features.shape;
    const { means } = classMeans(where, features, labels, numClasses);
    const meanTensor = tf.tensor2d(Float32Array.from(means), [numClasses, d]);
    // Shared covariance of the class-centred features, (1/N) sum_i (z_i - mu_yi)(z_i - mu_yi)^T.
    const cov = tf.tidy(() => {
      const centred = tf.sub(features, tf.gather(meanTensor, labels));
      return tf.div(tf.matMul(centred, centred, true, false), n);
    });
    const sigma = Float64Array.from(cov.dataSync());
    cov.dispose();
    let trace = 0;
    for (let j = 0; j < d; j++) trace += sigma[j * d + j];
    // A floor on the ridge keeps a zero covariance (e.g. one sample per class) invertible.
    const ridge = Math.max(this.regularization * (trace / d), 1e-12);
    for (let j = 0; j < d; j++) sigma[j * d + j] += ridge;
    const w = invertLower(choleskyLower(where, sigma, d), d);
    this.whiten = tf.tidy(() => tf.transpose(tf.tensor2d(Float32Array.from(w), [d, d])) as tf.Tensor2D);
    this.whitenedMeans = tf.matMul(meanTensor, this.whiten) as tf.Tensor2D;
    meanTensor.dispose();
  }

  protected scoreImpl(features: tf.Tensor2D): tf.Tensor1D {
    const whitened = tf.matMul(features, this.whiten as tf.Tensor2D);
    // Squared distances to every whitened mean via the L-GM distance op (identity covariance, 1/2 scale).
    const half = halfSquaredMahalanobis(whitened as tf.Tensor2D, this.whitenedMeans as tf.Tensor2D, null);
    return tf.mul(tf.min(half, 1), 2) as tf.Tensor1D;
  }

  protected release(): void {
    this.whiten?.dispose();
    this.whitenedMeans?.dispose();
    this.whiten = null;
    this.whitenedMeans = null;
  }
}
