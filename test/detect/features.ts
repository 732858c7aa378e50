/** Seeded Gaussian-blob features for detector tests: K classes around fixed means in D dims. */
import * as tf from '@tensorflow/tfjs-core';
import { mulberry32, seededNormal } from '../../src/util/random.js';

export const MEANS = [
  [0, 0, 0],
  [4, 0, 1],
  [0, 4, -1],
];

/** n features [n,3] around MEANS (+ shift) with standard deviation sd, labels i % 3. */
export function blobs(n: number, seed: number, shift = 0, sd = 1): { z: tf.Tensor2D; y: tf.Tensor1D } {
  const normal = seededNormal(mulberry32(seed));
  const z = new Float32Array(n * 3);
  const y = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    y[i] = i % 3;
    for (let j = 0; j < 3; j++) z[i * 3 + j] = MEANS[y[i]][j] + shift + sd * normal();
  }
  return { z: tf.tensor2d(z, [n, 3]), y: tf.tensor1d(y, 'int32') };
}
