import * as tf from '@tensorflow/tfjs-core';

/**
 * One-hot rows as float32 [N,K]. Built as int32 and cast because the wasm backend's OneHot (4.22) writes the
 * integer bit pattern of on/off values into float32 outputs (1 becomes 1.4e-45).
 */
export function oneHotFloat(indices: tf.Tensor1D, depth: number): tf.Tensor2D {
  return tf.cast(tf.oneHot(indices, depth), 'float32') as tf.Tensor2D;
}
