import * as tf from '@tensorflow/tfjs-core';
import { PerSampleLoss, softmaxCrossEntropyPerSample } from './reduce.js';
import { LossBaseOptions, LossWeight, baseOptions, makeVariable, seededNormalTensor } from './module.js';
import { LossBase } from './loss-base.js';
import { checkKnownKeys, numberOption } from '../util/options.js';
import { oneHotFloat } from '../util/tensor.js';

/** Options of the cosine-margin losses (AM-Softmax/CosFace, ArcFace). */
export interface CosineLossOptions extends LossBaseOptions {
  /** Scale s > 0 of the cosine logits. Default 30 (AM-Softmax) / 64 (ArcFace). */
  scale?: number;
  /** Margin m >= 0: subtracted from the true class's cosine (AM-Softmax), added to its angle (ArcFace). */
  margin?: number;
}

/** Rows scaled to unit L2 norm (with a floor so that a zero row stays finite). */
function unitRows(x: tf.Tensor2D): tf.Tensor2D {
  return tf.div(x, tf.sqrt(tf.add(tf.sum(tf.square(x), 1, true), 1e-12))) as tf.Tensor2D;
}

/**
 * The shared body of the normalised-softmax losses: cos(theta_ik) between the unit feature and the unit class
 * weight, inference logits s * cos, training logits s * (the margin function on the true class).
 * Cosine losses need D >= 2: on a line every unit feature is +1 or -1, which cannot separate K > 2 classes.
 */
export abstract class CosineMarginLoss extends LossBase {
  readonly weights: readonly LossWeight[];
  readonly options: { scale: number; margin: number };

  protected constructor(
    where: string,
    options: CosineLossOptions,
    defaults: { scale: number; margin: number },
  ) {
    checkKnownKeys(where, options, ['numClasses', 'featureDim', 'seed', 'scale', 'margin']);
    const { numClasses, featureDim, seed } = baseOptions(where, options, 2);
    super(where, { numClasses, featureDim });
    this.options = {
      scale: numberOption(where, 'options.scale', options.scale, defaults.scale, { min: Number.MIN_VALUE }),
      margin: numberOption(where, 'options.margin', options.margin, defaults.margin, {
        min: 0,
        max: Math.PI / 2,
      }),
    };
    const kernel = makeVariable(seededNormalTensor([featureDim, numClasses], 1, seed));
    this.weights = [{ name: 'kernel', variable: kernel, decay: true, group: 'head' }];
  }

  /** cos(theta) [N,K] between each feature and each class weight. */
  protected cosines(features: tf.Tensor2D): tf.Tensor2D {
    const w = tf.transpose(unitRows(tf.transpose(this.weights[0].variable as tf.Tensor2D)));
    return tf.matMul(unitRows(features), w) as tf.Tensor2D;
  }

  /** The true-class target logit before scaling, given its cosines [N,K] (applied only where oneHot is 1). */
  protected abstract marginCosines(cos: tf.Tensor2D): tf.Tensor2D;

  /** The per-sample loss of a batch already validated (see LossModule.computePerSample). */
  computePerSample(features: tf.Tensor2D, labels: tf.Tensor1D): PerSampleLoss {
    const cos = this.cosines(features);
    const oneHot = oneHotFloat(labels, this.numClasses);
    const target = this.marginCosines(cos);
    // cos + onehot * (target - cos): the margin touches the true class only.
    const mixed = tf.add(cos, tf.mul(oneHot, tf.sub(target, cos)));
    const logits = tf.mul(mixed, this.options.scale) as tf.Tensor2D;
    return {
      classification: softmaxCrossEntropyPerSample(logits, oneHot),
      auxiliary: null,
      auxiliaryWeight: 0,
      logits,
    };
  }

  /** The inference logits of features already validated (see LossModule.computeLogits). */
  computeLogits(features: tf.Tensor2D): tf.Tensor2D {
    return tf.mul(this.cosines(features), this.options.scale) as tf.Tensor2D;
  }
}
