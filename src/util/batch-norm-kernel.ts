/**
 * The contract of lgm's fused batch-norm-in-training kernels. src/nets' batch-norm layer calls them when one is
 * registered on the current backend (only the native addon registers them, src/native/batch-norm-train.ts) and
 * otherwise trains as tfjs-layers does (tf.moments, then tf.batchNorm); both compute the same values.
 */

/**
 * Batch normalisation of x [..., C] over every axis but the last, in training. Inputs: x, scale [C], offset [C]
 * (all float32). Attribute: varianceEpsilon. Outputs: y = (x - mean) scale / sqrt(variance + eps) + offset, and
 * the batch statistics mean [C] and variance [C] (biased, as tf.moments).
 */
export const LGM_BATCH_NORM_TRAIN = 'LgmBatchNormTrain';

/**
 * Gradient of LGM_BATCH_NORM_TRAIN with the statistics as functions of x. Inputs: dy, x, scale, mean, variance,
 * dmean, dvariance (the upstream gradients of the three outputs). Attribute: varianceEpsilon. Outputs: dx,
 * dscale, doffset.
 */
export const LGM_BATCH_NORM_TRAIN_GRAD = 'LgmBatchNormTrainGrad';

/** Attributes of both kernels. */
export interface BatchNormTrainAttrs {
  varianceEpsilon: number;
}
