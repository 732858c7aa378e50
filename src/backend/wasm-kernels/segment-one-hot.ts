/**
 * Index kernels as plain loops on the wasm heap: UnsortedSegmentSum (missing in wasm 4.22; the gradient of
 * gather needs it) and OneHot (4.22 writes the integer bit pattern of on/off into float32 outputs).
 */
import * as tf from '@tensorflow/tfjs-core';
import { asWasm, zerosOutput, type KernelParams, type Temp } from './kernel-utils.js';

/** inputs {x, segmentIds}, attrs {numSegments}: out[s] = sum of x[i] with segmentIds[i] = s (others dropped). */
export function unsortedSegmentSum({ inputs, backend: b, attrs }: KernelParams): Temp {
  const backend = asWasm(b);
  const { x, segmentIds } = inputs as { x: tf.TensorInfo; segmentIds: tf.TensorInfo };
  const { numSegments } = attrs as unknown as tf.UnsortedSegmentSumAttrs;
  const numIds = tf.util.sizeFromShape(segmentIds.shape);
  const rowShape = x.shape.slice(segmentIds.shape.length);
  const row = tf.util.sizeFromShape(rowShape);
  const out = zerosOutput(backend, [numSegments, ...rowShape], x.dtype);
  const src = backend.typedArrayFromHeap(x);
  const ids = backend.typedArrayFromHeap(segmentIds);
  const dst = backend.typedArrayFromHeap(out);
  for (let i = 0; i < numIds; i++) {
    const s = ids[i];
    if (s < 0 || s >= numSegments) continue;
    for (let k = 0; k < row; k++) dst[s * row + k] += src[i * row + k];
  }
  return out;
}

/** inputs {indices}, attrs {depth, onValue, offValue, dtype}: [...indices.shape, depth]. */
export function oneHot({ inputs, backend: b, attrs }: KernelParams): Temp {
  const backend = asWasm(b);
  const { indices } = inputs as { indices: tf.TensorInfo };
  const { depth, onValue, offValue, dtype } = attrs as unknown as tf.OneHotAttrs;
  const out = backend.makeOutput([...indices.shape, depth], dtype);
  const dst = backend.typedArrayFromHeap(out);
  const idx = backend.typedArrayFromHeap(indices);
  dst.fill(offValue);
  for (let i = 0; i < idx.length; i++) {
    if (idx[i] >= 0 && idx[i] < depth) dst[i * depth + idx[i]] = onValue;
  }
  return out;
}
