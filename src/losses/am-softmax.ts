import * as tf from '@tensorflow/tfjs-core';
import { CosineLossOptions, CosineMarginLoss } from './cosine.js';

/**
 * AM-Softmax / CosFace (Wang et al. 2018): logits s * (cos theta_ik - m [k = y_i]) on unit features and unit
 * class weights. Inference logits are s * cos theta. Defaults s = 30, m = 0.35 (the AM-Softmax paper).
 */
export class AmSoftmaxLoss extends CosineMarginLoss {
  readonly name = 'am-softmax';

  constructor(options: CosineLossOptions) {
    super('amSoftmaxLoss', options, { scale: 30, margin: 0.35 });
  }

  protected marginCosines(cos: tf.Tensor2D): tf.Tensor2D {
    return tf.sub(cos, this.options.margin) as tf.Tensor2D;
  }
}
