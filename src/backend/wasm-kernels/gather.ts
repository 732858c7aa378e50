/**
 * GatherV2 along the first axis as row copies on the wasm heap. tfjs-backend-wasm 4.22 gathers element by
 * element; copying whole rows with TypedArray.set is orders of magnitude faster (docs/performance.md,
 * "Measurements behind code choices"). With batch dims (e.g. gather(x [N,K], idx [N,1], 1, 1), one value per
 * row) the packaged kernel reads outside its buffers (RuntimeError: memory access out of bounds, depending on
 * where the tensors sit on the heap), so that case is computed here too. Any other case (an inner axis without
 * batch dims, out-of-range indices) goes to the packaged kernel.
 */
import * as tf from '@tensorflow/tfjs-core';
import { asWasm, type KernelParams, type Temp } from './kernel-utils.js';

/** Wraps the packaged GatherV2 with the row-copy fast path. */
export function rowGather(packaged: tf.KernelFunc): tf.KernelFunc {
  return (params: KernelParams) => {
    const backend = asWasm(params.backend);
    const { x, indices } = params.inputs as { x: tf.TensorInfo; indices: tf.TensorInfo };
    const { axis, batchDims } = params.attrs as unknown as tf.GatherV2Attrs;
    const parsedAxis = tf.util.parseAxisParam(axis, x.shape)[0];
    if (x.dtype === 'string' || x.dtype === 'complex64' || x.shape.length === 0) return packaged(params);
    if (batchDims !== 0) return batchGather(backend, x, indices, parsedAxis, batchDims) ?? packaged(params);
    if (parsedAxis !== 0) return packaged(params);
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

/**
 * GatherV2 with batch dims on the heap: x viewed as [batch, outer, dim, slice], indices as [batch, perBatch];
 * out[b, o, i, s] = x[b, o, indices[b, i], s]. Undefined (the caller falls back) when an index is out of range,
 * so the packaged kernel's own error reports it.
 */
function batchGather(
  backend: ReturnType<typeof asWasm>,
  x: tf.TensorInfo,
  indices: tf.TensorInfo,
  axis: number,
  batchDims: number,
): Temp | undefined {
  const info = tf.backend_util.segment_util.collectGatherOpShapeInfo(
    x as tf.Tensor,
    indices as tf.Tensor,
    axis,
    batchDims,
  );
  const { batchSize, outerSize, dimSize, sliceSize } = info;
  const ids = backend.typedArrayFromHeap(indices);
  for (let i = 0; i < ids.length; i++) if (!(ids[i] >= 0 && ids[i] < dimSize)) return undefined;
  const perBatch = batchSize === 0 ? 0 : ids.length / batchSize;
  const out: Temp = backend.makeOutput(info.outputShape, x.dtype);
  // Views only after the allocation: makeOutput may grow (and detach) the heap.
  const src = backend.typedArrayFromHeap(x);
  const dst = backend.typedArrayFromHeap(out);
  const idx = backend.typedArrayFromHeap(indices);
  let at = 0;
  for (let b = 0; b < batchSize; b++) {
    for (let o = 0; o < outerSize; o++) {
      const base = (b * outerSize + o) * dimSize;
      for (let i = 0; i < perBatch; i++) {
        const from = (base + idx[b * perBatch + i]) * sliceSize;
        if (sliceSize === 1) dst[at] = src[from];
        else dst.set(src.subarray(from, from + sliceSize), at);
        at += sliceSize;
      }
    }
  }
  return out;
}
