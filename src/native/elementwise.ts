import * as tf from '@tensorflow/tfjs-core';
import { backend_util, util, type GradConfig, type TensorInfo } from '@tensorflow/tfjs-core';
import { allFloat32, input, nativeGradient, numel, type NativeKernel } from './kernel.js';

/**
 * Element-wise kernels (native/src/elementwise.cc). The wasm backend runs broadcasting binary ops and most unary
 * ops one element at a time (docs/native.md, "What runs natively", has the figures); these run as vector loops.
 * Below this many output elements the backend's own kernel is as fast and is used instead.
 */
const MIN_NATIVE_SIZE = 1024;

/** Binary op codes of native/src/elementwise.cc. */
const BINARY_OPS = {
  Add: 0,
  Sub: 1,
  Multiply: 2,
  RealDiv: 3,
  Maximum: 4,
  Minimum: 5,
  SquaredDifference: 6,
} as const;
/** The op code of ReLU's gradient, dy * step(x) (lgm's kernel LgmReluGrad, inputs dy and x). */
const RELU_GRAD_OP = 7;
/** lgm's kernel name of ReLU's gradient (TF.js runs Step, then Multiply). */
export const RELU_GRAD = 'LgmReluGrad';

/** Unary op codes of native/src/elementwise.cc. */
const UNARY_OPS = { Neg: 0, Square: 1, Relu: 2, Exp: 3 } as const;

/**
 * The broadcast loop's dims: [rank, shape, strides of a, strides of b], with stride 0 along broadcast
 * dimensions, and neighbouring dimensions merged where both inputs run contiguously (or both repeat) across them,
 * so that the innermost run is as long as possible.
 */
export function broadcastDims(aShape: number[], bShape: number[], outShape: number[]): Int32Array {
  const rank = outShape.length;
  const strides = (shape: number[]) => {
    const s = new Array<number>(rank).fill(0);
    let step = 1;
    for (let k = 1; k <= rank; k++) {
      const dim = shape[shape.length - k] ?? 1;
      s[rank - k] = dim === 1 ? 0 : step;
      step *= dim;
    }
    return s;
  };
  const [sa, sb] = [strides(aShape), strides(bShape)];
  const shape: number[] = [];
  const ma: number[] = [];
  const mb: number[] = [];
  for (let k = rank - 1; k >= 0; k--) {
    const last = shape.length - 1;
    const contiguous = (s: number[], m: number[]) => s[k] === m[last]! * shape[last]!;
    if (outShape[k] === 1) continue;
    if (last >= 0 && contiguous(sa, ma) && contiguous(sb, mb)) {
      shape[last] = shape[last]! * outShape[k]!;
      continue;
    }
    shape.push(outShape[k]!);
    ma.push(sa[k]!);
    mb.push(sb[k]!);
  }
  if (shape.length === 0) return Int32Array.from([1, 1, 0, 0]);
  const reversed = (v: number[]) => [...v].reverse();
  return Int32Array.from([shape.length, ...reversed(shape), ...reversed(ma), ...reversed(mb)]);
}

function binaryKernel(kernelName: keyof typeof BINARY_OPS): NativeKernel {
  return {
    kernelName,
    run({ inputs, memory, addon }) {
      const [a, b] = [input(inputs, 'a'), input(inputs, 'b')];
      if (!allFloat32(a, b)) return null;
      const outShape = backend_util.assertAndGetBroadcastShape(a.shape, b.shape);
      if (numel(outShape) < MIN_NATIVE_SIZE) return null;
      const out = memory.allocate(outShape);
      const dims = broadcastDims(a.shape, b.shape, outShape);
      addon.binary(memory.view(a), memory.view(b), memory.view(out), dims, BINARY_OPS[kernelName]);
      return memory.finish(out);
    },
  };
}

function unaryKernel(kernelName: keyof typeof UNARY_OPS): NativeKernel {
  return {
    kernelName,
    run({ inputs, memory, addon }) {
      const x = input(inputs, 'x');
      if (!allFloat32(x) || numel(x.shape) < MIN_NATIVE_SIZE) return null;
      const out = memory.allocate([...x.shape]);
      addon.unary(memory.view(x), memory.view(out), UNARY_OPS[kernelName]);
      return memory.finish(out);
    },
  };
}

/** Softmax over the last axis (the only axis TF.js's softmax takes). */
export const softmaxKernel: NativeKernel = {
  kernelName: 'Softmax',
  run({ inputs, attrs, memory, addon }) {
    const logits = input(inputs, 'logits');
    const rank = logits.shape.length;
    const dim = attrs.dim as number;
    if (!allFloat32(logits) || rank === 0 || (dim !== -1 && dim !== rank - 1)) return null;
    if (numel(logits.shape) < MIN_NATIVE_SIZE) return null;
    const cols = logits.shape[rank - 1]!;
    const out: TensorInfo = memory.allocate([...logits.shape]);
    addon.softmax(memory.view(logits), memory.view(out), Int32Array.from([numel(logits.shape) / cols, cols]));
    return memory.finish(out);
  },
};

/** ReLU's gradient in one pass: dy * step(x), values as TF.js's (step(NaN) is NaN). Same shapes, float32. */
export const reluGradKernel: NativeKernel = {
  kernelName: RELU_GRAD,
  run({ inputs, memory, addon }) {
    const [dy, x] = [input(inputs, 'dy'), input(inputs, 'x')];
    if (!allFloat32(dy, x) || !util.arraysEqual(dy.shape, x.shape)) return null;
    const out = memory.allocate([...x.shape]);
    const dims = broadcastDims(dy.shape, x.shape, x.shape);
    addon.binary(memory.view(dy), memory.view(x), memory.view(out), dims, RELU_GRAD_OP);
    return memory.finish(out);
  },
};

/**
 * Relu's gradient as one LgmReluGrad call where `useNative(backend)` and the shapes fit, else TF.js's own; from
 * Relu's output y instead of its input x (step(y) = step(x) for every x, NaN included, since y = max(x, 0)). The
 * tape then keeps the output, which the next layer (a convolution) keeps anyway, and frees the input: in a
 * ResNet the batch-norm output before each ReLU, in LeNet++ nothing (its activations are PReLU).
 */
export function nativeReluGradient(
  original: GradConfig,
  useNative: (backendName: string) => boolean,
): GradConfig {
  const gradient = nativeGradient(original, useNative, (dy, saved) => {
    const [y] = saved;
    if (y === undefined || y.dtype !== 'float32' || !util.arraysEqual(dy.shape, y.shape)) return null;
    return { x: () => tf.engine().runKernel(RELU_GRAD, { dy, x: y }) as tf.Tensor };
  });
  // TF.js's own gradient (the fallback above) computes dy * step(saved[0]): the same values from y.
  return { ...gradient, inputsToSave: [], outputsToSave: [true] };
}

export const ELEMENTWISE_KERNELS: readonly NativeKernel[] = [
  ...(Object.keys(BINARY_OPS) as (keyof typeof BINARY_OPS)[]).map(binaryKernel),
  ...(Object.keys(UNARY_OPS) as (keyof typeof UNARY_OPS)[]).map(unaryKernel),
  softmaxKernel,
  reluGradKernel,
];
