import * as tf from '@tensorflow/tfjs-core';
import type { PerSampleLoss } from './reduce.js';
import type { LossModule, LossStepValues, LossWeight } from './module.js';
import { checkLabels } from '../gm/params.js';
import { LgmError, describe } from '../util/errors.js';

/** Checks features [N,D] float32 and labels int32 [N] in [0,K) against a loss (one host read for the labels). */
export function checkLossInputs(
  where: string,
  loss: { featureDim: number; numClasses: number },
  features: tf.Tensor,
  labels?: tf.Tensor,
): void {
  const d = loss.featureDim;
  if (
    !(features instanceof tf.Tensor) ||
    features.dtype !== 'float32' ||
    features.rank !== 2 ||
    features.shape[1] !== d
  ) {
    throw new LgmError(`${where}: features must be float32 of shape [N,${d}], got ${describe(features)}`);
  }
  if (labels !== undefined) checkLabels(where, labels, features.shape[0], loss.numClasses);
}

/**
 * The base of every loss module: the public `perSample` and `logits` validate their inputs once and hand over
 * to `computePerSample` / `computeLogits`, which run unchecked (the trainer's step calls those, so it reads
 * nothing back to the host); `dispose` releases the weights. A subclass implements the two compute methods and,
 * when it has more to check than shapes and the label range, extends `checkInputs`.
 */
export abstract class LossBase implements LossModule {
  abstract readonly name: string;
  readonly numClasses: number;
  readonly featureDim: number;
  abstract readonly weights: readonly LossWeight[];
  abstract readonly options: Readonly<Record<string, unknown>>;
  /** The loss's name in error messages, e.g. 'lgmLoss'. */
  protected readonly where: string;

  protected constructor(where: string, shape: { numClasses: number; featureDim: number }) {
    this.where = where;
    this.numClasses = shape.numClasses;
    this.featureDim = shape.featureDim;
  }

  perSample(features: tf.Tensor2D, labels: tf.Tensor1D, values: LossStepValues = {}): PerSampleLoss {
    this.checkInputs(this.where, features, labels);
    return this.computePerSample(features, labels, values);
  }

  logits(features: tf.Tensor2D): tf.Tensor2D {
    this.checkInputs(`${this.where}.logits`, features);
    return this.computeLogits(features);
  }

  abstract computePerSample(
    features: tf.Tensor2D,
    labels: tf.Tensor1D,
    values?: LossStepValues,
  ): PerSampleLoss;

  abstract computeLogits(features: tf.Tensor2D): tf.Tensor2D;

  /** Validates a batch: features float32 [N,D], labels int32 [N] in [0,K). */
  protected checkInputs(where: string, features: tf.Tensor2D, labels?: tf.Tensor1D): void {
    checkLossInputs(where, this, features, labels);
  }

  dispose(): void {
    for (const w of this.weights) w.variable.dispose();
  }
}
