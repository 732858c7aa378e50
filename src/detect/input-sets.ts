import * as tf from '@tensorflow/tfjs-core';
import { datasetTensors } from '../data/tensors.js';
import { loadDataset, DATASET_NAMES, DatasetName } from '../data/registry.js';
import { loadIdxDataset } from '../data/idx-dataset.js';
import type { Normalization } from '../data/normalization.js';
import type { Classifier } from '../nets/classifier.js';
import type { Split } from '../data/dataset.js';
import { LgmError } from '../util/errors.js';
import { mulberry32, seededNormal } from '../util/random.js';

/** Labelled inputs in [0, 1] (pixel / 255) and the dataset indices they came from. The caller disposes x, y. */
export interface LoadedInputs {
  x: tf.Tensor;
  y: tf.Tensor1D;
  indices: number[];
}

/**
 * The first `limit` images of a dataset split, as pixel/255 (the range attacks clip to). `name` is a dataset
 * name (mnist, fashion-mnist, cifar10, ...) or `idx:<dir>` for any directory of IDX files.
 */
export async function loadInputs(
  name: string,
  options: { split: Split; limit: number; dataDir?: string | null },
): Promise<LoadedInputs> {
  const dataset = name.startsWith('idx:')
    ? await loadIdxDataset({ dataDir: name.slice(4), split: options.split, name: 'idx' })
    : await loadNamed(name, options.split, options.dataDir ?? undefined);
  const count = Math.min(options.limit, dataset.count);
  const indices = Array.from({ length: count }, (_, i) => i);
  const { x, y } = datasetTensors(dataset, { indices });
  return { x, y, indices };
}

function loadNamed(name: string, split: Split, dataDir: string | undefined) {
  if (!(DATASET_NAMES as readonly string[]).includes(name)) {
    throw new LgmError(
      `loadInputs: dataset must be one of ${DATASET_NAMES.join(', ')} or idx:<dir>, got '${name}'`,
    );
  }
  return loadDataset(name as DatasetName, dataDir === undefined ? { split } : { split, dataDir });
}

/**
 * The classifier as seen from pixel space: inputs pixel/255 in [0, 1] are normalised, then passed on. Attacks
 * then perturb and clip real pixels, and every detector sees the features the model computes for them.
 */
export function pixelClassifier(classifier: Classifier, normalization: Normalization): Classifier {
  const { mean, std } = normalization;
  return {
    numClasses: classifier.numClasses,
    featureDim: classifier.featureDim,
    inputShape: classifier.inputShape,
    features: (inputs) =>
      tf.tidy(() => classifier.features(tf.div(tf.sub(inputs, tf.tensor1d(mean)), tf.tensor1d(std)))),
    logits: (features) => classifier.logits(features),
  };
}

/** The synthetic out-of-distribution sets: names accepted by `noiseInputs`. */
export const NOISE_SETS = ['gaussian', 'uniform'] as const;

/**
 * Seeded noise images in [0, 1] of a given shape (Liang et al. 2018, ODIN's synthetic OOD sets): 'gaussian' =
 * N(0.5, 1) clipped to [0, 1] per pixel; 'uniform' = U(0, 1) per pixel.
 */
export function noiseInputs(
  kind: (typeof NOISE_SETS)[number],
  count: number,
  shape: readonly number[],
  seed: number,
): tf.Tensor {
  const size = count * shape.reduce((a, b) => a * b, 1);
  const rand = mulberry32(seed);
  const values = new Float32Array(size);
  if (kind === 'uniform') for (let i = 0; i < size; i++) values[i] = rand();
  else {
    const normal = seededNormal(rand);
    for (let i = 0; i < size; i++) values[i] = Math.min(1, Math.max(0, 0.5 + normal()));
  }
  return tf.tensor(values, [count, ...shape], 'float32');
}
