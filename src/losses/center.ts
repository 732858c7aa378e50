import * as tf from '@tensorflow/tfjs-core';
import { PerSampleLoss, softmaxCrossEntropyPerSample } from './reduce.js';
import { LossBaseOptions, LossStepValues, LossWeight, baseOptions, makeVariable } from './module.js';
import { LossBase } from './loss-base.js';
import { linearHeadWeights, linearLogits } from './softmax.js';
import { checkKnownKeys, numberOption } from '../util/options.js';
import { oneHotFloat } from '../util/tensor.js';

/** Options of the center loss. */
export interface CenterLossOptions extends LossBaseOptions {
  /** Weight lambda of the center term (Wen et al. 2016, eq. 5), >= 0. Default 0.01. */
  lambda?: number;
}

/**
 * Softmax cross-entropy plus the center loss of Wen et al. (ECCV 2016): 1/2 ||x_i - c_{y_i}||^2 per sample
 * (eq. 2), weighted by lambda (eq. 5). The centers start at zero and are learnt by gradient descent (scaled by
 * the trainer's GM learning-rate multiplier) instead of the paper's separate update rule (eq. 4).
 */
export class CenterLoss extends LossBase {
  readonly name = 'center';
  readonly weights: readonly LossWeight[];
  readonly options: { lambda: number };

  constructor(options: CenterLossOptions) {
    const where = 'centerLoss';
    checkKnownKeys(where, options, ['numClasses', 'featureDim', 'seed', 'lambda']);
    const { numClasses, featureDim, seed } = baseOptions(where, options);
    super(where, { numClasses, featureDim });
    this.options = { lambda: numberOption(where, 'options.lambda', options.lambda, 0.01, { min: 0 }) };
    const centers = makeVariable(tf.zeros([numClasses, featureDim]));
    this.weights = [
      ...linearHeadWeights(numClasses, featureDim, seed),
      { name: 'centers', variable: centers, decay: false, group: 'mixture' },
    ];
  }

  /** The per-sample loss of a batch already validated (see LossModule.computePerSample). */
  computePerSample(features: tf.Tensor2D, labels: tf.Tensor1D, values: LossStepValues = {}): PerSampleLoss {
    const lambda = numberOption(this.where, 'lambda', values.lambda, this.options.lambda, { min: 0 });
    const oneHot = oneHotFloat(labels, this.numClasses);
    const logits = linearLogits(features, this.weights);
    const classification = softmaxCrossEntropyPerSample(logits, oneHot);
    // c_{y_i} as a one-hot product (differentiable w.r.t. the centers, unlike a gather on wasm).
    const ownCenters = tf.matMul(oneHot, this.weights[2].variable);
    const auxiliary = tf.mul(tf.sum(tf.square(tf.sub(features, ownCenters)), 1), 0.5) as tf.Tensor1D;
    return { classification, auxiliary, auxiliaryWeight: lambda, logits };
  }

  /** The inference logits of features already validated (see LossModule.computeLogits). */
  computeLogits(features: tf.Tensor2D): tf.Tensor2D {
    return linearLogits(features, this.weights);
  }
}
