/**
 * Batch normalisation in training, natively. TF.js trains a batch-norm layer with tf.moments (Cast, Mean, Sub,
 * Square, Mean) and FusedBatchNorm forward, and about 30 full-size kernels backward (FusedBatchNorm's gradient:
 * a sub, ~10 muls, a full-size tile, four sums; each Mean's gradient: a ones tensor made in JS and uploaded, a
 * mul and a div; Square's: a cast copy and two muls). In a ResNet-20 step at batch 128 that was more time than
 * the convolutions (docs/performance.md). Here:
 * - FusedBatchNorm forward: one pass; its gradient: one kernel (LgmBatchNormGrad) of two passes, all five
 *   gradients at once;
 * - Mean over leading or trailing axes: the native sum, scaled; its gradient: dy / size tiled out (one pass, the
 *   same values as TF.js's (dy * 1) / size);
 * - Cast to the same dtype: shares the data (wasm copies it) as cpu's Cast and both backends' Reshape do.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { GradConfig, TensorInfo } from '@tensorflow/tfjs-core';
import { allFloat32, input, nativeGradient, numel, viewOrNull, type NativeKernel } from './kernel.js';
import { sumKernel } from './sum.js';

/** lgm's kernel name of the fused batch-norm gradient (outputs dx, dmean, dvariance, dscale, doffset). */
export const LGM_BATCH_NORM_GRAD = 'LgmBatchNormGrad';

/**
 * Rows and channels when x [..., C] and every per-channel input has C values as a vector (or is absent), else
 * null: the backend's kernel (or TF.js's gradient) then handles the other broadcasts.
 */
function channelPlan(x: TensorInfo, perChannel: (TensorInfo | undefined | null)[]) {
  const channels = x.shape.at(-1);
  if (channels === undefined || x.shape.length < 2 || !allFloat32(x)) return null;
  const ok = perChannel.every(
    (t) => t == null || (t.shape.length === 1 && t.shape[0] === channels && allFloat32(t)),
  );
  return ok ? Int32Array.from([numel(x.shape) / channels, channels]) : null;
}

export const fusedBatchNormKernel: NativeKernel = {
  kernelName: 'FusedBatchNorm',
  run({ inputs, attrs, memory, addon }) {
    const [x, mean, variance] = [input(inputs, 'x'), input(inputs, 'mean'), input(inputs, 'variance')];
    const { offset, scale } = inputs;
    const dims = channelPlan(x, [mean, variance, offset, scale]);
    if (dims === null) return null;
    const y = memory.allocate([...x.shape]);
    addon.batchNorm(
      memory.view(x),
      memory.view(mean),
      memory.view(variance),
      viewOrNull(memory, offset),
      viewOrNull(memory, scale),
      memory.view(y),
      dims,
      attrs.varianceEpsilon as number,
    );
    return memory.finish(y);
  },
};

export const batchNormGradKernel: NativeKernel = {
  kernelName: LGM_BATCH_NORM_GRAD,
  run({ inputs, attrs, memory, addon }) {
    const [dy, x, mean, variance] = ['dy', 'x', 'mean', 'variance'].map((n) => input(inputs, n));
    const { scale } = inputs;
    const dims = channelPlan(x, [mean, variance, scale]);
    if (dims === null || !allFloat32(dy)) return null;
    const outs = [[...x.shape], ...Array.from({ length: 4 }, () => [dims[1]])].map((s) => memory.allocate(s));
    const [dx, dmean, dvariance, dscale, doffset] = outs.map((o) => memory.view(o));
    addon.batchNormGrad(
      memory.view(dy),
      memory.view(x),
      memory.view(mean),
      memory.view(variance),
      viewOrNull(memory, scale),
      dx,
      dmean,
      dvariance,
      dscale,
      doffset,
      dims,
      attrs.varianceEpsilon as number,
    );
    return outs.map((o) => memory.finish(o));
  },
};

/** Mean over leading or trailing axes: the native Sum kernel, then the (small or row-sized) result scaled. */
export const meanKernel: NativeKernel = {
  kernelName: 'Mean',
  run(args) {
    const x = input(args.inputs, 'x');
    const out = sumKernel.run(args);
    if (out === null || Array.isArray(out)) return null;
    const size = numel(x.shape) / numel(out.shape);
    const values = args.memory.view(out);
    for (let i = 0; i < values.length; i++) values[i] /= size;
    return out;
  },
};

/** Cast to the dtype a tensor already has: a second reference to its data (wasm copies; cpu already shares). */
export const castKernel: NativeKernel = {
  kernelName: 'Cast',
  run: ({ inputs, attrs, memory }) => {
    const x = input(inputs, 'x');
    return attrs.dtype === x.dtype ? memory.share(x) : null;
  },
};

/**
 * FusedBatchNorm's gradient as one native kernel where `useNative(backend)` and the shapes fit (x [..., C], mean,
 * variance and scale vectors of C); otherwise TF.js's own (`original`).
 */
export function nativeBatchNormGradient(
  original: GradConfig,
  useNative: (backendName: string) => boolean,
): GradConfig {
  return nativeGradient(original, useNative, (dy, saved, attrs) => {
    const [x, mean, variance, scale] = saved as (tf.Tensor | undefined)[];
    if (x === undefined || mean === undefined || variance === undefined) return null;
    if (channelPlan(x, [mean, variance, scale]) === null) return null;
    const inputs: tf.NamedTensorMap = { dy, x, mean, variance };
    if (scale != null) inputs.scale = scale;
    // Run once, eagerly (this runs in the backward pass's scope): the closures hand out the five results.
    const [dx, dmean, dvariance, dscale, doffset] = tf
      .engine()
      .runKernel(LGM_BATCH_NORM_GRAD, inputs, attrs) as tf.Tensor[];
    return {
      x: () => dx,
      mean: () => dmean,
      variance: () => dvariance,
      scale: () => dscale,
      offset: () => doffset,
    };
  });
}

/**
 * Mean's gradient as dy / size tiled to x's shape (one pass) where `useNative(backend)`, else TF.js's own. The
 * values are TF.js's: it computes (dy * 1) / size per element.
 */
export function nativeMeanGradient(
  original: GradConfig,
  useNative: (backendName: string) => boolean,
): GradConfig {
  return nativeGradient(original, useNative, (dy, saved, attrs) => {
    const [x] = saved;
    const axes = tf.util.parseAxisParam(attrs.axis as number | number[], x.shape);
    const expanded = x.shape.map((d, i) => (axes.includes(i) ? 1 : d));
    const size = axes.reduce((s, a) => s * x.shape[a], 1);
    return { x: () => tf.broadcastTo(tf.div(tf.reshape(dy, expanded), size), x.shape) };
  });
}
