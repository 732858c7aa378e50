import '../util/tf-gradients.js';
import * as tf from '@tensorflow/tfjs-core';
import type { Classifier } from '../nets/classifier.js';
import { LgmError, describe } from '../util/errors.js';
import { oneHotFloat } from '../util/tensor.js';

/**
 * Anything that maps a batch of inputs to logits [N,K]: a lgm Classifier, a function, or an object with
 * `predict` (a tf.LayersModel whose output is logits). It must be differentiable in its inputs.
 */
export type LogitsModel =
  | Classifier
  | ((inputs: tf.Tensor) => tf.Tensor2D)
  | {
      /** The logits of the inputs. */
      predict(inputs: tf.Tensor): tf.Tensor | tf.Tensor[];
    };

/** The logits function of a model, checked to return float32 [N,K]. */
export type LogitsFn = (inputs: tf.Tensor) => tf.Tensor2D;

function isClassifier(model: object): model is Classifier {
  return 'features' in model && 'logits' in model && typeof (model as Classifier).features === 'function';
}

/** Adapts any LogitsModel to a logits function. */
export function logitsFunction(where: string, model: LogitsModel): LogitsFn {
  let fn: (x: tf.Tensor) => tf.Tensor | tf.Tensor[];
  if (typeof model === 'function') fn = model;
  else if (model !== null && typeof model === 'object' && isClassifier(model)) {
    fn = (x) => model.logits(model.features(x));
  } else if (model !== null && typeof model === 'object' && typeof model.predict === 'function') {
    fn = (x) => model.predict(x);
  } else {
    throw new LgmError(
      `${where}: model must be a Classifier, a function or have predict(), got ${describe(model)}`,
    );
  }
  return (x) => {
    const out = fn(x);
    if (
      !(out instanceof tf.Tensor) ||
      out.rank !== 2 ||
      out.shape[0] !== x.shape[0] ||
      out.dtype !== 'float32'
    ) {
      throw new LgmError(
        `${where}: model must return float32 logits [${x.shape[0]},K], got ${describe(out)}`,
      );
    }
    return out as tf.Tensor2D;
  };
}

/** Per-example cross-entropy of logits against labels, [N]. */
export function crossEntropy(logits: tf.Tensor2D, labels: tf.Tensor1D): tf.Tensor1D {
  const oneHot = oneHotFloat(labels, logits.shape[1]);
  return tf.neg(tf.sum(tf.mul(oneHot, tf.logSoftmax(logits)), 1)) as tf.Tensor1D;
}

/**
 * Gradient of the summed cross-entropy with respect to the inputs. The sum (not the mean) keeps each example's
 * gradient independent of the batch size.
 */
export function lossGradient(f: LogitsFn, x: tf.Tensor, labels: tf.Tensor1D): tf.Tensor {
  return tf.grad((xs: tf.Tensor) => tf.sum(crossEntropy(f(xs), labels)))(x);
}

/** Gradient of sum_i logits[i, classes_i] with respect to the inputs (one backward pass for a whole batch). */
export function logitGradient(
  f: LogitsFn,
  x: tf.Tensor,
  classes: tf.Tensor1D,
  numClasses: number,
): tf.Tensor {
  return tf.grad((xs: tf.Tensor) => tf.sum(tf.mul(f(xs), oneHotFloat(classes, numClasses))))(x);
}

/** Predicted classes, as a host array. */
export function predictions(f: LogitsFn, x: tf.Tensor): Int32Array {
  return tf.tidy(() => tf.argMax(f(x), 1).dataSync() as Int32Array);
}
