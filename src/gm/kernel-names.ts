/**
 * The fused L-GM kernels' contracts: their names, inputs and attributes. The mixture math owns them (as
 * tfjs-core's kernel_names.ts does for TF.js ops); a backend (src/native, the oneDNN addon) only registers
 * implementations, and gm/distance.ts and losses/lgm-fused.ts call them when one is registered on the current
 * backend, otherwise running the same algorithm as TF.js ops. Every input is float32; labels travel as class
 * indices (exact below 2^24).
 */

/** How each covariance kind is passed to the kernels (attribute `covariance`). */
export const COVARIANCE_CODES = { identity: 0, isotropic: 1, diagonal: 2 } as const;
/** The value of attribute `covariance`: 0 identity, 1 isotropic, 2 diagonal. */
export type CovarianceCode = (typeof COVARIANCE_CODES)[keyof typeof COVARIANCE_CODES];

/**
 * Half squared Mahalanobis distances. Inputs: x [N,D], means [K,D], invVar [K,D] / [K] / absent, labels [N] /
 * absent. Outputs: distances [N,K] and the state the gradient needs (each sample's nearest class, [N]).
 */
export const LGM_DISTANCE = 'LgmDistance';
/** Gradient of LGM_DISTANCE: inputs dy [N,K], the forward inputs and `state`; outputs dx, dmeans (and dinvVar). */
export const LGM_DISTANCE_GRAD = 'LgmDistanceGrad';

/** Attributes of LGM_DISTANCE and LGM_DISTANCE_GRAD. */
export interface LgmDistanceAttrs {
  covariance: CovarianceCode;
}

/**
 * The L-GM loss per sample. Inputs: x [N,D], means [K,D], logVariances [K,D] / [K] / absent, logPriors [K] /
 * absent, labels [N]. Outputs: packed [N, K+2] (per row: logits, cross-entropy, likelihood term) and the state the
 * gradient needs.
 */
export const LGM_LOSS = 'LgmLoss';
/** Gradient of LGM_LOSS: inputs dy (of packed), state and the forward inputs; outputs one gradient per input. */
export const LGM_LOSS_GRAD = 'LgmLossGrad';

/** Attributes of LGM_LOSS and LGM_LOSS_GRAD. */
export interface LgmLossAttrs {
  covariance: CovarianceCode;
  logDet: boolean;
  alpha: number;
  minLogVariance: number;
}

/**
 * One SGD update of one parameter (src/train/optimizer.ts): inputs w, g and, with momentum, v (same shapes);
 * outputs [w'] or [w', v']. The arithmetic, in float32 and operation for operation as the optimizer's op path:
 * g' = g + w weightDecay (when weightDecay > 0), v' = v momentum + g', step = v' or, Nesterov, g' + v' momentum
 * (g' without v), w' = w - step rate.
 */
export const LGM_SGD_UPDATE = 'LgmSgdUpdate';

/** Attributes of LGM_SGD_UPDATE. */
export interface LgmSgdUpdateAttrs {
  rate: number;
  momentum: number;
  weightDecay: number;
  nesterov: boolean;
}
