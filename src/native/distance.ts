import type { TensorInfo } from '@tensorflow/tfjs-core';
import { allFloat32, input, viewOrNull, type NativeKernel } from './kernel.js';
import { LGM_DISTANCE, LGM_DISTANCE_GRAD } from '../gm/kernel-names.js';

// The addon's implementations (native/src/lgm_distance.cc) of the fused distance kernels (their contract: gm/kernel-names.ts).

function dims(x: TensorInfo, means: TensorInfo, covariance: number) {
  return Int32Array.from([x.shape[0]!, x.shape[1]!, means.shape[0]!, covariance]);
}

export const lgmDistanceKernel: NativeKernel = {
  kernelName: LGM_DISTANCE,
  run({ inputs, attrs, memory, addon }) {
    const [x, means] = [input(inputs, 'x'), input(inputs, 'means')];
    const { invVar, labels } = inputs;
    if (!allFloat32(x, means, invVar, labels)) return null;
    const out = memory.allocate([x.shape[0]!, means.shape[0]!]);
    const nearest = memory.allocate([x.shape[0]!]);
    addon.lgmDistance(
      memory.view(x),
      memory.view(means),
      viewOrNull(memory, invVar),
      viewOrNull(memory, labels),
      memory.view(out),
      memory.view(nearest),
      dims(x, means, attrs.covariance as number),
    );
    return [memory.finish(out), memory.finish(nearest)];
  },
};

export const lgmDistanceGradKernel: NativeKernel = {
  kernelName: LGM_DISTANCE_GRAD,
  run({ inputs, attrs, memory, addon }) {
    const [dy, x, means, nearest] = ['dy', 'x', 'means', 'state'].map((name) => input(inputs, name)) as [
      TensorInfo,
      TensorInfo,
      TensorInfo,
      TensorInfo,
    ];
    const { invVar, labels } = inputs;
    if (!allFloat32(dy, x, means, nearest, invVar, labels)) return null;
    const dx = memory.allocate([...x.shape]);
    const dmu = memory.allocate([...means.shape]);
    const div = invVar ? memory.allocate([...invVar.shape]) : null;
    addon.lgmDistanceGrad(
      memory.view(dy),
      memory.view(x),
      memory.view(means),
      viewOrNull(memory, invVar),
      viewOrNull(memory, labels),
      memory.view(nearest),
      memory.view(dx),
      memory.view(dmu),
      viewOrNull(memory, div),
      dims(x, means, attrs.covariance as number),
    );
    const grads = [memory.finish(dx), memory.finish(dmu)];
    return div ? [...grads, memory.finish(div)] : grads;
  },
};
