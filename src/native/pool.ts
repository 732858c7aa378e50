import { backend_util, type TensorInfo } from '@tensorflow/tfjs-core';
import { allFloat32, input, numel, type NativeKernel, type NativeKernelArgs } from './kernel.js';

type Pad = 'same' | 'valid' | number | backend_util.ExplicitPadding;
type Rounding = 'floor' | 'round' | 'ceil' | undefined;

/**
 * Pooling geometry as native/src/pool.cc reads it: [N, H, W, C, KH, KW, OH, OW, strideH, strideW, padTop, padLeft].
 */
function poolGeometry(x: TensorInfo, attrs: NativeKernelArgs['attrs']) {
  // The addon keeps argmax indices in 32 bits.
  if (x.shape.length !== 4 || numel(x.shape) >= 2 ** 31) return null;
  const info = backend_util.computePool2DInfo(
    x.shape as [number, number, number, number],
    attrs.filterSize as [number, number],
    attrs.strides as [number, number],
    1,
    attrs.pad as Pad,
    attrs.dimRoundingMode as Rounding,
  );
  const g = Int32Array.from([
    info.batchSize,
    info.inHeight,
    info.inWidth,
    info.inChannels,
    info.filterHeight,
    info.filterWidth,
    info.outHeight,
    info.outWidth,
    info.strideHeight,
    info.strideWidth,
    info.padInfo.top,
    info.padInfo.left,
  ]);
  const { top, bottom, left, right } = info.padInfo;
  return { g, outShape: info.outShape, padded: top + bottom + left + right > 0 };
}

export const maxPoolKernel: NativeKernel = {
  kernelName: 'MaxPool',
  run({ inputs, attrs, memory, addon }) {
    const x = input(inputs, 'x');
    const p = allFloat32(x) ? poolGeometry(x, attrs) : null;
    if (p === null) return null;
    const y = memory.allocate(p.outShape);
    addon.maxPool(memory.view(x), memory.view(y), p.g);
    return memory.finish(y);
  },
};

export const maxPoolGradKernel: NativeKernel = {
  kernelName: 'MaxPoolGrad',
  run({ inputs, attrs, memory, addon }) {
    const dy = input(inputs, 'dy');
    const x = input(inputs, 'input');
    const p = allFloat32(dy, x) ? poolGeometry(x, attrs) : null;
    if (p === null) return null;
    const dx = memory.allocate(x.shape);
    addon.maxPoolGrad(memory.view(dy), memory.view(x), memory.view(dx), p.g);
    return memory.finish(dx);
  },
};

/**
 * Average pooling without padding (ResNet's option-A shortcut subsamples with a 1x1 average pool of stride 2, whose
 * gradient took wasm ~38 ms at [128,32,32,16]). Padded windows stay with the backend: TF.js divides those by the
 * in-bounds count forward but by the whole window in the gradient, and the backend's kernels are the reference.
 */
export const avgPoolKernel: NativeKernel = {
  kernelName: 'AvgPool',
  run({ inputs, attrs, memory, addon }) {
    const x = input(inputs, 'x');
    const p = allFloat32(x) ? poolGeometry(x, attrs) : null;
    if (p === null || p.padded) return null;
    const y = memory.allocate(p.outShape);
    addon.avgPool(memory.view(x), memory.view(y), p.g);
    return memory.finish(y);
  },
};

export const avgPoolGradKernel: NativeKernel = {
  kernelName: 'AvgPoolGrad',
  run({ inputs, attrs, memory, addon }) {
    const dy = input(inputs, 'dy');
    const x = input(inputs, 'input');
    const p = allFloat32(dy, x) ? poolGeometry(x, attrs) : null;
    if (p === null || p.padded) return null;
    const dx = memory.allocate([...x.shape]);
    addon.avgPoolGrad(memory.view(dy), memory.view(dx), p.g);
    return memory.finish(dx);
  },
};
