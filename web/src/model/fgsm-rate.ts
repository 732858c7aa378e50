/**
 * How often the unfamiliar-input flag fires on FGSM images, measured on a set of digits: the number the page
 * shows beside its single FGSM example, so that one lucky (or unlucky) drawing is not taken for the rule.
 */
import * as tf from '@tensorflow/tfjs-core';
import { fgsm } from 'lgm/core';
import type { DigitNetwork } from './network.js';
import { isUnfamiliar, scoreImages, type Calibration } from './evaluate.js';

export interface FgsmRate {
  /** Digits attacked. */
  count: number;
  eps: number;
  /** Fraction whose prediction FGSM changed. */
  changed: number;
  /** Fraction of FGSM images the flag marks. */
  flagged: number;
  /** Fraction of the same digits, unattacked, the flag marks. */
  cleanFlagged: number;
}

const fraction = (flags: boolean[]) => flags.filter(Boolean).length / Math.max(flags.length, 1);

/**
 * FGSM (lgm's, src/attacks: one signed-gradient step of size eps away from each digit's predicted class, clipped
 * to [0, 1]) on images [N,28,28,1], scored against `calibration`.
 */
export async function fgsmRate(
  net: DigitNetwork,
  images: tf.Tensor4D,
  calibration: Calibration,
  eps: number,
): Promise<FgsmRate> {
  const clean = await scoreImages(net, images, calibration);
  const labels = tf.tensor1d(clean.predicted, 'int32');
  const { adversarial, predictions } = fgsm(net, images, labels, { epsilon: eps });
  labels.dispose();
  try {
    const attacked = await scoreImages(net, adversarial, calibration);
    const n = clean.predicted.length;
    const each = (f: (i: number) => boolean) => Array.from({ length: n }, (_, i) => f(i));
    return {
      count: n,
      eps,
      changed: fraction(each((i) => predictions[i] !== clean.predicted[i])),
      flagged: fraction(each((i) => isUnfamiliar(attacked.logLikelihood[i], calibration))),
      cleanFlagged: fraction(each((i) => isUnfamiliar(clean.logLikelihood[i], calibration))),
    };
  } finally {
    adversarial.dispose();
  }
}
