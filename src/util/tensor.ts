import * as tf from '@tensorflow/tfjs-core';

/**
 * One-hot rows as float32 [N,K]. Built as int32 and cast because the wasm backend's OneHot (4.22) writes the
 * integer bit pattern of on/off values into float32 outputs (1 becomes 1.4e-45).
 */
export function oneHotFloat(indices: tf.Tensor1D, depth: number): tf.Tensor2D {
  return tf.cast(tf.oneHot(indices, depth), 'float32') as tf.Tensor2D;
}

/**
 * log sum_k exp(x_ik) per row, [N,K] -> [N], built on softmax, which the wasm backend runs vectorised:
 *   value = max_k x_ik - log max_k softmax(x_i)   (the largest softmax entry is >= 1/K, so its log is exact)
 *   gradient = dy_i * softmax(x_i).
 * TF.js's own logSumExp takes an unvectorised exp, and its gradient goes through max(), whose equality mask
 * with a broadcast is far slower on wasm than the softmax used here (docs/performance.md, "Measurements behind code choices"). Same values to float
 * rounding.
 */
export function logSumExpRows(x: tf.Tensor2D): tf.Tensor1D {
  const op = tf.customGrad(((input: tf.Tensor, save: tf.GradSaveFunc) => {
    const p = tf.softmax(input);
    save([p]);
    return {
      value: tf.sub(tf.max(input, 1), tf.log(tf.max(p, 1))),
      gradFunc: (dy: tf.Tensor, [softmax]: tf.Tensor[]) => tf.mul(softmax, tf.reshape(dy, [-1, 1])),
    };
  }) as (...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    value: tf.Tensor;
    gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => tf.Tensor;
  });
  return op(x) as tf.Tensor1D;
}
