import * as tf from '@tensorflow/tfjs-core';
import { PerSampleLoss, softmaxCrossEntropyPerSample } from './reduce.js';
import { LossBaseOptions, LossWeight, baseOptions, makeVariable, seededNormalTensor } from './module.js';
import { LossBase } from './loss-base.js';
import { checkKnownKeys } from '../util/options.js';
import { oneHotFloat } from '../util/tensor.js';

/** Options of the softmax cross-entropy loss (its linear classifier W [D,K], b [K]). */
export type SoftmaxLossOptions = LossBaseOptions;

/** The linear classifier every softmax-style loss trains: W [D,K] (Glorot-scaled normal init), b [K] zeros. */
export function linearHeadWeights(numClasses: number, featureDim: number, seed: number): LossWeight[] {
  const std = Math.sqrt(2 / (numClasses + featureDim));
  return [
    {
      name: 'kernel',
      variable: makeVariable(seededNormalTensor([featureDim, numClasses], std, seed)),
      decay: true,
      group: 'head',
    },
    { name: 'bias', variable: makeVariable(tf.zeros([numClasses])), decay: false, group: 'head' },
  ];
}

/** x W + b, [N,K]. */
export function linearLogits(features: tf.Tensor2D, weights: readonly LossWeight[]): tf.Tensor2D {
  return tf.add(tf.matMul(features, weights[0].variable), weights[1].variable) as tf.Tensor2D;
}

/** Plain softmax cross-entropy on a linear classifier: the baseline of the paper's tables. */
export class SoftmaxLoss extends LossBase {
  readonly name = 'softmax';
  readonly weights: readonly LossWeight[];
  readonly options = {};

  constructor(options: SoftmaxLossOptions) {
    checkKnownKeys('softmaxLoss', options, ['numClasses', 'featureDim', 'seed']);
    const { numClasses, featureDim, seed } = baseOptions('softmaxLoss', options);
    super('softmaxLoss', { numClasses, featureDim });
    this.weights = linearHeadWeights(numClasses, featureDim, seed);
  }

  /** The per-sample loss of a batch already validated (see LossModule.computePerSample). */
  computePerSample(features: tf.Tensor2D, labels: tf.Tensor1D): PerSampleLoss {
    const logits = linearLogits(features, this.weights);
    const classification = softmaxCrossEntropyPerSample(logits, oneHotFloat(labels, this.numClasses));
    return { classification, auxiliary: null, auxiliaryWeight: 0, logits };
  }

  /** The inference logits of features already validated (see LossModule.computeLogits). */
  computeLogits(features: tf.Tensor2D): tf.Tensor2D {
    return linearLogits(features, this.weights);
  }
}
