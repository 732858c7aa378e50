import { allFloat32, input, numel, type NativeKernel } from './kernel.js';

/** Tile of a float32 tensor (any rank) natively; other dtypes stay with the backend. */
export const tileKernel: NativeKernel = {
  kernelName: 'Tile',
  run({ inputs, attrs, memory, addon }) {
    const x = input(inputs, 'x');
    const reps = attrs.reps as number[];
    if (!allFloat32(x) || x.shape.length === 0 || reps.length !== x.shape.length || numel(reps) === 0)
      return null;
    const out = memory.allocate(x.shape.map((d, i) => d * reps[i]!));
    addon.tile(memory.view(x), memory.view(out), Int32Array.from([x.shape.length, ...x.shape, ...reps]));
    return memory.finish(out);
  },
};
