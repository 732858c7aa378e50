import * as tf from '@tensorflow/tfjs-core';
import { readAdversarialSet } from '../attacks/io.js';
import type { Classifier } from '../nets/classifier.js';
import { batchedFeatures } from './detector.js';
import type { InputSet } from './evaluate.js';

/**
 * The input set of a saved attack (<runDir>/adversarial/<name>.json + .f32): features of its successful
 * adversarial examples only (clean prediction right, adversarial wrong), or null when there are none.
 * The caller disposes the features.
 */
export async function adversarialInputSet(
  runDir: string,
  name: string,
  classifier: Classifier,
  batchSize: number,
): Promise<InputSet | null> {
  const { file, inputs } = await readAdversarialSet(runDir, name);
  try {
    const keep = file.success.flatMap((s, i) => (s && file.originalCorrect[i] ? [i] : []));
    if (keep.length === 0) return null;
    const chosen = tf.gather(inputs, keep);
    try {
      const features = batchedFeatures(classifier, chosen, batchSize);
      return { name, features, attackSuccessRate: file.successRate };
    } finally {
      chosen.dispose();
    }
  } finally {
    inputs.dispose();
  }
}
