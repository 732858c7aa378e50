import * as tf from '@tensorflow/tfjs-core';
import { CosineLossOptions, CosineMarginLoss } from './cosine.js';

/**
 * ArcFace (Deng et al. 2019): the true class's logit is s * cos(theta + m), computed as
 * cos theta cos m - sin theta sin m. Where theta + m would pass pi (cos theta <= cos(pi - m)) the target
 * continues as cos theta - m sin m, which keeps it decreasing in theta (the reference implementation's rule).
 * Defaults s = 64, m = 0.5 (the ArcFace paper).
 */
export class ArcFaceLoss extends CosineMarginLoss {
  readonly name = 'arcface';

  constructor(options: CosineLossOptions) {
    super('arcFaceLoss', options, { scale: 64, margin: 0.5 });
  }

  protected marginCosines(cos: tf.Tensor2D): tf.Tensor2D {
    const m = this.options.margin;
    // sin theta >= 0 on [0, pi]; the 1e-7 floor keeps the sqrt's gradient finite at cos = +-1.
    const sin = tf.sqrt(tf.maximum(tf.sub(1, tf.square(cos)), 1e-7));
    const shifted = tf.sub(tf.mul(cos, Math.cos(m)), tf.mul(sin, Math.sin(m)));
    const linear = tf.sub(cos, m * Math.sin(m));
    // Blend by a step mask rather than tf.where on tf.greater: Greater has no gradient in tfjs-core, Step does.
    const angular = tf.step(tf.sub(cos, Math.cos(Math.PI - m)));
    return tf.add(linear, tf.mul(angular, tf.sub(shifted, linear))) as tf.Tensor2D;
  }
}
