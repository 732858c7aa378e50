import * as tf from '@tensorflow/tfjs-core';
import type { GaussianMixtureParams } from '../gm/params.js';
import type { LgmComputeOptions } from './lgm-options.js';
import { COVARIANCE_CODES, LGM_LOSS, LGM_LOSS_GRAD, type LgmLossAttrs } from '../gm/kernel-names.js';
import { fusedKernelServes, fusedOp } from '../gm/fused-op.js';
import type { PerSampleLoss } from './reduce.js';

/** Whether the addon's fused L-GM loss kernels serve this call: registered on the current backend, float32. */
export function fusedLgmAvailable(features: tf.Tensor, params: GaussianMixtureParams): boolean {
  return fusedKernelServes(LGM_LOSS, [features, params.means, params.logVariances, params.logPriors]);
}

/**
 * The L-GM loss per sample as one native call forward and one backward (native/src/lgm_loss.cc): the same values
 * and gradients as the TF.js-op path of lgmLossPerSample (the tests compare both with a float64 reference), at
 * about the cost of the matrix products alone. The kernel returns [N, K+2] rows (logits, cross-entropy,
 * likelihood term); the logits are a slice of it and the two per-sample terms products with it, so gradients reach
 * it through any of the three.
 * Inputs must already be validated. Not wrapped in tidy (lgmLossPerSample's contract).
 */
export function fusedLgmLossPerSample(
  features: tf.Tensor2D,
  labels: tf.Tensor1D,
  params: GaussianMixtureParams,
  opts: LgmComputeOptions,
): PerSampleLoss {
  const [n, k] = [features.shape[0], params.means.shape[0]];
  const attrs: LgmLossAttrs = {
    covariance: COVARIANCE_CODES[opts.covariance],
    logDet: opts.logDet,
    alpha: opts.alpha,
    minLogVariance: opts.minLogVariance,
  };
  const labelValues = tf.cast(labels, 'float32');
  const { means, logVariances, logPriors } = params;
  const differentiable = { x: features, means, logVariances, logPriors };
  const packed = fusedOp(
    LGM_LOSS,
    LGM_LOSS_GRAD,
    differentiable,
    { labels: labelValues },
    { ...attrs },
  ) as tf.Tensor2D;
  labelValues.dispose();
  // The two per-sample columns as products with one-hot [K+2, 1] selectors rather than slices: a slice's gradient
  // is a pad to [N, K+2], slow on wasm, a product's gradient one small outer product (docs/performance.md,
  // "Measurements behind code choices").
  const column = (c: number) => {
    const selector = tf.tensor2d(
      Float32Array.from({ length: k + 2 }, (_, i) => (i === c ? 1 : 0)),
      [k + 2, 1],
    );
    return tf.reshape(tf.matMul(packed, selector), [n]) as tf.Tensor1D;
  };
  return {
    classification: column(k),
    auxiliary: column(k + 1),
    auxiliaryWeight: opts.lambda,
    logits: tf.slice(packed, [0, 0], [n, k]),
  };
}
