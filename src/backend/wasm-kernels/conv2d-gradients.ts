/**
 * Conv2D gradients on wasm expressed as forward convolutions, which XNNPACK runs fast:
 *  - the filter gradient is one 'valid' convolution of the input (batch and channels swapped) with dy as the
 *    filter, dilated by the forward stride;
 *  - the input gradient is a stride-1 convolution of dy (zeros inserted between rows/columns for strides > 1)
 *    with the filter rotated by 180 degrees and its channel axes swapped.
 * wasm 4.22 has no Conv2DBackpropFilter and a naive-loop Conv2DBackpropInput (most of a LeNet++ step).
 */
import * as tf from '@tensorflow/tfjs-core';
import {
  asWasm,
  callKernel,
  floatViews,
  release,
  transpose,
  zerosOutput,
  type KernelParams,
  type Temp,
} from './kernel-utils.js';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';

type Shape4 = [number, number, number, number];

/** Padding after a forward conv: amounts to add before/after each spatial axis (negative = crop). */
interface Pads {
  top: number;
  bottom: number;
  left: number;
  right: number;
}

/** The forward convolution's geometry, from a backprop kernel's attributes (NHWC only, no dilation). */
function forwardInfo(
  where: string,
  xShape: number[],
  filterShape: number[],
  attrs: tf.NamedAttrMap | undefined,
) {
  const { strides, pad, dimRoundingMode, dataFormat } = attrs as unknown as tf.Conv2DBackpropInputAttrs;
  if (dataFormat !== undefined && dataFormat !== 'NHWC') {
    throw new Error(
      `${where}: wasm training kernels support dataFormat NHWC only, got ${String(dataFormat)}`,
    );
  }
  return tf.backend_util.computeConv2DInfo(
    xShape as Shape4,
    filterShape as Shape4,
    strides,
    1,
    pad,
    dimRoundingMode,
  );
}

/**
 * Copies x [N,H,W,C] into [N,H',W',C] with `stride - 1` zeros between rows and columns and the given pads
 * (negative pads crop). This is dy as the input gradient's convolution must see it.
 */
function spreadAndPad(backend: BackendWasm, x: tf.TensorInfo, stride: [number, number], pads: Pads): Temp {
  const [n, h, w, c] = x.shape;
  const outH = (h - 1) * stride[0] + 1 + pads.top + pads.bottom;
  const outW = (w - 1) * stride[1] + 1 + pads.left + pads.right;
  const out = zerosOutput(backend, [n, outH, outW, c]);
  const [src, dst] = floatViews(backend, x, out);
  for (let b = 0; b < n; b++) {
    for (let i = 0; i < h; i++) {
      const r = pads.top + i * stride[0];
      if (r < 0 || r >= outH) continue;
      for (let j = 0; j < w; j++) {
        const col = pads.left + j * stride[1];
        if (col < 0 || col >= outW) continue;
        const from = ((b * h + i) * w + j) * c;
        dst.set(src.subarray(from, from + c), ((b * outH + r) * outW + col) * c);
      }
    }
  }
  return out;
}

/** Filter [fh,fw,in,out] -> [fh,fw,out,in] rotated by 180 degrees in space (the adjoint's filter). */
function rotateAndSwap(backend: BackendWasm, filter: tf.TensorInfo): Temp {
  const [fh, fw, cin, cout] = filter.shape;
  const out = backend.makeOutput([fh, fw, cout, cin], 'float32');
  const [src, dst] = floatViews(backend, filter, out);
  for (let i = 0; i < fh; i++) {
    for (let j = 0; j < fw; j++) {
      const from = (i * fw + j) * cin * cout;
      const to = ((fh - 1 - i) * fw + (fw - 1 - j)) * cout * cin;
      for (let ci = 0; ci < cin; ci++) {
        for (let co = 0; co < cout; co++) dst[to + co * cin + ci] = src[from + ci * cout + co];
      }
    }
  }
  return out;
}

function explicitPad(p: Pads): tf.backend_util.ExplicitPadding {
  return [
    [0, 0],
    [p.top, p.bottom],
    [p.left, p.right],
    [0, 0],
  ];
}

