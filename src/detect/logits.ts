import * as tf from '@tensorflow/tfjs-core';
import { checkKnownKeys, numberOption } from '../util/options.js';
import { BASE_OPTION_KEYS, DetectorBaseOptions, FeatureDetector } from './detector.js';

/** Options of the logit-based detectors. */
export interface LogitDetectorOptions extends DetectorBaseOptions {
  /** Softmax / energy temperature T, a number > 0. Default 1. */
  temperature?: number;
}

/**
 * Scores computed from a model's logits alone. Nothing is learnt: fitting checks the features and records
 * their width, so that both detectors follow the common interface (and catch wrong widths when scoring).
 */
abstract class LogitDetector extends FeatureDetector {
  protected readonly temperature: number;

  constructor(where: string, options: LogitDetectorOptions) {
    checkKnownKeys(where, options, [...BASE_OPTION_KEYS, 'temperature']);
    super(where, options);
    this.temperature = numberOption(where, 'options.temperature', options.temperature, 1, { min: 1e-6 });
  }

  protected fitImpl(features: tf.Tensor2D): void {
    // Evaluate the head once so that a missing or incompatible head fails at fit time, not at scoring time.
    tf.tidy(() => {
      this.logitsOf(tf.slice(features, 0, 1));
    });
  }

  protected release(): void {}
}

/** Maximum softmax probability (Hendrycks & Gimpel 2017): score = -max_k softmax(logits / T)_k. */
export class MaxSoftmaxDetector extends LogitDetector {
  readonly name = 'msp';

  constructor(options: LogitDetectorOptions = {}) {
    super('MaxSoftmaxDetector', options);
  }

  protected scoreImpl(features: tf.Tensor2D): tf.Tensor1D {
    const p = tf.softmax(tf.div(this.logitsOf(features), this.temperature));
    return tf.neg(tf.max(p, 1)) as tf.Tensor1D;
  }
}

/** Energy score (Liu et al. 2020, eq. 1): E(x) = -T logsumexp_k(logits_k / T); higher energy = more anomalous. */
export class EnergyDetector extends LogitDetector {
  readonly name = 'energy';

  constructor(options: LogitDetectorOptions = {}) {
    super('EnergyDetector', options);
  }

  protected scoreImpl(features: tf.Tensor2D): tf.Tensor1D {
    const lse = tf.logSumExp(tf.div(this.logitsOf(features), this.temperature), 1);
    return tf.mul(lse, -this.temperature) as tf.Tensor1D;
  }
}
