/**
 * Helpers for wasm kernels written in TypeScript. They compose the kernels the wasm backend already has (called
 * directly by kernel function, as backends do internally, so nothing is recorded on the gradient tape) and read or
 * write the wasm heap for the small loops that have no fast wasm kernel.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';

/** A TensorInfo made by these helpers: the caller must release it with `release`. */
export type Temp = tf.TensorInfo;

/** Runs the kernel currently registered for `name` on wasm (possibly an override) and returns its one output. */
export function callKernel(
  backend: BackendWasm,
  name: string,
  inputs: tf.NamedTensorInfoMap,
  attrs: tf.NamedAttrMap = {},
): Temp {
  const out = tf.getKernel(name, 'wasm').kernelFunc({ inputs, backend, attrs });
  if (Array.isArray(out)) throw new Error(`callKernel: ${name} returned ${out.length} outputs, expected one`);
  return out;
}

/** Releases intermediate TensorInfos (each holds one reference to its data). */
export function release(backend: BackendWasm, ...infos: Temp[]): void {
  for (const info of infos) backend.disposeData(info.dataId);
}

/** Transpose through the wasm kernel. */
export function transpose(backend: BackendWasm, x: tf.TensorInfo, perm: number[]): Temp {
  return callKernel(backend, 'Transpose', { x }, { perm });
}

/**
 * Views of float32 tensors on the wasm heap. Take them only after every allocation of the kernel (makeOutput
 * can grow the memory, which detaches earlier views of a growable memory).
 */
export function floatViews(backend: BackendWasm, ...infos: tf.TensorInfo[]): Float32Array[] {
  return infos.map((info) => {
    if (info.dtype !== 'float32') throw new Error(`floatViews: expected float32, got ${info.dtype}`);
    return backend.typedArrayFromHeap(info) as Float32Array;
  });
}

/** A fresh output of the given shape, filled with zeros (wasm's allocator does not clear memory). */
export function zerosOutput(backend: BackendWasm, shape: number[], dtype: tf.DataType = 'float32'): Temp {
  const out = backend.makeOutput(shape, dtype);
  backend.typedArrayFromHeap(out).fill(0);
  return out;
}

/** The wasm backend instance, as kernel functions receive it. */
export function asWasm(backend: unknown): BackendWasm {
  return backend as BackendWasm;
}

/** What a kernel function receives: inputs, the backend and attributes. */
export type KernelParams = Parameters<tf.KernelFunc>[0];
