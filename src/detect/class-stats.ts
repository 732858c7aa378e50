import * as tf from '@tensorflow/tfjs-core';
import { LgmError } from '../util/errors.js';

/** Per-class means of features (float64 sums on the host) and the class counts. */
export function classMeans(
  where: string,
  features: tf.Tensor2D,
  labels: tf.Tensor1D,
  numClasses: number,
): { means: Float64Array; counts: number[] } {
  const [n, d] = features.shape;
  const z = features.dataSync();
  const y = labels.dataSync();
  const means = new Float64Array(numClasses * d);
  const counts = new Array<number>(numClasses).fill(0);
  for (let i = 0; i < n; i++) {
    counts[y[i]]++;
    for (let j = 0; j < d; j++) means[y[i] * d + j] += z[i * d + j];
  }
  const empty = counts.findIndex((c) => c === 0);
  if (empty >= 0) {
    throw new LgmError(
      `${where}: every class in [0, ${numClasses}) must have a sample, got none of class ${empty}`,
    );
  }
  for (let k = 0; k < numClasses; k++) for (let j = 0; j < d; j++) means[k * d + j] /= counts[k];
  return { means, counts };
}
