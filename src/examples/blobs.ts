import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { GaussianMixtureLayer } from '../layers/gaussian-mixture.js';
import type { CovarianceKind } from '../gm/params.js';
import { checkKnownKeys, choiceOption, numberOption } from '../util/options.js';
import { COVARIANCE_KINDS } from '../gm/params.js';
import { mulberry32, seededNormal, shuffleInPlace } from '../util/random.js';

/** Options of the synthetic-blob example. */
export interface BlobsExampleOptions {
  /** Number of classes (blobs on a circle of radius 4), integer in [2, 64]. Default 5. */
  numClasses?: number;
  /** Training points per class, integer >= 10. Default 200. */
  perClass?: number;
  /** Passes over the training set, integer >= 1. Default 30. */
  epochs?: number;
  /** Covariance kind of the mixture head. Default 'diagonal'. */
  covariance?: CovarianceKind;
  /** Margin alpha >= 0. Default 0.3. */
  alpha?: number;
  /** Likelihood weight lambda >= 0. Default 0.1. */
  lambda?: number;
  /** Seed of data, initialisation and shuffling (integer). Default 0. */
  seed?: number;
}

/** What the example measured. */
export interface BlobsExampleResult {
  /** Test accuracy of the mixture head's posterior. */
  accuracy: number;
  /** Mean log p(z) of test points' features (in-distribution). */
  inDistributionLogLikelihood: number;
  /** Mean log p(z) of out-of-distribution points' features (uniform noise over a wide box). */
  outOfDistributionLogLikelihood: number;
  /** Final training loss. */
  finalLoss: number;
}

/** K Gaussian blobs with unit spread on a circle of radius 4, [N,2] points and int labels. */
function makeBlobs(numClasses: number, perClass: number, rand: () => number) {
  const normal = seededNormal(rand);
  const points: number[] = [];
  const labels: number[] = [];
  for (let i = 0; i < numClasses * perClass; i++) {
    const k = i % numClasses;
    const angle = (2 * Math.PI * k) / numClasses;
    points.push(4 * Math.cos(angle) + 0.7 * normal(), 4 * Math.sin(angle) + 0.7 * normal());
    labels.push(k);
  }
  return { x: tf.tensor2d(points, [labels.length, 2]), y: tf.tensor1d(labels, 'int32') };
}

/**
 * The quick-start example: a small MLP maps 2-D points to a 2-D feature, a Gaussian-mixture head classifies it
 * with the L-GM loss, then the mixture log-likelihood separates held-out blob points from uniform noise.
 */
export async function runBlobsExample(options: BlobsExampleOptions = {}): Promise<BlobsExampleResult> {
  const where = 'runBlobsExample';
  checkKnownKeys(where, options, [
    'numClasses',
    'perClass',
    'epochs',
    'covariance',
    'alpha',
    'lambda',
    'seed',
  ]);
  const numClasses = numberOption(where, 'numClasses', options.numClasses, 5, {
    min: 2,
    max: 64,
    integer: true,
  });
  const perClass = numberOption(where, 'perClass', options.perClass, 200, { min: 10, integer: true });
  const epochs = numberOption(where, 'epochs', options.epochs, 30, { min: 1, integer: true });
  const covariance = choiceOption(where, 'covariance', options.covariance, COVARIANCE_KINDS, 'diagonal');
  const alpha = numberOption(where, 'alpha', options.alpha, 0.3, { min: 0 });
  const lambda = numberOption(where, 'lambda', options.lambda, 0.1, { min: 0 });
  const seed = numberOption(where, 'seed', options.seed, 0, { integer: true });
  const rand = mulberry32(seed);

  const net = tfl.sequential({
    layers: [
      tfl.layers.dense({
        inputShape: [2],
        units: 32,
        activation: 'relu',
        kernelInitializer: tfl.initializers.glorotUniform({ seed }),
      }),
      tfl.layers.dense({ units: 2, kernelInitializer: tfl.initializers.glorotUniform({ seed: seed + 1 }) }),
    ],
  });
  const head = new GaussianMixtureLayer({ numClasses, covariance, alpha, lambda, seed: seed + 2 });
  head.build([null, 2]);
  const train = makeBlobs(numClasses, perClass, rand);
  const test = makeBlobs(numClasses, 100, rand);
  const optimizer = tf.train.adam(0.02);
  const batch = 64;
  const n = train.y.shape[0];
  let finalLoss = NaN;
  for (let epoch = 0; epoch < epochs; epoch++) {
    const order = shuffleInPlace(
      Array.from({ length: n }, (_, i) => i),
      rand,
    );
    for (let start = 0; start < n; start += batch) {
      const idx = tf.tensor1d(order.slice(start, start + batch), 'int32');
      const cost = optimizer.minimize(() => {
        const features = net.apply(tf.gather(train.x, idx)) as tf.Tensor2D;
        return head.loss(features, tf.gather(train.y, idx)).loss;
      }, true);
      finalLoss = (cost as tf.Scalar).dataSync()[0];
      tf.dispose([idx, cost as tf.Scalar]);
    }
  }
  const result = tf.tidy(() => {
    const features = net.apply(test.x) as tf.Tensor2D;
    const predicted = tf.argMax(head.posterior(features), 1);
    const accuracy = tf.mean(tf.cast(tf.equal(predicted, test.y), 'float32')).dataSync()[0];
    const noise = tf.randomUniform([test.y.shape[0], 2], -12, 12, 'float32', seed + 3);
    const inLL = tf.mean(head.logLikelihood(features)).dataSync()[0];
    const outLL = tf.mean(head.logLikelihood(net.apply(noise) as tf.Tensor2D)).dataSync()[0];
    return { accuracy, inDistributionLogLikelihood: inLL, outOfDistributionLogLikelihood: outLL, finalLoss };
  });
  tf.dispose([train.x, train.y, test.x, test.y]);
  net.dispose();
  for (const w of head.weights) w.dispose(); // Layer.dispose() refuses layers never called symbolically
  optimizer.dispose();
  return result;
}