/** dL/dfilter for y = conv2d(x, filter): inputs {x, dy}, attrs {strides, pad, dimRoundingMode, filterShape}. */
export function conv2dBackpropFilter({ inputs, backend: b, attrs }: KernelParams): Temp {
  const backend = asWasm(b);
  const { x, dy } = inputs as { x: tf.TensorInfo; dy: tf.TensorInfo };
  const { filterShape } = attrs as unknown as tf.Conv2DBackpropFilterAttrs;
  const info = forwardInfo('Conv2DBackpropFilter', x.shape, filterShape, attrs);
  const { filterHeight: fh, filterWidth: fw, strideHeight: sh, strideWidth: sw, padInfo } = info;
  // Rows/columns of x beyond the last window are cropped (negative pad), missing ones padded with zeros.
  const bottom = fh + (info.outHeight - 1) * sh - padInfo.top - info.inHeight;
  const right = fw + (info.outWidth - 1) * sw - padInfo.left - info.inWidth;
  const xT = transpose(backend, x, [3, 1, 2, 0]); // [C,H,W,N]: channels become the batch
  const cropped =
    bottom < 0 || right < 0
      ? callKernel(
          backend,
          'Slice',
          { x: xT },
          {
            begin: [0, 0, 0, 0],
            size: [-1, info.inHeight + Math.min(bottom, 0), info.inWidth + Math.min(right, 0), -1],
          },
        )
      : null;
  const dyT = transpose(backend, dy, [1, 2, 0, 3]); // [oH,oW,N,O]: dy is the filter, batch its input channels
  const pads = {
    top: padInfo.top,
    bottom: Math.max(bottom, 0),
    left: padInfo.left,
    right: Math.max(right, 0),
  };
  const grad = callKernel(
    backend,
    'Conv2D',
    { x: cropped ?? xT, filter: dyT },
    {
      strides: [1, 1],
      pad: explicitPad(pads),
      dilations: [sh, sw],
      dataFormat: 'NHWC',
    },
  ); // [C,fh,fw,O]
  const dw = transpose(backend, grad, [1, 2, 0, 3]);
  release(backend, xT, dyT, grad, ...(cropped === null ? [] : [cropped]));
  return dw;
}

/** dL/dx for y = conv2d(x, filter): inputs {dy, filter}, attrs {strides, pad, dimRoundingMode, inputShape}. */
export function conv2dBackpropInput({ inputs, backend: b, attrs }: KernelParams): Temp {
  const backend = asWasm(b);
  const { dy, filter } = inputs as { dy: tf.TensorInfo; filter: tf.TensorInfo };
  const { inputShape } = attrs as unknown as tf.Conv2DBackpropInputAttrs;
  const info = forwardInfo('Conv2DBackpropInput', inputShape, filter.shape, attrs);
  const { filterHeight: fh, filterWidth: fw, strideHeight: sh, strideWidth: sw, padInfo } = info;
  // Full correlation: dx[i] = sum_k dy_spread[i + top - k] w[k]; pads make the output exactly inputShape.
  const spreadH = (info.outHeight - 1) * sh + 1;
  const spreadW = (info.outWidth - 1) * sw + 1;
  const pads = {
    top: fh - 1 - padInfo.top,
    left: fw - 1 - padInfo.left,
    bottom: info.inHeight + padInfo.top - spreadH,
    right: info.inWidth + padInfo.left - spreadW,
  };
  const direct = sh === 1 && sw === 1 && Math.min(pads.top, pads.left, pads.bottom, pads.right) >= 0;
  const spread = direct ? null : spreadAndPad(backend, dy, [sh, sw], pads);
  const rotated = rotateAndSwap(backend, filter);
  const dx = callKernel(
    backend,
    'Conv2D',
    { x: spread ?? dy, filter: rotated },
    {
      strides: [1, 1],
      pad: direct ? explicitPad(pads) : 'valid',
      dilations: [1, 1],
      dataFormat: 'NHWC',
    },
  );
  release(backend, rotated, ...(spread === null ? [] : [spread]));
  return dx;
}
