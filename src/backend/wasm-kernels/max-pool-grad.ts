/**
 * MaxPoolGrad for wasm. The 4.22 kernel starts each window's running maximum at the smallest positive float, so a
 * window whose values are all negative (common after PReLU) sends its gradient to the wrong input. This one
 * starts at -Infinity and routes dy to the first maximum of each window, as the cpu backend does.
 */
import * as tf from '@tensorflow/tfjs-core';
import { asWasm, floatViews, zerosOutput, type KernelParams, type Temp } from './kernel-utils.js';

/** inputs {dy, input, output}, attrs {filterSize, strides, pad, dimRoundingMode}. */
export function maxPoolGrad({ inputs, backend: b, attrs }: KernelParams): Temp {
  const backend = asWasm(b);
  const { dy, input } = inputs as { dy: tf.TensorInfo; input: tf.TensorInfo };
  const { filterSize, strides, pad, dimRoundingMode } = attrs as unknown as tf.MaxPoolGradAttrs;
  const info = tf.backend_util.computePool2DInfo(
    input.shape as [number, number, number, number],
    filterSize,
    strides,
    1,
    pad,
    dimRoundingMode,
  );
  const { batchSize, inHeight, inWidth, inChannels: c, outHeight, outWidth } = info;
  const dx = zerosOutput(backend, input.shape);
  const [x, g, out] = floatViews(backend, input, dy, dx);
  const best = new Float32Array(c);
  const where = new Int32Array(c);
  for (let n = 0; n < batchSize; n++) {
    for (let oh = 0; oh < outHeight; oh++) {
      const h0 = oh * info.strideHeight - info.padInfo.top;
      for (let ow = 0; ow < outWidth; ow++) {
        const w0 = ow * info.strideWidth - info.padInfo.left;
        best.fill(-Infinity);
        where.fill(-1);
        for (let h = Math.max(h0, 0); h < Math.min(h0 + info.filterHeight, inHeight); h++) {
          for (let w = Math.max(w0, 0); w < Math.min(w0 + info.filterWidth, inWidth); w++) {
            const base = ((n * inHeight + h) * inWidth + w) * c;
            for (let k = 0; k < c; k++) {
              if (x[base + k] > best[k]) {
                best[k] = x[base + k];
                where[k] = base + k;
              }
            }
          }
        }
        const gBase = ((n * outHeight + oh) * outWidth + ow) * c;
        for (let k = 0; k < c; k++) if (where[k] >= 0) out[where[k]] += g[gBase + k];
      }
    }
  }
  return dx;
}
