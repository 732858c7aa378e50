import * as tf from '@tensorflow/tfjs-core';
import { logitsFunction, lossGradient } from '../../../src/attacks/model.js';
import { NUM_CLASSES, type DigitNetwork } from './network.js';

/**
 * Fast Gradient Sign Method (Goodfellow et al., 2015): x' = clip(x + eps * sign(grad_x CE(f(x), y)), 0, 1),
 * one step away from class `labels[i]` for image i (the current prediction: the true class of a drawing is
 * unknown). images [N,28,28,1] in [0,1]; labels: N integers in [0, 10); eps in (0, 1]. Returns a new tensor the
 * caller disposes.
 */
export function fgsm(
  net: DigitNetwork,
  images: tf.Tensor4D,
  labels: ArrayLike<number>,
  eps: number,
): tf.Tensor4D {
  if (!(eps > 0 && eps <= 1)) throw new Error(`fgsm: eps must be in (0, 1], got ${eps}`);
  if (labels.length !== images.shape[0]) {
    throw new Error(`fgsm: labels must hold one class per image (${images.shape[0]}), got ${labels.length}`);
  }
  for (const label of Array.from(labels)) {
    if (!Number.isInteger(label) || label < 0 || label >= NUM_CLASSES) {
      throw new Error(`fgsm: labels must be integers in [0, ${NUM_CLASSES}), got ${label}`);
    }
  }
  return tf.tidy(() => {
    // The library's gradient of the summed cross-entropy (src/attacks, as its own FGSM uses): each image's
    // gradient is its own loss's, whatever the batch size.
    const logits = logitsFunction('fgsm', (x: tf.Tensor) => net.logits(net.features(x as tf.Tensor4D)));
    const gradient = lossGradient(logits, images, tf.tensor1d(Array.from(labels), 'int32'));
    return tf.clipByValue(tf.add(images, tf.mul(tf.sign(gradient), eps)), 0, 1) as tf.Tensor4D;
  });
}
