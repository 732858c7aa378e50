import { slice_util } from '@tensorflow/tfjs-core';
import { allFloat32, input, numel, type NativeKernel } from './kernel.js';

/** Slice of a float32 tensor (any rank), as box copies (native/src/slice.cc); other dtypes stay with the backend. */
export const sliceKernel: NativeKernel = {
  kernelName: 'Slice',
  run({ inputs, attrs, memory, addon }) {
    const x = input(inputs, 'x');
    if (!allFloat32(x) || x.shape.length === 0) return null;
    const [begin, size] = slice_util.parseSliceParams(
      x as Parameters<typeof slice_util.parseSliceParams>[0],
      attrs.begin as number[],
      attrs.size as number[],
    );
    const out = memory.allocate(size);
    if (numel(size) > 0) {
      const dims = Int32Array.from([x.shape.length, ...x.shape, ...begin, ...size]);
      addon.slice(memory.view(x), memory.view(out), dims);
    }
    return memory.finish(out);
  },
};

/** PadV2 (constant padding) of a float32 tensor (any rank); other dtypes stay with the backend. */
export const padKernel: NativeKernel = {
  kernelName: 'PadV2',
  run({ inputs, attrs, memory, addon }) {
    const x = input(inputs, 'x');
    const paddings = attrs.paddings as [number, number][];
    if (!allFloat32(x) || x.shape.length === 0 || paddings.length !== x.shape.length) return null;
    const outShape = x.shape.map((d, i) => paddings[i]![0] + d + paddings[i]![1]);
    const out = memory.allocate(outShape);
    if (numel(outShape) > 0) {
      const dims = Int32Array.from([x.shape.length, ...x.shape, ...paddings.map((p) => p[0]), ...outShape]);
      addon.pad(memory.view(x), memory.view(out), dims, attrs.constantValue as number);
    }
    return memory.finish(out);
  },
};
