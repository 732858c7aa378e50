import * as tf from '@tensorflow/tfjs-core';
import type { GradConfig, KernelConfig, KernelFunc, TensorInfo } from '@tensorflow/tfjs-core';
import { LgmError } from '../util/errors.js';
import { loadAddon, type NativeAddon } from './addon.js';
import {
  conv2DBackpropFilterKernel,
  conv2DBackpropInputKernel,
  conv2DKernel,
  fusedConv2DKernel,
} from './conv.js';
import type { NativeKernel } from './kernel.js';
import { batchMatMulKernel, fusedMatMulKernel } from './matmul.js';
import { NATIVE_BACKENDS, tensorMemory, type NativeBackendName } from './memory.js';
import { avgPoolGradKernel, avgPoolKernel, maxPoolGradKernel, maxPoolKernel } from './pool.js';
import { nativePreluGradient, preluGradKernel, preluKernel } from './prelu.js';
import { sgdUpdateKernel } from './sgd.js';
import { identityKernel } from './identity.js';
import { sumKernel } from './sum.js';
import { tileKernel } from './tile.js';
import { ELEMENTWISE_KERNELS, nativeReluGradient } from './elementwise.js';
import { padKernel, sliceKernel } from './slice.js';
import { lgmDistanceGradKernel, lgmDistanceKernel } from './distance.js';
import { lgmLossGradKernel, lgmLossKernel } from './loss.js';
import {
  batchNormGradKernel,
  castKernel,
  fusedBatchNormKernel,
  meanKernel,
  nativeBatchNormGradient,
  nativeMeanGradient,
} from './batchnorm.js';
import {
  batchNormAddReluTrainGradKernel,
  batchNormAddReluTrainGradient,
  batchNormAddReluTrainKernel,
  batchNormReluTrainGradKernel,
  batchNormReluTrainGradient,
  batchNormReluTrainKernel,
  batchNormTrainGradKernel,
  batchNormTrainGradient,
  batchNormTrainKernel,
} from './batchnorm-train.js';
import { addReluGradient, addReluKernel } from './add-relu.js';

/** Every kernel the addon implements. */
export const NATIVE_KERNELS: readonly NativeKernel[] = [
  conv2DKernel,
  fusedConv2DKernel,
  conv2DBackpropInputKernel,
  conv2DBackpropFilterKernel,
  batchMatMulKernel,
  fusedMatMulKernel,
  maxPoolKernel,
  maxPoolGradKernel,
  avgPoolKernel,
  avgPoolGradKernel,
  preluKernel,
  preluGradKernel,
  sgdUpdateKernel,
  sumKernel,
  tileKernel,
  sliceKernel,
  padKernel,
  identityKernel,
  ...ELEMENTWISE_KERNELS,
  lgmDistanceKernel,
  lgmDistanceGradKernel,
  lgmLossKernel,
  lgmLossGradKernel,
  fusedBatchNormKernel,
  batchNormGradKernel,
  meanKernel,
  castKernel,
  batchNormTrainKernel,
  batchNormTrainGradKernel,
  addReluKernel,
  batchNormReluTrainKernel,
  batchNormReluTrainGradKernel,
  batchNormAddReluTrainKernel,
  batchNormAddReluTrainGradKernel,
];

/** Backend name -> the kernels replaced there, with the backend's own config (undefined where it had none). */
const replaced = new Map<string, Map<string, KernelConfig | undefined>>();
/** Kernel name -> calls served natively / handed back to the backend's own kernel, since the last reset. */
const calls = new Map<string, { native: number; fallback: number }>();
let lastReason = '';

function kernelFunc(
  kernel: NativeKernel,
  backendName: NativeBackendName,
  addon: NativeAddon,
  own?: KernelConfig,
) {
  const func: KernelFunc = (args) => {
    const memory = tensorMemory(backendName, args.backend as tf.KernelBackend);
    const out = kernel.run({ inputs: args.inputs, attrs: args.attrs ?? {}, memory, addon });
    const count = calls.get(kernel.kernelName) ?? { native: 0, fallback: 0 };
    calls.set(kernel.kernelName, count);
    if (out !== null) {
      count.native++;
      return out;
    }
    count.fallback++;
    if (own === undefined) {
      const shapes = Object.values(args.inputs).map((t) =>
        t ? `${t.dtype} [${t.shape.join(',')}]` : 'none',
      );
      throw new LgmError(
        `lgm native ${kernel.kernelName}: inputs must be float32 NHWC within the addon's support ` +
          `(backend '${backendName}' has no own kernel to fall back on), got ${shapes.join(', ')}`,
      );
    }
    return own.kernelFunc(args) as TensorInfo;
  };
  return func;
}

