/**
 * Batch normalisation in training as one kernel each way (the contract: util/batch-norm-kernel.ts; the addon's
 * batchNormTrain and batchNormTrainGrad in native/src/batchnorm.cc). Forward: the statistics and y in three passes
 * over x, where TF.js runs Cast, Mean, Sub, Square, Mean and FusedBatchNorm, and the moving averages' update, where
 * tfjs-layers runs Sub, Multiply and Sub per statistic. Backward: two passes, where TF.js
 * runs FusedBatchNorm's gradient plus the graph of tf.moments (Sub, Square and two Means backward, and the Adds
 * that join the three paths into x). The ReLU variants (LgmBatchNormReluTrain and its gradient) are the same
 * kernels with the ReLU in the pass that writes y and its gradient's mask inside the two backward passes; the
 * shortcut variants (LgmBatchNormAddReluTrain) also add a residual shortcut before the ReLU, and their gradient
 * writes the masked dy once, as the shortcut's gradient.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { GradConfig, TensorInfo } from '@tensorflow/tfjs-core';
import {
  LGM_BATCH_NORM_ADD_RELU_TRAIN,
  LGM_BATCH_NORM_ADD_RELU_TRAIN_GRAD,
  LGM_BATCH_NORM_RELU_TRAIN,
  LGM_BATCH_NORM_RELU_TRAIN_GRAD,
  LGM_BATCH_NORM_TRAIN,
  LGM_BATCH_NORM_TRAIN_GRAD,
  type BatchNormTrainAttrs,
} from '../util/batch-norm-kernel.js';
import { allFloat32, input, numel, type NativeKernel } from './kernel.js';

/** [rows, channels] of x [..., C] when scale and the other per-channel inputs are vectors of C, else null. */
function rowsAndChannels(x: TensorInfo, perChannel: TensorInfo[]): Int32Array | null {
  const channels = x.shape.at(-1);
  if (channels === undefined || x.shape.length < 2 || !allFloat32(x, ...perChannel)) return null;
  const ok = perChannel.every((t) => t.shape.length === 1 && t.shape[0] === channels);
  return ok ? Int32Array.from([numel(x.shape) / channels, channels]) : null;
}

/** Which kernel: batch norm alone, then ReLU, or plus a shortcut and then ReLU. */
type Variant = 'plain' | 'relu' | 'add-relu';

/** The forward kernel of each variant (the addon's ReLU, and the shortcut, in the pass that writes y). */
function trainKernel(kernelName: string, variant: Variant): NativeKernel {
  return {
    kernelName,
    run({ inputs, attrs, memory, addon }) {
      const names = ['x', 'scale', 'offset', 'movingMean', 'movingVariance'];
      const [x, scale, offset, movingMean, movingVariance] = names.map((n) => input(inputs, n));
      const shortcut = variant === 'add-relu' ? input(inputs, 'shortcut') : undefined;
      const dims = rowsAndChannels(x!, [scale!, offset!, movingMean!, movingVariance!]);
      const shortcutFits = shortcut === undefined || tf.util.arraysEqual(shortcut.shape, x!.shape);
      if (dims === null || !allFloat32(shortcut) || !shortcutFits) return null;
      const c = dims[1]!;
      const outs = [[...x!.shape], [c], [c], [c], [c]].map((s) => memory.allocate(s));
      const [y, mean, variance, newMovingMean, newMovingVariance] = outs.map((o) => memory.view(o));
      const { varianceEpsilon, momentum } = attrs as unknown as BatchNormTrainAttrs;
      addon.batchNormTrain(
        memory.view(x!),
        memory.view(scale!),
        memory.view(offset!),
        y!,
        mean!,
        variance!,
        dims,
        varianceEpsilon,
        memory.view(movingMean!),
        memory.view(movingVariance!),
        // tfjs-layers multiplies by 1 - momentum as a float32 scalar tensor.
        Math.fround(1 - momentum),
        newMovingMean!,
        newMovingVariance!,
        variant !== 'plain',
        shortcut === undefined ? null : memory.view(shortcut),
      );
      return outs.map((o) => memory.finish(o));
    },
  };
}

export const batchNormTrainKernel = trainKernel(LGM_BATCH_NORM_TRAIN, 'plain');
export const batchNormReluTrainKernel = trainKernel(LGM_BATCH_NORM_RELU_TRAIN, 'relu');
export const batchNormAddReluTrainKernel = trainKernel(LGM_BATCH_NORM_ADD_RELU_TRAIN, 'add-relu');

/**
 * The gradient kernel of each variant: with a ReLU, dy masked by step(y) inside its passes; with a shortcut, the
 * masked dy also written out, as the shortcut's gradient.
 */
