import type { TensorInfo } from '@tensorflow/tfjs-core';
import { allFloat32, input, viewOrNull, type NativeKernel } from './kernel.js';
import { LGM_LOSS, LGM_LOSS_GRAD, type LgmLossAttrs as LossAttrs } from '../gm/kernel-names.js';

// The addon's implementations (native/src/lgm_loss.cc) of the fused L-GM loss kernels (their contract: gm/kernel-names.ts).

/**
 * Length of the forward kernel's state output: each sample's nearest class (N), the inverse variances (K*D for
 * diagonal, K for isotropic, none for identity) and the softmax of the logits (N*K), so that the gradient kernel
 * does not compute them again.
 */
function stateSize(x: TensorInfo, means: TensorInfo, covariance: number): number {
  const [n, k, d] = [x.shape[0]!, means.shape[0]!, x.shape[1]!];
  return n + (covariance === 2 ? k * d : covariance === 1 ? k : 0) + n * k;
}

function dims(x: TensorInfo, means: TensorInfo, attrs: LossAttrs) {
  return Int32Array.from([x.shape[0]!, x.shape[1]!, means.shape[0]!, attrs.covariance, attrs.logDet ? 1 : 0]);
}

export const lgmLossKernel: NativeKernel = {
  kernelName: LGM_LOSS,
  run({ inputs, attrs, memory, addon }) {
    const [x, means, labels] = [input(inputs, 'x'), input(inputs, 'means'), input(inputs, 'labels')];
    const { logVariances, logPriors } = inputs;
    if (!allFloat32(x, means, labels, logVariances, logPriors)) return null;
    const a = attrs as unknown as LossAttrs;
    const packed = memory.allocate([x.shape[0]!, means.shape[0]! + 2]);
    const state = memory.allocate([stateSize(x, means, a.covariance)]);
    addon.lgmLoss(
      memory.view(x),
      memory.view(means),
      viewOrNull(memory, logVariances),
      viewOrNull(memory, logPriors),
      memory.view(labels),
      memory.view(packed),
      memory.view(state),
      dims(x, means, a),
      a.alpha,
      a.minLogVariance,
    );
    return [memory.finish(packed), memory.finish(state)];
  },
};

export const lgmLossGradKernel: NativeKernel = {
  kernelName: LGM_LOSS_GRAD,
  run({ inputs, attrs, memory, addon }) {
    const names = ['dy', 'x', 'means', 'labels', 'state'];
    const [dPacked, x, means, labels, state] = names.map((n) => input(inputs, n)) as TensorInfo[];
    const { logVariances, logPriors } = inputs;
    if (!allFloat32(dPacked, x, means, labels, state, logVariances, logPriors)) return null;
    const a = attrs as unknown as LossAttrs;
    const dx = memory.allocate([...x!.shape]);
    const dmu = memory.allocate([...means!.shape]);
    const dLogVar = logVariances ? memory.allocate([...logVariances.shape]) : null;
    const dLogPriors = logPriors ? memory.allocate([...logPriors.shape]) : null;
    addon.lgmLossGrad(
      memory.view(dPacked!),
      memory.view(x!),
      memory.view(means!),
      viewOrNull(memory, logVariances),
      viewOrNull(memory, logPriors),
      memory.view(labels!),
      memory.view(state!),
      memory.view(dx),
      memory.view(dmu),
      viewOrNull(memory, dLogVar),
      viewOrNull(memory, dLogPriors),
      dims(x!, means!, a),
      a.alpha,
      a.minLogVariance,
    );
    return [dx, dmu, dLogVar, dLogPriors].filter((t): t is TensorInfo => t !== null).map(memory.finish);
  },
};
