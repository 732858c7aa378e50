/**
 * The kernels that let the wasm backend train CNNs, registered by `registerWasmTrainingKernels`. Each is built
 * from kernels wasm runs fast (XNNPACK convolutions, transposes) or is a short loop on the wasm heap. Faster
 * implementations (e.g. native ones) can replace any of them afterwards with tf.unregisterKernel/registerKernel.
 */
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-wasm';
import { conv2dBackpropFilter, conv2dBackpropInput } from './wasm-kernels/conv2d-gradients.js';
import {
  depthwiseConv2dBackpropFilter,
  depthwiseConv2dBackpropInput,
} from './wasm-kernels/depthwise-gradients.js';
import { maxPoolGrad } from './wasm-kernels/max-pool-grad.js';
import { untransposedMatMul } from './wasm-kernels/matmul.js';
import { oneHot, unsortedSegmentSum } from './wasm-kernels/segment-one-hot.js';
import { rowGather } from './wasm-kernels/gather.js';

/** Kernels added (missing in tfjs-backend-wasm 4.22) or replaced (wrong or slow there), by name. */
export const WASM_TRAINING_KERNELS: Readonly<Record<string, string>> = {
  Conv2DBackpropFilter: 'missing: one XNNPACK convolution of the transposed input with dy as filter',
  Conv2DBackpropInput: 'slow naive loop: replaced by a convolution of dy with the rotated filter',
  DepthwiseConv2dNativeBackpropFilter: 'missing',
  DepthwiseConv2dNativeBackpropInput: 'missing',
  MaxPoolGrad: 'wrong for windows whose values are all negative',
  BatchMatMul: '>10x slower with transposed operands: transposed first',
  _FusedMatMul: 'as BatchMatMul',
  UnsortedSegmentSum: 'missing (gradient of gather)',
  OneHot: 'wrong for float32 output (integer bits written)',
  GatherV2: 'element-by-element: row gathers (axis 0) copied as whole rows',
};

let registered = false;

/** The kernels tfjs-backend-wasm itself registered, captured when this module loads. */
const packaged = new Map(
  Object.keys(WASM_TRAINING_KERNELS).map((name) => [name, tf.getKernel(name, 'wasm')?.kernelFunc]),
);

/**
 * Registers kernelFunc, keeping the setupFunc of the kernel it replaces (wrapped kernels need it to run). A kernel
 * that someone else already replaced (not the one tfjs-backend-wasm registered) is left in place.
 */
function replace(kernelName: string, kernelFunc: tf.KernelFunc): void {
  const previous = tf.getKernel(kernelName, 'wasm');
  if (previous?.kernelFunc !== packaged.get(kernelName)) return;
  if (previous !== undefined) tf.unregisterKernel(kernelName, 'wasm');
  tf.registerKernel({ kernelName, backendName: 'wasm', kernelFunc, setupFunc: previous?.setupFunc });
}

/**
 * Registers the training kernels of WASM_TRAINING_KERNELS for the 'wasm' backend (initBackend calls it).
 * Idempotent: later calls do nothing. Overrides survive either order: a kernel registered after the first call
 * stays, and one that already replaced tfjs's own before the first call is not touched.
 */
export function registerWasmTrainingKernels(): void {
  if (registered) return;
  registered = true;
  const original = (name: string): tf.KernelFunc => {
    const config = tf.getKernel(name, 'wasm');
    if (config === undefined)
      throw new Error(`registerWasmTrainingKernels: wasm has no ${name} kernel to wrap`);
    return config.kernelFunc;
  };
  replace('BatchMatMul', untransposedMatMul(original('BatchMatMul')));
  replace('_FusedMatMul', untransposedMatMul(original('_FusedMatMul')));
  replace('Conv2DBackpropFilter', conv2dBackpropFilter);
  replace('Conv2DBackpropInput', conv2dBackpropInput);
  replace('DepthwiseConv2dNativeBackpropFilter', depthwiseConv2dBackpropFilter);
  replace('DepthwiseConv2dNativeBackpropInput', depthwiseConv2dBackpropInput);
  replace('MaxPoolGrad', maxPoolGrad);
  replace('UnsortedSegmentSum', unsortedSegmentSum);
  replace('OneHot', oneHot);
  replace('GatherV2', rowGather(original('GatherV2')));
}
