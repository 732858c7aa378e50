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

/** A pooling forward kernel: geometry checks, output allocation, then `call` (null where it does not apply). */
function poolForward(
  kernelName: string,
  call: (addon: NativeKernelArgs['addon'], x: Float32Array, y: Float32Array, g: Int32Array) => void,
  needsUnpadded = false,
): NativeKernel {
  return {
    kernelName,
    run({ inputs, attrs, memory, addon }) {
      const x = input(inputs, 'x');
      const p = allFloat32(x) ? poolGeometry(x, attrs) : null;
      if (p === null || (needsUnpadded && p.padded)) return null;
      const y = memory.allocate(p.outShape);
      call(addon, memory.view(x), memory.view(y), p.g);
      return memory.finish(y);
    },
  };
}

/** A pooling gradient kernel (inputs dy and the forward's input), as poolForward. */
function poolGradient(
  kernelName: string,
  call: (
    addon: NativeKernelArgs['addon'],
    dy: Float32Array,
    x: Float32Array,
    dx: Float32Array,
    g: Int32Array,
  ) => void,
  needsUnpadded = false,
): NativeKernel {
  return {
    kernelName,
    run({ inputs, attrs, memory, addon }) {
      const dy = input(inputs, 'dy');
      const x = input(inputs, 'input');
      const p = allFloat32(dy, x) ? poolGeometry(x, attrs) : null;
      if (p === null || (needsUnpadded && p.padded)) return null;
      const dx = memory.allocate([...x.shape]);
      call(addon, memory.view(dy), memory.view(x), memory.view(dx), p.g);
      return memory.finish(dx);
    },
  };
}

export const maxPoolKernel = poolForward('MaxPool', (addon, x, y, g) => addon.maxPool(x, y, g));
export const maxPoolGradKernel = poolGradient('MaxPoolGrad', (addon, dy, x, dx, g) =>
  addon.maxPoolGrad(dy, x, dx, g),
);

/*
 * Average pooling without padding (ResNet's option-A shortcut subsamples with a 1x1 average pool of stride 2, whose
 * gradient is slow on wasm: docs/performance.md, "Measurements behind code choices"). Padded windows stay with
 * the backend: TF.js divides those by the in-bounds count forward but by the whole window in the gradient, and
 * the backend's kernels are the reference.
 */
export const avgPoolKernel = poolForward('AvgPool', (addon, x, y, g) => addon.avgPool(x, y, g), true);
export const avgPoolGradKernel = poolGradient(
  'AvgPoolGrad',
  (addon, dy, _x, dx, g) => addon.avgPoolGrad(dy, dx, g),
  true,
);
