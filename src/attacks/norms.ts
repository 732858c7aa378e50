import * as tf from '@tensorflow/tfjs-core';

/** The norms attacks are bounded in. */
export type AttackNorm = 'linf' | 'l2';

/** Flattens each example of a batch to a row, [N, P]. */
export function rows(x: tf.Tensor): tf.Tensor2D {
  return tf.reshape(x, [x.shape[0], -1]);
}

/** Per-example L2 norm of a batch, [N] (no gradient needed: plain sqrt). */
export function l2Norms(x: tf.Tensor): tf.Tensor1D {
  return tf.sqrt(tf.sum(tf.square(rows(x)), 1)) as tf.Tensor1D;
}

/** Per-example L-inf norm of a batch, [N]. */
export function linfNorms(x: tf.Tensor): tf.Tensor1D {
  return tf.max(tf.abs(rows(x)), 1) as tf.Tensor1D;
}

/** Multiplies each example of x by its entry of the [N] vector s. */
export function scaleRows(x: tf.Tensor, s: tf.Tensor1D): tf.Tensor {
  return tf.mul(x, tf.reshape(s, [-1, ...x.shape.slice(1).map(() => 1)]));
}

/** x / ||x||_2 per example (zero rows stay zero). */
export function normalizeL2(x: tf.Tensor): tf.Tensor {
  return scaleRows(x, tf.div(1, tf.maximum(l2Norms(x), 1e-12)));
}

/**
 * Projects adv onto the eps-ball around x in the given norm, then clips to the pixel range. Clipping after the
 * projection cannot leave the ball: x lies in the box, so clipping only moves coordinates towards x.
 */
export function project(
  adv: tf.Tensor,
  x: tf.Tensor,
  eps: number,
  norm: AttackNorm,
  clipMin: number,
  clipMax: number,
): tf.Tensor {
  const delta = tf.sub(adv, x);
  const inBall =
    norm === 'linf'
      ? tf.clipByValue(delta, -eps, eps)
      : scaleRows(delta, tf.minimum(1, tf.div(eps, tf.maximum(l2Norms(delta), 1e-12))));
  return tf.clipByValue(tf.add(x, inBall), clipMin, clipMax);
}
