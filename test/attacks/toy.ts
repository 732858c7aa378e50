/**
 * A tiny classifier for attack and detector tests: inputs are 16-pixel "images" in [0,1] drawn around three
 * class prototypes; an MLP 16 -> 24 -> 4 (features) -> 3 (softmax logits) is trained for a few hundred Adam steps
 * on the cpu backend (well under a second).
 */
import '../../src/util/tf-gradients.js';
import { after, before } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../../src/backend/index.js';
import type { Classifier } from '../../src/nets/classifier.js';
import { mulberry32, seededNormal } from '../../src/util/random.js';
import { oneHotFloat } from '../../src/util/tensor.js';

export const PIXELS = 16;
export const CLASSES = 3;

/** Seeded blobs: n inputs [n, 16] in [0,1] and labels [n]. */
export function toyData(n: number, seed: number): { inputs: tf.Tensor2D; labels: tf.Tensor1D } {
  const rand = mulberry32(12345); // prototypes are fixed for every split
  const prototypes = Array.from({ length: CLASSES }, () =>
    Array.from({ length: PIXELS }, () => 0.25 + 0.5 * rand()),
  );
  const normal = seededNormal(mulberry32(seed));
  const x = new Float32Array(n * PIXELS);
  const y = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    y[i] = i % CLASSES;
    for (let j = 0; j < PIXELS; j++) {
      x[i * PIXELS + j] = Math.min(1, Math.max(0, prototypes[y[i]][j] + 0.12 * normal()));
    }
  }
  return { inputs: tf.tensor2d(x, [n, PIXELS]), labels: tf.tensor1d(y, 'int32') };
}

export interface Toy {
  classifier: Classifier;
  weights: tf.Variable[];
  dispose(): void;
}

/** Trains the toy classifier on 300 seeded examples. */
export function trainToy(seed = 0): Toy {
  const rand = mulberry32(seed);
  const init = (shape: [number, number]) =>
    tf.variable(
      tf.tensor2d(
        Float32Array.from({ length: shape[0] * shape[1] }, () => (rand() - 0.5) * 0.8),
        shape,
      ),
    );
  const w1 = init([PIXELS, 24]);
  const b1 = tf.variable(tf.zeros([24]));
  const w2 = init([24, 4]);
  const w3 = init([4, CLASSES]);
  const b3 = tf.variable(tf.zeros([CLASSES]));
  const classifier: Classifier = {
    numClasses: CLASSES,
    featureDim: 4,
    inputShape: [PIXELS],
    features: (x) => tf.tidy(() => tf.matMul(tf.relu(tf.add(tf.matMul(x as tf.Tensor2D, w1), b1)), w2)),
    logits: (z) => tf.tidy(() => tf.add(tf.matMul(z, w3), b3)),
  };
  const { inputs, labels } = toyData(300, seed + 1);
  const oneHot = oneHotFloat(labels, CLASSES);
  const optimizer = tf.train.adam(0.03);
  for (let step = 0; step < 150; step++) {
    optimizer.minimize(() =>
      tf.losses.softmaxCrossEntropy(oneHot, classifier.logits(classifier.features(inputs))),
    );
  }
  optimizer.dispose();
  tf.dispose([inputs, labels, oneHot]);
  const weights = [w1, b1, w2, w3, b3];
  return { classifier, weights, dispose: () => tf.dispose(weights) };
}

/** Accuracy of the classifier on inputs, on the host. */
export function accuracy(classifier: Classifier, inputs: tf.Tensor, labels: tf.Tensor1D): number {
  return tf.tidy(() => {
    const pred = tf.argMax(classifier.logits(classifier.features(inputs)), 1);
    return tf.mean(tf.cast(tf.equal(pred, labels), 'float32')).dataSync()[0];
  });
}

/**
 * Registers a test file's hooks: before its tests, the cpu backend and the toy classifier trained with `seed`;
 * after them, its disposal. Returns the classifier's getter, for use inside the tests.
 */
export function useToyClassifier(seed = 0): () => Classifier {
  let toy: Toy | undefined;
  before(async () => {
    await initBackend('cpu');
    toy = trainToy(seed);
  });
  after(() => toy?.dispose());
  return () => {
    if (toy === undefined) throw new Error('useToyClassifier: the classifier exists only inside the tests');
    return toy.classifier;
  };
}
