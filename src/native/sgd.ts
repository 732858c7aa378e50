import type { TensorInfo } from '@tensorflow/tfjs-core';
import { LGM_SGD_UPDATE, type LgmSgdUpdateAttrs } from '../gm/kernel-names.js';
import { allFloat32, input, type NativeKernel } from './kernel.js';

const sameShape = (a: TensorInfo, b: TensorInfo) => a.shape.join(',') === b.shape.join(',');

/** LGM_SGD_UPDATE (src/gm/kernel-names.ts) in one pass (native/src/sgd.cc). */
export const sgdUpdateKernel: NativeKernel = {
  kernelName: LGM_SGD_UPDATE,
  run({ inputs, attrs, memory, addon }) {
    const [w, g] = [input(inputs, 'w'), input(inputs, 'g')];
    const v = inputs.v ?? undefined;
    if (!allFloat32(w, g, v) || !sameShape(w, g) || (v !== undefined && !sameShape(w, v))) return null;
    const a = attrs as unknown as LgmSgdUpdateAttrs;
    // Float32Array rounds each setting to float32, as the op path's scalar tensors do.
    const params = Float32Array.from([a.rate, a.momentum, a.weightDecay, a.nesterov ? 1 : 0]);
    const wOut = memory.allocate([...w.shape]);
    const vOut = v === undefined ? null : memory.allocate([...w.shape]);
    addon.sgdUpdate(
      memory.view(w),
      v === undefined ? null : memory.view(v),
      memory.view(g),
      memory.view(wOut),
      vOut === null ? null : memory.view(vOut),
      params,
    );
    return vOut === null ? [memory.finish(wOut)] : [memory.finish(wOut), memory.finish(vOut)];
  },
};
