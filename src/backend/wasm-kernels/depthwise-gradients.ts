/**
 * Depthwise conv2d gradients for wasm (4.22 has neither). Plain loops over the wasm heap: a depthwise layer does
 * fh*fw multiply-adds per output value, little next to the dense convolutions around it.
 */
import * as tf from '@tensorflow/tfjs-core';
import { asWasm, floatViews, zerosOutput, type KernelParams, type Temp } from './kernel-utils.js';

type Shape4 = [number, number, number, number];

/**
 * Calls visit(xOffset, dyOffset, filterOffset) for every (batch, output position, tap) whose input position lies
 * inside x; offsets point at channel 0 (x and filter rows have C and C*M entries, dy rows C*M).
 */
function forEachTap(
  info: tf.backend_util.Conv2DInfo,
  visit: (xo: number, dyo: number, fo: number) => void,
): void {
  const { inHeight, inWidth, inChannels: c, outChannels: cm, outHeight, outWidth } = info;
  for (let n = 0; n < info.batchSize; n++) {
    for (let oh = 0; oh < outHeight; oh++) {
      for (let ow = 0; ow < outWidth; ow++) {
        const dyo = ((n * outHeight + oh) * outWidth + ow) * cm;
        for (let kh = 0; kh < info.filterHeight; kh++) {
          const h = oh * info.strideHeight + kh * info.dilationHeight - info.padInfo.top;
          if (h < 0 || h >= inHeight) continue;
          for (let kw = 0; kw < info.filterWidth; kw++) {
            const w = ow * info.strideWidth + kw * info.dilationWidth - info.padInfo.left;
            if (w < 0 || w >= inWidth) continue;
            visit(((n * inHeight + h) * inWidth + w) * c, dyo, (kh * info.filterWidth + kw) * cm);
          }
        }
      }
    }
  }
}

function depthwiseInfo(xShape: number[], filterShape: number[], attrs: tf.NamedAttrMap) {
  const { strides, dilations, pad, dimRoundingMode } = attrs as unknown as tf.DepthwiseConv2dNativeAttrs;
  return tf.backend_util.computeConv2DInfo(
    xShape as Shape4,
    filterShape as Shape4,
    strides,
    dilations,
    pad,
    dimRoundingMode,
    true,
  );
}

/** dL/dx: inputs {dy, filter}, attrs {strides, dilations, pad, dimRoundingMode, inputShape}. */
export function depthwiseConv2dBackpropInput({ inputs, backend: b, attrs }: KernelParams): Temp {
  const backend = asWasm(b);
  const { dy, filter } = inputs as { dy: tf.TensorInfo; filter: tf.TensorInfo };
  const inputShape = (attrs as unknown as tf.DepthwiseConv2dNativeBackpropInputAttrs).inputShape;
  const info = depthwiseInfo(inputShape, filter.shape, attrs ?? {});
  const dx = zerosOutput(backend, inputShape);
  const [g, f, out] = floatViews(backend, dy, filter, dx);
  const c = info.inChannels;
  const m = info.outChannels / c;
  forEachTap(info, (xo, dyo, fo) => {
    for (let k = 0; k < c; k++) {
      let s = 0;
      for (let q = 0; q < m; q++) s += g[dyo + k * m + q] * f[fo + k * m + q];
      out[xo + k] += s;
    }
  });
  return dx;
}

/** dL/dfilter: inputs {x, dy}, attrs {strides, dilations, pad, dimRoundingMode, filterShape}. */
export function depthwiseConv2dBackpropFilter({ inputs, backend: b, attrs }: KernelParams): Temp {
  const backend = asWasm(b);
  const { x, dy } = inputs as { x: tf.TensorInfo; dy: tf.TensorInfo };
  const filterShape = (attrs as unknown as tf.DepthwiseConv2dNativeBackpropFilterAttrs).filterShape;
  const info = depthwiseInfo(x.shape, filterShape, attrs ?? {});
  const dw = zerosOutput(backend, filterShape);
  const [xs, g, out] = floatViews(backend, x, dy, dw);
  const c = info.inChannels;
  const m = info.outChannels / c;
  forEachTap(info, (xo, dyo, fo) => {
    for (let k = 0; k < c; k++) {
      const v = xs[xo + k];
      for (let q = 0; q < m; q++) out[fo + k * m + q] += v * g[dyo + k * m + q];
    }
  });
  return dw;
}
