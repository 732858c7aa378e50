import * as tf from '@tensorflow/tfjs-core';
import { logSumExpRows } from '../util/tensor.js';

/**
 * The per-sample form every loss in lgm returns, so that L-GM and the baselines share one shape:
 * a classification term, an optional auxiliary term (L-GM's likelihood, center loss's pull) with its weight,
 * and the training logits.
 */
export interface PerSampleLoss {
  /** Cross-entropy of the training logits per sample, [N]. */
  classification: tf.Tensor1D;
  /** Auxiliary regulariser per sample, [N], or null when the loss has none. */
  auxiliary: tf.Tensor1D | null;
  /** Weight of the auxiliary term in the total (lambda). */
  auxiliaryWeight: number;
  /** Training logits (with any margin), [N,K]. */
  logits: tf.Tensor2D;
  /**
   * A term of the loss's own weights alone, added once to the total (L-GM's prior on the log-variances), or
   * absent.
   */
  penalty?: tf.Scalar;
}

/** Scalars obtained from a PerSampleLoss by the shared reducer. */
export interface ReducedLoss {
  /** classificationLoss + auxiliaryWeight * auxiliaryLoss (+ the penalty, when there is one). */
  loss: tf.Scalar;
  classificationLoss: tf.Scalar;
  /** Mean auxiliary term (0 when the loss has none). */
  auxiliaryLoss: tf.Scalar;
  logits: tf.Tensor2D;
}

/** The shared reducer: means over the batch, then the weighted sum. */
export function reduceLoss(perSample: PerSampleLoss): ReducedLoss {
  const classificationLoss = tf.mean(perSample.classification) as tf.Scalar;
  const auxiliaryLoss = (
    perSample.auxiliary === null ? tf.scalar(0) : tf.mean(perSample.auxiliary)
  ) as tf.Scalar;
  const weighted =
    perSample.auxiliary === null || perSample.auxiliaryWeight === 0
      ? classificationLoss.clone()
      : (tf.add(classificationLoss, tf.mul(auxiliaryLoss, perSample.auxiliaryWeight)) as tf.Scalar);
  const loss =
    perSample.penalty === undefined ? weighted : (tf.add(weighted, perSample.penalty) as tf.Scalar);
  return { loss, classificationLoss, auxiliaryLoss, logits: perSample.logits };
}

/** Per-sample softmax cross-entropy -log softmax(logits_i)[y_i], via log-sum-exp, given one-hot labels. */
export function softmaxCrossEntropyPerSample(logits: tf.Tensor2D, oneHot: tf.Tensor2D): tf.Tensor1D {
  return tf.sub(logSumExpRows(logits), tf.sum(tf.mul(logits, oneHot), 1)) as tf.Tensor1D;
}
