import { backend_util, type TensorInfo } from '@tensorflow/tfjs-core';
import { ACTIVATION_CODES } from './addon.js';
import { allFloat32, input, type NativeKernel, type NativeKernelArgs } from './kernel.js';

type Conv2DInfo = backend_util.Conv2DInfo;
type Pad = 'same' | 'valid' | number | backend_util.ExplicitPadding;
type Rounding = 'floor' | 'round' | 'ceil' | undefined;
type Shape4 = [number, number, number, number];

/**
 * Geometry of a convolution as native/src/conv.h lays it out:
 * [N, H, W, C, KH, KW, O, OH, OW, strideH, strideW, dilationH, dilationW, padTop, padLeft, padBottom, padRight].
 * Null when oneDNN's output-size rule disagrees with TF.js's (e.g. 'ceil' rounding): the backend kernel runs.
 */
function geometry(c: Conv2DInfo): Int32Array | null {
  const { top, left, bottom, right } = c.padInfo;
  const fits = (inSize: number, k: number, d: number, s: number, p0: number, p1: number, out: number) =>
    p0 >= 0 && p1 >= 0 && Math.floor((inSize + p0 + p1 - ((k - 1) * d + 1)) / s) + 1 === out;
  if (
    c.dataFormat !== 'channelsLast' ||
    !fits(c.inHeight, c.filterHeight, c.dilationHeight, c.strideHeight, top, bottom, c.outHeight) ||
    !fits(c.inWidth, c.filterWidth, c.dilationWidth, c.strideWidth, left, right, c.outWidth)
  ) {
    return null;
  }
  return Int32Array.from([
    c.batchSize,
    c.inHeight,
    c.inWidth,
    c.inChannels,
    c.filterHeight,
    c.filterWidth,
    c.outChannels,
    c.outHeight,
    c.outWidth,
    c.strideHeight,
    c.strideWidth,
    c.dilationHeight,
    c.dilationWidth,
    top,
    left,
    bottom,
    right,
  ]);
}

function convInfo(
  inShape: number[],
  filterShape: number[],
  attrs: NativeKernelArgs['attrs'],
  dilations: number | [number, number],
): Conv2DInfo | null {
  if ((attrs.dataFormat ?? 'NHWC') !== 'NHWC' || inShape.length !== 4 || filterShape.length !== 4)
    return null;
  return backend_util.computeConv2DInfo(
    inShape as Shape4,
    filterShape as Shape4,
    attrs.strides as [number, number],
    dilations,
    attrs.pad as Pad,
    attrs.dimRoundingMode as Rounding,
    false,
    'channelsLast',
  );
}

/** TF.js's convolution info and the addon's geometry, or null when the addon does not handle this convolution. */
function plan(
  inShape: number[],
  filterShape: number[],
  attrs: NativeKernelArgs['attrs'],
  dilations: number | [number, number],
) {
  const info = convInfo(inShape, filterShape, attrs, dilations);
  const g = info === null ? null : geometry(info);
  return info === null || g === null ? null : { info, g };
}

/** Forward convolution with optional bias (length O) and activation; null when not supported. */
function forward(
  args: NativeKernelArgs,
  bias: TensorInfo | undefined,
  activation: string,
): TensorInfo | null {
  const x = input(args.inputs, 'x');
  const filter = input(args.inputs, 'filter');
  const p = plan(x.shape, filter.shape, args.attrs, args.attrs.dilations as [number, number]);
  const code = ACTIVATION_CODES[activation];
  if (p === null || code === undefined || !allFloat32(x, filter, bias)) return null;
  const { info, g } = p;
  if (bias !== undefined && bias.shape.reduce((a, b) => a * b, 1) !== info.outChannels) return null;
  const { memory } = args;
  const out = memory.allocate(info.outShape);
  const alpha = (args.attrs.leakyreluAlpha as number | undefined) ?? 0.2;
  args.addon.convForward(
    memory.view(x),
    memory.view(filter),
    bias === undefined ? null : memory.view(bias),
    memory.view(out),
    g,
    code,
    alpha,
  );
  return memory.finish(out);
}

export const conv2DKernel: NativeKernel = {
  kernelName: 'Conv2D',
  run: (args) => forward(args, undefined, 'linear'),
};

export const fusedConv2DKernel: NativeKernel = {
  kernelName: 'FusedConv2D',
  run(args) {
    // PReLU weights are a tensor, not a fused eltwise op in oneDNN's sense: leave that case to the backend.
    if (args.inputs.preluActivationWeights !== undefined) return null;
    return forward(args, args.inputs.bias, (args.attrs.activation as string | undefined) ?? 'linear');
  },
};

export const conv2DBackpropInputKernel: NativeKernel = {
  kernelName: 'Conv2DBackpropInput',
  run(args) {
    const dy = input(args.inputs, 'dy');
    const filter = input(args.inputs, 'filter');
    const p = plan(args.attrs.inputShape as number[], filter.shape, args.attrs, 1);
    if (p === null || !allFloat32(dy, filter)) return null;
    const { memory } = args;
    const dx = memory.allocate(p.info.inShape);
    args.addon.convBackwardData(memory.view(dy), memory.view(filter), memory.view(dx), p.g);
    return memory.finish(dx);
  },
};

export const conv2DBackpropFilterKernel: NativeKernel = {
  kernelName: 'Conv2DBackpropFilter',
  run(args) {
    const x = input(args.inputs, 'x');
    const dy = input(args.inputs, 'dy');
    const p = plan(x.shape, args.attrs.filterShape as number[], args.attrs, 1);
    if (p === null || !allFloat32(x, dy)) return null;
    const { memory } = args;
    const dw = memory.allocate(p.info.filterShape);
    args.addon.convBackwardFilter(memory.view(x), memory.view(dy), memory.view(dw), p.g);
    return memory.finish(dw);
  },
};
