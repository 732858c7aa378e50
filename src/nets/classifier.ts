import type * as tf from '@tensorflow/tfjs-core';

/**
 * A trained model as the rest of lgm sees it: a feature extractor (the network up to the feature layer) and a
 * head that turns features into inference logits (softmax weights, or the Gaussian mixture without margin).
 * Attacks need `logits(features(x))` end to end; detectors look at `features(x)` and the logits.
 */
export interface Classifier {
  /** Number of classes K. */
  readonly numClasses: number;
  /** Feature width D. */
  readonly featureDim: number;
  /** Shape of one input, e.g. [28, 28, 1]. */
  readonly inputShape: readonly number[];
  /** Features of a batch of inputs [N, ...inputShape] -> [N, D]. Differentiable (attacks take gradients). */
  features(inputs: tf.Tensor): tf.Tensor2D;
  /** Inference logits of a batch of features [N, D] -> [N, K]. Differentiable. */
  logits(features: tf.Tensor2D): tf.Tensor2D;
}
