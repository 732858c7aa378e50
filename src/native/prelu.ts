import * as tf from '@tensorflow/tfjs-core';
import type { GradConfig, TensorInfo } from '@tensorflow/tfjs-core';
import '../util/tf-gradients.js';
import {
  allFloat32,
  input,
  nativeGradient,
  numel,
  type NativeKernel,
  type NativeKernelArgs,
} from './kernel.js';

/**
 * Kernel name of the PReLU gradient (lgm's own; TF.js composes 5+ kernels instead): both halves in one kernel and
 * one pass over dy and x, outputs [dx, dalpha].
 */
export const PRELU_GRAD = 'LgmPreluGrad';

/**
 * The period of alpha along x's flat layout when alpha broadcasts as a trailing block (a scalar, one slope per
 * channel as with `sharedAxes: [1, 2]`, or x's full trailing shape): slope of element i = alpha[i mod period].
 * Null for any other broadcast.
 */
export function preluPeriod(x: TensorInfo, alpha: TensorInfo): number | null {
  const trailing = [...alpha.shape];
  while (trailing.length > 0 && trailing[0] === 1) trailing.shift();
  if (trailing.length > x.shape.length) return null;
  const suffix = x.shape.slice(x.shape.length - trailing.length);
  return trailing.every((d, i) => d === suffix[i]) && allFloat32(x, alpha) ? numel(trailing) : null;
}

/**
 * PReLU forward, y = x > 0 ? x : alpha x: the same select as the input half of the gradient with dy = x, so it
 * runs on that kernel (preluGradInput(x, x, alpha, y)). wasm's own Prelu is a scalar loop, a visible part of a
 * LeNet++ step (docs/performance.md, "Measurements behind code choices").
 */
export const preluKernel: NativeKernel = {
  kernelName: 'Prelu',
  run({ inputs, memory, addon }) {
    const [x, alpha] = [input(inputs, 'x'), input(inputs, 'alpha')];
    const period = preluPeriod(x, alpha);
    if (period === null) return null;
    const y = memory.allocate([...x.shape]);
    const xs = memory.view(x);
    addon.preluGradInput(
      xs,
      xs,
      memory.view(alpha),
      memory.view(y),
      Int32Array.from([numel(x.shape), period]),
    );
    return memory.finish(y);
  },
};

/** The inputs of the gradient and the addon's dims [numel(x), period], or null if unsupported. */
function gradArgs(inputs: NativeKernelArgs['inputs']) {
  const [dy, x, alpha] = [input(inputs, 'dy'), input(inputs, 'x'), input(inputs, 'alpha')];
  const period = preluPeriod(x, alpha);
  if (period === null || !allFloat32(dy)) return null;
  return { dy, x, alpha, dims: Int32Array.from([numel(x.shape), period]) };
}

export const preluGradKernel: NativeKernel = {
  kernelName: PRELU_GRAD,
  run({ inputs, memory, addon }) {
    const a = gradArgs(inputs);
    if (a === null) return null;
    const dx = memory.allocate(a.x.shape);
    const dalpha = memory.allocate(a.alpha.shape);
    addon.preluGrad(
      memory.view(a.dy),
      memory.view(a.x),
      memory.view(a.alpha),
      memory.view(dx),
      memory.view(dalpha),
      a.dims,
    );
    return [memory.finish(dx), memory.finish(dalpha)];
  },
};

/**
 * The Prelu gradient as one native kernel (both halves in one pass) where `useNative(backendName)` says they are
 * registered and alpha broadcasts as a trailing block; otherwise TF.js's own gradient (`original`).
 */
export function nativePreluGradient(
  original: GradConfig,
  useNative: (backendName: string) => boolean,
): GradConfig {
  return nativeGradient(original, useNative, (dy, saved) => {
    const [x, alpha] = saved as [tf.Tensor, tf.Tensor];
    if (preluPeriod(x, alpha) === null || tf.getKernel(PRELU_GRAD, tf.getBackend()) === undefined)
      return null;
    // Both halves at once, eagerly (this runs in the backward pass's scope, which disposes an unused half).
    const [dx, dalpha] = tf.engine().runKernel(PRELU_GRAD, { dy, x, alpha }) as tf.Tensor[];
    return { x: () => dx, alpha: () => dalpha };
  });
}
