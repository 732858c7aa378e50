import { util } from '@tensorflow/tfjs-core';
import { allFloat32, input, numel, type NativeKernel } from './kernel.js';

/**
 * Sum over leading axes (bias gradients: [N,H,W,C] -> [C]) or trailing axes, natively; other axis sets, and
 * non-float32 sums, stay with the backend.
 */
export const sumKernel: NativeKernel = {
  kernelName: 'Sum',
  run({ inputs, attrs, memory, addon }) {
    const x = input(inputs, 'x');
    if (!allFloat32(x) || x.shape.length === 0) return null;
    const axes = [...new Set(util.parseAxisParam(attrs.axis as number | number[], x.shape))].sort(
      (a, b) => a - b,
    );
    const rank = x.shape.length;
    const leading = axes.every((a, i) => a === i);
    const trailing = axes.every((a, i) => a === rank - axes.length + i);
    if (axes.length === 0 || !(leading || trailing)) return null;
    const split = leading ? axes.length : rank - axes.length;
    const outer = numel(x.shape.slice(0, split));
    const inner = numel(x.shape.slice(split));
    const outShape =
      attrs.keepDims === true
        ? x.shape.map((d, i) => (axes.includes(i) ? 1 : d))
        : x.shape.filter((_, i) => !axes.includes(i));
    const out = memory.allocate(outShape);
    addon.sumAxes(memory.view(x), memory.view(out), Int32Array.from([outer, inner, leading ? 1 : 0]));
    return memory.finish(out);
  },
};
