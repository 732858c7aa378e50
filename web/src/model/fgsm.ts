import * as tf from '@tensorflow/tfjs-core';
import { oneHotFloat } from '../../../src/util/tensor.js';
import { softmaxCrossEntropyPerSample } from '../../../src/losses/reduce.js';
import { NUM_CLASSES, type DigitNetwork } from './network.js';

/**
 * Fast Gradient Sign Method (Goodfellow et al., 2015): x' = clip(x + eps * sign(grad_x CE(f(x), y)), 0, 1),
 * one step away from class `label` (the current prediction: the true class of a drawing is unknown).
 * image [1,28,28,1] in [0,1]; eps in (0, 1]. Returns a new tensor the caller disposes.
 */
export function fgsm(net: DigitNetwork, image: tf.Tensor4D, label: number, eps: number): tf.Tensor4D {
  if (!(eps > 0 && eps <= 1)) throw new Error(`fgsm: eps must be in (0, 1], got ${eps}`);
  if (!Number.isInteger(label) || label < 0 || label >= NUM_CLASSES) {
    throw new Error(`fgsm: label must be an integer in [0, ${NUM_CLASSES}), got ${label}`);
  }
  return tf.tidy(() => {
    const target = oneHotFloat(tf.tensor1d([label], 'int32'), NUM_CLASSES);
    const lossOf = (x: tf.Tensor) =>
      tf.mean(softmaxCrossEntropyPerSample(net.logits(net.features(x as tf.Tensor4D)), target));
    const gradient = tf.grad(lossOf)(image);
    return tf.clipByValue(tf.add(image, tf.mul(tf.sign(gradient), eps)), 0, 1) as tf.Tensor4D;
  });
}
