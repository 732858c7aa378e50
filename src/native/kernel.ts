import * as tf from '@tensorflow/tfjs-core';
import type { GradConfig, NamedAttrMap, NamedTensorInfoMap, TensorInfo } from '@tensorflow/tfjs-core';
import type { NativeAddon } from './addon.js';
import type { TensorMemory } from './memory.js';

/** What a native kernel gets: the TF.js kernel inputs/attributes, the backend's memory and the addon. */
export interface NativeKernelArgs {
  inputs: NamedTensorInfoMap;
  attrs: NamedAttrMap;
  memory: TensorMemory;
  addon: NativeAddon;
}

/** A TF.js kernel implemented by the addon. */
export interface NativeKernel {
  kernelName: string;
  /**
   * Computes the output natively, or returns null when these inputs/attributes are outside what the addon
   * implements (non-float32, NCHW, a fused PReLU, ...): the backend's own kernel then runs instead.
   */
  run(args: NativeKernelArgs): TensorInfo | TensorInfo[] | null;
}

export const numel = (shape: readonly number[]) => shape.reduce((a, b) => a * b, 1);

/** True when every tensor is float32 and non-empty (the addon's kernels are float32-only). */
export function allFloat32(...infos: (TensorInfo | undefined)[]): boolean {
  return infos.every((t) => t === undefined || (t.dtype === 'float32' && numel(t.shape) > 0));
}

/** The input called `name` (TF.js always passes a kernel's required inputs; this satisfies the type checker). */
export function input(inputs: NamedTensorInfoMap, name: string): TensorInfo {
  const t = inputs[name];
  if (t === undefined) throw new Error(`lgm native: missing kernel input '${name}'`);
  return t;
}

/** A view of an optional tensor, or null when it is absent (the addon's optional arguments). */
export function viewOrNull(memory: TensorMemory, info: TensorInfo | null | undefined): Float32Array | null {
  return info ? memory.view(info) : null;
}

/** What a gradient function returns: one closure per input. */
export type GradientClosures = ReturnType<GradConfig['gradFunc']>;

/**
 * A gradient that runs `native(dy, saved, attrs)` where `useNative(current backend)` says the native kernels are
 * registered and `native` handles the case (it returns null otherwise), else TF.js's own gradient (`original`).
 */
export function nativeGradient(
  original: GradConfig,
  useNative: (backendName: string) => boolean,
  native: (dy: tf.Tensor, saved: tf.Tensor[], attrs: NamedAttrMap) => GradientClosures | null,
): GradConfig {
  return {
    ...original,
    gradFunc(dy, saved, attrs) {
      const grad = dy as tf.Tensor;
      const out = useNative(tf.getBackend()) && grad.dtype === 'float32' ? native(grad, saved, attrs) : null;
      return out ?? original.gradFunc(dy, saved, attrs);
    },
  };
}
