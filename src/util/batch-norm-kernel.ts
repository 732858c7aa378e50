/**
 * The contract of lgm's fused batch-norm-in-training kernels. src/nets' batch-norm layer calls them when one is
 * registered on the current backend (only the native addon registers them, src/native/batch-norm-train.ts) and
 * otherwise trains as tfjs-layers does (tf.moments, then tf.batchNorm); both compute the same values.
 */

/**
 * Batch normalisation of x [..., C] over every axis but the last, in training. Inputs: x, scale [C], offset [C],
 * movingMean [C], movingVariance [C] (all float32). Attributes: varianceEpsilon, momentum. Outputs:
 * y = (x - mean) scale / sqrt(variance + eps) + offset, the batch statistics mean [C] and variance [C] (biased, as
 * tf.moments), and the moving averages updated as tfjs-layers' BatchNormalization does in float32:
 * moving - (moving - statistic) (1 - momentum), for the mean and for the (biased) variance.
 */
export const LGM_BATCH_NORM_TRAIN = 'LgmBatchNormTrain';

/**
 * Gradient of LGM_BATCH_NORM_TRAIN with the statistics as functions of x. Inputs: dy, x, scale, mean, variance,
 * dmean, dvariance (the upstream gradients of the three outputs). Attribute: varianceEpsilon. Outputs: dx,
 * dscale, doffset.
 */
export const LGM_BATCH_NORM_TRAIN_GRAD = 'LgmBatchNormTrainGrad';

/**
 * LGM_BATCH_NORM_TRAIN followed by ReLU, in the pass that writes y: the same inputs, attributes and outputs, with
 * y = relu((x - mean) scale / sqrt(variance + eps) + offset) (the statistics are those of x, as before). Its own
 * kernel name, because its gradient keeps y on the tape (LGM_BATCH_NORM_TRAIN's does not). The ResNets' training
 * plan calls it for a batch norm whose only reader is a ReLU (src/nets/fused-training.ts).
 */
export const LGM_BATCH_NORM_RELU_TRAIN = 'LgmBatchNormReluTrain';

/**
 * Gradient of LGM_BATCH_NORM_RELU_TRAIN: LGM_BATCH_NORM_TRAIN_GRAD's inputs plus y, the fused kernel's output; dy
 * is masked by ReLU's gradient from y (dy step(y), step(NaN) = NaN, as TF.js's Relu gradient) inside the
 * batch-norm gradient's passes. Attribute: varianceEpsilon. Outputs: dx, dscale, doffset.
 */
export const LGM_BATCH_NORM_RELU_TRAIN_GRAD = 'LgmBatchNormReluTrainGrad';

/**
 * LGM_BATCH_NORM_RELU_TRAIN with a residual shortcut added before the ReLU: LGM_BATCH_NORM_TRAIN's inputs plus
 * shortcut (the shape of x), y = relu(batch norm(x) + shortcut), the other outputs as before: a ResNet block's
 * second batch norm, residual add and ReLU in the pass that writes y. Its gradient (LGM_BATCH_NORM_RELU_TRAIN_GRAD
 * with output dshortcut) writes the ReLU-masked dy, which is the shortcut's gradient, in its first pass and reads
 * it in the second.
 */
export const LGM_BATCH_NORM_ADD_RELU_TRAIN = 'LgmBatchNormAddReluTrain';

/** Gradient of LGM_BATCH_NORM_ADD_RELU_TRAIN: LGM_BATCH_NORM_RELU_TRAIN_GRAD's inputs; outputs dx, dscale, doffset, dshortcut. */
export const LGM_BATCH_NORM_ADD_RELU_TRAIN_GRAD = 'LgmBatchNormAddReluTrainGrad';

/** Attributes of these kernels. */
export interface BatchNormTrainAttrs {
  varianceEpsilon: number;
  /** The moving averages' momentum (tfjs-layers' `momentum`). */
  momentum: number;
}
