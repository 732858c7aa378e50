import * as tf from '@tensorflow/tfjs-core';
import { classLogDensity, mixtureLogLikelihood, mixtureLogits } from '../gm/density.js';
import { CovarianceKind, GaussianMixtureParams, checkParams } from '../gm/params.js';
import { MixtureOptions } from '../gm/mixture.js';
import { LgmError } from '../util/errors.js';
import { checkKnownKeys, choiceOption, numberOption } from '../util/options.js';
import { oneHotFloat } from '../util/tensor.js';
import { BASE_OPTION_KEYS, DetectorBaseOptions, FeatureDetector } from './detector.js';

/** Which likelihood the L-GM detector scores. */
export type LgmScoreMode = 'class' | 'mixture';
/** Every LgmScoreMode. */
export const LGM_SCORE_MODES: readonly LgmScoreMode[] = ['class', 'mixture'];

/** Options of the L-GM likelihood detector. */
export interface LgmLikelihoodOptions extends DetectorBaseOptions {
  /** The trained mixture (means [K,D], logVariances, logPriors). Required. Not copied, not disposed. */
  mixture: GaussianMixtureParams;
  /** Covariance parameterisation of the mixture: 'identity' | 'isotropic' | 'diagonal'. Required. */
  covariance: CovarianceKind;
  /**
   * 'class' (default): -log N(z; mu_k, Sigma_k) for the predicted class k = argmax_k p(k | z);
   * 'mixture': -log p(z) = -log sum_k pi_k N(z; mu_k, Sigma_k).
   */
  mode?: LgmScoreMode;
  /** Floor on each log-variance, as in the loss. Default log(1e-4). */
  minLogVariance?: number;
}

/**
 * The L-GM likelihood score (Wan et al. 2018, sec. 3.4: an input whose feature has a low likelihood under the
 * training mixture is abnormal). Uses the model's own mixture, so fitting learns nothing: it checks that the
 * features and labels agree with the mixture's D and K.
 */
export class LgmLikelihoodDetector extends FeatureDetector {
  readonly name: string;
  private readonly mixture: GaussianMixtureParams;
  private readonly mixtureOptions: MixtureOptions;
  private readonly mode: LgmScoreMode;
  private readonly numClasses: number;
  private readonly dim: number;

  constructor(options: LgmLikelihoodOptions) {
    const where = 'LgmLikelihoodDetector';
    if (options === null || typeof options !== 'object') {
      throw new LgmError(
        `${where}: options must be an object with mixture and covariance, got ${String(options)}`,
      );
    }
    checkKnownKeys(where, options, [...BASE_OPTION_KEYS, 'mixture', 'covariance', 'mode', 'minLogVariance']);
    super(where, options);
    const covariance = choiceOption(where, 'options.covariance', options.covariance, [
      'identity',
      'isotropic',
      'diagonal',
    ]);
    const { numClasses, dim } = checkParams(where, options.mixture, covariance);
    this.mixture = options.mixture;
    this.numClasses = numClasses;
    this.dim = dim;
    this.mode = choiceOption(where, 'options.mode', options.mode, LGM_SCORE_MODES, 'class');
    const minLogVariance = numberOption(
      where,
      'options.minLogVariance',
      options.minLogVariance,
      Math.log(1e-4),
    );
    this.mixtureOptions = { covariance, minLogVariance, checkValues: false };
    this.name = this.mode === 'class' ? 'lgm-class' : 'lgm-mixture';
  }

  protected fitImpl(features: tf.Tensor2D, _labels: tf.Tensor1D, numClasses: number): void {
    const where = `${this.name}.fitFeatures`;
    if (features.shape[1] !== this.dim) {
      throw new LgmError(
        `${where}: features must have width ${this.dim} (the mixture's D), got ${features.shape[1]}`,
      );
    }
    if (numClasses > this.numClasses) {
      throw new LgmError(
        `${where}: labels must be in [0, ${this.numClasses}) (the mixture's K), got ${numClasses - 1}`,
      );
    }
  }

  protected scoreImpl(features: tf.Tensor2D): tf.Tensor1D {
    if (this.mode === 'mixture')
      return tf.neg(mixtureLogLikelihood(features, this.mixture, this.mixtureOptions));
    // The predicted class is the mixture's Bayes decision (logits with log-determinants, paper eq. 17, alpha = 0).
    const predicted = tf.argMax(mixtureLogits(features, this.mixture, this.mixtureOptions), 1) as tf.Tensor1D;
    const density = classLogDensity(features, this.mixture, this.mixtureOptions);
    return tf.neg(tf.sum(tf.mul(density, oneHotFloat(predicted, this.numClasses)), 1)) as tf.Tensor1D;
  }

  protected release(): void {}
}
