import type { KernelBackend, TensorInfo } from '@tensorflow/tfjs-core';

/**
 * Float32 views of a backend's tensors for the native kernels, without copies:
 * - 'wasm': tensors live in the WebAssembly heap; a view covers the tensor's bytes there.
 * - 'cpu': tensors are plain Float32Arrays; outputs are new arrays handed to the backend as they are.
 * Views of the wasm heap are only valid until the next allocation (the heap may grow and move), so a kernel
 * allocates all its outputs first (`allocate`), then takes every view (`views`), then calls the addon.
 */
export interface TensorMemory {
  allocate(shape: number[]): TensorInfo;
  view(info: TensorInfo): Float32Array;
  /** Hands a finished output back to the backend (cpu: stores the array). */
  finish(info: TensorInfo): TensorInfo;
  /** A second reference to `info`'s data without a copy, or null where the backend's own kernel already shares. */
  share(info: TensorInfo): TensorInfo | null;
}

interface WasmBackendLike {
  incRef(dataId: object): void;
  makeOutput(shape: number[], dtype: 'float32'): TensorInfo;
  typedArrayFromHeap(info: TensorInfo): Float32Array;
}

interface CpuBackendLike {
  data: { get(dataId: object): { values?: unknown } | undefined };
  makeTensorInfo(shape: number[], dtype: 'float32', values: Float32Array): TensorInfo;
}

const size = (shape: readonly number[]) => shape.reduce((a, b) => a * b, 1);

function wasmMemory(backend: WasmBackendLike): TensorMemory {
  return {
    allocate: (shape) => backend.makeOutput(shape, 'float32'),
    view: (info) => backend.typedArrayFromHeap(info),
    finish: (info) => info,
    // Reference-counted like the wasm backend's own Reshape: the data is freed when the last reference goes.
    share(info) {
      backend.incRef(info.dataId);
      return { dataId: info.dataId, shape: info.shape, dtype: info.dtype };
    },
  };
}

function cpuMemory(backend: CpuBackendLike): TensorMemory {
  const pending = new Map<object, Float32Array>();
  return {
    allocate(shape) {
      const values = new Float32Array(size(shape));
      const info = { dataId: {}, shape, dtype: 'float32' as const };
      pending.set(info.dataId, values);
      return info;
    },
    view(info) {
      const values = pending.get(info.dataId) ?? backend.data.get(info.dataId)?.values;
      // The cpu backend's Cast from int32 to float32 keeps the Int32Array: read such an input through a copy.
      if (values instanceof Int32Array || values instanceof Uint8Array) return Float32Array.from(values);
      if (!(values instanceof Float32Array)) {
        throw new Error(`lgm native: cpu tensor ${info.shape.join('x')} has no float32 values`);
      }
      return values;
    },
    finish(info) {
      const values = pending.get(info.dataId);
      if (values === undefined) return info;
      pending.delete(info.dataId);
      return backend.makeTensorInfo(info.shape, 'float32', values);
    },
    share: () => null,
  };
}

/** The backends whose memory the native kernels can share. */
export const NATIVE_BACKENDS = ['wasm', 'cpu'] as const;
export type NativeBackendName = (typeof NATIVE_BACKENDS)[number];

/** Memory access for `backend`, which is an instance of the backend named `backendName`. */
export function tensorMemory(backendName: NativeBackendName, backend: KernelBackend): TensorMemory {
  return backendName === 'wasm'
    ? wasmMemory(backend as unknown as WasmBackendLike)
    : cpuMemory(backend as unknown as CpuBackendLike);
}