function trainGradKernel(kernelName: string, variant: Variant): NativeKernel {
  const relu = variant !== 'plain';
  return {
    kernelName,
    run({ inputs, attrs, memory, addon }) {
      const names = ['dy', 'x', 'scale', 'mean', 'variance', 'dmean', 'dvariance'];
      const [dy, x, scale, mean, variance, dmean, dvariance] = names.map((n) => input(inputs, n));
      const y = relu ? input(inputs, 'y') : undefined;
      const dims = rowsAndChannels(x!, [scale!, mean!, variance!, dmean!, dvariance!]);
      const sameShape = [dy!, ...(y ? [y] : [])].every((t) => tf.util.arraysEqual(t.shape, x!.shape));
      if (dims === null || !allFloat32(dy, y) || !sameShape) return null;
      const shapes = [
        [...x!.shape],
        [dims[1]!],
        [dims[1]!],
        ...(variant === 'add-relu' ? [[...x!.shape]] : []),
      ];
      const outs = shapes.map((s) => memory.allocate(s));
      const [dx, dscale, doffset, dshortcut] = outs.map((o) => memory.view(o));
      addon.batchNormTrainGrad(
        memory.view(dy!),
        memory.view(x!),
        memory.view(scale!),
        memory.view(mean!),
        memory.view(variance!),
        memory.view(dmean!),
        memory.view(dvariance!),
        dx!,
        dscale!,
        doffset!,
        dims,
        (attrs as unknown as BatchNormTrainAttrs).varianceEpsilon,
        y ? memory.view(y) : null,
        dshortcut ?? null,
      );
      return outs.map((o) => memory.finish(o));
    },
  };
}

export const batchNormTrainGradKernel = trainGradKernel(LGM_BATCH_NORM_TRAIN_GRAD, 'plain');
export const batchNormReluTrainGradKernel = trainGradKernel(LGM_BATCH_NORM_RELU_TRAIN_GRAD, 'relu');
export const batchNormAddReluTrainGradKernel = trainGradKernel(
  LGM_BATCH_NORM_ADD_RELU_TRAIN_GRAD,
  'add-relu',
);

const FORWARD = {
  plain: LGM_BATCH_NORM_TRAIN,
  relu: LGM_BATCH_NORM_RELU_TRAIN,
  'add-relu': LGM_BATCH_NORM_ADD_RELU_TRAIN,
};
const GRADIENT = {
  plain: LGM_BATCH_NORM_TRAIN_GRAD,
  relu: LGM_BATCH_NORM_RELU_TRAIN_GRAD,
  'add-relu': LGM_BATCH_NORM_ADD_RELU_TRAIN_GRAD,
};

/**
 * The gradient of each forward kernel: one call of its gradient kernel, which with a ReLU also keeps y (the mask)
 * and with a shortcut also gives the shortcut's gradient. Registered once for every backend; the forward kernels,
 * and so these gradients' use, exist only where the native kernels are registered. The engine passes zeros for
 * the statistics' gradients when only y reaches the loss (the batch-norm layer's case).
 */
function trainGradient(variant: Variant): GradConfig {
  const relu = variant !== 'plain';
  return {
    kernelName: FORWARD[variant],
    inputsToSave: ['x', 'scale'],
    outputsToSave: [relu, true, true, false, false],
    gradFunc(dys, saved, attrs) {
      const [dy, dmean, dvariance] = dys as tf.Tensor[];
      // Saved tensors come inputs first, then the saved outputs in order.
      const [x, scale, ...outputs] = saved;
      const [y, mean, variance] = relu ? outputs : [undefined, ...outputs];
      const [dx, dscale, doffset, dshortcut] = tf.engine().runKernel(
        GRADIENT[variant],
        {
          dy: dy!,
          x: x!,
          scale: scale!,
          mean: mean!,
          variance: variance!,
          dmean: dmean!,
          dvariance: dvariance!,
          ...(relu ? { y: y! } : {}),
        },
        attrs,
      ) as tf.Tensor[];
      // The moving averages are not differentiated (tfjs-layers updates them outside the graph of y); zeros keep
      // the tape whole should anyone ask for them.
      const zeros = () => tf.zerosLike(scale!);
      return {
        x: () => dx!,
        scale: () => dscale!,
        offset: () => doffset!,
        movingMean: zeros,
        movingVariance: zeros,
        ...(variant === 'add-relu' ? { shortcut: () => dshortcut! } : {}),
      };
    },
  };
}

export const batchNormTrainGradient = trainGradient('plain');
export const batchNormReluTrainGradient = trainGradient('relu');
export const batchNormAddReluTrainGradient = trainGradient('add-relu');