/**
 * Gradients replaced while native kernels are registered on any backend: each replacement runs native kernels on
 * a backend that has them and the TF.js gradient it replaced (kept in `ownGradients`) everywhere else.
 */
const NATIVE_GRADIENTS: readonly {
  kernelName: string;
  make(own: GradConfig, useNative: (backendName: string) => boolean): GradConfig;
}[] = [
  { kernelName: 'Prelu', make: nativePreluGradient },
  { kernelName: 'FusedBatchNorm', make: nativeBatchNormGradient },
  { kernelName: 'Mean', make: nativeMeanGradient },
  { kernelName: 'Relu', make: nativeReluGradient },
];
const ownGradients = new Map<string, GradConfig>();

function swapGradients() {
  // The gradients of lgm's own kernels (batch norm in training, add + ReLU) have no TF.js original to swap with:
  // registered once.
  const own = [
    batchNormTrainGradient,
    batchNormReluTrainGradient,
    batchNormAddReluTrainGradient,
    addReluGradient,
  ];
  for (const gradient of own) {
    if (tf.getGradient(gradient.kernelName) === undefined) tf.registerGradient(gradient);
  }
  for (const { kernelName, make } of NATIVE_GRADIENTS) {
    const own = ownGradients.get(kernelName);
    if (replaced.size > 0 && own === undefined) {
      const tfjs = tf.getGradient(kernelName);
      if (tfjs !== undefined) {
        ownGradients.set(kernelName, tfjs);
        tf.registerGradient(make(tfjs, (name) => replaced.has(name)));
      }
    } else if (replaced.size === 0 && own !== undefined) {
      tf.registerGradient(own);
      ownGradients.delete(kernelName);
    }
  }
}

/**
 * Registers the native kernels on `backendName` ('wasm' or 'cpu'), replacing that backend's own kernels of the
 * same names (each falls back to the replaced kernel for cases the addon does not handle). Returns false when the
 * addon is unavailable or the backend unsupported; `nativeKernelsReason()` then says why. Idempotent.
 */
export function registerNativeKernels(backendName: string): boolean {
  if (typeof backendName !== 'string') {
    throw new LgmError(`registerNativeKernels: backendName must be a string, got ${typeof backendName}`);
  }
  if (!(NATIVE_BACKENDS as readonly string[]).includes(backendName)) {
    lastReason = `backend '${backendName}' is not one of ${NATIVE_BACKENDS.join(', ')}`;
    return false;
  }
  const { addon, reason } = loadAddon();
  if (addon === null) {
    lastReason = reason;
    return false;
  }
  if (replaced.has(backendName)) return true;
  const saved = new Map<string, KernelConfig | undefined>();
  for (const kernel of NATIVE_KERNELS) {
    const own = tf.getKernel(kernel.kernelName, backendName);
    if (own !== undefined) tf.unregisterKernel(kernel.kernelName, backendName);
    saved.set(kernel.kernelName, own);
    tf.registerKernel({
      kernelName: kernel.kernelName,
      backendName,
      kernelFunc: kernelFunc(kernel, backendName as NativeBackendName, addon, own),
    });
  }
  replaced.set(backendName, saved);
  swapGradients();
  lastReason = '';
  return true;
}

/** Puts back the backend's own kernels (for comparisons and tests). Returns false when none were registered. */
export function unregisterNativeKernels(backendName: string): boolean {
  const saved = replaced.get(backendName);
  if (saved === undefined) return false;
  for (const [kernelName, own] of saved) {
    tf.unregisterKernel(kernelName, backendName);
    if (own !== undefined) tf.registerKernel(own);
  }
  replaced.delete(backendName);
  swapGradients();
  return true;
}

/** Whether native kernels are registered on `backendName`. */
export function nativeKernelsRegistered(backendName: string): boolean {
  return replaced.has(backendName);
}

/**
 * How often each native kernel ran natively or fell back to the backend's own kernel since the last call with
 * `reset` (benchmarks and tests use it to see that the native path was taken).
 */
export function nativeKernelCalls(reset = false): Record<string, { native: number; fallback: number }> {
  const snapshot = Object.fromEntries([...calls].map(([name, c]) => [name, { ...c }]));
  if (reset) calls.clear();
  return snapshot;
}

/** Why the last `registerNativeKernels` call returned false ('' after a success). */
export function nativeKernelsReason(): string {
  return lastReason;
}
