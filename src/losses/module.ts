import * as tf from '@tensorflow/tfjs-core';
import { PerSampleLoss } from './reduce.js';
import { LgmError, describe } from '../util/errors.js';
import { mulberry32, seededNormal } from '../util/random.js';

/**
 * How the trainer treats a loss weight: 'head' weights (classifier matrices) are ordinary parameters;
 * 'mixture' weights, the class-conditional Gaussians in feature space, get the config's mixtureLrMultiplier:
 * L-GM's means, variances and priors, and center loss's centers (the means of an identity-covariance,
 * equal-prior mixture: center loss is L-GM's likelihood term under identity covariance).
 */
export type WeightGroup = 'head' | 'mixture';

/** One trainable weight of a loss, with a stable name for checkpoints. */
export interface LossWeight {
  /** Stable name, e.g. 'means' (unique within the loss). */
  name: string;
  variable: tf.Variable;
  /** Whether weight decay applies (false for variances and priors, which decay would bias). */
  decay: boolean;
  group: WeightGroup;
}

/** Values a schedule may change during training (L-GM's margin and likelihood weight, center loss's weight). */
export interface LossStepValues {
  /** Margin alpha (L-GM). */
  alpha?: number;
  /** Weight of the auxiliary term (L-GM likelihood, center loss). */
  lambda?: number;
}

/**
 * The one interface every loss implements: a per-sample value (reduced by the shared `reduceLoss`), an
 * inference `logits` view without any margin, and its own trainable weights.
 */
export interface LossModule {
  /** The name it is selected by (see LOSS_NAMES). */
  readonly name: string;
  readonly numClasses: number;
  readonly featureDim: number;
  /** Trainable weights, in a fixed order. */
  readonly weights: readonly LossWeight[];
  /** The resolved options (for config.json), without numClasses/featureDim/seed. */
  readonly options: Readonly<Record<string, unknown>>;
  /**
   * Per-sample loss of features [N,D] and int32 labels [N], with this step's schedule values (the loss's own
   * defaults apply to absent fields). Validates the inputs (shapes, dtypes, label range: host reads), then
   * computes. Not tidied: call inside tf.tidy or a gradient function.
   */
  perSample(features: tf.Tensor2D, labels: tf.Tensor1D, values?: LossStepValues): PerSampleLoss;
  /** Inference logits [N,K] of features [N,D] (no margin); validates the features. Not tidied. */
  logits(features: tf.Tensor2D): tf.Tensor2D;
  /**
   * perSample without any input check, for a batch the caller has already validated (the trainer's step, whose
   * batches come from a checked data source): no host reads. Not tidied.
   */
  computePerSample(features: tf.Tensor2D, labels: tf.Tensor1D, values?: LossStepValues): PerSampleLoss;
  /** logits without any input check (see computePerSample). Not tidied. */
  computeLogits(features: tf.Tensor2D): tf.Tensor2D;
  /** Disposes the weights. */
  dispose(): void;
}

/** Options every loss takes. */
export interface LossBaseOptions {
  /** Number of classes K >= 2. Required. */
  numClasses: number;
  /** Feature width D >= 1 (some losses need more). Required. */
  featureDim: number;
  /** Seed of the weight initialisation. Default 0. */
  seed?: number;
}

/** A seeded normal initial value of the given shape and standard deviation (no global RNG involved). */
export function seededNormalTensor(shape: number[], std: number, seed: number): tf.Tensor {
  const normal = seededNormal(mulberry32(seed));
  const size = shape.reduce((a, b) => a * b, 1);
  const values = new Float32Array(size);
  for (let i = 0; i < size; i++) values[i] = normal() * std;
  return tf.tensor(values, shape, 'float32');
}

/** A trainable variable initialised from `init` (which is disposed). */
export function makeVariable(init: tf.Tensor): tf.Variable {
  const v = tf.variable(init, true);
  init.dispose();
  return v;
}

/** Validates numClasses, featureDim (>= minDim) and seed. */
export function baseOptions(
  where: string,
  options: LossBaseOptions,
  minDim = 1,
): { numClasses: number; featureDim: number; seed: number } {
  if (options === null || typeof options !== 'object') {
    throw new LgmError(
      `${where}: options must be an object with numClasses and featureDim, got ${describe(options)}`,
    );
  }
  const { numClasses, featureDim, seed = 0 } = options;
  if (!Number.isInteger(numClasses) || numClasses < 2) {
    throw new LgmError(`${where}: options.numClasses must be an integer >= 2, got ${describe(numClasses)}`);
  }
  if (!Number.isInteger(featureDim) || featureDim < minDim) {
    throw new LgmError(
      `${where}: options.featureDim must be an integer >= ${minDim}, got ${describe(featureDim)}`,
    );
  }
  if (!Number.isInteger(seed))
    throw new LgmError(`${where}: options.seed must be an integer, got ${describe(seed)}`);
  return { numClasses, featureDim, seed };
}
