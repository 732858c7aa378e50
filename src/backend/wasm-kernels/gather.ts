/**
 * GatherV2 along the first axis as row copies on the wasm heap. tfjs-backend-wasm 4.22 gathers element by
 * element; copying whole rows with TypedArray.set is orders of magnitude faster (docs/performance.md, "Measurements behind code choices").
 * Any other case (inner axis, batch dims, out-of-range indices) goes to the packaged kernel.
 */
import * as tf from '@tensorflow/tfjs-core';
import { asWasm, type KernelParams, type Temp } from './kernel-utils.js';

/** Wraps the packaged GatherV2 with the row-copy fast path. */
export function rowGather(packaged: tf.KernelFunc): tf.KernelFunc {
  return (params: KernelParams) => {
    const backend = asWasm(params.backend);
    const { x, indices } = params.inputs as { x: tf.TensorInfo; indices: tf.TensorInfo };
    const { axis, batchDims } = params.attrs as unknown as tf.GatherV2Attrs;
    const first = tf.util.parseAxisParam(axis, x.shape)[0] === 0;
    if (
      !first ||
      batchDims !== 0 ||
      x.dtype === 'string' ||
      x.dtype === 'complex64' ||
      x.shape.length === 0
    ) {
      return packaged(params);
    }
    const rows = x.shape[0];
    const idx = backend.typedArrayFromHeap(indices);
    for (let i = 0; i < idx.length; i++) if (!(idx[i] >= 0 && idx[i] < rows)) return packaged(params);
    const rowShape = x.shape.slice(1);
    const row = tf.util.sizeFromShape(rowShape);
    const out: Temp = backend.makeOutput([...indices.shape, ...rowShape], x.dtype);
    // Views only after the allocation: makeOutput may grow (and detach) the heap.
    const src = backend.typedArrayFromHeap(x);
    const dst = backend.typedArrayFromHeap(out);
    const ids = backend.typedArrayFromHeap(indices);
    for (let i = 0; i < ids.length; i++) dst.set(src.subarray(ids[i] * row, ids[i] * row + row), i * row);
    return out;
  };
}
